"""The booking state machine: who may do what, when, and what happens to the money."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from marketplace.bookings import services as bookings
from marketplace.bookings.services import BookingError
from marketplace.models import Booking, BookingEvent, Invoice, LedgerEntry, Payment, PaymentRoute
from marketplace.payments import cards as payments

pytestmark = pytest.mark.django_db

Status = Booking.Status
CARD = PaymentRoute.CARD
MANAGED = PaymentRoute.MANAGED_ACCOUNT


def history(booking):
    return [(e.from_status, e.to_status) for e in booking.events.all()]


def intent_status(stripe_api, payment):
    return stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent).status


# --- The card journey ---------------------------------------------------------------------


def test_whole_card_journey_authorises_on_acceptance_and_captures_on_delivery(market, stripe_api):
    booking = market.request(CARD)
    assert booking.status == Status.REQUESTED
    assert booking.amount == Decimal("45.00")
    payment = Payment.objects.get(booking=booking)
    # The card is saved with the request, but no money is held until the provider accepts.
    assert payment.status == Payment.Status.PENDING
    assert payment.idempotency_key.startswith(f"booking-{booking.pk}-")
    assert payment.idempotency_key.endswith("-card-1")
    assert payment.stripe_payment_intent is None
    assert stripe_api.v1.setup_intents.retrieve(payment.stripe_setup_intent).status == "succeeded"

    booking = bookings.accept(booking, by=market.owner)
    payment.refresh_from_db()
    assert booking.status == Status.ACCEPTED
    assert payment.status == Payment.Status.AUTHORISED
    intent = stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent)
    assert (intent.status, intent.amount, intent.currency) == ("requires_capture", 4500, "gbp")
    assert intent.capture_method == "manual"
    assert not LedgerEntry.objects.exists()

    booking = bookings.deliver(booking, by=market.owner)
    payment.refresh_from_db()
    assert booking.status == Status.PAID
    assert payment.status == Payment.Status.CAPTURED
    assert intent_status(stripe_api, payment) == "succeeded"
    assert history(booking) == [
        ("", "requested"),
        ("requested", "accepted"),
        ("accepted", "delivered"),
        ("delivered", "paid"),
    ]
    assert [e.by for e in booking.events.all()] == [market.person] + [market.owner] * 3

    entry = LedgerEntry.objects.get()
    assert entry.kind == LedgerEntry.Kind.CARD_PAYMENT
    assert entry.amount == Decimal("45.00")
    assert entry.reference == payment.stripe_payment_intent
    assert (entry.person, entry.booking, entry.goal, entry.plan) == (
        market.person,
        booking,
        market.goal,
        market.plan,
    )
    assert entry.supplier == "Grand Central Pools"
    assert entry.description == "Six one-to-one swimming lessons"


def test_representative_can_ask_for_a_booking_for_the_person(market, stripe_api):
    booking = market.request(CARD, by=market.representative)
    assert booking.person == market.person
    assert booking.requested_by == market.representative
    assert booking.events.get().by == market.representative


def test_person_cancelling_an_accepted_booking_releases_the_hold(market, stripe_api):
    booking = market.accepted(CARD)
    booking = bookings.cancel(booking, by=market.person, reason="I am going into hospital")
    payment = Payment.objects.get(booking=booking)
    assert booking.status == Status.CANCELLED
    assert payment.status == Payment.Status.CANCELLED
    assert intent_status(stripe_api, payment) == "canceled"
    assert booking.events.last().note == "I am going into hospital"
    assert not LedgerEntry.objects.exists()


def test_cancelling_a_request_releases_the_card_given(market, stripe_api):
    booking = bookings.cancel(market.request(CARD), by=market.representative)
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.CANCELLED
    assert payment.stripe_payment_intent is None  # nothing was ever held


def test_owner_cancelling_an_accepted_booking_releases_the_hold(market, stripe_api):
    booking = bookings.cancel(
        market.accepted(CARD), by=market.owner, reason="Pool closed for repairs"
    )
    assert booking.status == Status.CANCELLED
    assert Payment.objects.get(booking=booking).status == Payment.Status.CANCELLED


def test_cancelling_after_the_money_was_taken_refunds_it_in_full(market, stripe_api):
    booking = market.accepted(CARD)
    payments.take(Payment.objects.get(booking=booking))

    bookings.cancel(booking, by=market.person)

    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_amount == Decimal("45.00")
    refund = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert refund.amount == Decimal("-45.00")
    assert refund.reference.startswith("re_")
    assert sum(e.amount for e in LedgerEntry.objects.all()) == 0


def test_declining_releases_the_card_and_keeps_the_reason(market, stripe_api):
    booking = bookings.decline(
        market.request(CARD), by=market.owner, reason="We are full on Saturdays"
    )
    assert booking.status == Status.DECLINED
    assert booking.events.last().note == "We are full on Saturdays"
    assert Payment.objects.get(booking=booking).status == Payment.Status.CANCELLED


def test_decline_needs_a_reason(market, stripe_api):
    booking = market.request(CARD)
    with pytest.raises(BookingError, match="Say why"):
        bookings.decline(booking, by=market.owner, reason="   ")
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED


def test_a_delivered_booking_cannot_be_cancelled_only_refunded(market, stripe_api):
    booking = market.delivered(CARD)
    with pytest.raises(BookingError, match="can no longer be cancelled"):
        bookings.cancel(booking, by=market.person)

    payment = bookings.refund(
        booking, by=market.owner, amount=Decimal("15.00"), reason="Missed one lesson"
    )

    assert payment.status == Payment.Status.PARTLY_REFUNDED
    assert payment.refunded_amount == Decimal("15.00")
    booking.refresh_from_db()
    assert booking.status == Status.PAID
    assert booking.events.last().note == "Refunded £15.00. Missed one lesson"
    assert [e.amount for e in LedgerEntry.objects.all()] == [Decimal("45.00"), Decimal("-15.00")]


def test_declined_card_keeps_the_booking_requested_until_another_card_works(market, stripe_api):
    booking = market.request(CARD, payment_method="pm_card_chargeCustomerFail")

    with pytest.raises(payments.PaymentError, match="declined"):
        bookings.accept(booking, by=market.owner)

    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED
    failed = Payment.objects.get(booking=booking)
    assert failed.status == Payment.Status.FAILED
    assert "declined" in failed.failure_message

    payment = bookings.change_card(booking, by=market.person, payment_method="pm_card_visa")
    assert payment.idempotency_key.endswith("-card-2")
    assert payment.paid_by == market.person
    booking = bookings.accept(booking, by=market.owner)
    assert booking.status == Status.ACCEPTED
    assert payments.current_payment(booking).status == Payment.Status.AUTHORISED


def test_delivery_is_recorded_even_when_the_card_cannot_be_charged(
    market, stripe_api, localstripe, settings, monkeypatch
):
    booking = market.accepted(CARD)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    booking = bookings.deliver(booking, by=market.owner)

    assert booking.status == Status.DELIVERED
    assert "could not hear back" in booking.events.last().note
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.AUTHORISED

    settings.STRIPE_API_BASE = localstripe
    booking = bookings.mark_paid(booking, by=market.owner)
    assert booking.status == Status.PAID
    assert LedgerEntry.objects.get().amount == Decimal("45.00")


# --- Doing things twice ---------------------------------------------------------------------


def test_repeating_each_card_transition_changes_nothing(market, stripe_api):
    booking = market.request(CARD)
    bookings.accept(booking, by=market.owner)
    bookings.accept(booking, by=market.owner)
    bookings.deliver(booking, by=market.owner)
    bookings.deliver(booking, by=market.owner)
    bookings.mark_paid(booking, by=market.owner)
    bookings.accept(booking, by=market.owner)

    booking.refresh_from_db()
    assert booking.status == Status.PAID
    assert booking.events.count() == 4
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_repeating_cancel_and_decline_changes_nothing(market, stripe_api):
    cancelled = market.accepted(CARD)
    bookings.cancel(cancelled, by=market.person)
    bookings.cancel(cancelled, by=market.person)
    assert cancelled.events.count() == 3

    declined = market.request(CARD)
    bookings.decline(declined, by=market.owner, reason="Fully booked")
    bookings.decline(declined, by=market.owner, reason="")
    assert declined.events.count() == 2


def test_transitions_from_the_wrong_state_are_refused(market, no_stripe):
    booking = market.request(MANAGED)
    with pytest.raises(BookingError, match="requested, so it cannot be marked as delivered"):
        bookings.deliver(booking, by=market.owner)
    with pytest.raises(BookingError):
        bookings.mark_paid(booking, by=market.owner)
    bookings.cancel(booking, by=market.person)
    with pytest.raises(BookingError, match="cancelled, so it cannot be accepted"):
        bookings.accept(booking, by=market.owner)
    with pytest.raises(BookingError):
        bookings.decline(booking, by=market.owner, reason="Too late")


# --- Places ------------------------------------------------------------------------------------


def test_the_last_place_cannot_be_booked_twice(market, no_stripe):
    market.offer.places = 2
    market.offer.save()
    market.request(MANAGED, quantity=2)
    with pytest.raises(
        BookingError, match="Sorry, there are no places left on Six one-to-one swimming lessons."
    ):
        market.request(MANAGED)


def test_asking_for_more_places_than_are_left_says_how_many_are_left(market, no_stripe):
    market.offer.places = 3
    market.offer.save()
    market.request(MANAGED, quantity=2)
    with pytest.raises(BookingError, match="there is only 1 place left"):
        market.request(MANAGED, quantity=2)


def test_cancelled_and_declined_bookings_give_their_places_back(market, no_stripe):
    market.offer.places = 1
    market.offer.save()
    bookings.cancel(market.request(MANAGED), by=market.person)
    bookings.decline(market.request(MANAGED), by=market.owner, reason="Not suitable")
    assert bookings.places_left(market.offer) == 1
    market.request(MANAGED)
    assert bookings.places_left(market.offer) == 0


def test_an_offer_without_a_limit_never_runs_out(market, no_stripe):
    market.offer.places = None
    market.offer.save()
    market.request(MANAGED, quantity=30)
    assert bookings.places_left(market.offer) is None


# --- Checks at request ---------------------------------------------------------------------------


def test_without_stripe_keys_card_is_refused_plainly_and_invoices_still_work(market, no_stripe):
    with pytest.raises(BookingError, match="Card payment is not available"):
        market.request(CARD)
    assert not Booking.objects.exists()

    booking = market.delivered(MANAGED)
    assert booking.status == Status.DELIVERED
    assert Invoice.objects.get(booking=booking).status == Invoice.Status.ISSUED


def test_invoice_route_needs_to_know_who_holds_the_money(market, no_stripe):
    with pytest.raises(BookingError, match="who holds the money"):
        market.request(MANAGED, payer_name="")


def test_card_route_needs_a_card(market, stripe_api):
    with pytest.raises(BookingError, match="card details"):
        market.request(CARD, payment_method="")


def test_goal_must_come_from_the_persons_own_plan(market, no_stripe, user_factory):
    from matching.models import Goal
    from matching.plans import create_plan

    stranger_plan = create_plan(user_factory(roles=["budget_holder"]))
    stranger_goal = Goal.objects.create(plan=stranger_plan, text="Someone else's goal")
    with pytest.raises(BookingError, match="own support plan"):
        market.request(MANAGED, goal=stranger_goal)


def test_an_offer_no_longer_active_cannot_be_booked(market, no_stripe):
    market.offer.is_active = False
    market.offer.save()
    with pytest.raises(BookingError, match="can no longer be booked"):
        market.request(MANAGED)


def test_stripe_being_unreachable_is_a_plain_error_and_no_booking(
    market, stripe_api, settings, monkeypatch
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    with pytest.raises(BookingError, match="could not hear back from the card payment service"):
        market.request(CARD)
    assert not Booking.objects.exists()
    assert not Payment.objects.exists()


# --- Who may do what ---------------------------------------------------------------------------

ACTORS = ["person", "representative", "owner", "other_owner", "practitioner", "nobody", "anonymous"]


def allowed_only(*names):
    return [pytest.param(name, name in names, id=name) for name in ACTORS]


@pytest.mark.parametrize("actor, allowed", allowed_only("person", "representative"))
def test_who_may_ask_for_a_booking(market, no_stripe, actor, allowed):
    by = market.actor(actor)
    if allowed:
        assert market.request(MANAGED, by=by).status == Status.REQUESTED
    else:
        with pytest.raises(PermissionDenied):
            bookings.request_booking(
                market.offer,
                market.person,
                by=by,
                payment_route=MANAGED,
                payer_name="Stockport DPSS",
            )
        assert not Booking.objects.exists()


@pytest.mark.parametrize("actor, allowed", allowed_only("owner"))
@pytest.mark.parametrize("transition", ["accept", "decline"])
def test_who_may_accept_or_decline(market, no_stripe, actor, allowed, transition):
    booking = market.request(MANAGED)
    by = market.actor(actor)
    act = {
        "accept": lambda: bookings.accept(booking, by=by),
        "decline": lambda: bookings.decline(booking, by=by, reason="No instructor that week"),
    }[transition]
    if allowed:
        assert act().status == {"accept": Status.ACCEPTED, "decline": Status.DECLINED}[transition]
    else:
        with pytest.raises(PermissionDenied):
            act()
        booking.refresh_from_db()
        assert booking.status == Status.REQUESTED


@pytest.mark.parametrize("actor, allowed", allowed_only("owner"))
def test_who_may_mark_delivered_and_paid(market, no_stripe, actor, allowed):
    booking = market.accepted(MANAGED)
    by = market.actor(actor)
    if allowed:
        assert bookings.deliver(booking, by=by).status == Status.DELIVERED
        assert bookings.mark_paid(booking, by=by).status == Status.PAID
    else:
        with pytest.raises(PermissionDenied):
            bookings.deliver(booking, by=by)
        delivered = bookings.deliver(booking, by=market.owner)
        with pytest.raises(PermissionDenied):
            bookings.mark_paid(delivered, by=by)
        booking.refresh_from_db()
        assert booking.status == Status.DELIVERED


@pytest.mark.parametrize("actor, allowed", allowed_only("person", "representative", "owner"))
def test_who_may_cancel_an_accepted_booking(market, no_stripe, actor, allowed):
    booking = market.accepted(MANAGED)
    by = market.actor(actor)
    if allowed:
        assert bookings.cancel(booking, by=by).status == Status.CANCELLED
    else:
        with pytest.raises(PermissionDenied):
            bookings.cancel(booking, by=by)
        booking.refresh_from_db()
        assert booking.status == Status.ACCEPTED


@pytest.mark.parametrize("actor, allowed", allowed_only("person", "representative"))
def test_who_may_cancel_a_request(market, no_stripe, actor, allowed):
    """The owner turns a request down by declining it, with a reason, not by cancelling."""
    booking = market.request(MANAGED)
    by = market.actor(actor)
    if allowed:
        assert bookings.cancel(booking, by=by).status == Status.CANCELLED
    else:
        with pytest.raises(PermissionDenied):
            bookings.cancel(booking, by=by)


@pytest.mark.parametrize("actor, allowed", allowed_only("owner"))
def test_who_may_refund(market, stripe_api, actor, allowed):
    booking = market.delivered(CARD)
    by = market.actor(actor)
    if allowed:
        assert bookings.refund(booking, by=by).status == Payment.Status.REFUNDED
    else:
        with pytest.raises(PermissionDenied):
            bookings.refund(booking, by=by)
        assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()


@pytest.mark.parametrize("actor, allowed", allowed_only("person", "representative"))
def test_who_may_give_another_card(market, stripe_api, actor, allowed):
    booking = market.request(CARD)
    by = market.actor(actor)
    if allowed:
        assert bookings.change_card(booking, by=by, payment_method="pm_card_visa").status == (
            Payment.Status.PENDING
        )
        assert Payment.objects.filter(booking=booking).count() == 2
    else:
        with pytest.raises(PermissionDenied):
            bookings.change_card(booking, by=by, payment_method="pm_card_visa")


def test_events_record_who_acted(market, no_stripe):
    booking = market.request(MANAGED, by=market.representative)
    bookings.accept(booking, by=market.owner)
    bookings.cancel(booking, by=market.representative, reason="Changed our plans")
    events = list(BookingEvent.objects.filter(booking=booking))
    assert [(e.to_status, e.by) for e in events] == [
        ("requested", market.representative),
        ("accepted", market.owner),
        ("cancelled", market.representative),
    ]
    assert all(e.at for e in events)


# --- Giving another card: every refusal says why, in words ---------------------------------


def _another_card(market, booking, by=None):
    return bookings.change_card(booking, by=by or market.person, payment_method="pm_card_visa")


def test_another_card_replaces_the_first_before_acceptance_and_lets_it_go(market, stripe_api):
    booking = market.request(CARD)
    first = payments.current_payment(booking)
    second = _another_card(market, booking)
    first.refresh_from_db()
    assert first.status == Payment.Status.CANCELLED
    assert second.status == Payment.Status.PENDING
    assert second.pk != first.pk
    assert payments.current_payment(booking) == second


def test_another_card_is_refused_for_an_invoice_booking(market, no_stripe):
    booking = market.request(MANAGED)
    with pytest.raises(BookingError) as caught:
        _another_card(market, booking)
    assert str(caught.value) == "This booking is paid by invoice, not by card."


def test_another_card_is_refused_for_a_cancelled_booking(market, stripe_api):
    booking = bookings.cancel(market.request(CARD), by=market.person, reason="Not needed")
    with pytest.raises(BookingError) as caught:
        _another_card(market, booking)
    assert str(caught.value) == (
        "This booking is cancelled, so it cannot be paid with another card."
    )


def test_another_card_is_refused_while_the_price_is_held(market, stripe_api):
    booking = market.accepted(CARD)
    with pytest.raises(BookingError) as caught:
        _another_card(market, booking)
    assert str(caught.value) == (
        "The price is already held on the card given, so no other card is needed."
    )
    assert Payment.objects.filter(booking=booking).count() == 1


def test_another_card_is_refused_once_paid(market, stripe_api):
    booking = market.delivered(CARD)
    with pytest.raises(BookingError) as caught:
        _another_card(market, booking)
    assert str(caught.value) == "This booking is paid, so it cannot be paid with another card."


def test_another_card_is_refused_when_the_money_was_taken_before_delivery(market, stripe_api):
    """Captured at Stripe (say from its dashboard) while Kith still has the booking accepted."""
    booking = market.accepted(CARD)
    payments.take(payments.current_payment(booking))
    with pytest.raises(BookingError) as caught:
        _another_card(market, booking)
    assert str(caught.value) == (
        "This booking has been paid, so there is no need for another card."
    )
    assert Payment.objects.filter(booking=booking).count() == 1


def test_only_the_person_or_their_representative_may_give_another_card(market, stripe_api):
    booking = market.request(CARD)
    with pytest.raises(PermissionDenied) as caught:
        _another_card(market, booking, by=market.other_owner)
    assert str(caught.value) == (
        "Only the person booked, or someone who acts for them, can pay for this booking."
    )


def test_a_card_that_fails_is_noted_on_the_booking_with_who_tried_it(market, stripe_api):
    booking = market.request(CARD)
    with pytest.raises(payments.PaymentError):
        bookings.change_card(
            booking, by=market.representative, payment_method="pm_card_visa_chargeDeclined"
        )
    note = BookingEvent.objects.filter(booking=booking, note__startswith="Another card").get()
    assert note.by == market.representative
    assert note.from_status == note.to_status == Status.REQUESTED
    assert note.note.startswith("Another card was tried: ")
