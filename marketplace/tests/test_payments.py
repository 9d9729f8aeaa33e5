"""Card payments against localstripe: save, hold, take, release, refund, and plain errors."""

from decimal import Decimal

import pytest

from marketplace.bookings import services as bookings
from marketplace.models import Booking, LedgerEntry, Payment, PaymentRoute, StripeCall
from marketplace.payments import cards as payments
from marketplace.payments import gateway
from marketplace.payments.cards import PaymentError

pytestmark = pytest.mark.django_db

CARD = PaymentRoute.CARD
PStatus = Payment.Status


def current(booking):
    return payments.current_payment(booking)


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
        gateway.stripe_client()


def test_asking_for_a_booking_saves_the_card_and_holds_nothing(market, stripe_api):
    booking = market.request(CARD, quantity=2)
    payment = current(booking)
    assert payment.status == PStatus.PENDING
    assert payment.amount == Decimal("90.00")
    assert payment.stripe_payment_intent is None
    assert payment.paid_by == market.person
    setup = stripe_api.v1.setup_intents.retrieve(payment.stripe_setup_intent)
    assert setup.status == "succeeded"
    assert setup.customer == payment.stripe_customer
    assert payment.stripe_payment_method


def test_authorise_holds_the_price_in_pence_with_manual_capture(market, stripe_api):
    booking = market.request(CARD, quantity=2)
    payment = payments.authorise(current(booking))
    assert payment.status == PStatus.AUTHORISED
    intent = stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent)
    assert intent.amount == 9000
    assert intent.capture_method == "manual"
    assert intent.status == "requires_capture"
    assert intent.customer == payment.stripe_customer
    assert intent.metadata["booking"] == str(booking.pk)
    assert intent.metadata["kith_key"] == f"{payment.idempotency_key}-authorise"


def test_authorising_twice_holds_the_money_once(market, stripe_api):
    payment = current(market.request(CARD))
    first = payments.authorise(payment)
    second = payments.authorise(payment)
    assert first.pk == second.pk
    assert first.stripe_payment_intent == second.stripe_payment_intent
    assert Payment.objects.count() == 1
    assert second.status == PStatus.AUTHORISED


def test_a_declined_card_is_kept_as_a_failed_attempt_with_a_plain_reason(market, stripe_api):
    booking = market.request(CARD, payment_method="pm_card_chargeCustomerFail")
    with pytest.raises(PaymentError) as caught:
        payments.authorise(current(booking))
    assert str(caught.value).startswith("The card payment did not go through:")
    assert str(caught.value).endswith("Try another card.")
    payment = Payment.objects.get()
    assert payment.status == PStatus.FAILED
    assert payment.failure_message


def test_taking_twice_captures_and_posts_once(market, stripe_api):
    payment = payments.authorise(current(market.request(CARD)))
    payments.take(payment)
    payments.take(payment)
    payment.refresh_from_db()
    assert payment.status == PStatus.CAPTURED
    assert payment.captured_amount == Decimal("45.00")
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CARD_PAYMENT).count() == 1
    assert stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent).status == (
        "succeeded"
    )


def test_taking_without_a_hold_charges_the_saved_card_off_session(market, stripe_api):
    payment = current(market.request(CARD))
    taken = payments.take(payment)
    assert taken.pk == payment.pk
    assert taken.status == PStatus.CAPTURED
    intent = stripe_api.v1.payment_intents.retrieve(taken.stripe_payment_intent)
    assert (intent.status, intent.amount, intent.customer) == (
        "succeeded",
        4500,
        payment.stripe_customer,
    )


def test_a_lapsed_hold_is_charged_to_the_saved_card_as_a_new_attempt(market, stripe_api):
    """Card holds lapse after about seven days; delivery weeks later still gets paid."""
    held = payments.authorise(current(market.request(CARD)))
    stripe_api.v1.payment_intents.cancel(held.stripe_payment_intent)  # as Stripe does on expiry

    taken = payments.take(held)

    held.refresh_from_db()
    assert held.status == PStatus.CANCELLED
    assert taken.pk != held.pk
    assert taken.status == PStatus.CAPTURED
    assert taken.stripe_customer == held.stripe_customer
    assert taken.idempotency_key.endswith("-card-2")
    assert LedgerEntry.objects.get().reference == taken.stripe_payment_intent


