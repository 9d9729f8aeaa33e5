"""Card payments through Stripe PaymentIntents: prepare, authorise, capture, release, refund.

A card booking's money moves in two steps so nobody pays for something that
was never agreed: the person gives their card when they ask for a booking
(``prepare_card`` creates an unconfirmed PaymentIntent holding the payment
method), the provider's acceptance authorises it (``authorise`` confirms with
manual capture, so the money is held, not taken), and delivery captures it.
Stripe keeps the payment method on the PaymentIntent, so Kith stores no card
details and needs no Stripe customers.

Every call to Stripe carries an idempotency key derived from the payment, so
a retry after a timeout or a crash repeats the same request instead of
charging twice. Status changes go through ``apply_status``, which only moves
a payment forwards: the direct API calls here and the webhooks in
``marketplace.webhooks`` may arrive in any order and still agree.

Money is Decimal pounds inside Kith and integer pence at Stripe; the
conversion happens only in ``to_pence`` and ``from_pence``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction

from marketplace.models import Booking, Payment
from marketplace.payments import ledger

logger = logging.getLogger(__name__)

Status = Payment.Status

CURRENCY = "gbp"
CARD_UNAVAILABLE = (
    "Card payment is not available at the moment. "
    "You can still ask for an invoice to your managed account or individual service fund."
)

# Where a payment may go next. Anything else (a late or repeated webhook, a
# second click) is ignored rather than moving the payment backwards.
NEXT_STATUSES = {
    Status.PENDING: {Status.AUTHORISED, Status.CAPTURED, Status.CANCELLED, Status.FAILED},
    # Stripe may still succeed on a PaymentIntent after a failed attempt.
    Status.FAILED: {Status.AUTHORISED, Status.CAPTURED, Status.CANCELLED},
    Status.AUTHORISED: {Status.CAPTURED, Status.CANCELLED},
    Status.CAPTURED: {Status.PARTLY_REFUNDED, Status.REFUNDED},
    Status.PARTLY_REFUNDED: {Status.REFUNDED},
    Status.CANCELLED: set(),
    Status.REFUNDED: set(),
}

# What a PaymentIntent's status at Stripe means for our payment.
INTENT_STATUSES = {
    "requires_capture": Status.AUTHORISED,
    "succeeded": Status.CAPTURED,
    "canceled": Status.CANCELLED,
}

# Retrying is safe because every request carries an idempotency key.
NETWORK_RETRIES = 2

HELD = {Status.PENDING, Status.AUTHORISED}
TAKEN = {Status.CAPTURED, Status.PARTLY_REFUNDED}


class PaymentError(ValueError):
    """A card payment could not be made or changed; the message is fit to show the user."""


# --- Settings and the Stripe client -------------------------------------------


def card_payments_enabled() -> bool:
    """Card payments need a Stripe secret key; without one, invoices still work."""
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient:
    """A client configured from settings on every call, so tests and deployments can switch
    keys (or point at a fake Stripe with STRIPE_API_BASE) without restarting."""
    if not card_payments_enabled():
        raise PaymentError(CARD_UNAVAILABLE)
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=NETWORK_RETRIES,
    )


def to_pence(amount: Decimal) -> int:
    """Pounds to Stripe's integer pence; refuses fractions of a penny rather than rounding money."""
    pence = Decimal(amount) * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence.")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(int(pence)) / 100).quantize(Decimal("0.01"))


def _plain_message(error: stripe.StripeError) -> str:
    """Turn a Stripe error into a sentence for the person or provider, never a stack trace."""
    if isinstance(error, stripe.CardError):
        reason = error.user_message or "The card was declined."
        return f"The card payment did not go through: {reason} Try another card."
    if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)):
        return "We could not reach the card payment service. Please try again in a few minutes."
    logger.warning("Stripe refused a request: %s", error)
    return (
        "The card payment service could not do that. "
        "Please try again, or contact us if it keeps happening."
    )


# --- Status changes (shared by direct calls and webhooks) ----------------------


def apply_status(payment: Payment, to: str, *, message: str = "") -> bool:
    """Move ``payment`` to ``to`` if that is a step forwards; return whether it changed.

    Capturing posts the spend to the ledger; moving the booking on is the
    caller's business (``marketplace.bookings``). The caller holds the
    payment's row lock.
    """
    if payment.status == to:
        return False
    if to not in NEXT_STATUSES[payment.status]:
        logger.info("Ignoring payment %s moving %s -> %s", payment.pk, payment.status, to)
        return False
    payment.status = to
    if to == Status.FAILED:
        payment.failure_message = message[:300]
    elif to in (Status.AUTHORISED, Status.CAPTURED):
        payment.failure_message = ""
    payment.save(update_fields=["status", "failure_message", "updated_at"])
    if to == Status.CAPTURED:
        ledger.post_card_payment(payment)
    return True


