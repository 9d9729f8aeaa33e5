"""Card payments against localstripe: authorise, capture, release, refund, and plain errors."""

from decimal import Decimal

import pytest

from marketplace.bookings import services as bookings
from marketplace.models import LedgerEntry, Payment, PaymentRoute
from marketplace.payments import cards as payments
from marketplace.payments.cards import PaymentError

pytestmark = pytest.mark.django_db

CARD = PaymentRoute.CARD
PStatus = Payment.Status


def test_pounds_and_pence_convert_exactly():
    assert payments.to_pence(Decimal("45.00")) == 4500
    assert payments.to_pence(Decimal("0.10")) == 10
    assert payments.to_pence(Decimal("1234.56")) == 123456
    assert payments.from_pence(4599) == Decimal("45.99")
    assert payments.from_pence(5) == Decimal("0.05")
    with pytest.raises(ValueError):
        payments.to_pence(Decimal("1.005"))


def test_card_payments_are_unavailable_without_a_secret_key(no_stripe):
    assert not payments.card_payments_enabled()
    with pytest.raises(PaymentError, match="Card payment is not available"):
        payments.stripe_client()


def test_authorise_creates_a_manual_capture_intent_in_pence(market, stripe_api):
    booking = market.request(CARD, quantity=2)
    payment = payments.authorise(booking)
    assert payment.status == PStatus.AUTHORISED
    assert payment.amount == Decimal("90.00")
    intent = stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent)
    assert intent.amount == 9000
    assert intent.capture_method == "manual"
    assert intent.status == "requires_capture"
    assert intent.metadata["booking"] == str(booking.pk)


def test_authorise_with_a_card_for_a_booking_without_one(market, stripe_api, no_card_booking):
    payment = payments.authorise(no_card_booking, payment_method="pm_card_visa")
    assert payment.status == PStatus.AUTHORISED
    assert payment.idempotency_key == payments.idempotency_key(no_card_booking, 1)


@pytest.fixture
def no_card_booking(market):
    """A card booking made before any card was given (as a pool or import might)."""
    from marketplace.models import Booking

    return Booking.objects.create(
        offer=market.offer,
        person=market.person,
        requested_by=market.person,
        payment_route=CARD,
        amount=Decimal("45.00"),
    )


def test_authorising_twice_holds_the_money_once(market, stripe_api):
    booking = market.request(CARD)
    first = payments.authorise(booking)
    second = payments.authorise(booking)
    assert first.pk == second.pk
    assert Payment.objects.count() == 1
    assert second.status == PStatus.AUTHORISED


def test_a_declined_card_is_kept_as_a_failed_attempt_with_a_plain_reason(market, stripe_api):
    booking = market.request(CARD, payment_method="pm_card_chargeCustomerFail")
    with pytest.raises(PaymentError) as caught:
        payments.authorise(booking)
    assert str(caught.value) == (
        "The card payment did not go through: Your card was declined. Try another card."
    )
    payment = Payment.objects.get()
    assert payment.status == PStatus.FAILED
    assert payment.failure_message == str(caught.value)


def test_capturing_twice_takes_the_money_and_posts_it_once(market, stripe_api):
    payment = payments.authorise(market.request(CARD))
    payments.capture(payment)
    payments.capture(payment)
    payment.refresh_from_db()
    assert payment.status == PStatus.CAPTURED
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CARD_PAYMENT).count() == 1


def test_nothing_can_be_captured_before_authorisation(market, stripe_api):
    payment = payments.current_payment(market.request(CARD))
    with pytest.raises(PaymentError, match="no card payment held"):
        payments.capture(payment)


def test_releasing_cancels_the_intent_once(market, stripe_api):
    payment = payments.authorise(market.request(CARD))
    payments.release(payment)
    payments.release(payment)
    payment.refresh_from_db()
    assert payment.status == PStatus.CANCELLED
    assert (
        stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent).status == "canceled"
    )


def test_a_taken_payment_cannot_be_released(market, stripe_api):
    payment = payments.capture(payments.authorise(market.request(CARD)))
    with pytest.raises(PaymentError, match="refunded instead"):
        payments.release(payment)


def test_partial_then_full_refund(market, stripe_api):
    payment = payments.capture(payments.authorise(market.request(CARD)))

    payment = payments.refund(payment, Decimal("10.00"))
    assert payment.status == PStatus.PARTLY_REFUNDED
    assert payment.refunded_amount == Decimal("10.00")

    payment = payments.refund(payment)
    assert payment.status == PStatus.REFUNDED
    assert payment.refunded_amount == Decimal("45.00")

    lines = list(LedgerEntry.objects.values_list("kind", "amount"))
    assert lines == [
        ("card_payment", Decimal("45.00")),
        ("refund", Decimal("-10.00")),
        ("refund", Decimal("-35.00")),
    ]
    refunds = stripe_api.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent})
    assert sorted(r.amount for r in refunds.data) == [1000, 3500]


def test_refunding_more_than_is_left_is_refused(market, stripe_api):
    payment = payments.capture(payments.authorise(market.request(CARD)))
    payments.refund(payment, Decimal("40.00"))
    with pytest.raises(PaymentError, match="at most £5.00"):
        payments.refund(payment, Decimal("6.00"))
    with pytest.raises(PaymentError, match="greater than £0"):
        payments.refund(payment, Decimal("0"))


def test_a_refund_needs_money_taken(market, stripe_api):
    payment = payments.authorise(market.request(CARD))
    with pytest.raises(PaymentError, match="has been taken"):
        payments.refund(payment)


def test_capture_catches_up_when_stripe_already_captured(market, stripe_api):
    """Captured in Stripe's dashboard before its webhook arrived: Kith agrees rather than erring."""
    booking = bookings.accept(market.request(CARD), by=market.owner)
    payment = payments.current_payment(booking)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)

    booking = bookings.deliver(booking, by=market.owner)

    payment.refresh_from_db()
    assert payment.status == PStatus.CAPTURED
    assert booking.status == booking.Status.PAID
    assert LedgerEntry.objects.count() == 1


def test_every_request_that_moves_money_carries_its_own_idempotency_key(
    market, stripe_api, monkeypatch
):
    """localstripe ignores the keys, so check that Kith sends them, one per step."""
    import stripe

    sent = []
    original = stripe.HTTPClient.request_with_retries

    def record(self, method, url, headers, *args, **kwargs):
        if method == "post":
            sent.append((url.rsplit("/v1/", 1)[1], headers.get("Idempotency-Key")))
        return original(self, method, url, headers, *args, **kwargs)

    monkeypatch.setattr(stripe.HTTPClient, "request_with_retries", record)

    booking = market.request(CARD)
    payment = payments.capture(payments.authorise(booking))
    payments.refund(payment, Decimal("5.00"))

    key = payments.idempotency_key(booking, 1)
    intent = payment.stripe_payment_intent
    assert sent == [
        ("payment_intents", key),
        (f"payment_intents/{intent}/confirm", f"{key}-confirm"),
        (f"payment_intents/{intent}/capture", f"{key}-capture"),
        ("refunds", f"{key}-refund-0-500"),
    ]
