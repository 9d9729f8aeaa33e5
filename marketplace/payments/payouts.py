"""Payouts: card money reaches the provider or PA, and goes back out of their share on a refund.

Card payments are made on Kith's own Stripe account. Once a booking is paid
(delivered, money taken), or a pool's settlement has finished (every share
taken or given up) for a pledge, its payee is owed their share: what was
paid in, net of refunds, less Kith's platform fee (``KITH_PLATFORM_FEE_PERCENT``,
0 unless set). ``settle`` sends it as ONE Stripe Transfer per booking or
pledge, keyed by the booking or pledge (``booking-42-<created>-transfer``).

A refund after the transfer takes back the same proportion of the transfer:
``note_refund`` (called by ``cards.record_refund``, under the payment's lock)
records a ``TransferReversal`` keyed by the transfer and the refund, and
``settle`` sends it. Its amount is worked out once, when it is first sent,
so that the transfer net of reversals equals the payee's share of what is
left; after a full refund nothing is left with the payee.

Money in = transferred (net of reversals) + refunded + held by Kith, for
every booking and pledge. What Kith holds is its fee plus anything owed and
not yet sent (the payee cannot receive money yet, or Stripe did not answer).

Every request goes through ``gateway.send``: a transfer or reversal whose
reply was lost is looked up (by the key in its metadata) before it is sent
again, so nothing is sent twice; the scheduler (``sweep``, run by
``marketplace.reconcile``) finishes whatever is still owed, so nothing is lost.

Locks, in the one order (``marketplace.payments``): the booking (or pool,
then pledge), then the payment (``note_refund``), then the Transfer, then
the TransferReversal, then the StripeCall.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.conf import settings
from django.db.models import Q, Sum

from marketplace.models import (
    Booking,
    Payment,
    PaymentRoute,
    PayoutEntry,
    Pledge,
    Pool,
    StripeCall,
    Transfer,
    TransferReversal,
)
from marketplace.payments import connect, gateway, ledger
from marketplace.payments.gateway import (
    CURRENCY,
    OutcomeUnknown,
    PaymentError,
    atomic_keeping_calls,
    field,
    from_pence,
    to_pence,
)

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
TRANSFER_OPERATION = "transfer.create"
REVERSAL_OPERATION = "transfer_reversal.create"
# Payments that took money (refunded ones too: what is left of them still counts).
PAID_IN = (
    Payment.Status.CAPTURED,
    Payment.Status.PARTLY_REFUNDED,
    Payment.Status.REFUNDED,
)
# Pools whose members' shares are earned by the provider once every share is settled.
POOL_GOING_AHEAD = (Pool.Status.FUNDED, Pool.Status.DELIVERED)


# --- Keys and amounts -------------------------------------------------------------------


def subject_key(subject) -> str:
    """The base of every key for a booking's or pledge's money.

    Stripe remembers keys per account: the creation time keeps two databases
    (a reset development one, two staging sites sharing a test account) from
    both having "booking 1"."""
    kind = "booking" if isinstance(subject, Booking) else "pool-pledge"
    return f"{kind}-{subject.pk}-{subject.created_at:%Y%m%d%H%M%S%f}"


def fee_for(amount: Decimal) -> Decimal:
    """Kith's platform fee on ``amount`` pounds, to the nearest penny (half a penny rounds up)."""
    percent = Decimal(settings.KITH_PLATFORM_FEE_PERCENT or 0)
    return (Decimal(amount) * percent / 100).quantize(PENNY, rounding=ROUND_HALF_UP)


def share_of(amount: Decimal) -> Decimal:
    """The payee's share of ``amount``: all of it, less the platform fee."""
    return Decimal(amount) - fee_for(amount)


def money_in(subject) -> Decimal:
    """What a booking's or pledge's card payments took, net of refunds."""
    totals = subject.payments.aggregate(taken=Sum("captured_amount"), back=Sum("refunded_amount"))
    return (totals["taken"] or ZERO) - (totals["back"] or ZERO)


def listing_of(subject):
    return subject.offer.listing if isinstance(subject, Booking) else subject.pool.listing


def earned(subject) -> Decimal:
    """What the payee has earned so far, before the fee: the money in, once it is theirs.

    A booking's once it is paid. A pledge's once its pool is going ahead and
    settlement has finished (no share still being taken), so a pool that falls
    below its minimum while cards are retried never sends money it must take back.
    """
    if isinstance(subject, Booking):
        paid = subject.status == Booking.Status.PAID
        return money_in(subject) if paid and subject.payment_route == PaymentRoute.CARD else ZERO
    pool = subject.pool
    settled = not pool.pledges.filter(status=Pledge.Status.HELD).exists()
    if subject.status == Pledge.Status.CAPTURED and pool.status in POOL_GOING_AHEAD and settled:
        return money_in(subject)
    return ZERO


def _subject_filter(subject) -> dict:
    return {"booking": subject} if isinstance(subject, Booking) else {"pledge": subject}


def transfer_of(subject) -> Transfer | None:
    return Transfer.objects.filter(**_subject_filter(subject)).first()


def describe(subject) -> str:
    """How a booking or pledge reads on the payee's payouts page and CSV."""
    if isinstance(subject, Booking):
        title = subject.offer.title
        what = f"{subject.quantity} × {title}" if subject.quantity > 1 else title
        return f"Booking {subject.pk}: {what}"
    return f"Pool {subject.pool_id} share: {subject.pool.title}"


# --- Refunds (called by cards.record_refund) ---------------------------------------------


def note_refund(payment: Payment, reference: str) -> TransferReversal | None:
    """A refund was recorded: if the payee has had (or is being sent) a transfer for this
    money, a reversal is due, keyed by the refund. The caller holds the payment's lock."""
    subject = payment.booking if payment.booking_id else payment.pledge
    if subject is None:
        return None
    transfer = (
        Transfer.objects.select_for_update()
        .filter(**_subject_filter(subject))
        .exclude(status=Transfer.Status.CANCELLED)
        .first()
    )
    if transfer is None:
        return None
    reversal, _ = TransferReversal.objects.get_or_create(
        key=f"{transfer.key}-reversal-{reference}",
        defaults={"transfer": transfer, "refund_reference": reference[:255]},
    )
    return reversal


# --- Sending what is owed -----------------------------------------------------------------


def settle(subject) -> Transfer | None:
    """Send the payee what a booking or pledge owes them, or take back what a refund does.

    Safe any time, any number of times, from any step; never raises for
    Stripe's sake (a failure or a lost reply is logged, and the scheduler's
    ``sweep`` tries again), so a payout can never undo a delivery or a refund.
    Call it after the step's own transaction has committed.
    """
    try:
        return _settle(subject)
    except PaymentError as error:
        logger.warning("Payout for %s not finished yet: %s", subject_key(subject), error)
        return transfer_of(subject)


def then_settle(step):
    """Decorate a booking or pledge step: once it has finished, settle its payout."""

    @functools.wraps(step)
    def wrapper(subject, *args, **kwargs):
        result = step(subject, *args, **kwargs)
        settle(subject)
        return result

    return wrapper


def _lock_subject(subject):
    if isinstance(subject, Booking):
        return (
            Booking.objects.select_for_update(of=("self",))
            .select_related("offer__listing")
            .get(pk=subject.pk)
        )
    Pool.objects.select_for_update(of=("self",)).get(pk=subject.pool_id)
    return Pledge.objects.select_for_update(of=("self",)).select_related("pool").get(pk=subject.pk)


@atomic_keeping_calls
def _settle(subject) -> Transfer | None:
    subject = _lock_subject(subject)
    transfer = Transfer.objects.select_for_update().filter(**_subject_filter(subject)).first()
    if transfer is None:
        transfer = _new_transfer(subject)
        if transfer is None:
            return None
    if transfer.status == Transfer.Status.PENDING:
        _send_transfer(subject, transfer)
    if transfer.status == Transfer.Status.DONE:
        pending = transfer.reversals.select_for_update().filter(
            status=TransferReversal.Status.PENDING
        )
        for reversal in pending.order_by("pk"):
            _send_reversal(subject, transfer, reversal)
    return transfer


def _new_transfer(subject) -> Transfer | None:
    """A Transfer row for what is owed now, if anything is and the payee can receive it."""
    gross = earned(subject)
    amount = share_of(gross)
    if amount <= 0:
        return None
    payee = connect.payee_for(listing_of(subject))
    account = connect.account_for(payee)
    if account is None or not account.can_receive:
        return None  # Owed: sent once they have connected an account that can receive money.
    return Transfer.objects.create(
        payee=payee,
        stripe_account=account.stripe_account,
        gross=gross,
        fee=gross - amount,
        amount=amount,
        source_charge=_source_charge(subject),
        key=f"{subject_key(subject)}-transfer",
        **_subject_filter(subject),
    )


def _source_charge(subject) -> str:
    """The card charge the money came from, so Stripe sends the transfer once that charge's
    funds are available. "" when there is not exactly one (the balance is used instead)."""
    taken = [p for p in subject.payments.filter(status__in=PAID_IN) if p.stripe_payment_intent]
    if len(taken) != 1:
        return ""
    try:
        intent = gateway.stripe_client().v1.payment_intents.retrieve(taken[0].stripe_payment_intent)
    except stripe.StripeError as error:
        raise OutcomeUnknown("Could not look up the card charge for this payout.") from error
    charge = field(intent, "latest_charge")
    charge_id = field(charge, "id") if not isinstance(charge, str) else charge
    return charge_id or ""


def _never_reached_stripe(key: str) -> bool:
    call = StripeCall.objects.filter(key=key).first()
    return call is None or call.state == StripeCall.State.FAILED


def _send_transfer(subject, transfer: Transfer) -> None:
    if _never_reached_stripe(transfer.key):
        # Nothing was sent (or Stripe refused it): it may still be reworked to what is owed now.
        gross = earned(subject)
        amount = share_of(gross)
        if amount <= 0:
            transfer.status = Transfer.Status.CANCELLED
            transfer.save(update_fields=["status", "updated_at"])
            transfer.reversals.update(status=TransferReversal.Status.CANCELLED)
            return
        if amount != transfer.amount:
            transfer.gross, transfer.fee, transfer.amount = gross, gross - amount, amount
            transfer.save(update_fields=["gross", "fee", "amount", "updated_at"])
            # The new amount already leaves out what was refunded.
            transfer.reversals.update(status=TransferReversal.Status.CANCELLED)
        account = connect.account_for(transfer.payee)
        if account is None or not account.can_receive:
            return  # Waits until the payee's account can receive money again.
    params = {
        "amount": to_pence(transfer.amount),
        "currency": CURRENCY,
        "destination": transfer.stripe_account,
        "transfer_group": subject_key(subject),
        "description": describe(subject)[:300],
        "metadata": gateway.metadata(transfer.key, **_subject_filter_ids(subject)),
    }
    if transfer.source_charge:
        params["source_transaction"] = transfer.source_charge
    sent = gateway.send(
        transfer.key,
        TRANSFER_OPERATION,
        lambda client, key: client.v1.transfers.create(
            params=params, options={"idempotency_key": key}
        ),
        resolve=lambda client: gateway._listed(
            client.v1.transfers.list(
                params={
                    "destination": transfer.stripe_account,
                    "transfer_group": subject_key(subject),
                    "limit": 100,
                }
            ),
            transfer.key,
        ),
    )
    transfer.status = Transfer.Status.DONE
    transfer.stripe_transfer = sent.id
    if sent.amount is not None and from_pence(sent.amount) != transfer.amount:
        # Stripe's record wins: it is the money that actually moved.
        transfer.amount = from_pence(sent.amount)
        transfer.fee = transfer.gross - transfer.amount
    transfer.save(update_fields=["status", "stripe_transfer", "amount", "fee", "updated_at"])
    ledger.post_transfer(transfer, describe(subject))


def _subject_filter_ids(subject) -> dict:
    if isinstance(subject, Booking):
        return {"booking": subject.pk}
    return {"pledge": subject.pk, "pool": subject.pool_id}