def record_refund(payment: Payment, amount: Decimal, reference: str) -> bool:
    """Record a refund of ``amount`` (pounds) known by ``reference``; once per reference."""
    _, created = ledger.post_refund(payment, amount, reference)
    if not created:
        return False
    payment.refunded_amount = min(payment.amount, payment.refunded_amount + amount)
    payment.save(update_fields=["refunded_amount", "updated_at"])
    _apply_refunded_status(payment)
    return True


def record_refunded_total(payment: Payment, total: Decimal, reference: str) -> bool:
    """Stripe says ``total`` has been refunded so far: record whatever Kith has not seen yet.

    Used when a webhook reports a refund made outside Kith (in Stripe's
    dashboard) without listing the refunds themselves. A total lower than
    what is recorded is a late event and changes nothing.
    """
    missing = total - payment.refunded_amount
    if missing <= 0:
        return False
    return record_refund(payment, missing, reference)


def _apply_refunded_status(payment: Payment) -> None:
    if payment.refunded_amount >= payment.amount:
        apply_status(payment, Status.REFUNDED)
    elif payment.refunded_amount > 0:
        apply_status(payment, Status.PARTLY_REFUNDED)


def _locked(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment.pk)


def _sync_from_stripe(payment: Payment, client: stripe.StripeClient) -> None:
    """Ask Stripe where the PaymentIntent stands and catch up, after a request it refused."""
    try:
        intent = client.v1.payment_intents.retrieve(payment.stripe_payment_intent)
    except stripe.StripeError:
        return
    target = INTENT_STATUSES.get(intent.status)
    if target:
        apply_status(payment, target)


# --- The steps of a card payment ----------------------------------------------


def idempotency_key(booking: Booking, attempt: int) -> str:
    """The same booking and attempt always give the same key, so a retry cannot pay twice.

    The booking's creation time is part of it because Stripe remembers keys
    per account: two databases (a reset development one, two staging sites)
    sharing a test account would otherwise both have a "booking 1".
    """
    return f"booking-{booking.pk}-{booking.created_at:%Y%m%d%H%M%S%f}-card-{attempt}"


def current_payment(booking: Booking) -> Payment | None:
    """The booking's latest card payment; earlier ones are failed or replaced attempts."""
    return booking.payments.order_by("-pk").first()


@transaction.atomic
def prepare_card(booking: Booking, payment_method: str) -> Payment:
    """Create the booking's PaymentIntent with the person's card, without taking or holding money.

    Calling it again while an earlier attempt is still usable returns that
    attempt; after a failed or released attempt it starts a new one.
    """
    if not payment_method:
        raise PaymentError("Enter your card details.")
    existing = current_payment(booking)
    if existing and existing.status in (HELD | TAKEN):
        return existing
    attempt = booking.payments.count() + 1
    payment = Payment.objects.create(
        booking=booking,
        person=booking.person,
        amount=booking.amount,
        idempotency_key=idempotency_key(booking, attempt),
    )
    client = stripe_client()
    try:
        intent = client.v1.payment_intents.create(
            params={
                "amount": to_pence(payment.amount),
                "currency": CURRENCY,
                "payment_method": payment_method,
                "payment_method_types": ["card"],
                "capture_method": "manual",
                "metadata": {"booking": str(booking.pk), "payment": str(payment.pk)},
            },
            options={"idempotency_key": payment.idempotency_key},
        )
    except stripe.StripeError as error:
        raise PaymentError(_plain_message(error)) from error
    payment.stripe_payment_intent = intent.id
    payment.save(update_fields=["stripe_payment_intent", "updated_at"])
    return payment


def authorise(booking: Booking, payment_method: str | None = None) -> Payment:
    """Hold the booking's price on the card (manual capture), using the card given at request.

    ``payment_method`` gives a card first if the booking has none usable (no
    attempt yet, or the last one failed or was released). Returns the
    payment; a declined card leaves it FAILED with the reason and raises
    PaymentError. Authorising twice is a no-op.
    """
    failure = None
    with transaction.atomic():
        if payment_method:
            payment = prepare_card(booking, payment_method)
        else:
            payment = current_payment(booking)
            if payment is None:
                raise PaymentError("No card has been given for this booking.")
        payment = _locked(payment)
        if payment.status in ({Status.AUTHORISED} | TAKEN | {Status.REFUNDED}):
            return payment
        if payment.status != Status.PENDING or not payment.stripe_payment_intent:
            raise PaymentError(
                "The card given for this booking can no longer be used. Ask for another card."
            )
        client = stripe_client()
        try:
            intent = client.v1.payment_intents.confirm(
                payment.stripe_payment_intent,
                options={"idempotency_key": f"{payment.idempotency_key}-confirm"},
            )
        except stripe.CardError as error:
            failure = PaymentError(_plain_message(error))
            apply_status(payment, Status.FAILED, message=str(failure))
        except stripe.InvalidRequestError as error:
            _sync_from_stripe(payment, client)
            if payment.status != Status.AUTHORISED:
                raise PaymentError(_plain_message(error)) from error
        except stripe.StripeError as error:
            raise PaymentError(_plain_message(error)) from error
        else:
            target = INTENT_STATUSES.get(intent.status)
            if target:
                apply_status(payment, target)
            elif intent.status == "requires_action":
                failure = PaymentError(
                    "The card holder's bank needs them to confirm this payment. "
                    "Ask them to give their card again."
                )
                apply_status(payment, Status.FAILED, message=str(failure))
            else:
                failure = PaymentError("The card payment did not go through. Try another card.")
                apply_status(payment, Status.FAILED, message=str(failure))
    # Raised after the transaction commits so the failed attempt stays on record.
    if failure:
        raise failure
    return payment


