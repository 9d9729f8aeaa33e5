"""Fault injection at every Stripe call site: the call failed, or Stripe did the work and the
reply was lost. After the person's next step, the scheduler and webhooks: nobody is charged
twice, nothing owed back is kept, and nothing is left in a state with no way out.

Stripe here is localstripe, which ignores idempotency keys, so a retry that relied on the key
alone would charge twice: these tests show Kith looks before it resends.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace import reconcile
from marketplace.bookings import services as bookings
from marketplace.models import Booking, LedgerEntry, Payment, PaymentRoute, Pledge, Pool
from marketplace.payments import cards
from marketplace.payments.gateway import OutcomeUnknown, PaymentError
from marketplace.pools import services as pools

from .test_pools import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("faulty_stripe")]

CARD = PaymentRoute.CARD
INTENTS = r"payment_intents"
CAPTURE = r"payment_intents/[^/]+/capture"
CANCEL = r"payment_intents/[^/]+/cancel"
RETRIEVE = r"payment_intents/[^/]+"
REFUNDS = r"refunds"


def money_at_stripe(stripe_api, subject) -> tuple[int, int, int]:
    """(held, taken net of refunds, number of charges) in pence, for intents Kith made for
    one booking or pledge, as localstripe has them (found by the key in their metadata,
    which names the booking or pledge and when it was made, so other tests' are left out)."""
    held = taken = charges = 0
    prefix = cards._subject_key(subject) + "-"
    for intent in stripe_api.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        if not intent.metadata.to_dict().get("kith_key", "").startswith(prefix):
            continue
        if intent.status == "requires_capture":
            held += intent.amount
        elif intent.status == "succeeded":
            charges += 1
            refunds = stripe_api.v1.refunds.list(params={"payment_intent": intent.id})
            taken += intent.amount - sum(r.amount for r in refunds.data)
    return held, taken, charges


def run_scheduler():
    return reconcile.run()


def ledger_total(**filters) -> Decimal:
    return sum((e.amount for e in LedgerEntry.objects.filter(**filters)), Decimal("0.00"))


# --- Bookings --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_holding_at_acceptance(market, faulty_stripe, stripe_api, mode):
    booking = market.request(CARD)
    faulty_stripe.inject("post", INTENTS, mode)
    if mode == "lost":
        # The lookup straight after the lost reply fails too: only the scheduler can tell.
        faulty_stripe.inject("get", INTENTS, "fail")
    booking = bookings.accept(booking, by=market.owner)
    assert booking.status == Booking.Status.ACCEPTED  # the provider's decision stands

    run_scheduler()
    payment = cards.current_payment(booking)
    expected = Payment.Status.AUTHORISED if mode == "lost" else Payment.Status.PENDING
    assert payment.status == expected
    assert money_at_stripe(stripe_api, booking)[0] == (4500 if mode == "lost" else 0)

    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID
    assert money_at_stripe(stripe_api, booking) == (0, 4500, 1)
    assert ledger_total(booking=booking) == Decimal("45.00")


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_capture_at_delivery(market, faulty_stripe, stripe_api, mode):
    booking = market.accepted(CARD)
    faulty_stripe.inject("post", CAPTURE, mode)
    booking = bookings.deliver(booking, by=market.owner)
    run_scheduler()
    booking.refresh_from_db()
    if booking.status != Booking.Status.PAID:
        # The way out: the provider takes the payment again (the button on the booking).
        booking = bookings.mark_paid(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID
    assert money_at_stripe(stripe_api, booking) == (0, 4500, 1)
    assert ledger_total(booking=booking) == Decimal("45.00")


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_charging_a_lapsed_hold_at_delivery(market, faulty_stripe, stripe_api, mode):
    """Issue: the saved-card charge whose reply was lost must never be sent again blind."""
    booking = market.accepted(CARD)
    held = cards.current_payment(booking)
    stripe_api.v1.payment_intents.cancel(held.stripe_payment_intent)  # the hold lapsed
    faulty_stripe.inject("post", INTENTS, mode)
    faulty_stripe.inject("get", INTENTS, "fail")  # and the first lookup fails
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.DELIVERED

    run_scheduler()
    run_scheduler()
    booking.refresh_from_db()
    if booking.status != Booking.Status.PAID:
        booking = bookings.mark_paid(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID
    assert money_at_stripe(stripe_api, booking) == (0, 4500, 1)
    assert ledger_total(booking=booking) == Decimal("45.00")


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_releasing_a_hold_on_cancellation(market, faulty_stripe, stripe_api, mode):
    booking = market.accepted(CARD)
    faulty_stripe.inject("post", CANCEL, mode)
    faulty_stripe.inject("get", RETRIEVE, "fail")
    try:
        bookings.cancel(booking, by=market.person, reason="Going into hospital")
    except OutcomeUnknown:
        # Nothing changed; the person is told to try again in a few minutes.
        booking.refresh_from_db()
        assert booking.status == Booking.Status.ACCEPTED
        bookings.cancel(booking, by=market.person, reason="Going into hospital")
    run_scheduler()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert money_at_stripe(stripe_api, booking) == (0, 0, 0)


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_refunding_after_delivery(market, faulty_stripe, stripe_api, mode):
    booking = market.delivered(CARD)
    faulty_stripe.inject("post", REFUNDS, mode)
    faulty_stripe.inject("get", REFUNDS, "fail")
    try:
        bookings.refund(booking, by=market.owner, amount=Decimal("15.00"), request="form-1")
    except OutcomeUnknown:
        # The provider presses the button again: the same form, the same request.
        bookings.refund(booking, by=market.owner, amount=Decimal("15.00"), request="form-1")
    run_scheduler()
    assert money_at_stripe(stripe_api, booking) == (0, 3000, 1)
    assert ledger_total(booking=booking) == Decimal("30.00")
    assert cards.current_payment(booking).refunded_amount == Decimal("15.00")


def test_a_refund_whose_reply_was_lost_is_recorded_once_when_the_scheduler_finds_it(
    market, faulty_stripe, stripe_api
):
    """Stripe made the refund, but the reply and the first lookup were lost and nobody pressed
    the button again: the scheduler finds it and records that refund, under Stripe's id, once."""
    booking = market.delivered(CARD)
    faulty_stripe.inject("post", REFUNDS, "lost")
    faulty_stripe.inject("get", REFUNDS, "fail")
    with pytest.raises(OutcomeUnknown):
        bookings.refund(booking, by=market.owner, amount=Decimal("15.00"), request="form-1")
    payment = cards.current_payment(booking)
    assert payment.refunded_amount == Decimal("0.00")  # nothing recorded while unknown

    run_scheduler()
    run_scheduler()
    refunds = stripe_api.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent})
    [made] = refunds.data
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("15.00")
    assert payment.status == Payment.Status.PARTLY_REFUNDED
    [line] = LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.REFUND)
    assert (line.amount, line.reference) == (Decimal("-15.00"), made.id)
    assert ledger_total(booking=booking) == Decimal("30.00")
    assert money_at_stripe(stripe_api, booking) == (0, 3000, 1)


@pytest.mark.parametrize("where", ["customers", "setup_intents", r"setup_intents/[^/]+/confirm"])
@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_saving_the_card_when_asking(market, faulty_stripe, stripe_api, where, mode):
    faulty_stripe.inject("post", where, mode)
    faulty_stripe.inject("get", r"setup_intents/[^/]+", "fail")
    try:
        booking = market.request(CARD)
    except bookings.BookingError:
        # Nothing is held and no booking takes a place; asking again works.
        assert not Booking.objects.exists()
        booking = market.request(CARD)
    assert Booking.objects.count() == 1
    assert cards.current_payment(booking).stripe_payment_method
    run_scheduler()
    assert money_at_stripe(stripe_api, booking) == (0, 0, 0)


def test_a_capture_webhook_arriving_twice_and_late_changes_nothing_more(
    market, stripe_api, post_webhook
):
    from .conftest import make_event

    booking = market.delivered(CARD)
    payment = cards.current_payment(booking)
    event = make_event(
        "payment_intent.succeeded", {"id": payment.stripe_payment_intent, "object": "x"}
    )
    post_webhook(event)
    post_webhook(event)
    late = make_event(
        "payment_intent.amount_capturable_updated",
        {"id": payment.stripe_payment_intent, "object": "payment_intent"},
    )
    post_webhook(late)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED
    assert ledger_total(booking=booking) == Decimal("45.00")


def test_money_taken_for_a_cancelled_booking_is_refunded_by_the_sweep(market, stripe_api):
    """Captured in Stripe's dashboard after Kith cancelled (or a capture reply arriving after
    the cancellation): the scheduler gives it back."""
    booking = market.accepted(CARD)
    payment = cards.current_payment(booking)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)
    cards.sync(payment)
    counts = run_scheduler()
    assert counts["bookings"] == 1
    assert money_at_stripe(stripe_api, booking) == (0, 0, 1)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED


def test_cancelling_a_hold_that_was_taken_in_the_dashboard_refunds_it(market, stripe_api):
    """Kith still thinks the price is only held, but it was captured at Stripe (in the
    dashboard, or a capture whose reply never came): letting go of the hold is refused, so
    the payment is checked with Stripe and the money given back in full."""
    booking = market.accepted(CARD)
    payment = cards.current_payment(booking)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)
    booking = bookings.cancel(booking, by=market.person, reason="Going into hospital")
    assert booking.status == Booking.Status.CANCELLED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_amount == Decimal("45.00")
    assert money_at_stripe(stripe_api, booking) == (0, 0, 1)
    assert ledger_total(booking=booking) == Decimal("0.00")


# --- Pools -----------------------------------------------------------------------------------


@pytest.fixture
def world(user_factory, faulty_stripe):
    return make_world(user_factory)


def settle_runs(pool, runs=3):
    for minutes in range(runs):
        pools.process_deadlines(now=pool.deadline + timedelta(minutes=1 + 15 * minutes))


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_holding_a_share_when_joining(world, faulty_stripe, stripe_api, mode):
    pool = world.pool(minimum=1, places=2)
    person = world.people[0]
    faulty_stripe.inject("post", INTENTS, mode)
    faulty_stripe.inject("get", INTENTS, "fail")
    pledge = world.join(pool, person, "card")
    assert pledge.status == Pledge.Status.HELD  # the place is kept while Stripe is asked
    settle_runs(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    assert money_at_stripe(stripe_api, pledge) == (0, 4500, 1)
    assert ledger_total(person=person) == Decimal("45.00")


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_capturing_a_held_share_at_settlement(world, faulty_stripe, stripe_api, mode):
    """Issue: a capture whose reply was lost must not end with the share kept."""
    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "card")
    faulty_stripe.inject("post", CAPTURE, mode)
    faulty_stripe.inject("get", RETRIEVE, "fail", times=2)
    settle_runs(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    assert pledge.capture_attempts == 0  # an unknown outcome is not a failed attempt
    assert money_at_stripe(stripe_api, pledge) == (0, 4500, 1)


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_charging_a_saved_card_at_settlement(world, faulty_stripe, stripe_api, mode):
    """Issue: the off-session charge's key must not change between runs (no double charge)."""
    pool = world.pool(days=14, minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "card")
    assert pledge.method == Pledge.Method.CARD_SAVED
    faulty_stripe.inject("post", INTENTS, mode)
    faulty_stripe.inject("get", INTENTS, "fail")
    settle_runs(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    assert money_at_stripe(stripe_api, pledge) == (0, 4500, 1)
    assert ledger_total(person=pledge.member) == Decimal("45.00")


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_releasing_a_hold_when_leaving(world, faulty_stripe, stripe_api, mode):
    pool = world.pool(places=3, minimum=2)
    pledge = world.join(pool, world.people[0], "card")
    faulty_stripe.inject("post", CANCEL, mode)
    faulty_stripe.inject("get", RETRIEVE, "fail")
    pools.leave(pledge, by=world.people[0])
    run_scheduler()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.LEFT
    assert money_at_stripe(stripe_api, pledge) == (0, 0, 0)


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_refunding_shares_when_a_funded_pool_is_cancelled(world, faulty_stripe, stripe_api, mode):
    pool = world.pool(minimum=2, places=3)
    first = world.join(pool, world.people[0], "card")
    second = world.join(pool, world.people[1], "card")
    settle_runs(pool, runs=1)
    faulty_stripe.inject("post", REFUNDS, mode)
    faulty_stripe.inject("get", REFUNDS, "fail")
    pools.cancel(pool, by=world.provider, reason="The tutor is ill")
    run_scheduler()
    for pledge in (first, second):
        pledge.refresh_from_db()
        assert pledge.status == Pledge.Status.REFUNDED
        assert money_at_stripe(stripe_api, pledge) == (0, 0, 1)
        assert ledger_total(person=pledge.member) == Decimal("0.00")


def test_a_share_taken_for_a_pledge_that_failed_is_refunded(world, stripe_api, post_webhook):
    """Issue: captured at Stripe, but Kith had marked the pledge failed and the pool failed."""
    from .conftest import make_event

    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "card")
    payment = cards.current_payment(pledge)
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.FAILED)
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.FAILED)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)
    post_webhook(
        make_event(
            "payment_intent.succeeded",
            {"id": payment.stripe_payment_intent, "object": "payment_intent", "amount": 4500},
        )
    )
    run_scheduler()
    assert money_at_stripe(stripe_api, pledge) == (0, 0, 1)
    assert ledger_total(person=pledge.member) == Decimal("0.00")


