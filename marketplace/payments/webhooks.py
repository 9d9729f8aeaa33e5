"""Stripe webhooks: verified events drive card payments, each event handled once.

Stripe may send an event twice, late, or out of order, and anyone can POST
to the URL. So: the signature is checked against STRIPE_WEBHOOK_SECRET (400
if it does not match), each event id is stored in StripeEvent and a repeat
is answered "already processed", and every change goes through
``payments.apply_status``, which only ever moves a payment forwards. Events
about payments Kith does not know (another system on the same Stripe
account) are logged and acknowledged, so Stripe stops retrying them.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.bookings import services as bookings
from marketplace.models import Payment, StripeEvent
from marketplace.payments import cards as payments

logger = logging.getLogger(__name__)

Status = Payment.Status


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe calls this; the signature, not a session or CSRF token, proves who it is."""
    payload = request.body
    try:
        stripe.Webhook.construct_event(
            payload, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
        )
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError):
        logger.warning("Refused a Stripe webhook with a missing or wrong signature.")
        return HttpResponseBadRequest("Invalid signature.", content_type="text/plain")
    return HttpResponse(handle_event(event), content_type="text/plain")


@transaction.atomic
def handle_event(event: dict) -> str:
    """Apply one verified event; return a short note of what happened (for logs and tests).

    Runs in one transaction with the StripeEvent row, so an event whose
    handling fails is not marked processed and Stripe's retry gets another go.
    """
    _, created = StripeEvent.objects.get_or_create(
        event_id=event["id"],
        defaults={
            "type": event.get("type", ""),
            "created": datetime.fromtimestamp(int(event.get("created", 0)), tz=UTC),
        },
    )
    if not created:
        return "already processed"
    handler = HANDLERS.get(event.get("type"))
    if handler is None:
        return "ignored: not an event Kith uses"
    return handler(event["data"]["object"])


def _payment_for(intent_id: str | None) -> Payment | None:
    if not intent_id:
        return None
    payment = Payment.objects.select_for_update().filter(stripe_payment_intent=intent_id).first()
    if payment is None:
        logger.info("Stripe event for unknown PaymentIntent %s", intent_id)
    return payment


def _move(intent: dict, to: str, *, message: str = "") -> str:
    payment = _payment_for(intent.get("id"))
    if payment is None:
        return "ignored: unknown payment"
    if not payments.apply_status(payment, to, message=message):
        return f"ignored: payment is {payment.status}"
    return f"payment {payment.status}"


def _authorised(intent: dict) -> str:
    return _move(intent, Status.AUTHORISED)


def _succeeded(intent: dict) -> str:
    payment = _payment_for(intent.get("id"))
    if payment is None:
        return "ignored: unknown payment"
    changed = payments.apply_status(payment, Status.CAPTURED)
    # Even if a direct capture got here first, the booking may still be waiting to be paid.
    if payment.booking_id and payment.status in payments.TAKEN | {Status.REFUNDED}:
        bookings.record_card_paid(payment.booking)
    return f"payment {payment.status}" if changed else f"ignored: payment is {payment.status}"


def _canceled(intent: dict) -> str:
    return _move(intent, Status.CANCELLED)


def _failed(intent: dict) -> str:
    error = intent.get("last_payment_error") or {}
    message = error.get("message") or "The card payment did not go through."
    return _move(intent, Status.FAILED, message=f"The card payment did not go through: {message}")


def _refunded(charge: dict) -> str:
    """Record refunds Kith has not seen, whether made here or in Stripe's dashboard."""
    payment = _payment_for(charge.get("payment_intent"))
    if payment is None:
        return "ignored: unknown payment"
    if payment.status not in payments.TAKEN:
        return f"ignored: payment is {payment.status}"
    recorded = False
    listed = (charge.get("refunds") or {}).get("data") or []
    for refund in listed:
        if refund.get("status") in ("succeeded", "pending"):
            amount = payments.from_pence(refund["amount"])
            recorded |= payments.record_refund(payment, amount, refund["id"])
    # Recent API versions do not list the refunds; the running total still says what is missing.
    total = payments.from_pence(charge.get("amount_refunded", 0))
    reference = f"{charge.get('id')}-refunded-{charge.get('amount_refunded', 0)}"
    recorded |= payments.record_refunded_total(payment, total, reference)
    return f"payment {payment.status}" if recorded else "ignored: refund already recorded"


HANDLERS = {
    "payment_intent.amount_capturable_updated": _authorised,
    "payment_intent.succeeded": _succeeded,
    "payment_intent.canceled": _canceled,
    "payment_intent.payment_failed": _failed,
    "charge.refunded": _refunded,
}
