"""PA job adverts: posting, browsing by distance, applying once, answering, suggested PAs.

PA listings are published inside ``django_capture_on_commit_callbacks(execute=True)``
so their search records exist for the suggestions, without transactional tests.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Representation
from directory.factories import make_listing
from marketplace.adverts import services as adverts
from marketplace.models import JobAdvert, JobApplication

pytestmark = pytest.mark.django_db

WHAT_MATTERS = (
    "I am 34 and love football and music. I need help getting up and dressed, "
    "with meals, and to get out to see Stockport County at home.\n"
    "Someone patient and chatty would suit me."
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kith(user_factory):
    """Sam in Stockport and his daughter Aisha; two PAs; people who must not see applications."""
    sam = user_factory(display_name="Sam Patel", email="sam@example.org", roles=["budget_holder"])
    aisha = user_factory(
        display_name="Aisha Patel", email="aisha@example.org", roles=["representative"]
    )
    Representation.objects.create(
        budget_holder=sam,
        representative=aisha,
        invited_email=aisha.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    return SimpleNamespace(
        sam=sam,
        aisha=aisha,
        amina=user_factory(
            display_name="Amina Hussain", email="amina@example.org", roles=["personal_assistant"]
        ),
        ben=user_factory(
            display_name="Ben Carter", email="ben@example.org", roles=["personal_assistant"]
        ),
        other_holder=user_factory(display_name="Joan Reid", roles=["budget_holder"]),
        dave=user_factory(display_name="Dave Lomas", roles=["provider"]),
        priya=user_factory(display_name="Priya Shah", roles=["practitioner"]),
    )


def advert_data(**overrides) -> dict:
    data = {
        "title": "PA for mornings and match days",
        "hours_per_week": "12",
        "postcode": "SK1 3XE",
        "hourly_rate": "13.50",
        "what_matters": WHAT_MATTERS,
    }
    data.update(overrides)
    return data


@pytest.fixture
def advert(kith):
    return adverts.post_advert(
        kith.sam,
        kith.aisha,
        title="PA for mornings and match days",
        hours_per_week=Decimal("12"),
        postcode="SK1 3XE",
        hourly_rate=Decimal("13.50"),
        what_matters=WHAT_MATTERS,
    )


# --- Posting ---------------------------------------------------------------------


def test_a_representative_posts_an_advert_for_the_person_and_only_the_area_is_shown(kith):
    client = client_for(kith.aisha)
    assert client.get(reverse("marketplace:advert_new")).status_code == 200

    response = client.post(reverse("marketplace:advert_new"), advert_data(postcode="sk13xe"))

    advert = JobAdvert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:advert_detail", args=[advert.pk])
    assert (advert.person, advert.posted_by) == (kith.sam, kith.aisha)
    assert (advert.postcode, advert.public_area) == ("SK1 3XE", "SK1 3")
    assert advert.status == JobAdvert.Status.OPEN

    pa_view = client_for(kith.amina).get(reverse("marketplace:advert_detail", args=[advert.pk]))
    html = pa_view.content.decode()
    assert "SK1 3" in html and "SK1 3XE" not in html
    assert "Stockport County at home.<br>Someone patient" in html


def test_a_bad_postcode_is_explained_on_the_form(kith):
    response = client_for(kith.sam).post(
        reverse("marketplace:advert_new"), advert_data(postcode="not a postcode")
    )
    assert response.status_code == 400
    assert "is not a UK postcode" in response.content.decode()
    assert not JobAdvert.objects.exists()


@pytest.mark.parametrize("who", ["amina", "dave", "priya"])
def test_people_who_hold_no_budget_cannot_post_an_advert(kith, who):
    client = client_for(getattr(kith, who))
    assert client.get(reverse("marketplace:advert_new")).status_code == 403
    assert client.post(reverse("marketplace:advert_new"), advert_data()).status_code == 403
    with pytest.raises(adverts.AdvertError):
        adverts.post_advert(
            kith.sam,
            getattr(kith, who),
            title="PA",
            hours_per_week=Decimal("5"),
            postcode="SK1 3XE",
            hourly_rate=Decimal("12"),
            what_matters="Help",
        )
    assert not JobAdvert.objects.exists()


def test_advert_pages_ask_anonymous_visitors_to_sign_in(advert, client):
    application = JobApplication.objects.create(
        advert=advert, applicant=advert.posted_by, message="x"
    )
    urls = [
        reverse("marketplace:advert_list"),
        reverse("marketplace:advert_new"),
        reverse("marketplace:my_adverts"),
        reverse("marketplace:advert_detail", args=[advert.pk]),
        reverse("marketplace:advert_apply", args=[advert.pk]),
        reverse("marketplace:application_detail", args=[application.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))
    for url in [
        reverse("marketplace:advert_close", args=[advert.pk]),
        reverse("marketplace:application_status", args=[application.pk]),
        reverse("marketplace:application_reply", args=[application.pk]),
    ]:
        assert client.post(url, {"action": "decline", "reply": "x"}).status_code == 302
    advert.refresh_from_db()
    assert advert.status == JobAdvert.Status.OPEN


# --- Browsing ----------------------------------------------------------------------


def test_pas_browse_open_adverts_nearest_first_within_the_distance(kith, advert):
    city = adverts.post_advert(
        kith.other_holder,
        kith.other_holder,
        title="PA in Manchester city centre",
        hours_per_week=Decimal("6"),
        postcode="M1 1AE",
        hourly_rate=Decimal("14.00"),
        what_matters="Help with shopping and appointments.",
    )
    client = client_for(kith.amina)

    near = client.get(reverse("marketplace:advert_list"), {"postcode": "SK2 6PL", "radius": "10"})
    html = near.content.decode()
    assert near.status_code == 200
    assert html.index(advert.title) < html.index(city.title)
    assert "miles away" in html
    assert "SK1 3XE" not in html

    close = client.get(reverse("marketplace:advert_list"), {"postcode": "SK2 6PL", "radius": "3"})
    assert advert.title in close.content.decode()
    assert city.title not in close.content.decode()

    rows = adverts.open_adverts_near((53.4084, -2.1493), radius_miles=10)
    assert [row.advert for row in rows] == [advert, city]
    assert rows[0].distance_km < rows[1].distance_km


def test_a_bad_search_postcode_is_explained(kith, advert):
    response = client_for(kith.amina).get(reverse("marketplace:advert_list"), {"postcode": "ZZ"})
    assert response.status_code == 400
    assert "is not a UK postcode" in response.content.decode()


@pytest.mark.parametrize("who", ["sam", "dave", "priya"])
def test_only_pas_browse_pa_jobs(kith, advert, who):
    response = client_for(getattr(kith, who)).get(reverse("marketplace:advert_list"))
    assert response.status_code == 403
    assert advert.title not in response.content.decode()


@pytest.mark.parametrize(
    "who, status",
    [
        ("sam", 200),
        ("aisha", 200),
        ("amina", 200),
        ("other_holder", 404),
        ("dave", 404),
        ("priya", 404),
    ],
)
def test_who_sees_an_advert(kith, advert, who, status):
    assert (
        client_for(getattr(kith, who))
        .get(reverse("marketplace:advert_detail", args=[advert.pk]))
        .status_code
        == status
    )


# --- Applying and answering ------------------------------------------------------


def test_advert_flow_from_application_to_reply(kith, advert):
    amina, ben = client_for(kith.amina), client_for(kith.ben)

    response = amina.post(
        reverse("marketplace:advert_apply", args=[advert.pk]),
        {"message": "I have supported two young men for five years.\nI am free mornings."},
    )
    mine = JobApplication.objects.get(applicant=kith.amina)
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:application_detail", args=[mine.pk])
    # Sam, and Aisha who posted for him, each get an email with a link.
    assert sorted(m.to[0] for m in mail.outbox) == ["aisha@example.org", "sam@example.org"]
    assert f"/marketplace/pa-jobs/applications/{mine.pk}/" in mail.outbox[0].body
    mail.outbox.clear()

    ben.post(
        reverse("marketplace:advert_apply", args=[advert.pk]),
        {"message": "Big Stockport County fan, and I drive."},
    )
    bens = JobApplication.objects.get(applicant=kith.ben)

    # The advertiser sees both; each PA sees only their own.
    sam = client_for(kith.sam)
    advert_page = sam.get(reverse("marketplace:advert_detail", args=[advert.pk])).content.decode()
    assert "Amina Hussain" in advert_page and "Ben Carter" in advert_page
    amina_view = amina.get(reverse("marketplace:advert_detail", args=[advert.pk])).content.decode()
    assert "Ben Carter" not in amina_view and "Big Stockport County fan" not in amina_view
    assert "You applied on" in amina_view
    assert amina.get(reverse("marketplace:application_detail", args=[bens.pk])).status_code == 404

    # Sam shortlists Amina, declines Ben, and replies to Amina.
    sam.post(reverse("marketplace:application_status", args=[mine.pk]), {"action": "shortlist"})
    sam.post(
        reverse("marketplace:application_status", args=[bens.pk]),
        {"action": "decline", "next": "advert"},
    )
    mail.outbox.clear()
    reply = sam.post(
        reverse("marketplace:application_reply", args=[mine.pk]),
        {"reply": "Thank you, Amina. Could we meet for a coffee in Stockport on Tuesday at 10?"},
    )
    assert reply.status_code == 302
    mine.refresh_from_db()
    bens.refresh_from_db()
    assert mine.status == JobApplication.Status.SHORTLISTED
    assert bens.status == JobApplication.Status.DECLINED
    assert mine.reply.startswith("Thank you, Amina") and mine.replied_at is not None

    [email] = mail.outbox
    assert email.to == ["amina@example.org"]
    assert advert.title in email.subject
    assert "coffee in Stockport on Tuesday" in email.body
    assert f"/marketplace/pa-jobs/applications/{mine.pk}/" in email.body

    page = amina.get(reverse("marketplace:application_detail", args=[mine.pk])).content.decode()
    assert "Could we meet for a coffee" in page
    assert "Shortlisted" in page
    assert "Send reply" not in page  # the PA cannot answer their own application


def test_a_pa_applies_only_once(kith, advert):
    adverts.apply(advert, kith.amina, "I would love to help.")
    response = client_for(kith.amina).post(
        reverse("marketplace:advert_apply", args=[advert.pk]), {"message": "Me again"}
    )
    assert response.status_code == 403
    assert "already applied" in response.content.decode()
    with pytest.raises(adverts.AdvertError, match="already applied"):
        adverts.apply(advert, kith.amina, "Me again")
    assert advert.applications.count() == 1


@pytest.mark.parametrize("who", ["sam", "dave", "priya"])
def test_only_pas_apply(kith, advert, who):
    with pytest.raises(adverts.AdvertError):
        adverts.apply(advert, getattr(kith, who), "Please")
    assert not advert.applications.exists()


@pytest.mark.parametrize("who", ["amina", "ben", "other_holder", "dave", "priya"])
def test_only_the_advertiser_and_their_representative_answer_applications(kith, advert, who):
    application = adverts.apply(advert, kith.amina, "I would love to help.")
    mail.outbox.clear()
    client = client_for(getattr(kith, who))
    client.post(
        reverse("marketplace:application_status", args=[application.pk]), {"action": "decline"}
    )
    client.post(reverse("marketplace:application_reply", args=[application.pk]), {"reply": "No"})
    client.post(reverse("marketplace:advert_close", args=[advert.pk]))
    application.refresh_from_db()
    advert.refresh_from_db()
    assert (application.status, application.reply) == (JobApplication.Status.APPLIED, "")
    assert advert.status == JobAdvert.Status.OPEN
    assert mail.outbox == []
    with pytest.raises(adverts.AdvertError):
        adverts.shortlist(application, getattr(kith, who))


def test_a_declined_application_cannot_be_shortlisted_and_answers_are_safe_to_repeat(kith, advert):
    application = adverts.apply(advert, kith.amina, "I would love to help.")
    adverts.decline(application, kith.sam)
    adverts.decline(application, kith.aisha)
    with pytest.raises(adverts.AdvertError, match="not taken forward"):
        adverts.shortlist(application, kith.sam)


def test_a_closed_advert_takes_no_more_applications_and_leaves_the_list(kith, advert):
    adverts.apply(advert, kith.amina, "I would love to help.")
    response = client_for(kith.sam).post(reverse("marketplace:advert_close", args=[advert.pk]))
    assert response.status_code == 302
    advert.refresh_from_db()
    assert advert.status == JobAdvert.Status.CLOSED

    assert (
        advert.title
        not in client_for(kith.ben).get(reverse("marketplace:advert_list")).content.decode()
    )
    # A PA who applied can still follow it; others cannot reach it.
    assert (
        client_for(kith.amina)
        .get(reverse("marketplace:advert_detail", args=[advert.pk]))
        .status_code
        == 200
    )
    assert (
        client_for(kith.ben).get(reverse("marketplace:advert_detail", args=[advert.pk])).status_code
        == 404
    )
    with pytest.raises(adverts.AdvertError, match="closed"):
        adverts.apply(advert, kith.ben, "Too late?")


def test_my_adverts_lists_adverts_for_the_people_i_act_for(kith, advert):
    for who in ("sam", "aisha"):
        page = (
            client_for(getattr(kith, who)).get(reverse("marketplace:my_adverts")).content.decode()
        )
        assert advert.title in page
    assert (
        advert.title
        not in client_for(kith.other_holder).get(reverse("marketplace:my_adverts")).content.decode()
    )
    home = client_for(kith.sam).get(reverse("marketplace:home")).content.decode()
    assert reverse("marketplace:my_adverts") in home and reverse("marketplace:advert_new") in home
    pa_home = client_for(kith.amina).get(reverse("marketplace:home")).content.decode()
    assert reverse("marketplace:advert_list") in pa_home


def test_application_messages_are_escaped(kith, advert):
    application = adverts.apply(advert, kith.amina, "<img src=x onerror=alert(1)>\nHello")
    page = (
        client_for(kith.sam)
        .get(reverse("marketplace:application_detail", args=[application.pk]))
        .content.decode()
    )
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;<br>Hello" in page


# --- Suggested PAs -----------------------------------------------------------------


def test_the_advertiser_sees_up_to_five_nearby_pas_with_their_rate_against_the_advert(
    kith, advert, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        amina_listing = make_listing(
            "pa",
            "Amina, PA in Cheadle",
            "SK8 1AA",
            price="14.00",
            price_unit="hour",
            owner=kith.amina,
        )
        for title, postcode, rate in [
            ("Joe, PA in Edgeley", "SK3 9HQ", "13.50"),
            ("Lucy, PA in Reddish", "SK5 7HA", "12.75"),
            ("Mark, PA in Heaton Moor", "SK4 4NB", "15.00"),
            ("Grace, PA in Hazel Grove", "SK7 4AA", "13.00"),
            ("Tom, PA in Bredbury", "SK6 2AA", "12.50"),
        ]:
            make_listing("pa", title, postcode, price=rate, price_unit="hour")
        make_listing("pa", "Rachel, PA in Bolton", "BL1 1AA", price="12.00", price_unit="hour")

    suggestions = adverts.suggested_pas(advert)
    names = [s.listing.name for s in suggestions]
    assert len(names) == 5
    assert "Rachel, PA in Bolton" not in names  # more than 10 miles away
    by_name = {s.listing.name: s.rate_comparison for s in suggestions}
    assert by_name.get("Joe, PA in Edgeley") == "The same as your rate"
    assert by_name.get("Lucy, PA in Reddish") == "£0.75 an hour less than your rate"
    distances = [s.listing.distance_km for s in suggestions]
    assert distances == sorted(distances)

    page = (
        client_for(kith.sam)
        .get(reverse("marketplace:advert_detail", args=[advert.pk]))
        .content.decode()
    )
    assert "PAs near you" in page
    assert "Joe, PA in Edgeley" in page and "£13.50 an hour" in page
    assert "the same as your rate" in page
    # PAs browsing the advert are not shown other PAs.
    pa_page = (
        client_for(kith.ben)
        .get(reverse("marketplace:advert_detail", args=[advert.pk]))
        .content.decode()
    )
    assert "PAs near you" not in pa_page

    # The advertiser can read more about an applicant from their own listing.
    application = adverts.apply(advert, kith.amina, "I live nearby.")
    detail = (
        client_for(kith.sam)
        .get(reverse("marketplace:application_detail", args=[application.pk]))
        .content.decode()
    )
    assert amina_listing.title in detail


def test_a_rate_not_given_by_the_hour_is_not_compared(kith, advert):
    summary = SimpleNamespace(price_amount=Decimal("90"), price_unit="day")
    assert (
        adverts.compare_rate(summary, advert.hourly_rate) == "Rate not given by the hour: ask them"
    )
    summary = SimpleNamespace(price_amount=Decimal("15.00"), price_unit="hour")
    assert adverts.compare_rate(summary, Decimal("13.50")) == "£1.50 an hour more than your rate"