def test_taking_less_than_was_held_releases_the_rest(market, stripe_api):
    payment = payments.authorise(current(market.request(CARD)))
    taken = payments.take(payment, amount=Decimal("30.00"))
    assert taken.captured_amount == Decimal("30.00")
    assert LedgerEntry.objects.get().amount == Decimal("30.00")


def test_releasing_cancels_the_intent_once(market, stripe_api):
    payment = payments.authorise(current(market.request(CARD)))
    payments.release(payment)
    payments.release(payment)
    payment.refresh_from_db()
    assert payment.status == PStatus.CANCELLED
    assert (
        stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent).status == "canceled"
    )


def test_releasing_a_saved_card_holds_nothing(market, stripe_api):
    payment = payments.release(current(market.request(CARD)))
    assert payment.status == PStatus.CANCELLED
    assert payment.stripe_payment_intent is None


def test_a_taken_payment_cannot_be_released(market, stripe_api):
    payment = payments.take(payments.authorise(current(market.request(CARD))))
    with pytest.raises(PaymentError, match="refunded instead"):
        payments.release(payment)


def test_partial_then_full_refund(market, stripe_api):
    payment = payments.take(payments.authorise(current(market.request(CARD))))

    payment = payments.refund(payment, Decimal("10.00"), request="first")
    assert payment.status == PStatus.PARTLY_REFUNDED
    assert payment.refunded_amount == Decimal("10.00")

    payment = payments.refund(payment, request="second")
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


def test_the_same_refund_request_twice_refunds_once(market, stripe_api):
    """A double-submitted refund form carries the same token: one refund."""
    payment = payments.take(payments.authorise(current(market.request(CARD))))
    payments.refund(payment, Decimal("10.00"), request="a1b2")
    payment = payments.refund(payment, Decimal("10.00"), request="a1b2")
    assert payment.refunded_amount == Decimal("10.00")
    refunds = stripe_api.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent})
    assert [r.amount for r in refunds.data] == [1000]
    # A second genuine request of the same amount still refunds.
    payment = payments.refund(payment, Decimal("10.00"), request="c3d4")
    assert payment.refunded_amount == Decimal("20.00")


def test_refunding_more_than_is_left_is_refused(market, stripe_api):
    payment = payments.take(payments.authorise(current(market.request(CARD))))
    payments.refund(payment, Decimal("40.00"), request="one")
    with pytest.raises(PaymentError, match="at most £5.00"):
        payments.refund(payment, Decimal("6.00"), request="two")
    with pytest.raises(PaymentError, match="greater than £0"):
        payments.refund(payment, Decimal("0"), request="three")


def test_a_refund_needs_money_taken(market, stripe_api):
    payment = payments.authorise(current(market.request(CARD)))
    with pytest.raises(PaymentError, match="has been taken"):
        payments.refund(payment)


def test_take_catches_up_when_stripe_already_captured(market, stripe_api):
    """Captured in Stripe's dashboard before its webhook arrived: Kith agrees rather than erring."""
    booking = bookings.accept(market.request(CARD), by=market.owner)
    payment = current(booking)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)

    booking = bookings.deliver(booking, by=market.owner)

    payment.refresh_from_db()
    assert payment.status == PStatus.CAPTURED
    assert booking.status == booking.Status.PAID
    assert LedgerEntry.objects.count() == 1
    assert Payment.objects.count() == 1


