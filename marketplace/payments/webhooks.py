"""Stripe webhooks: verified events drive card payments for bookings and pool pledges alike.

Stripe may send an event twice, late, or out of order, and anyone can POST
to the URL. So: the signature is checked against STRIPE_WEBHOOK_SECRET (400
if it does not match), each event id is stored in StripeEvent and a repeat
is answered "already processed", and every change goes through
``cards.apply_status``, which only moves a payment along its table. Events
about payments Kith does not know (another system on the same Stripe
account), and events whose body is not what Stripe sends, are logged and
acknowledged, so Stripe stops retrying them.

Each event locks in the one lock order (``marketplace.payments``): the
payment is found without a lock, then its booking (or its pool and pledge)
is locked, then the payment. After the payment changes, the booking or
pledge is reconciled with it: a charge for a cancelled booking is refunded,
a delivered booking whose money arrived becomes paid.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.bookings import services as bookings
from marketplace.models import Booking, Payment, PayoutAccount, Pledge, Pool, StripeEvent
from marketplace.payments import cards, connect
from marketplace.pools import money as pool_money

logger = logging.getLogger(__name__)

Status = Payment.Status


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe calls this; the signature, not a session or CSRF token, proves who it is."""
    payload = request.body
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            request.headers.get("Stripe-Signature") or "",
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        logger.warning("Refused a Stripe webhook with a missing or wrong signature.")
        return HttpResponseBadRequest("Invalid signature.", content_type="text/plain")
    try:
        event = json.loads(payload)
    except ValueError:
        return HttpResponse("ignored: not JSON", content_type="text/plain")
    return HttpResponse(handle_event(event), content_type="text/plain")


def handle_event(event) -> str:
    """Apply one verified event; return a short note of what happened (for logs and tests).

    Runs in one transaction with the StripeEvent row, so an event whose
    handling fails is not marked processed and Stripe's retry gets another go.
    """
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return "ignored: not a Stripe event"
    data = event.get("data")
    target = data.get("object") if isinstance(data, dict) else None
    if not isinstance(target, dict):
        return "ignored: event without an object"
    try:
        created = datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        created = timezone.now()
    with transaction.atomic():
        _, new = StripeEvent.objects.get_or_create(
            event_id=event["id"][:255],
            defaults={"type": str(event.get("type", ""))[:100], "created": created},
        )
        if not new:
            return "already processed"
        handler = HANDLERS.get(event.get("type"))
        if handler is None:
            return "ignored: not an event Kith uses"
        if event.get("type") in EVENT_STATUS:
            # What the event says happened, whatever the snapshot inside it shows.
            target = {**target, "status": EVENT_STATUS[event["type"]]}
        note, subject = handler(target)
    # After the event is recorded: make the booking or pledge agree with its money.
    if isinstance(subject, Booking):
        bookings.reconcile(subject)
    elif isinstance(subject, Pledge):
        pool_money.reconcile(subject)
    return note


def _locked_payment(intent_id) -> Payment | None:
    """The payment for a PaymentIntent, locked after its booking or pool and pledge."""
    if not isinstance(intent_id, str) or not intent_id:
        return None
    found = Payment.objects.filter(stripe_payment_intent=intent_id).first()
    if found is None:
        logger.info("Stripe event for unknown PaymentIntent %s", intent_id)
        return None
    if found.booking_id:
        Booking.objects.select_for_update(of=("self",)).get(pk=found.booking_id)
    elif found.pledge_id:
        pledge = Pledge.objects.only("pool_id").get(pk=found.pledge_id)
        Pool.objects.select_for_update(of=("self",)).get(pk=pledge.pool_id)
        Pledge.objects.select_for_update(of=("self",)).get(pk=found.pledge_id)
    return cards.locked(found)


def _subject(payment: Payment):
    return payment.booking if payment.booking_id else payment.pledge


def _intent_event(intent: dict):
    payment = _locked_payment(intent.get("id"))
    if payment is None:
        return "ignored: unknown payment", None
    before = payment.status
    cards.apply_intent(payment, intent)
    if payment.status == before:
        return f"ignored: payment is {payment.status}", _subject(payment)
    return f"payment {payment.status}", _subject(payment)


def _refunded(charge: dict):
    """Record refunds Kith has not seen, whether made here or in Stripe's dashboard."""
    payment = _locked_payment(charge.get("payment_intent"))
    if payment is None:
        return "ignored: unknown payment", None
    if payment.status not in cards.TAKEN:
        return f"ignored: payment is {payment.status}", _subject(payment)
    recorded = False
    listed = (charge.get("refunds") or {}).get("data") or []
    for refund in listed:
        if refund.get("status") in ("succeeded", "pending"):
            amount = cards.from_pence(refund["amount"])
            recorded |= cards.record_refund(payment, amount, refund["id"])
    # Recent API versions do not list the refunds; the running total still says what is missing.
    refunded = int(charge.get("amount_refunded") or 0)
    reference = f"{charge.get('id')}-refunded-{refunded}"
    recorded |= cards.record_refunded_total(payment, cards.from_pence(refunded), reference)
    note = f"payment {payment.status}" if recorded else "ignored: refund already recorded"
    return note, _subject(payment)


def _disputed(dispute: dict):
    """The card holder's bank is disputing a charge: record it so the provider can respond."""
    payment = _locked_payment(dispute.get("payment_intent"))
    if payment is None:
        return "ignored: unknown payment", None
    if payment.disputed_at is None:
        payment.disputed_at = timezone.now()
        reason = str(dispute.get("reason") or "no reason given")[:100]
        payment.failure_message = f"The card holder's bank is disputing this payment ({reason})."
        payment.save(update_fields=["disputed_at", "failure_message", "updated_at"])
    return "payment disputed", _subject(payment)


def _setup_failed(setup: dict):
    """A saved card can no longer be used; the next charge makes a new attempt or fails."""
    return "noted: card setup failed", None


def _account_updated(account: dict):
    """A payee's connected account changed. Events can come late or twice, so the account is
    read afresh from Stripe rather than trusting the snapshot in the event."""
    known = PayoutAccount.objects.filter(stripe_account=account.get("id")).first()
    if known is None or not isinstance(account.get("id"), str):
        return "ignored: unknown connected account", None
    refreshed = connect.refresh(known.user)
    return f"payout account {connect.status_of(refreshed.user)}", None


# The PaymentIntent status each event reports.
EVENT_STATUS = {
    "payment_intent.amount_capturable_updated": "requires_capture",
    "payment_intent.succeeded": "succeeded",
    "payment_intent.canceled": "canceled",
    "payment_intent.payment_failed": "requires_payment_method",
}

HANDLERS = {
    "payment_intent.amount_capturable_updated": _intent_event,
    "payment_intent.succeeded": _intent_event,
    "payment_intent.canceled": _intent_event,
    "payment_intent.payment_failed": _intent_event,
    "charge.refunded": _refunded,
    "charge.dispute.created": _disputed,
    "setup_intent.setup_failed": _setup_failed,
    "setup_intent.succeeded": lambda setup: ("noted: card saved", None),
    "account.updated": _account_updated,
}
