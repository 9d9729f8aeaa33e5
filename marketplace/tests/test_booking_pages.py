"""The offer, booking and invoice pages: who sees what, the overspend warning, card and invoice.

The money rules are tested in test_bookings.py; here the pages are driven
as a person would, with the Django test client.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Booking, Invoice, Offer, PaymentRoute
from marketplace.payments import cards as payments

pytestmark = pytest.mark.django_db

MANAGED = PaymentRoute.MANAGED_ACCOUNT
PAYER = "Stockport Direct Payments Support Service"


def as_user(client, market, who):
    user = market.actor(who)
    if who != "anonymous":
        client.force_login(user)
    return client


def book_url(market):
    return reverse("marketplace:offer_book", args=[market.offer.pk])


def invoice_form(market, **extra):
    data = {
        "quantity": "1",
        "goal": str(market.goal.pk),
        "payment_route": MANAGED,
        "payer_name": PAYER,
        "payer_email": "accounts@example.org",
    }
    return {**data, **extra}


# --- Who may open which page ----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("person", 200),
        ("representative", 200),
        ("owner", 200),
        ("other_owner", 404),
        ("practitioner", 404),
    ],
)
def test_booking_and_invoice_pages_only_for_parties(client, market, no_stripe, who, status):
    booking = market.delivered(MANAGED)
    invoice = Invoice.objects.get(booking=booking)
    as_user(client, market, who)
    detail = client.get(reverse("marketplace:booking_detail", args=[booking.pk]))
    assert detail.status_code == status
    page = client.get(reverse("marketplace:invoice_detail", args=[invoice.pk]))
    assert page.status_code == status
    if status == 200:
        assert invoice.number in page.content.decode()
        assert "Requested" in detail.content.decode()  # the history


@pytest.mark.parametrize(
    "name",
    ["offer_list", "offer_new", "booking_list", "booking_requests"],
)
def test_anonymous_is_sent_to_sign_in(client, market, name):
    response = client.get(reverse(f"marketplace:{name}"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_anonymous_cannot_book_or_see_a_booking(client, market, no_stripe):
    booking = market.request(MANAGED)
    for url in (
        book_url(market),
        reverse("marketplace:booking_detail", args=[booking.pk]),
        reverse("marketplace:statement", args=[market.plan.pk]),
    ):
        assert client.get(url).status_code == 302
    response = client.post(reverse("marketplace:booking_action", args=[booking.pk, "accept"]))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("person", 200),
        ("representative", 200),
        ("owner", 403),
        ("other_owner", 403),
        ("practitioner", 403),
    ],
)
def test_only_budget_holders_and_representatives_can_book(client, market, no_stripe, who, status):
    as_user(client, market, who)
    assert client.get(book_url(market)).status_code == status


def test_booking_lists_show_each_side_its_own(client, market, no_stripe):
    booking = market.request(MANAGED)
    for who, name, sees in [
        ("person", "booking_list", True),
        ("representative", "booking_list", True),
        ("owner", "booking_list", False),
        ("owner", "booking_requests", True),
        ("other_owner", "booking_requests", False),
        ("practitioner", "booking_list", False),
    ]:
        client.logout()
        as_user(client, market, who)
        text = client.get(reverse(f"marketplace:{name}")).content.decode()
        detail = reverse("marketplace:booking_detail", args=[booking.pk])
        assert (detail in text) is sees, (who, name)


def test_only_the_owner_can_accept(client, market, no_stripe):
    booking = market.request(MANAGED)
    url = reverse("marketplace:booking_action", args=[booking.pk, "accept"])
    for who in ("other_owner", "practitioner"):
        as_user(client, market, who)
        assert client.post(url).status_code == 404
    as_user(client, market, "person")
    assert client.post(url).status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED


# --- Offers ------------------------------------------------------------------------------


def test_owner_creates_changes_and_stops_an_offer(client, market):
    as_user(client, market, "owner")
    response = client.post(
        reverse("marketplace:offer_new"),
        {
            "listing": market.listing.pk,
            "kind": Offer.Kind.WEEKLY_HOURS,
            "title": "Personal assistant, mornings",
            "price": "",
            "hours_per_week": "",
        },
    )
    assert response.status_code == 400
    assert "Enter a price." in response.content.decode()
    assert "Enter how many hours a week." in response.content.decode()
    response = client.post(
        reverse("marketplace:offer_new"),
        {
            "listing": market.listing.pk,
            "kind": Offer.Kind.WEEKLY_HOURS,
            "title": "Personal assistant, mornings",
            "price": "624.00",
            "hours_per_week": "12",
            "weeks": "4",
            "places": "1",
            "starts_on": "2027-01-04",
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(title="Personal assistant, mornings")
    assert offer.listing_id == market.listing.pk and offer.price == Decimal("624.00")
    client.post(
        reverse("marketplace:offer_edit", args=[offer.pk]),
        {
            "listing": market.listing.pk,
            "kind": Offer.Kind.WEEKLY_HOURS,
            "title": "Personal assistant, mornings",
            "price": "650.00",
            "hours_per_week": "12",
        },
    )
    offer.refresh_from_db()
    assert offer.price == Decimal("650.00")
    client.post(reverse("marketplace:offer_active", args=[offer.pk]), {"active": "0"})
    offer.refresh_from_db()
    assert not offer.is_active
    assert "Not taking bookings" in client.get(reverse("marketplace:offer_list")).content.decode()


def test_other_owners_cannot_touch_an_offer(client, market):
    as_user(client, market, "other_owner")
    assert client.get(reverse("marketplace:offer_edit", args=[market.offer.pk])).status_code == 404
    url = reverse("marketplace:offer_active", args=[market.offer.pk])
    assert client.post(url, {"active": "0"}).status_code == 404
    market.offer.refresh_from_db()
    assert market.offer.is_active
    # They own no listing, so they cannot add offers at all.
    assert client.get(reverse("marketplace:offer_new")).status_code == 403
    # And cannot attach an offer to someone else's listing.
    as_user(client, market, "owner")
    text = client.get(reverse("marketplace:offer_list")).content.decode()
    assert market.offer.title in text


def test_listing_page_shows_active_offers_with_book_buttons(client, market):
    Offer.objects.create(
        listing=market.listing,
        kind=Offer.Kind.SESSION,
        title="Old aquafit class",
        price=Decimal("6.00"),
        is_active=False,
    )
    as_user(client, market, "person")
    text = client.get(market.listing.url).content.decode()
    assert market.offer.title in text
    assert book_url(market) in text
    assert "Old aquafit class" not in text
    assert reverse("marketplace:enquiry_new", args=[market.listing.pk]) in text


# --- Asking for a booking -------------------------------------------------------------------


def test_invoice_booking_works_without_card_keys(client, market, no_stripe):
    as_user(client, market, "person")
    page = client.get(book_url(market)).content.decode()
    assert payments.CARD_UNAVAILABLE in page
    assert 'value="card"' not in page
    response = client.post(book_url(market), invoice_form(market, starts_on="2027-01-09"))
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.payment_route == MANAGED and booking.payer_name == PAYER
    assert booking.goal == market.goal and str(booking.starts_on) == "2027-01-09"
    # Card cannot be chosen by posting it anyway.
    response = client.post(book_url(market), invoice_form(market, payment_route="card"))
    assert response.status_code == 400


def test_invoice_route_needs_a_payer(client, market, no_stripe):
    as_user(client, market, "person")
    response = client.post(book_url(market), invoice_form(market, payer_name=""))
    assert response.status_code == 400
    assert "Enter who holds the money" in response.content.decode()
    assert not Booking.objects.exists()


def test_overspend_warning_must_be_understood(client, market, no_stripe):
    # A £60-a-month line, and 17 × £45 = £765 starting in January 2027: £705 over that month.
    Offer.objects.filter(pk=market.offer.pk).update(places=None)
    as_user(client, market, "person")
    form = invoice_form(market, quantity="17", starts_on="2027-01-04")
    response = client.post(book_url(market), form)
    text = response.content.decode()
    assert response.status_code == 200
    assert "This would take your “I want to go swimming again to get fitter” line" in text
    assert "over its budget of £60.00 a month by £705.00" in text
    assert "This booking is £765.00 for January 2027." in text
    assert "I understand" in text
    assert not Booking.objects.exists()
    # Sending again without the tick keeps the warning.
    response = client.post(book_url(market), {**form, "seen_warning": "1"})
    assert "Tick to say you understand" in response.content.decode()
    assert not Booking.objects.exists()
    response = client.post(
        book_url(market),
        {**form, "seen_warning": "1", "understand": "on"},
    )
    assert response.status_code == 302
    assert Booking.objects.get().amount == Decimal("765.00")


def test_no_warning_within_budget(client, market, no_stripe):
    # £45 against £60 a month.
    as_user(client, market, "person")
    response = client.post(book_url(market), invoice_form(market, quantity="1"))
    assert response.status_code == 302


def test_representative_books_for_the_person(client, market, no_stripe):
    as_user(client, market, "representative")
    page = client.get(book_url(market)).content.decode()
    assert market.goal.text[:20] in page
    client.post(book_url(market), invoice_form(market))
    booking = Booking.objects.get()
    assert booking.person == market.person and booking.requested_by == market.representative


def test_a_goal_from_someone_elses_plan_is_refused(client, market, no_stripe, user_factory):
    from matching.models import Goal
    from matching.plans import create_plan

    stranger = user_factory(display_name="Ann Other", roles=["budget_holder"])
    other_goal = Goal.objects.create(plan=create_plan(stranger, postcode="M1 1AE"), text="Gym")
    as_user(client, market, "person")
    response = client.post(book_url(market), invoice_form(market, goal=str(other_goal.pk)))
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_card_needs_card_details_without_a_fake_stripe(client, market, settings):
    """With live-style keys and no fake server there is no test card: JS must give a card."""
    settings.STRIPE_SECRET_KEY = "sk_live_not_used"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_live_not_used"
    settings.STRIPE_API_BASE = ""
    as_user(client, market, "person")
    page = client.get(book_url(market)).content.decode()
    assert "https://js.stripe.com/v3/" in page
    assert "Test card" not in page
    response = client.post(book_url(market), invoice_form(market, payment_route="card"))
    assert response.status_code == 400
    assert "Enter your card details." in response.content.decode()


# --- Journeys through the pages -----------------------------------------------------------


def test_card_journey_through_the_pages(client, market, stripe_test_settings):
    as_user(client, market, "person")
    page = client.get(book_url(market)).content.decode()
    assert "Test card" in page
    # Stripe.js comes from the fake server, which serves its own pretend copy.
    assert f'src="{stripe_test_settings}/js.stripe.com/v3/"' in page
    assert "https://js.stripe.com" not in page
    response = client.post(
        book_url(market),
        {
            "quantity": "1",
            "goal": str(market.goal.pk),
            "payment_route": "card",
            "test_card": "pm_card_visa",
        },
    )
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    detail = reverse("marketplace:booking_detail", args=[booking.pk])
    text = client.get(reverse("marketplace:booking_list")).content.decode()
    assert "Card saved, nothing held" in text
    assert "Nothing has been taken from the card" in text

    client.force_login(market.owner)
    client.post(reverse("marketplace:booking_action", args=[booking.pk, "accept"]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ACCEPTED
    client.post(reverse("marketplace:booking_action", args=[booking.pk, "deliver"]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PAID
    response = client.post(
        reverse("marketplace:booking_action", args=[booking.pk, "refund"]),
        {"amount": "15.00", "reason": "One lesson missed"},
    )
    assert response.status_code == 302
    text = client.get(detail).content.decode()
    assert "Refunded £15.00. One lesson missed" in text
    assert "Partly refunded (£15.00 refunded)" in text

    client.force_login(market.person)
    text = client.get(reverse("marketplace:booking_list")).content.decode()
    assert "Paid" in text
    assert reverse("marketplace:review_new", args=[booking.pk]) in text


def test_invoice_journey_through_the_pages(client, market, no_stripe):
    as_user(client, market, "person")
    client.post(book_url(market), invoice_form(market))
    booking = Booking.objects.get()
    client.force_login(market.owner)
    act = lambda action, **data: client.post(  # noqa: E731
        reverse("marketplace:booking_action", args=[booking.pk, action]), data
    )
    act("accept")
    act("deliver")
    invoice = Invoice.objects.get(booking=booking)
    page = client.get(reverse("marketplace:invoice_detail", args=[invoice.pk])).content.decode()
    for expected in (invoice.number, PAYER, market.listing.title, "£45.00", "Print or save as PDF"):
        assert expected in page
    assert "marketplace/money.css" in page  # its print rules hide the site around it

    # Late payment shows on both sides.
    Invoice.objects.filter(pk=invoice.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    overdue = f"Overdue since {(timezone.localdate() - timedelta(days=3)):%-d %B %Y}"
    assert overdue in client.get(reverse("marketplace:booking_requests")).content.decode()
    client.force_login(market.representative)
    assert overdue in client.get(reverse("marketplace:booking_list")).content.decode()

    client.force_login(market.owner)
    text = client.get(reverse("marketplace:booking_requests")).content.decode()
    assert f"Mark invoice {invoice.number} paid" in text
    act("mark-paid")
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert booking.status == Booking.Status.PAID and invoice.status == Invoice.Status.PAID
    assert (
        "Overdue since" not in client.get(reverse("marketplace:booking_requests")).content.decode()
    )


def test_decline_needs_a_reason_and_the_person_sees_it(client, market, no_stripe):
    booking = market.request(MANAGED)
    client.force_login(market.owner)
    url = reverse("marketplace:booking_action", args=[booking.pk, "decline"])
    assert client.post(url, {"reason": ""}).status_code == 400
    client.post(url, {"reason": "We are full on Saturdays until March."})
    client.force_login(market.person)
    text = client.get(reverse("marketplace:booking_detail", args=[booking.pk])).content.decode()
    assert "Declined" in text and "We are full on Saturdays until March." in text
    assert "Dave Lomas (Grand Central Pools)" in text


def test_person_cancels_and_is_told_what_happens_to_the_money(client, market, no_stripe):
    booking = market.accepted(MANAGED)
    client.force_login(market.person)
    text = client.get(reverse("marketplace:booking_list")).content.decode()
    assert "No invoice has been sent, so nothing is owed." in text
    client.post(
        reverse("marketplace:booking_action", args=[booking.pk, "cancel"]),
        {"reason": "Going into hospital", "next": "list"},
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_wrong_step_is_explained_not_crashed(client, market, no_stripe):
    booking = market.request(MANAGED)
    client.force_login(market.owner)
    response = client.post(reverse("marketplace:booking_action", args=[booking.pk, "deliver"]))
    assert response.status_code == 409
    assert "cannot be marked as delivered" in response.content.decode()
    response = client.post(reverse("marketplace:booking_action", args=[booking.pk, "cancel"]))
    assert response.status_code == 403
    assert "decline it and say why" in response.content.decode()


def test_marketplace_home_links_bookings_requests_offers_and_statement(client, market, no_stripe):
    market.request(MANAGED)
    client.force_login(market.person)
    text = client.get(reverse("marketplace:home")).content.decode()
    assert reverse("marketplace:booking_list") in text and "1 booking:" in text
    assert reverse("marketplace:statement", args=[market.plan.pk]) in text
    assert reverse("marketplace:booking_requests") not in text
    client.force_login(market.owner)
    text = client.get(reverse("marketplace:home")).content.decode()
    assert reverse("marketplace:booking_requests") in text
    assert reverse("marketplace:offer_list") in text
    assert "Your bookings will appear here." in text


def test_someone_acting_for_two_people_chooses_whom_and_goals_follow(
    client, market, no_stripe, user_factory
):
    from accounts.models import Representation
    from matching.models import Goal
    from matching.plans import create_plan

    mum = user_factory(display_name="Mary Patel", roles=["budget_holder"])
    Representation.objects.create(
        budget_holder=mum,
        representative=market.representative,
        invited_email=market.representative.email,
        status=Representation.Status.ACCEPTED,
    )
    mum_goal = Goal.objects.create(plan=create_plan(mum, postcode="SK4 4NB"), text="Aquafit")
    as_user(client, market, "representative")
    page = client.get(book_url(market)).content.decode()
    assert "Who is this booking for?" in page and "Mary Patel: Aquafit" in page
    # Sam's booking cannot count against Mary's plan.
    response = client.post(
        book_url(market), invoice_form(market, for_whom=str(market.person.pk), goal=mum_goal.pk)
    )
    assert response.status_code == 400
    client.post(book_url(market), invoice_form(market, for_whom=str(mum.pk), goal=mum_goal.pk))
    booking = Booking.objects.get()
    assert booking.person == mum and booking.goal == mum_goal


@pytest.mark.parametrize(
    "who, says",
    [
        ("person", "Invoice to your managed account"),
        ("representative", "Invoice to Sam Patel’s managed account"),
    ],
)
def test_the_payment_choices_name_whose_account_is_invoiced(client, market, no_stripe, who, says):
    page = as_user(client, market, who).get(book_url(market)).content.decode()
    assert says in page
    if who == "representative":
        assert "Invoice to my managed account" not in page