@transaction.atomic
def capture(payment: Payment) -> Payment:
    """Take the held money. Capturing a captured (or refunded) payment is a no-op."""
    payment = _locked(payment)
    if payment.status in (TAKEN | {Status.REFUNDED}):
        return payment
    if payment.status != Status.AUTHORISED:
        raise PaymentError(
            "There is no card payment held for this booking, so nothing can be taken."
        )
    client = stripe_client()
    try:
        intent = client.v1.payment_intents.capture(
            payment.stripe_payment_intent,
            options={"idempotency_key": f"{payment.idempotency_key}-capture"},
        )
    except stripe.InvalidRequestError as error:
        # Perhaps captured or released in Stripe's dashboard before its webhook arrived.
        _sync_from_stripe(payment, client)
        if payment.status != Status.CAPTURED:
            raise PaymentError(_plain_message(error)) from error
        return payment
    except stripe.StripeError as error:
        raise PaymentError(_plain_message(error)) from error
    apply_status(payment, INTENT_STATUSES.get(intent.status, Status.CAPTURED))
    return payment


@transaction.atomic
def release(payment: Payment) -> Payment:
    """Let go of money held (or a card given) but not taken. Releasing twice is a no-op."""
    payment = _locked(payment)
    if payment.status in (Status.CANCELLED, Status.FAILED):
        return payment
    if payment.status not in HELD:
        raise PaymentError("This card payment has been taken, so it must be refunded instead.")
    if not payment.stripe_payment_intent:
        apply_status(payment, Status.CANCELLED)
        return payment
    client = stripe_client()
    try:
        client.v1.payment_intents.cancel(
            payment.stripe_payment_intent,
            options={"idempotency_key": f"{payment.idempotency_key}-cancel"},
        )
    except stripe.InvalidRequestError as error:
        _sync_from_stripe(payment, client)
        if payment.status != Status.CANCELLED:
            raise PaymentError(_plain_message(error)) from error
        return payment
    except stripe.StripeError as error:
        raise PaymentError(_plain_message(error)) from error
    apply_status(payment, Status.CANCELLED)
    return payment


@transaction.atomic
def refund(payment: Payment, amount: Decimal | None = None) -> Payment:
    """Give back ``amount`` pounds (all that is left when None) of a taken payment.

    Each refund posts a negative ledger line. The idempotency key names the
    amount and what was refunded before, so a retried request cannot refund
    twice, while a second genuine refund of the same amount still can.
    """
    payment = _locked(payment)
    if payment.status not in TAKEN:
        if payment.status == Status.REFUNDED and amount is None:
            return payment
        raise PaymentError("Only a card payment that has been taken can be refunded.")
    remaining = payment.amount - payment.refunded_amount
    amount = remaining if amount is None else Decimal(amount)
    if amount <= 0:
        raise PaymentError("Enter an amount to refund greater than £0.")
    if amount > remaining:
        raise PaymentError(f"You can refund at most £{remaining}.")
    try:
        pence = to_pence(amount)
    except ValueError:
        raise PaymentError("Enter the amount to refund in pounds and pence.") from None
    client = stripe_client()
    try:
        stripe_refund = client.v1.refunds.create(
            params={"payment_intent": payment.stripe_payment_intent, "amount": pence},
            options={
                "idempotency_key": (
                    f"{payment.idempotency_key}-refund-{to_pence(payment.refunded_amount)}-{pence}"
                )
            },
        )
    except stripe.StripeError as error:
        raise PaymentError(_plain_message(error)) from error
    if stripe_refund.status in ("failed", "canceled"):
        raise PaymentError("The refund did not go through. Please try again.")
    record_refund(payment, amount, stripe_refund.id)
    return payment


def settle_for_cancellation(payment: Payment | None) -> Payment | None:
    """A cancelled booking costs nothing: release what is held and refund what was taken."""
    if payment is None:
        return None
    if payment.status in HELD:
        return release(payment)
    if payment.status in TAKEN:
        return refund(payment)
    return payment
