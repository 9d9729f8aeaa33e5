"""Card payments for bookings and pool pledges: save the card, hold, take, release, refund.

One ``Payment`` row is one attempt at taking money from one card, for a
booking or for a pledge. The steps:

- ``save_card``: when the person asks for a booking or joins a pool, their
  card is saved to a Stripe customer with a SetupIntent. Nothing is held.
- ``authorise``: the price is held on the saved card (a PaymentIntent with
  manual capture), when a provider accepts a booking or a member joins a
  pool whose deadline is within the week. Holds lapse after about seven days.
- ``take``: captures the hold, or, if there is none (never held, or it
  lapsed), charges the saved card off-session as a new attempt. So a
  booking delivered weeks after it was accepted can still be paid.
- ``release`` lets go of a hold; ``refund`` gives money back, once per
  refund request.

Every Stripe request goes through ``marketplace.payments.gateway`` with a key
made from this payment and the operation. Statuses only move along
``PAYMENT_TRANSITIONS``, so replies, webhooks and the scheduler may report
the same change in any order and still agree.

Locks: callers lock their booking (or pool, then pledge) first; functions
here lock the payment row after that. See ``marketplace.payments`` for the
one lock order.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.db import transaction

from marketplace.models import Payment, StripeCall
from marketplace.payments import gateway, ledger, payouts
from marketplace.payments.gateway import (  # noqa: F401  (re-exported for callers)
    CARD_UNAVAILABLE,
    CURRENCY,
    OutcomeUnknown,
    PaymentError,
    card_payments_enabled,
    field,
    from_pence,
    to_pence,
)
from marketplace.states import Transitions

logger = logging.getLogger(__name__)

Status = Payment.Status

PAYMENT_TRANSITIONS = Transitions(
    "card payment",
    {
        Status.PENDING: {Status.AUTHORISED, Status.CAPTURED, Status.CANCELLED, Status.FAILED},
        # Stripe may still succeed on a PaymentIntent after a failed attempt.
        Status.FAILED: {Status.AUTHORISED, Status.CAPTURED, Status.CANCELLED},
        Status.AUTHORISED: {Status.CAPTURED, Status.CANCELLED},
        Status.CAPTURED: {Status.PARTLY_REFUNDED, Status.REFUNDED},
        Status.PARTLY_REFUNDED: {Status.REFUNDED},
        Status.CANCELLED: set(),
        Status.REFUNDED: set(),
    },
)

# What a PaymentIntent's status at Stripe means for a payment.
INTENT_STATUSES = {
    "requires_capture": Status.AUTHORISED,
    "succeeded": Status.CAPTURED,
    "canceled": Status.CANCELLED,
}

HELD = {Status.PENDING, Status.AUTHORISED}
TAKEN = {Status.CAPTURED, Status.PARTLY_REFUNDED}
# Attempts after which a new attempt (with the same saved card) may be made.
SPENT = {Status.CANCELLED, Status.FAILED}


# --- Status changes (shared by replies, webhooks and the scheduler) ----------------------


def apply_status(payment: Payment, to: str, *, message: str = "", captured=None) -> bool:
    """Move ``payment`` to ``to`` if its table allows; return whether it changed.

    Anything else (a late or repeated webhook, a second click) is ignored
    rather than moving the payment backwards. Taking the money posts it to
    the ledger. The caller holds the payment's row lock.
    """
    if payment.status == to or not PAYMENT_TRANSITIONS.allows(payment.status, to):
        if payment.status != to:
            logger.info("Ignoring payment %s moving %s -> %s", payment.pk, payment.status, to)
        return False
    payment.status = to
    fields = ["status", "failure_message", "updated_at"]
    if to == Status.FAILED:
        payment.failure_message = message[:300]
    elif to in (Status.AUTHORISED, Status.CAPTURED):
        payment.failure_message = ""
    if to == Status.CAPTURED:
        payment.captured_amount = payment.amount if captured is None else captured
        fields.append("captured_amount")
    payment.save(update_fields=fields)
    if to == Status.CAPTURED:
        ledger.post_card_payment(payment)
    return True


def apply_intent(payment: Payment, intent, *, asked: Decimal | None = None) -> bool:
    """Catch ``payment`` up with its PaymentIntent as Stripe reports it (an object from a
    reply, or the plain dict inside a webhook event)."""
    changed = False
    intent_id, status = field(intent, "id"), field(intent, "status")
    if intent_id and payment.stripe_payment_intent != intent_id:
        payment.stripe_payment_intent = intent_id
        payment.save(update_fields=["stripe_payment_intent", "updated_at"])
        changed = True
    target = INTENT_STATUSES.get(status)
    if target == Status.CAPTURED:
        received = field(intent, "amount_received")
        if received:
            captured = from_pence(received)
        else:
            captured = asked if asked is not None else from_pence(field(intent, "amount") or 0)
        return apply_status(payment, target, captured=captured) or changed
    if target:
        return apply_status(payment, target) or changed
    if status == "requires_payment_method" and payment.status != Status.FAILED:
        error = field(intent, "last_payment_error")
        reason = field(error, "message") or "the card was declined."
        message = f"The card payment did not go through: {reason}"
        return apply_status(payment, Status.FAILED, message=message) or changed
    return changed


def record_refund(payment: Payment, amount: Decimal, reference: str) -> bool:
    """Record a refund of ``amount`` (pounds) known by ``reference``; once per reference."""
    _, created = ledger.post_refund(payment, amount, reference)
    if not created:
        return False
    payment.refunded_amount = min(payment.captured_amount, payment.refunded_amount + amount)
    payment.save(update_fields=["refunded_amount", "updated_at"])
    # The provider's share of this refund is taken back from their transfer, if they had one.
    payouts.note_refund(payment, reference)
    if payment.refunded_amount >= payment.captured_amount:
        apply_status(payment, Status.REFUNDED)
    elif payment.refunded_amount > 0:
        apply_status(payment, Status.PARTLY_REFUNDED)
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


def locked(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment.pk)


# --- Attempts ---------------------------------------------------------------------------


# The base of a booking's or pledge's keys (shared with its payout's).
_subject_key = payouts.subject_key


def new_attempt(
    *, booking=None, pledge=None, amount: Decimal, paid_by=None, card_from: Payment | None = None
) -> Payment:
    """A new card payment attempt for a booking or a pledge, keyed by its number.

    ``card_from`` reuses the card saved on an earlier attempt (a lapsed hold
    charged at delivery, a capture retried after a decline).
    """
    subject = booking or pledge
    number = subject.payments.count() + 1
    person = booking.person if booking else pledge.member
    payment = Payment.objects.create(
        booking=booking,
        pledge=pledge,
        person=person,
        paid_by=paid_by if paid_by is not None else (card_from.paid_by if card_from else None),
        amount=amount,
        idempotency_key=f"{_subject_key(subject)}-card-{number}",
    )
    if card_from and card_from.stripe_payment_method:
        payment.stripe_customer = card_from.stripe_customer
        payment.stripe_payment_method = card_from.stripe_payment_method
        payment.stripe_setup_intent = card_from.stripe_setup_intent
        payment.save(
            update_fields=[
                "stripe_customer",
                "stripe_payment_method",
                "stripe_setup_intent",
                "updated_at",
            ]
        )
    return payment


def _metadata(payment: Payment, key: str) -> dict:
    if payment.booking_id:
        subject = {"booking": payment.booking_id}
    else:
        subject = {"pledge": payment.pledge_id, "pool": payment.pledge.pool_id}
    return gateway.metadata(key, payment=payment.pk, **subject)


# --- The steps --------------------------------------------------------------------------


def save_card(payment: Payment, payment_method: str, *, name: str = "") -> Payment:
    """Save the person's card for this payment (a customer and a SetupIntent); nothing held.

    Saving again once saved is a no-op. A card whose bank wants the holder to
    confirm it, which a later off-session charge cannot do, is refused.
    """
    if not payment_method:
        raise PaymentError("Enter your card details.")
    if payment.stripe_payment_method:
        return payment
    base = payment.idempotency_key
    customer = gateway.send(
        f"{base}-customer",
        "customer.create",
        lambda client, key: client.v1.customers.create(
            params={"name": name[:100], "metadata": _metadata(payment, key)},
            options={"idempotency_key": key},
        ),
        payment=payment,
    )
    setup = gateway.send(
        f"{base}-setup",
        "setup_intent.create",
        lambda client, key: client.v1.setup_intents.create(
            params={
                "customer": customer.id,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": _metadata(payment, key),
            },
            options={"idempotency_key": key},
        ),
        payment=payment,
    )
    setup = gateway.send(
        f"{base}-setup-confirm",
        "setup_intent.confirm",
        lambda client, key: client.v1.setup_intents.confirm(
            setup.id, params={"payment_method": payment_method}, options={"idempotency_key": key}
        ),
        resolve=lambda client: _succeeded_setup(client, setup.id),
        payment=payment,
    )
    if setup.status != "succeeded":
        with transaction.atomic():
            apply_status(
                locked(payment),
                Status.FAILED,
                message="The card holder's bank wants them to confirm this card.",
            )
        raise PaymentError(
            "Your bank wants you to confirm this card, which we cannot do for a later payment. "
            "Try another card, or pay by invoice."
        )
    with transaction.atomic():
        payment = locked(payment)
        payment.stripe_customer = customer.id
        payment.stripe_setup_intent = setup.id
        payment.stripe_payment_method = setup.payment_method or payment_method
        payment.save(
            update_fields=[
                "stripe_customer",
                "stripe_setup_intent",
                "stripe_payment_method",
                "updated_at",
            ]
        )
    return payment


def _succeeded_setup(client, setup_id: str):
    setup = client.v1.setup_intents.retrieve(setup_id)
    return setup if setup.status == "succeeded" else None


def _intent_if(client, intent_id: str, statuses: tuple[str, ...]):
    intent = client.v1.payment_intents.retrieve(intent_id)
    return intent if intent.status in statuses else None


def _card_refused(payment: Payment, error: PaymentError) -> PaymentError:
    """Record a refusal by Stripe on the payment; return the error to raise."""
    with transaction.atomic():
        apply_status(locked(payment), Status.FAILED, message=str(error))
    return error


def _new_intent(payment: Payment, operation: str, capture_method: str) -> Payment:
    """Create and confirm a PaymentIntent off-session on the saved card (hold or charge)."""
    if not payment.stripe_payment_method:
        raise PaymentError("No card has been saved for this payment. Give a card first.")
    key = f"{payment.idempotency_key}-{operation}"
    try:
        intent = gateway.send(
            key,
            f"payment_intent.{operation}",
            lambda client, key: client.v1.payment_intents.create(
                params={
                    "amount": to_pence(payment.amount),
                    "currency": CURRENCY,
                    "customer": payment.stripe_customer,
                    "payment_method": payment.stripe_payment_method,
                    "payment_method_types": ["card"],
                    "capture_method": capture_method,
                    "confirm": True,
                    "off_session": True,
                    "metadata": _metadata(payment, key),
                },
                options={"idempotency_key": key},
            ),
            resolve=lambda client: gateway.find_payment_intent(
                client, key, payment.stripe_customer
            ),
            payment=payment,
        )
    except OutcomeUnknown:
        raise
    except PaymentError as error:
        raise _card_refused(payment, error) from error.__cause__
    with transaction.atomic():
        payment = locked(payment)
        apply_intent(payment, intent)
        if intent.status == "requires_action":
            apply_status(
                payment,
                Status.FAILED,
                message="The card holder's bank wants them to confirm this payment.",
            )
    if payment.status == Status.FAILED:
        if intent.status != "canceled":
            _cancel_intent(payment, intent.id)
        reason = payment.failure_message or "The card payment did not go through."
        raise PaymentError(f"{reason} Try another card.")
    return payment


def _cancel_intent(payment: Payment, intent_id: str) -> None:
    """Let go of an intent that did not work, so nothing is left half-done at Stripe."""
    try:
        gateway.send(
            f"{payment.idempotency_key}-abandon",
            "payment_intent.cancel",
            lambda client, key: client.v1.payment_intents.cancel(
                intent_id, options={"idempotency_key": key}
            ),
            resolve=lambda client: _intent_if(client, intent_id, ("canceled",)),
            payment=payment,
        )
    except PaymentError as error:
        logger.info("Could not cancel unused PaymentIntent %s: %s", intent_id, error)


def authorise(payment: Payment) -> Payment:
    """Hold the payment's amount on the saved card (manual capture). Twice is a no-op.

    A declined card leaves the payment FAILED with the reason and raises
    PaymentError; the person can then give another card (a new attempt).
    """
    payment.refresh_from_db()
    if payment.status != Status.PENDING:
        if payment.status in {Status.AUTHORISED} | TAKEN | {Status.REFUNDED}:
            return payment
        raise PaymentError(
            "The card given for this payment can no longer be used. Give another card."
        )
    return _new_intent(payment, "authorise", "manual")


def take(payment: Payment, *, amount: Decimal | None = None) -> Payment:
    """Take the money: capture the hold, or charge the saved card if there is no hold.

    Returns the payment that holds the money, which is a new attempt when
    the hold had lapsed or an earlier charge was declined. ``amount`` takes
    less than was held (a pool's share fell as more joined); the rest is
    released. Taking a taken payment is a no-op.
    """
    payment.refresh_from_db()
    if payment.status in TAKEN | {Status.REFUNDED}:
        return payment
    if payment.status == Status.AUTHORISED:
        payment = _capture(payment, amount)
        if payment.status in TAKEN:
            return payment
        if payment.status == Status.AUTHORISED:
            raise PaymentError(
                "The card payment service could not take the money held. Please try again."
            )
    if payment.status in SPENT:
        if not payment.stripe_payment_method:
            raise PaymentError("There is no card saved for this payment, so nothing can be taken.")
        subject = {"booking": payment.booking, "pledge": payment.pledge}
        payment = new_attempt(**subject, amount=amount or payment.amount, card_from=payment)
    elif amount is not None and amount != payment.amount:
        payment.amount = amount
        payment.save(update_fields=["amount", "updated_at"])
    return _new_intent(payment, "charge", "automatic")


def _capture(payment: Payment, amount: Decimal | None) -> Payment:
    intent_id = payment.stripe_payment_intent
    params = {}
    if amount is not None and amount < payment.amount:
        params["amount_to_capture"] = to_pence(amount)
    try:
        intent = gateway.send(
            f"{payment.idempotency_key}-capture",
            "payment_intent.capture",
            lambda client, key: client.v1.payment_intents.capture(
                intent_id, params=params, options={"idempotency_key": key}
            ),
            resolve=lambda client: _intent_if(client, intent_id, ("succeeded",)),
            payment=payment,
        )
    except OutcomeUnknown:
        raise
    except PaymentError:
        # Perhaps the hold lapsed, or it was captured or released in Stripe's dashboard.
        return sync(payment)
    with transaction.atomic():
        payment = locked(payment)
        apply_intent(payment, intent, asked=amount)
    return payment


def sync(payment: Payment) -> Payment:
    """Ask Stripe where the payment's PaymentIntent stands, and catch up."""
    if not payment.stripe_payment_intent:
        return payment
    try:
        intent = gateway.stripe_client().v1.payment_intents.retrieve(payment.stripe_payment_intent)
    except stripe.StripeError as error:
        logger.warning("Could not check payment %s with Stripe: %s", payment.pk, error)
        return payment
    with transaction.atomic():
        payment = locked(payment)
        apply_intent(payment, intent)
    return payment


def release(payment: Payment) -> Payment:
    """Let go of money held (or a card saved) but not taken. Releasing twice is a no-op."""
    payment.refresh_from_db()
    if payment.status in SPENT:
        return payment
    if payment.status not in HELD:
        raise PaymentError("This card payment has been taken, so it must be refunded instead.")
    if payment.status == Status.AUTHORISED:
        intent_id = payment.stripe_payment_intent
        try:
            intent = gateway.send(
                f"{payment.idempotency_key}-cancel",
                "payment_intent.cancel",
                lambda client, key: client.v1.payment_intents.cancel(
                    intent_id, options={"idempotency_key": key}
                ),
                resolve=lambda client: _intent_if(client, intent_id, ("canceled",)),
                payment=payment,
            )
        except OutcomeUnknown:
            raise
        except PaymentError:
            payment = sync(payment)
            if payment.status != Status.CANCELLED:
                raise
            return payment
        with transaction.atomic():
            payment = locked(payment)
            apply_intent(payment, intent)
        return payment
    with transaction.atomic():
        payment = locked(payment)
        apply_status(payment, Status.CANCELLED)
    return payment


def refund(payment: Payment, amount: Decimal | None = None, *, request: str = "full") -> Payment:
    """Give back ``amount`` pounds (all that is left when None) of a taken payment.

    ``request`` names the refund request (the form's one-time token, or
    "cancel" for a cancellation): the same request never refunds twice, a
    second genuine request can. Each refund posts a negative ledger line.
    """
    payment.refresh_from_db()
    key = f"{payment.idempotency_key}-refund-{request}"
    if StripeCall.objects.filter(key=key, state=StripeCall.State.DONE).exists():
        return payment
    if payment.status not in TAKEN:
        if payment.status == Status.REFUNDED:
            return payment
        raise PaymentError("Only a card payment that has been taken can be refunded.")
    remaining = payment.captured_amount - payment.refunded_amount
    amount = remaining if amount is None else Decimal(amount)
    if amount <= 0:
        raise PaymentError("Enter an amount to refund greater than £0.")
    if amount > remaining:
        raise PaymentError(f"You can refund at most £{remaining}.")
    try:
        pence = to_pence(amount)
    except ValueError:
        raise PaymentError("Enter the amount to refund in pounds and pence.") from None
    intent_id = payment.stripe_payment_intent
    stripe_refund = gateway.send(
        key,
        "refund.create",
        lambda client, key: client.v1.refunds.create(
            params={
                "payment_intent": intent_id,
                "amount": pence,
                "metadata": _metadata(payment, key),
            },
            options={"idempotency_key": key},
        ),
        resolve=lambda client: gateway.find_refund(client, key, intent_id),
        payment=payment,
    )
    if stripe_refund.status in ("failed", "canceled"):
        raise PaymentError("The refund did not go through. Please try again.")
    with transaction.atomic():
        payment = locked(payment)
        record_refund(payment, from_pence(stripe_refund.amount), stripe_refund.id)
    return payment


def settle_for_cancellation(payment: Payment | None) -> Payment | None:
    """Nothing is owed: release what is held and refund what was taken."""
    if payment is None:
        return None
    payment.refresh_from_db()
    if payment.status in HELD:
        try:
            return release(payment)
        except OutcomeUnknown:
            raise
        except PaymentError:
            # Perhaps it was taken after all (a capture whose reply was lost): give it back.
            payment = sync(payment)
            if payment.status not in TAKEN:
                raise
    if payment.status in TAKEN:
        return refund(payment, request="cancel")
    return payment


# --- Catching up with Stripe (the scheduler) ------------------------------------------------


def resolve_unknown(call: StripeCall) -> bool:
    """Find out what happened to a call that got no reply; True once it is known."""
    payment = call.payment
    if payment is None:
        return False
    client = gateway.stripe_client()
    try:
        if call.operation in ("payment_intent.authorise", "payment_intent.charge"):
            intent = gateway.find_payment_intent(client, call.key, payment.stripe_customer)
            if intent is not None:
                with transaction.atomic():
                    apply_intent(locked(payment), intent)
                call.state, call.result_id = StripeCall.State.DONE, intent.id
            else:
                call.state = StripeCall.State.FAILED
        elif call.operation == "refund.create":
            found = gateway.find_refund(client, call.key, payment.stripe_payment_intent)
            if found is not None:
                with transaction.atomic():
                    record_refund(locked(payment), from_pence(found.amount), found.id)
                call.state, call.result_id = StripeCall.State.DONE, found.id
            else:
                call.state = StripeCall.State.FAILED
        elif call.operation.startswith("payment_intent."):
            payment = sync(payment)
            done = {
                "payment_intent.capture": TAKEN | {Status.REFUNDED},
                "payment_intent.cancel": {Status.CANCELLED},
            }.get(call.operation, set())
            call.state = (
                StripeCall.State.DONE if payment.status in done else StripeCall.State.FAILED
            )
        else:
            # Customers and SetupIntents move no money; a repeat with the same key is safe.
            call.state = StripeCall.State.FAILED
    except stripe.StripeError as error:
        logger.warning("Still cannot tell what happened to %s: %s", call.key, error)
        return False
    call.save(update_fields=["state", "result_id", "updated_at"])
    return True


def current_payment(subject) -> Payment | None:
    """A booking's or pledge's latest card payment; earlier ones are failed or replaced."""
    return subject.payments.order_by("-pk").first()
