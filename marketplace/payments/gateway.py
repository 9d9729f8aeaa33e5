"""The one way Kith talks to Stripe: every request recorded, keyed and resolved.

Bookings and pools never call Stripe themselves; ``marketplace.payments.cards``
calls ``send`` here. For each request:

1. A ``StripeCall`` row is written first, keyed by the Stripe idempotency key.
   The key names the business operation ("payment 17's capture", "refund
   request 3f2a… of payment 17"), never a retry count or an amount, so the
   same operation always sends the same key, and Stripe will not do it twice.
2. If an earlier try of the same key got no reply (a timeout, a dropped
   connection, a 5xx), Stripe may or may not have done the work. Before
   sending again, ``resolve`` asks Stripe what exists (retrieving the
   object, or listing by metadata), so money is never moved twice, even
   against a server that ignores idempotency keys.
3. The reply, or Stripe's refusal, is written on the row. A call still
   without an answer stays ``unknown``; ``process_unknown_calls`` (run by
   the scheduler) resolves it later.

Errors come out as ``PaymentError`` with a sentence fit to show a person;
``OutcomeUnknown`` when nobody can yet say whether the money moved.

Money is Decimal pounds inside Kith and integer pence at Stripe; the
conversion happens only in ``to_pence`` and ``from_pence``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import transaction

from marketplace.models import StripeCall

logger = logging.getLogger(__name__)

State = StripeCall.State

CURRENCY = "gbp"
CARD_UNAVAILABLE = (
    "Card payment is not available at the moment. "
    "You can still ask for an invoice to your managed account or individual service fund."
)
UNKNOWN_MESSAGE = (
    "We could not hear back from the card payment service, so we do not know yet whether "
    "this went through. Nothing will be taken twice: we will check with them and update this "
    "page. Please do not try again for a few minutes."
)

# Raised by the Stripe library when the request may or may not have been done.
OUTCOME_UNKNOWN_ERRORS = (stripe.APIConnectionError, stripe.APIError)

# Tests swap in an HTTP client that drops replies or fails requests (fault injection).
HTTP_CLIENT: stripe.HTTPClient | None = None


class PaymentError(ValueError):
    """A card payment could not be made or changed; the message is fit to show the user."""


class OutcomeUnknown(PaymentError):
    """Stripe did not answer; whether the work was done is found out later, never guessed."""


def card_payments_enabled() -> bool:
    """Card payments need a Stripe secret key; without one, invoices still work."""
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient:
    """A client configured from settings on every call, so tests and deployments can switch
    keys (or point at a fake Stripe with STRIPE_API_BASE) without restarting.

    The library's own network retries are off: a retry must come after
    ``resolve`` has asked Stripe what happened, which only this module does.
    """
    if not card_payments_enabled():
        raise PaymentError(CARD_UNAVAILABLE)
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=0,
        http_client=HTTP_CLIENT,
    )


def to_pence(amount: Decimal) -> int:
    """Pounds to Stripe's integer pence; refuses fractions of a penny rather than rounding money."""
    pence = Decimal(amount) * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence.")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(int(pence)) / 100).quantize(Decimal("0.01"))


def plain_message(error: stripe.StripeError) -> str:
    """Turn a Stripe error into a sentence for the person or provider, never a stack trace."""
    if isinstance(error, stripe.CardError):
        reason = error.user_message or "The card was declined."
        return f"The card payment did not go through: {reason} Try another card."
    if isinstance(error, OUTCOME_UNKNOWN_ERRORS):
        return UNKNOWN_MESSAGE
    if isinstance(error, stripe.RateLimitError):
        return "We could not reach the card payment service. Please try again in a few minutes."
    logger.warning("Stripe refused a request: %s", error)
    return (
        "The card payment service could not do that. "
        "Please try again, or contact us if it keeps happening."
    )


def _save(call: StripeCall, **fields) -> None:
    for name, value in fields.items():
        setattr(call, name, value)
    call.save(update_fields=[*fields, "updated_at"])