def test_every_request_is_recorded_with_a_key_named_after_its_operation(
    market, faulty_stripe, stripe_api
):
    """localstripe ignores the keys, so check that Kith sends them: one per business step,
    never a retry count or an amount, and each recorded before it is sent."""
    booking = market.request(CARD)
    payment = payments.take(payments.authorise(current(booking)))
    payments.refund(payment, Decimal("5.00"), request="r1")

    key = payment.idempotency_key
    assert key.startswith(f"booking-{booking.pk}-") and key.endswith("-card-1")
    intent = payment.stripe_payment_intent
    assert faulty_stripe.sent_posts() == [
        ("customers", f"{key}-customer"),
        ("setup_intents", f"{key}-setup"),
        (f"setup_intents/{payment.stripe_setup_intent}/confirm", f"{key}-setup-confirm"),
        ("payment_intents", f"{key}-authorise"),
        (f"payment_intents/{intent}/capture", f"{key}-capture"),
        ("refunds", f"{key}-refund-r1"),
    ]
    # (The provider's connected account, made by the fixture, has calls of its own.)
    calls = StripeCall.objects.filter(key__startswith="booking-").order_by("pk")
    assert [c.key for c in calls] == [k for _, k in faulty_stripe.sent_posts()]
    assert {c.state for c in calls} == {StripeCall.State.DONE}


def test_a_card_whose_bank_wants_confirmation_later_fails_and_its_intent_is_let_go(
    market, stripe_api
):
    """An off-session hold the bank wants confirmed cannot be confirmed by the person later.

    Kith records the attempt as failed with the reason, asks for another card,
    and cancels the unused PaymentIntent at Stripe so nothing is left half-done.
    """
    payment = current(market.request(CARD))
    needs_confirming = stripe_api.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4000002760003184", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe_api.v1.payment_methods.attach(
        needs_confirming.id, params={"customer": payment.stripe_customer}
    )
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_method=needs_confirming.id)
    with pytest.raises(PaymentError) as caught:
        payments.authorise(payment)
    assert str(caught.value) == (
        "The card holder's bank wants them to confirm this payment. Try another card."
    )
    payment.refresh_from_db()
    assert payment.status == PStatus.FAILED
    assert payment.failure_message == "The card holder's bank wants them to confirm this payment."
    intent = stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent)
    assert intent.status == "canceled"
    abandon = StripeCall.objects.get(operation="payment_intent.cancel")
    assert abandon.key == f"{payment.idempotency_key}-abandon"
    assert abandon.state == StripeCall.State.DONE
    assert abandon.payment_id == payment.pk
    assert abandon.result_id == payment.stripe_payment_intent


def test_saving_a_card_without_card_details_asks_for_them(market, stripe_api):
    booking = market.request(CARD)
    attempt = payments.new_attempt(booking=booking, amount=booking.amount)
    with pytest.raises(PaymentError) as refused:
        payments.save_card(attempt, "")
    assert str(refused.value) == "Enter your card details."
    attempt.refresh_from_db()
    assert not attempt.stripe_payment_method


def test_giving_another_card_left_blank_keeps_the_card_already_saved(market, stripe_api):
    """The "give another card" form sent empty (no JavaScript, nothing typed) must not let go
    of the card saved with the request, or the provider could no longer accept it."""
    booking = market.request(CARD)
    saved = current(booking)
    with pytest.raises(bookings.BookingError) as refused:
        bookings.change_card(booking, by=market.person, payment_method="")
    assert str(refused.value) == "Enter your card details."
    assert current(booking) == saved
    saved.refresh_from_db()
    assert saved.status == PStatus.PENDING and saved.stripe_payment_method
    assert bookings.accept(booking, by=market.owner).status == Booking.Status.ACCEPTED


def test_accepting_a_card_booking_with_no_card_says_so(market):
    """A card booking with no card attempt at all (made before cards were saved with the
    request): the provider is told plainly and the booking stays requested."""
    booking = Booking.objects.create(
        offer=market.offer,
        person=market.person,
        requested_by=market.person,
        goal=market.goal,
        payment_route=CARD,
        amount=Decimal("45.00"),
    )
    with pytest.raises(PaymentError) as refused:
        bookings.accept(booking, by=market.owner)
    assert str(refused.value) == "No card was given for this booking."
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED
    assert booking.events.last().note == (
        "The card was declined when accepting: No card was given for this booking."
    )