def test_a_refund_of_a_pool_share_in_the_dashboard_is_recorded(world, stripe_api, post_webhook):
    """Issue: webhooks used to look only at booking payments."""
    from .conftest import make_event

    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "card")
    settle_runs(pool, runs=1)
    payment = cards.current_payment(pledge)
    refund = {"id": "re_dashboard_pool", "object": "refund", "amount": 4500, "status": "succeeded"}
    charge = {
        "id": "ch_pool",
        "object": "charge",
        "payment_intent": payment.stripe_payment_intent,
        "amount": 4500,
        "amount_refunded": 4500,
        "refunds": {"object": "list", "data": [refund]},
    }
    post_webhook(make_event("charge.refunded", charge))
    post_webhook(make_event("charge.refunded", charge))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert ledger_total(person=pledge.member) == Decimal("0.00")


def test_a_dispute_on_a_pool_share_is_recorded(world, stripe_api, post_webhook):
    from .conftest import make_event

    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "card")
    settle_runs(pool, runs=1)
    payment = cards.current_payment(pledge)
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": payment.stripe_payment_intent,
        "reason": "fraudulent",
    }
    assert post_webhook(make_event("charge.dispute.created", dispute)).content == (
        b"payment disputed"
    )
    payment.refresh_from_db()
    assert payment.disputed_at is not None
    assert "fraudulent" in payment.failure_message


def test_a_card_that_fails_after_funding_rechecks_the_minimum(world, stripe_api):
    """Issue: a pledge failing after the pool was counted as funded must recheck the minimum."""
    pool = world.pool(minimum=2, places=3)
    world.join(pool, world.people[0], "card")
    late = world.join(pool, world.people[1], "card")
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.FUNDED)
    from marketplace.pools import money

    money.fail(late, "The card was declined.")
    pool.refresh_from_db()
    assert pool.status == Pool.Status.FAILED
    run_scheduler()
    for pledge in Pledge.objects.filter(pool=pool):
        assert money_at_stripe(stripe_api, pledge)[:2] == (0, 0)


def test_a_signed_but_malformed_event_is_acknowledged_not_a_500(post_webhook):
    from .conftest import make_event

    for body in (
        make_event("payment_intent.succeeded", {"id": 42}),
        {"id": "evt_no_data", "type": "payment_intent.succeeded"},
        {"id": "evt_bad_created", "created": "soon", "data": {"object": {}}, "type": "x"},
        ["not", "an", "event"],
    ):
        response = post_webhook(body)
        assert response.status_code == 200


def test_stripe_errors_when_joining_a_pool_are_a_message_not_a_500(world, faulty_stripe, client):
    from django.urls import reverse

    pool = world.pool(places=3, minimum=2)
    person = world.people[0]
    faulty_stripe.inject("post", "customers", "fail")
    client.force_login(person)
    response = client.post(
        reverse("marketplace:pool_join", args=[pool.pk]),
        {
            "goal": str(world.goals[person.pk].pk),
            "method": "card",
            "test_card": "pm_card_visa",
        },
    )
    assert response.status_code in (200, 400, 409)
    assert not Pledge.objects.filter(pool=pool, status=Pledge.Status.HELD).exists()


def test_unknown_outcomes_never_count_as_money_moved(market, faulty_stripe):
    booking = market.accepted(CARD)
    faulty_stripe.inject("post", CAPTURE, "fail", times=2)
    faulty_stripe.inject("get", RETRIEVE, "fail", times=2)
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.DELIVERED
    with pytest.raises(PaymentError):
        bookings.mark_paid(booking, by=market.owner)
    assert not LedgerEntry.objects.exists()
    # Once Stripe answers again, the provider's next press takes the money once.
    assert bookings.mark_paid(booking, by=market.owner).status == Booking.Status.PAID
    assert LedgerEntry.objects.count() == 1
