"""Racing money steps on real PostgreSQL: a refund, a webhook and the scheduler at once.

Before the one lock order (marketplace.payments), a ``charge.refunded`` webhook
racing a provider's refund deadlocked 3 times in 3. Here each race ends with
one outcome, no deadlock, and no error shown to anyone.
"""

import time
from decimal import Decimal

import pytest
from django.db import connection

from conftest import require_service
from marketplace import reconcile
from marketplace.bookings import services as bookings
from marketplace.models import Booking, LedgerEntry, PaymentRoute
from marketplace.payments import cards, webhooks

from .conftest import make_event
from .test_booking_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("stripe_test_settings"),
]

CARD = PaymentRoute.CARD


@pytest.fixture(autouse=True)
def postgresql_only():
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are only tested on PostgreSQL; DATABASE_URL is not PostgreSQL.")


def refunded_event(payment, pence):
    return make_event(
        "charge.refunded",
        {
            "id": f"ch_{payment.pk}",
            "object": "charge",
            "payment_intent": payment.stripe_payment_intent,
            "amount": cards.to_pence(payment.captured_amount),
            "amount_refunded": pence,
        },
    )


@pytest.mark.parametrize("round_", range(3))
def test_a_refund_racing_its_webhook_and_the_scheduler_ends_once_without_deadlock(
    market, stripe_api, round_
):
    booking = market.delivered(CARD)
    payment = cards.current_payment(booking)
    assert booking.status == Booking.Status.PAID

    def webhook_once_stripe_has_refunded():
        # As Stripe does: the event follows the refund, often before Kith has recorded it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            listed = stripe_api.v1.refunds.list(
                params={"payment_intent": payment.stripe_payment_intent}
            )
            if listed.data:
                return webhooks.handle_event(refunded_event(payment, 2000))
            time.sleep(0.01)
        raise AssertionError("Stripe never refunded")

    results = run_together(
        [
            lambda: bookings.refund(
                booking, by=market.owner, amount=Decimal("20.00"), request="race"
            ),
            webhook_once_stripe_has_refunded,
            webhook_once_stripe_has_refunded,
            reconcile.run,
        ]
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("20.00")
    refunds = stripe_api.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent})
    assert sum(r.amount for r in refunds.data) == 2000
    lines = LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.REFUND)
    assert sum(line.amount for line in lines) == -payment.refunded_amount


def test_delivery_racing_a_capture_webhook_and_a_cancel_ends_in_one_state(market, stripe_api):
    booking = market.accepted(CARD)
    payment = cards.current_payment(booking)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)
    succeeded = make_event(
        "payment_intent.succeeded",
        {"id": payment.stripe_payment_intent, "object": "payment_intent", "amount": 4500},
    )
    results = run_together(
        [
            lambda: bookings.deliver(booking, by=market.owner),
            lambda: webhooks.handle_event(succeeded),
            lambda: bookings.cancel(booking, by=market.person),
        ]
    )
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, bookings.BookingError)
    ]
    assert unexpected == []
    booking.refresh_from_db()
    reconcile.run()
    booking.refresh_from_db()
    payment.refresh_from_db()
    taken = LedgerEntry.objects.filter(booking=booking)
    if booking.status == Booking.Status.CANCELLED:
        # Cancelled first: the money taken in the dashboard was given back.
        assert payment.status == payment.Status.REFUNDED
        assert sum(line.amount for line in taken) == 0
    else:
        assert booking.status == Booking.Status.PAID
        assert sum(line.amount for line in taken) == Decimal("45.00")
