"""The money rules a reviewer found broken: pool invoices, total-price shares, unmanaged
listings, amounts that overflow, spend warnings with pledges, delivery dates, write-offs,
and database trouble shown as a page rather than a 500."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from marketplace.bookings import services as bookings
from marketplace.bookings.forms import BookingForm, OfferForm
from marketplace.models import Booking, Invoice, LedgerEntry, Offer, PaymentRoute, Pledge
from marketplace.payments import invoices, ledger
from marketplace.pools import services as pools
from marketplace.pools.services import PoolError

from .conftest import with_stripe_first
from .test_pools import make_world

pytestmark = pytest.mark.django_db

MANAGED = PaymentRoute.MANAGED_ACCOUNT


@pytest.fixture
def world(user_factory, request):
    with_stripe_first(request)
    return make_world(user_factory)


def settle(pool):
    pools.process_deadlines(now=pool.deadline + timedelta(minutes=1))
    pool.refresh_from_db()
    return pool


# --- Pool invoices can be paid and cancelled ---------------------------------------------------


def test_the_provider_marks_a_pool_share_invoice_paid(world, client):
    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "invoice")
    settle(pool)
    invoice = pledge.invoice
    client.force_login(world.provider)
    response = client.post(reverse("marketplace:invoice_action", args=[invoice.pk, "mark-paid"]))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    # Twice is a no-op; nobody else may.
    invoices.mark_invoice_paid(invoice, by=world.provider)
    client.force_login(world.other_provider)
    assert (
        client.post(
            reverse("marketplace:invoice_action", args=[invoice.pk, "mark-paid"])
        ).status_code
        == 404
    )


def test_a_pool_share_invoice_still_owed_cannot_be_cancelled_but_one_no_longer_owed_can(world):
    pool = world.pool(minimum=2, places=3)
    pledge = world.join(pool, world.people[0], "invoice")
    with pytest.raises(invoices.InvoiceError, match="still owed"):
        invoices.void_invoice(pledge.invoice, by=world.provider)
    pools.leave(pledge, by=world.people[0])
    pledge.refresh_from_db()
    assert pledge.invoice.status == Invoice.Status.VOID  # leaving cancelled it already
    assert invoices.void_invoice(pledge.invoice, by=world.provider).status == Invoice.Status.VOID


def test_the_supplier_sees_a_pool_invoice_page_with_actions(world, client):
    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "invoice")
    client.force_login(world.provider)
    page = client.get(reverse("marketplace:invoice_detail", args=[pledge.invoice.pk]))
    assert page.status_code == 200
    assert "Mark invoice" in page.content.decode()
    client.force_login(world.people[1])
    assert (
        client.get(reverse("marketplace:invoice_detail", args=[pledge.invoice.pk])).status_code
        == 404
    )


# --- Total-price pools share the total between everyone who joins --------------------------------


def test_a_total_price_is_shared_by_everyone_who_joins_and_the_difference_released(world):
    """£400 for at least 6: £66.67 each if 6 join; 8 members pay £50 each, not £533.36."""
    pool = world.pool(places=8, minimum=6, price=None, total_price=Decimal("400.00"))
    assert pool.price_per_place == Decimal("66.67")
    pledges = [world.join(pool, person, "invoice") for person in world.people[:7]]
    # Each member held the share at the time they joined; it fell as more joined.
    assert [p.amount for p in pledges[:6]] == [Decimal("66.67")] * 6
    assert pledges[6].amount == Decimal("57.15")
    settle(pool)
    amounts = [p.amount for p in Pledge.objects.filter(pool=pool).order_by("pk")]
    assert amounts == [Decimal("57.15")] * 7
    assert sum(amounts) - Decimal("400.00") < Decimal("0.07")  # never more than a penny each
    for pledge in Pledge.objects.filter(pool=pool):
        assert pledge.invoice.amount == Decimal("57.15")
        assert pledge.invoice.status == Invoice.Status.ISSUED
    voided = Invoice.objects.filter(status=Invoice.Status.VOID).count()
    assert voided == 6  # the six issued at £66.67, replaced at the final share


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_total_price_card_share_is_captured_at_the_final_lower_amount(world, stripe_api):
    pool = world.pool(places=3, minimum=2, price=None, total_price=Decimal("90.00"))
    first = world.join(pool, world.people[0], "card")
    world.join(pool, world.people[1], "card")
    world.join(pool, world.people[2], "card")
    assert first.amount == Decimal("45.00")
    settle(pool)
    first.refresh_from_db()
    assert first.status == Pledge.Status.CAPTURED
    assert first.amount == Decimal("30.00")
    assert LedgerEntry.objects.get(person=world.people[0]).amount == Decimal("30.00")


# --- No pool on a listing nobody manages ---------------------------------------------------------


def test_no_pool_can_be_proposed_or_opened_on_a_listing_nobody_manages(world):
    from directory.factories import make_listing

    unmanaged = make_listing(
        "club", "Edgeley Bowls Club", "SK3 9HD", outcomes=["mental-wellbeing"], owner=None
    )
    with pytest.raises(PoolError, match="Nobody manages"):
        pools.propose_pool(
            unmanaged,
            by=world.people[0],
            title="Bowls for six",
            description="Six of us",
            outcomes=list(pool_outcomes()),
            places=6,
            minimum_members=4,
            deadline=timezone.now() + timedelta(days=3),
            price_per_place=Decimal("10.00"),
        )


def pool_outcomes():
    from directory.models import Outcome

    return Outcome.objects.filter(slug="mental-wellbeing")


# --- Amounts --------------------------------------------------------------------------------------


def test_offer_prices_and_quantities_have_upper_bounds_with_clear_errors(market):
    from directory.models import ListingPage

    form = OfferForm(
        data={"listing": market.listing.pk, "kind": "session", "title": "A", "price": "99999"},
        listings=ListingPage.objects.filter(pk=market.listing.pk),
    )
    assert not form.is_valid()
    assert "at most £20,000.00" in str(form.errors["price"])
    booking_form = BookingForm(
        data={"quantity": "100000", "payment_route": MANAGED, "payer_name": "X"},
        user=market.person,
        people=[market.person],
        goals=[market.goal],
        card_enabled=False,
    )
    assert not booking_form.is_valid()
    assert "Ask for at most 52." in str(booking_form.errors)
    with pytest.raises(bookings.BookingError, match="between 1 and 52"):
        market.request(MANAGED, quantity=10**6)


def test_an_offer_priced_beyond_the_limit_cannot_be_booked(market):
    Offer.objects.filter(pk=market.offer.pk).update(price=Decimal("9999999.00"))
    market.offer.refresh_from_db()
    with pytest.raises(bookings.BookingError, match="at this price"):
        market.request(MANAGED, quantity=52)
    assert not Booking.objects.exists()


# --- Spend warnings count pledges ----------------------------------------------------------


def test_a_held_pledge_counts_against_the_plan_line(world):
    pool = world.pool(minimum=2, places=3)
    person = world.people[0]
    goal = world.goals[person.pk]
    before = ledger.row_for(goal).left
    world.join(pool, person, "invoice")
    assert ledger.row_for(goal).committed == Decimal("45.00")
    assert ledger.row_for(goal).left == before - Decimal("45.00")


# --- Delivery dates and write-offs ---------------------------------------------------------------


def test_a_booking_cannot_be_delivered_before_it_starts(market):
    booking = market.accepted(MANAGED)
    Booking.objects.filter(pk=booking.pk).update(
        starts_on=timezone.localdate() + timedelta(days=21)
    )
    booking.refresh_from_db()
    with pytest.raises(bookings.BookingError, match="cannot be marked as delivered before then"):
        bookings.deliver(booking, by=market.owner)
    later = timezone.localdate() + timedelta(days=21)
    assert bookings.deliver(booking, by=market.owner, today=later).status == (
        Booking.Status.DELIVERED
    )


def test_the_provider_can_write_off_a_delivered_booking_nothing_was_paid_for(
    market, stripe_api, localstripe, settings
):
    booking = market.accepted(PaymentRoute.CARD)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the card service is down at delivery
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.DELIVERED
    settings.STRIPE_API_BASE = localstripe
    with pytest.raises(bookings.BookingError, match="no longer be cancelled"):
        bookings.cancel(booking, by=market.person)
    booking = bookings.cancel(booking, by=market.owner)
    assert booking.status == Booking.Status.CANCELLED
    assert booking.events.last().note == "Written off by the provider."
    assert not LedgerEntry.objects.exists()
    payment = bookings.current_payment(booking)
    assert payment.status == payment.Status.CANCELLED  # the hold is let go


# --- Database trouble is a page, not a 500 -----------------------------------------------------


def test_a_deadlock_is_shown_as_please_try_again(market, client, monkeypatch):
    booking = market.request(MANAGED)

    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(bookings, "accept", deadlock)
    client.force_login(market.owner)
    response = client.post(reverse("marketplace:booking_action", args=[booking.pk, "accept"]))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Please try again" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED
