"""Who is paid for a listing, and whether they can receive money: Stripe Connect accounts.

A provider or PA connects a Stripe Express account from "My listings": Kith
creates the account (once per person; the key names the person) and sends
them to Stripe's onboarding pages through an Account Link. Where the account
stands is copied onto their ``PayoutAccount`` from the ``account.updated``
webhook and by retrieving the account when they come back from Stripe.

``payee_for(listing)`` is the ONE place that says who is paid for a listing.
Card payment is offered only when that person can receive money
(``card_refusal``); invoices work either way.

Every Stripe request goes through ``gateway.send``. None of these calls
carries a payment, so the card sweep (``cards.resolve_unknown``) leaves them
to ``resolve_unknown_calls`` here.
"""

from __future__ import annotations

import logging
import uuid

import stripe
from django.db import transaction

from directory import ownership
from marketplace.models import PayoutAccount, StripeCall
from marketplace.payments import gateway
from marketplace.payments.gateway import PaymentError, field

logger = logging.getLogger(__name__)

NOT_CONNECTED, PENDING, ENABLED = "not_connected", "pending", "enabled"
STATUS_WORDS = {
    NOT_CONNECTED: "Not connected",
    PENDING: "Waiting for Stripe",
    ENABLED: "Able to receive money",
}
STATUS_HELP = {
    NOT_CONNECTED: (
        "Connect a Stripe account so that people can pay you by card through Kith. "
        "Until then, people can only pay you by invoice."
    ),
    PENDING: (
        "Stripe needs more details from you, or is still checking them. "
        "People can pay you by invoice until it has finished."
    ),
    ENABLED: "Card payments for your bookings and pools are sent to this account.",
}
ACCOUNT_OPERATION = "account.create"
LINK_OPERATION = "account_link.create"


def payee_for(listing):
    """Who is paid for this listing: its account holder (``directory.ownership``)."""
    return ownership.account_holder(listing)


def listings_paying(user):
    """The listings whose payee is ``user``: ``payee_for``'s twin for database queries.
    Change the two together."""
    return ownership.held_by(user)


def account_for(user) -> PayoutAccount | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return PayoutAccount.objects.filter(user=user).first()


def status_of(user) -> str:
    account = account_for(user)
    if account is None or not account.stripe_account:
        return NOT_CONNECTED
    return ENABLED if account.can_receive else PENDING


def can_receive(user) -> bool:
    return status_of(user) == ENABLED


def card_refusal(listing) -> str:
    """Why card payment is not offered for ``listing``, in plain words; "" when it is."""
    if not gateway.card_payments_enabled():
        return gateway.CARD_UNAVAILABLE
    payee = payee_for(listing)
    if payee is None or not can_receive(payee):
        return (
            f"{listing.title} cannot take card payments through Kith yet, because they have "
            "not finished setting up how they are paid. You can still ask for an invoice to "
            "your managed account or individual service fund."
        )
    return ""


# --- Connecting ---------------------------------------------------------------------------


def _account_key(user) -> str:
    """Names the person and when they joined, so two databases never share a key."""
    return f"payee-{user.pk}-{user.date_joined:%Y%m%d%H%M%S%f}-account"


def _find_account(client, key: str):
    return gateway._listed(client.v1.accounts.list(params={"limit": 100}), key)


def ensure_account(user) -> PayoutAccount:
    """The person's Express account at Stripe, made once (a lost reply is looked up first)."""
    with transaction.atomic():
        account, _ = PayoutAccount.objects.select_for_update().get_or_create(user=user)
    if account.stripe_account:
        return account
    key = _account_key(user)
    created = gateway.send(
        key,
        ACCOUNT_OPERATION,
        lambda client, key: client.v1.accounts.create(
            params={
                "type": "express",
                "country": "GB",
                "email": user.email,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": gateway.metadata(key, user=user.pk),
            },
            options={"idempotency_key": key},
        ),
        resolve=lambda client: _find_account(client, key),
    )
    return apply_account(created, user=user)


def onboarding_link(user, *, return_url: str, refresh_url: str) -> str:
    """A one-time Stripe address where the person gives their details (a fresh one each time:
    Stripe's links expire after a few minutes and can be used once)."""
    account = ensure_account(user)
    link = gateway.send(
        f"{_account_key(user)}-link-{uuid.uuid4().hex}",
        LINK_OPERATION,
        lambda client, key: client.v1.account_links.create(
            params={
                "account": account.stripe_account,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
            options={"idempotency_key": key},
        ),
    )
    return link.url


def refresh(user) -> PayoutAccount | None:
    """Ask Stripe where the person's account stands (they have come back from onboarding)."""
    account = account_for(user)
    if account is None or not account.stripe_account:
        return account
    try:
        found = gateway.stripe_client().v1.accounts.retrieve(account.stripe_account)
    except stripe.StripeError as error:
        logger.warning("Could not check payout account %s: %s", account.stripe_account, error)
        return account
    return apply_account(found)


def apply_account(found, *, user=None) -> PayoutAccount | None:
    """Copy Stripe's view of an account (a reply, or the dict inside ``account.updated``)."""
    account_id = field(found, "id")
    if not isinstance(account_id, str) or not account_id:
        return None
    with transaction.atomic():
        if user is not None:
            account, _ = PayoutAccount.objects.select_for_update().get_or_create(user=user)
        else:
            account = (
                PayoutAccount.objects.select_for_update().filter(stripe_account=account_id).first()
            )
            if account is None:
                logger.info("Stripe event for unknown connected account %s", account_id)
                return None
        capabilities = field(found, "capabilities") or {}
        account.stripe_account = account_id
        account.details_submitted = bool(field(found, "details_submitted"))
        account.charges_enabled = bool(field(found, "charges_enabled"))
        account.payouts_enabled = bool(field(found, "payouts_enabled"))
        account.transfers_active = field(capabilities, "transfers") == "active"
        account.save()
    return account


def accounts_waiting():
    """Accounts that exist at Stripe but cannot receive money yet (the scheduler re-reads them,
    in case an ``account.updated`` webhook was lost)."""
    return (
        PayoutAccount.objects.filter(stripe_account__isnull=False)
        .exclude(details_submitted=True, payouts_enabled=True, transfers_active=True)
        .select_related("user")
    )


def resolve_unknown_calls() -> int:
    """The scheduler's part for accounts: a lost account creation is looked up and recorded;
    a lost onboarding link is simply dropped (it moves no money, the next click makes another).
    Returns how many calls it settled."""
    settled = 0
    lost = StripeCall.objects.filter(state__in=(StripeCall.State.UNKNOWN, StripeCall.State.SENT))
    settled += lost.filter(operation=LINK_OPERATION).update(state=StripeCall.State.FAILED)
    for call in lost.filter(operation=ACCOUNT_OPERATION):
        try:
            found = _find_account(gateway.stripe_client(), call.key)
        except (stripe.StripeError, PaymentError) as error:
            logger.warning("Still cannot tell whether %s happened: %s", call.key, error)
            continue
        if found is not None:
            user_pk = field(field(found, "metadata"), "user")
            account = PayoutAccount.objects.filter(user_id=user_pk).first()
            if account is not None:
                apply_account(found, user=account.user)
            call.state, call.result_id = StripeCall.State.DONE, found.id
        else:
            call.state = StripeCall.State.FAILED
        call.save(update_fields=["state", "result_id", "updated_at"])
        settled += 1
    return settled
