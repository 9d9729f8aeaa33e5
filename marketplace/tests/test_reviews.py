"""Reviews: only after a delivered booking, once, moderated before anyone sees them,
and one public reply from the listing's owner."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser, Group
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from accounts.models import Representation
from directory.factories import make_listing
from marketplace.models import Booking, Offer, PaymentRoute, Review
from marketplace.reviews import services as reviews

pytestmark = pytest.mark.django_db

Status = Booking.Status


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def book(offer, person, status, amount="18.00") -> Booking:
    return Booking.objects.create(
        offer=offer,
        person=person,
        requested_by=person,
        payment_route=PaymentRoute.CARD,
        amount=Decimal(amount),
        status=status,
    )


@pytest.fixture
def kith(user_factory):
    """Sam had four aquafit sessions at the pool; Joan's booking has not happened yet."""
    sam = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    aisha = user_factory(display_name="Aisha Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=sam,
        representative=aisha,
        invited_email=aisha.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    dave = user_factory(display_name="Dave Lomas", roles=["provider"])
    kev = user_factory(display_name="Kev Walsh", roles=["provider"])
    joan = user_factory(display_name="Joan Reid", roles=["budget_holder"])
    priya = user_factory(display_name="Priya Shah", roles=["practitioner"])
    pool = make_listing(
        "provider", "Grand Central Pools", "SK1 3TA", price="4.50", price_unit="session", owner=dave
    )
    make_listing("provider", "Edgeley Fitness", "SK3 9HQ", owner=kev)
    offer = Offer.objects.create(
        listing=pool,
        kind=Offer.Kind.BLOCK,
        title="Four aquafit sessions",
        price=Decimal("18.00"),
        sessions=4,
    )
    return SimpleNamespace(
        sam=sam,
        aisha=aisha,
        dave=dave,
        kev=kev,
        joan=joan,
        priya=priya,
        pool=pool,
        offer=offer,
        delivered=book(offer, sam, Status.DELIVERED),
        requested=book(offer, joan, Status.REQUESTED),
    )


@pytest.fixture
def moderator(user_factory):
    user = user_factory(display_name="Mo Ahmed", email="mod@example.org", roles=["moderator"])
    user.groups.add(Group.objects.get(name="Moderators"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def shown_on_listing(listing, user=None) -> str:
    """The listing page's reviews section, as the lead includes it in the listing template."""
    return render_to_string(
        "marketplace/includes/reviews.html", {"page": listing, "user": user or AnonymousUser()}
    )


@pytest.fixture
def approved(kith, moderator):
    review = reviews.leave_review(kith.delivered, kith.sam, 5, "Friendly staff and a proper hoist.")
    return reviews.approve_review(review, moderator)


# --- Writing a review ------------------------------------------------------------


def test_a_person_reviews_a_delivered_booking_and_it_waits_for_moderation(kith):
    client = client_for(kith.sam)
    url = reverse("marketplace:review_new", args=[kith.delivered.pk])
    assert "Review Grand Central Pools" in client.get(url).content.decode()

    response = client.post(url, {"rating": "4", "text": "Warm pool, helpful lifeguards."})

    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.booking, review.author, review.rating) == (kith.delivered, kith.sam, 4)
    assert review.listing_id == kith.pool.pk
    assert review.status == Review.Status.PENDING
    assert list(reviews.approved_reviews(kith.pool)) == []
    assert "Warm pool" not in shown_on_listing(kith.pool)
    assert "No reviews yet" in shown_on_listing(kith.pool)


def test_a_representative_reviews_for_the_person_they_act_for(kith):
    kith.delivered.status = Status.PAID
    kith.delivered.save()
    client_for(kith.aisha).post(
        reverse("marketplace:review_new", args=[kith.delivered.pk]),
        {"rating": "5", "text": "Dad loved it."},
    )
    assert Review.objects.get().author == kith.aisha


@pytest.mark.parametrize(
    "status", [Status.REQUESTED, Status.ACCEPTED, Status.DECLINED, Status.CANCELLED]
)
def test_a_booking_that_has_not_happened_cannot_be_reviewed(kith, status):
    booking = book(kith.offer, kith.sam, status)
    url = reverse("marketplace:review_new", args=[booking.pk])
    response = client_for(kith.sam).post(url, {"rating": "1", "text": "Never went."})
    assert response.status_code == 403
    assert "once it has been delivered" in response.content.decode()
    with pytest.raises(reviews.ReviewError, match="delivered"):
        reviews.leave_review(booking, kith.sam, 1, "Never went.")
    assert not Review.objects.exists()


def test_a_booking_is_reviewed_only_once(kith):
    reviews.leave_review(kith.delivered, kith.sam, 4, "Good.")
    response = client_for(kith.aisha).post(
        reverse("marketplace:review_new", args=[kith.delivered.pk]),
        {"rating": "1", "text": "Second go."},
    )
    assert response.status_code == 403
    assert "can be reviewed once" in response.content.decode()
    with pytest.raises(reviews.ReviewError, match="already been reviewed"):
        reviews.leave_review(kith.delivered, kith.aisha, 1, "Second go.")
    assert Review.objects.get().text == "Good."


@pytest.mark.parametrize("who", ["joan", "dave", "kev", "priya"])
def test_only_the_person_and_their_representative_reach_a_bookings_review_page(kith, who):
    client = client_for(getattr(kith, who))
    url = reverse("marketplace:review_new", args=[kith.delivered.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "1", "text": "Not mine"}).status_code == 404
    with pytest.raises(reviews.ReviewError):
        reviews.leave_review(kith.delivered, getattr(kith, who), 1, "Not mine")
    assert not Review.objects.exists()


def test_review_pages_ask_anonymous_visitors_to_sign_in(kith, approved, client):
    for url in [
        reverse("marketplace:review_new", args=[kith.delivered.pk]),
        reverse("marketplace:owner_reviews"),
        reverse("marketplace:review_reply", args=[approved.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_rating_outside_one_to_five_is_refused(kith):
    response = client_for(kith.sam).post(
        reverse("marketplace:review_new", args=[kith.delivered.pk]), {"rating": "6", "text": "!"}
    )
    assert response.status_code == 400
    with pytest.raises(reviews.ReviewError):
        reviews.leave_review(kith.delivered, kith.sam, 0, "Bad")
    assert not Review.objects.exists()


# --- Moderation and the listing page ------------------------------------------------


def test_moderators_publish_reviews_from_the_admin_queue(kith, moderator):
    review = reviews.leave_review(
        kith.delivered, kith.sam, 4, "Changing room <b>was</b> cold.\nStaff were lovely."
    )
    admin = client_for(moderator)
    queue = admin.get(reverse("marketplace_moderation:reviews")).content.decode()
    assert "Changing room &lt;b&gt;was&lt;/b&gt; cold.<br>Staff were lovely." in queue
    assert "Reviews to moderate (1)" in queue

    response = admin.post(
        reverse("marketplace_moderation:moderate_review", args=[review.pk, "approve"])
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.moderated_by) == (Review.Status.APPROVED, moderator)
    assert list(reviews.approved_reviews(kith.pool)) == [review]
    html = shown_on_listing(kith.pool)
    assert "Changing room &lt;b&gt;was&lt;/b&gt; cold.<br>Staff were lovely." in html
    assert "Rated 4 out of 5" in html
    assert "4.0 out of 5, from 1 review" in html
    assert "Sam Patel" not in html  # reviewers are not named


def test_a_rejected_review_is_never_shown(kith, moderator):
    review = reviews.leave_review(kith.delivered, kith.sam, 1, "Rubbish, and Dave is an idiot.")
    client_for(moderator).post(
        reverse("marketplace_moderation:moderate_review", args=[review.pk, "reject"])
    )
    review.refresh_from_db()
    assert review.status == Review.Status.REJECTED
    assert "Dave is an idiot" not in shown_on_listing(kith.pool)


def test_only_moderators_can_publish_a_review(kith):
    review = reviews.leave_review(kith.delivered, kith.sam, 5, "Great.")
    for who in (kith.dave, kith.sam):
        with pytest.raises(reviews.ReviewError):
            reviews.approve_review(review, who)
    client_for(kith.dave).post(
        reverse("marketplace_moderation:moderate_review", args=[review.pk, "approve"])
    )
    review.refresh_from_db()
    assert review.status == Review.Status.PENDING


# --- The owner's reply ---------------------------------------------------------------


def test_the_owner_replies_once_to_a_published_review(kith, approved):
    client = client_for(kith.dave)
    listing_html = shown_on_listing(kith.pool, kith.dave)
    reply_url = reverse("marketplace:review_reply", args=[approved.pk])
    assert reply_url in listing_html
    assert reply_url not in shown_on_listing(kith.pool, kith.kev)
    assert reply_url in client.get(reverse("marketplace:owner_reviews")).content.decode()

    response = client.post(reply_url, {"reply": "Thank you, Sam! <3\nSee you next week."})

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.reply == "Thank you, Sam! <3\nSee you next week."
    assert approved.replied_at is not None
    html = shown_on_listing(kith.pool)
    assert "Reply from Grand Central Pools" in html
    assert "Thank you, Sam! &lt;3<br>See you next week." in html

    second = client.post(reply_url, {"reply": "Edited reply"})
    assert second.status_code == 403
    assert "already replied" in second.content.decode()
    with pytest.raises(reviews.ReviewError, match="already replied"):
        reviews.reply_to_review(approved, kith.dave, "Edited reply")
    approved.refresh_from_db()
    assert approved.reply.startswith("Thank you, Sam!")


@pytest.mark.parametrize("who", ["kev", "sam", "aisha", "priya"])
def test_only_the_listing_owner_replies(kith, approved, who):
    client = client_for(getattr(kith, who))
    url = reverse("marketplace:review_reply", args=[approved.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reply": "Hijack"}).status_code == 404
    with pytest.raises(reviews.ReviewError):
        reviews.reply_to_review(approved, getattr(kith, who), "Hijack")
    approved.refresh_from_db()
    assert approved.reply == ""


def test_the_owner_cannot_reply_to_a_review_before_it_is_published(kith):
    review = reviews.leave_review(kith.delivered, kith.sam, 2, "Too crowded.")
    url = reverse("marketplace:review_reply", args=[review.pk])
    assert client_for(kith.dave).get(url).status_code == 404
    assert (
        "Too crowded"
        not in client_for(kith.dave).get(reverse("marketplace:owner_reviews")).content.decode()
    )
    with pytest.raises(reviews.ReviewError, match="published"):
        reviews.reply_to_review(review, kith.dave, "Sorry")


def test_the_average_rating_counts_only_published_reviews(kith, approved, moderator):
    other = book(kith.offer, kith.joan, Status.DELIVERED)
    pending = reviews.leave_review(other, kith.joan, 1, "Cold water.")
    assert reviews.rating_summary(kith.pool) == {"count": 1, "average": 5.0}
    reviews.approve_review(pending, moderator)
    assert reviews.rating_summary(kith.pool) == {"count": 2, "average": 3.0}