def _send_reversal(subject, transfer: Transfer, reversal: TransferReversal) -> None:
    if reversal.amount is None:
        fixed = (
            transfer.reversals.filter(
                status__in=(TransferReversal.Status.PENDING, TransferReversal.Status.DONE),
                amount__isnull=False,
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        due_back = transfer.amount - fixed - share_of(money_in(subject))
        if due_back <= 0:
            reversal.status = TransferReversal.Status.CANCELLED
            reversal.save(update_fields=["status", "updated_at"])
            return
        reversal.amount = due_back
        reversal.save(update_fields=["amount", "updated_at"])
    transfer_id = transfer.stripe_transfer
    sent = gateway.send(
        reversal.key,
        REVERSAL_OPERATION,
        lambda client, key: client.v1.transfers.reversals.create(
            transfer_id,
            params={
                "amount": to_pence(reversal.amount),
                "metadata": gateway.metadata(key, refund=reversal.refund_reference),
            },
            options={"idempotency_key": key},
        ),
        resolve=lambda client: gateway._listed(
            client.v1.transfers.reversals.list(transfer_id, params={"limit": 100}),
            reversal.key,
        ),
    )
    reversal.status = TransferReversal.Status.DONE
    reversal.stripe_reversal = sent.id
    reversal.save(update_fields=["status", "stripe_reversal", "updated_at"])
    ledger.post_transfer_reversal(reversal, describe(subject))


# --- The scheduler's part --------------------------------------------------------------------


def _unfinished(prefix: str = "") -> Q:
    return Q(**{f"{prefix}transfer__status": Transfer.Status.PENDING}) | Q(
        **{f"{prefix}transfer__reversals__status": TransferReversal.Status.PENDING}
    )


def bookings_to_settle():
    """Paid card bookings with nothing sent yet, or a transfer or reversal still unfinished."""
    return Booking.objects.filter(
        Q(status=Booking.Status.PAID, payment_route=PaymentRoute.CARD, transfer__isnull=True)
        | _unfinished()
    ).distinct()


def pledges_to_settle():
    """Paid shares of pools going ahead with nothing sent yet, or something unfinished."""
    return Pledge.objects.filter(
        Q(
            status=Pledge.Status.CAPTURED,
            pool__status__in=POOL_GOING_AHEAD,
            transfer__isnull=True,
            payments__status__in=PAID_IN,
        )
        | _unfinished()
    ).distinct()


def sweep() -> dict:
    """Finish every payout still owed and every reversal still due; idempotent.

    Also looks up lost account creations and re-reads accounts still waiting
    for Stripe, in case their ``account.updated`` webhook never came."""
    counts = {"payouts": 0, "accounts": 0}
    if not gateway.card_payments_enabled():
        return counts
    counts["accounts"] += connect.resolve_unknown_calls()
    for account in connect.accounts_waiting():
        connect.refresh(account.user)
    for subject in [*bookings_to_settle(), *pledges_to_settle()]:
        transfer = settle(subject)
        if transfer is not None and transfer.status == Transfer.Status.DONE:
            counts["payouts"] += 1
    return counts


def pay_owed(user) -> int:
    """Send a payee everything owed to them now (they have just connected an account)."""
    sent = 0
    for row in owed_to(user):
        transfer = settle(row.subject)
        sent += bool(transfer and transfer.status == Transfer.Status.DONE)
    return sent


# --- What a payee sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class Owed:
    subject: object
    description: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class PayoutSummary:
    owed: Decimal
    transferred: Decimal
    reversed: Decimal
    fees: Decimal

    @property
    def received(self) -> Decimal:
        return self.transferred - self.reversed


def owed_to(user) -> list[Owed]:
    """Money Kith holds for ``user`` and has not yet sent, booking by booking, pool by pool."""
    listings = connect.listings_paying(user)
    bookings = Booking.objects.filter(
        offer__listing__in=listings, status=Booking.Status.PAID, payment_route=PaymentRoute.CARD
    ).select_related("offer")
    pledges = Pledge.objects.filter(
        pool__listing__in=listings,
        status=Pledge.Status.CAPTURED,
        pool__status__in=POOL_GOING_AHEAD,
    ).select_related("pool")
    able = connect.can_receive(user)
    rows = []
    for subject in [*bookings, *pledges]:
        transfer = transfer_of(subject)
        if transfer is not None and transfer.status != Transfer.Status.PENDING:
            continue  # Sent (refunds are taken back from it), or no longer needed.
        amount = share_of(earned(subject))
        if amount <= 0:
            continue
        if not able:
            reason = "Waiting for you to connect an account that can receive money"
        else:
            reason = "Being sent to your account"
        rows.append(Owed(subject, describe(subject), amount, reason))
    return rows


def summary_for(user) -> PayoutSummary:
    entries = PayoutEntry.objects.filter(payee=user)
    transferred = entries.filter(kind=PayoutEntry.Kind.TRANSFER).aggregate(
        total=Sum("amount"), fees=Sum("fee")
    )
    back = entries.filter(kind=PayoutEntry.Kind.REVERSAL).aggregate(total=Sum("amount"))
    return PayoutSummary(
        owed=sum((row.amount for row in owed_to(user)), ZERO),
        transferred=transferred["total"] or ZERO,
        reversed=-(back["total"] or ZERO),
        fees=transferred["fees"] or ZERO,
    )


def entries_for(user):
    """The payee's payouts ledger, newest first."""
    return (
        PayoutEntry.objects.filter(payee=user)
        .select_related("transfer")
        .order_by("-occurred_at", "-pk")
    )