def atomic_keeping_calls(func):
    """``transaction.atomic`` for a step that talks to Stripe, except that a PaymentError
    commits before it is raised: the record of a call whose reply was lost must survive,
    so the next try looks it up instead of sending it blind. Steps call Stripe before they
    change their own records, so what is committed is never half a change."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        failure = None
        with transaction.atomic():
            try:
                return_value = func(*args, **kwargs)
            except PaymentError as error:
                failure = error
        if failure is not None:
            raise failure
        return return_value

    return wrapper


Resolver = Callable[[stripe.StripeClient], Any]


def send(
    key: str,
    operation: str,
    request: Callable[[stripe.StripeClient, str], Any],
    *,
    resolve: Resolver | None = None,
    payment=None,
):
    """Make one Stripe request for the business operation ``key``; return Stripe's object.

    ``request(client, key)`` sends it with ``key`` as the idempotency key.
    ``resolve(client)`` returns the object if Stripe already did this work
    (or None); it is asked before re-sending a call whose reply was lost,
    and straight after a reply is lost. Raises PaymentError (Stripe refused,
    for example a declined card: ``__cause__`` is Stripe's error) or
    OutcomeUnknown.
    """
    client = stripe_client()
    with transaction.atomic():
        call, _ = StripeCall.objects.select_for_update().get_or_create(
            key=key, defaults={"operation": operation, "payment": payment}
        )
    # Sent before (a lost reply, a crash, or simply asked twice): find out before resending.
    if call.attempts and call.state != State.FAILED and resolve is not None:
        found = _resolve(call, client, resolve)
        if found is not None:
            return found
    _save(call, state=State.SENT, attempts=call.attempts + 1)
    try:
        result = request(client, key)
    except OUTCOME_UNKNOWN_ERRORS as error:
        _save(call, state=State.UNKNOWN, error=str(error)[:300])
        logger.warning("No reply from Stripe for %s (%s): %s", key, operation, error)
        found = _resolve(call, client, resolve) if resolve is not None else None
        if found is not None:
            return found
        raise OutcomeUnknown(UNKNOWN_MESSAGE) from error
    except stripe.StripeError as error:
        _save(call, state=State.FAILED, error=str(error)[:300])
        raise PaymentError(plain_message(error)) from error
    _save(call, state=State.DONE, result_id=getattr(result, "id", "") or "", error="")
    return result


def _resolve(call: StripeCall, client: stripe.StripeClient, resolve: Resolver):
    """Ask Stripe whether ``call`` happened; record and return the object if it did."""
    try:
        found = resolve(client)
    except stripe.StripeError as error:
        logger.warning("Could not check with Stripe whether %s happened: %s", call.key, error)
        return None
    if found is not None:
        _save(call, state=State.DONE, result_id=getattr(found, "id", "") or "", error="")
    return found


def unknown_calls():
    """Calls whose outcome nobody knows yet, oldest first, for the scheduler to resolve."""
    return StripeCall.objects.filter(state__in=(State.UNKNOWN, State.SENT)).select_related(
        "payment"
    )


# --- Finding what Stripe has, by the key Kith put in its metadata -------------------------


def metadata(key: str, **extra: str) -> dict:
    """Metadata for an object Kith creates: the operation's key, so it can be found again."""
    return {"kith_key": key, **{name: str(value) for name, value in extra.items()}}


def field(obj, name: str, default=None):
    """Read a field of a Stripe object or of an event's plain dict alike."""
    if obj is None:
        return default
    if isinstance(obj, dict) and not hasattr(obj, "to_dict"):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _listed(pages, key: str):
    for each in pages.auto_paging_iter():
        if field(field(each, "metadata"), "kith_key") == key:
            return each
    return None


def find_payment_intent(client: stripe.StripeClient, key: str, customer: str = ""):
    """The PaymentIntent created by the operation ``key``, if Stripe has one.

    Listing by customer is exact and cheap on Stripe (each payment has its own
    customer); a fake server that cannot filter is asked for the whole list.
    """
    try:
        pages = client.v1.payment_intents.list(params={"customer": customer, "limit": 100})
    except stripe.InvalidRequestError:
        pages = client.v1.payment_intents.list(params={"limit": 100})
    return _listed(pages, key)


def find_refund(client: stripe.StripeClient, key: str, payment_intent: str):
    """The refund made by the operation ``key`` on ``payment_intent``, if Stripe has one."""
    pages = client.v1.refunds.list(params={"payment_intent": payment_intent, "limit": 100})
    return _listed(pages, key)
