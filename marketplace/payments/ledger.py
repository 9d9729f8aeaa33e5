"""The spend ledger: every payment, refund and invoice as a line against a plan line (goal).

A budget holder's statement and the receipts an audit asks for come out of
here. Each posting is keyed by (kind, reference) – the Stripe PaymentIntent
or refund id, or the invoice number – so posting the same money twice (a
webhook and a direct call, a retried request) leaves one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from marketplace.models import (
    Booking,
    Invoice,
    LedgerEntry,
    Payment,
    PayoutEntry,
    Pledge,
    Transfer,
    TransferReversal,
)
from matching.models import PERIODS_PER_YEAR, Goal, SupportPlan

Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")

# Bookings whose money is promised but may not be in the ledger yet.
COMMITTED_STATUSES = (Booking.Status.ACCEPTED, Booking.Status.DELIVERED)


def describe(booking: Booking) -> str:
    """How a booking reads on a statement line or an invoice."""
    title = booking.offer.title
    return f"{booking.quantity} × {title}" if booking.quantity > 1 else title


def _post(
    kind: str,
    reference: str,
    booking: Booking | None,
    person,
    amount: Decimal,
    description: str,
    *,
    pledge: Pledge | None = None,
):
    """One line, once per (kind, reference); a pledge's line counts against its goal."""
    if pledge is not None:
        goal, supplier = pledge.goal, pledge.pool.listing.title
    else:
        goal = booking.goal if booking else None
        supplier = booking.offer.listing.title if booking else ""
    return LedgerEntry.objects.get_or_create(
        kind=kind,
        reference=reference,
        defaults={
            "person": person,
            "booking": booking,
            "goal": goal,
            "plan": goal.plan if goal else None,
            "amount": amount,
            "description": description[:300],
            "supplier": supplier[:255],
        },
    )


def _what(payment: Payment) -> str:
    if payment.booking_id:
        return describe(payment.booking)
    if payment.pledge_id:
        return f"Share of group purchase: {payment.pledge.pool.title}"
    return "Card payment"


def post_card_payment(payment: Payment) -> tuple[LedgerEntry, bool]:
    """The money taken from a card, keyed by its PaymentIntent."""
    kind = Kind.POOL_SHARE if payment.pledge_id else Kind.CARD_PAYMENT
    return _post(
        kind,
        payment.stripe_payment_intent,
        payment.booking,
        payment.person,
        payment.captured_amount or payment.amount,
        _what(payment),
        pledge=payment.pledge,
    )


def post_refund(payment: Payment, amount: Decimal, reference: str) -> tuple[LedgerEntry, bool]:
    """A refund as a negative line, keyed by the Stripe refund id."""
    return _post(
        Kind.REFUND,
        reference,
        payment.booking,
        payment.person,
        -abs(Decimal(amount)),
        f"Refund: {_what(payment)}",
        pledge=payment.pledge,
    )


def post_invoice(invoice: Invoice) -> tuple[LedgerEntry, bool]:
    """An invoice counts as spent when issued: the budget holder owes it from then."""
    return _post(
        Kind.INVOICE,
        invoice.number,
        invoice.booking,
        invoice.person,
        invoice.amount,
        invoice.description,
    )


def post_invoice_void(invoice: Invoice) -> tuple[LedgerEntry, bool]:
    """Cancelling an invoice adds a line that takes it back off, keeping the history."""
    return _post(
        Kind.INVOICE_VOID,
        invoice.number,
        invoice.booking,
        invoice.person,
        -invoice.amount,
        f"Cancelled invoice {invoice.number}: {invoice.description}",
    )


# --- Pool shares (kind pool_share) ---------------------------------------------------


def _pool_post(pledge: Pledge, reference: str, amount: Decimal, description: str):
    return _post(
        Kind.POOL_SHARE, reference, None, pledge.member, amount, description, pledge=pledge
    )


def release_reference(pledge: Pledge) -> str:
    return f"pool-pledge-{pledge.pk}-release"


def post_pool_invoice_share(pledge: Pledge):
    """A share owed on an invoice once the pool is funded."""
    how = f" (invoice {pledge.invoice.number})" if pledge.invoice_id else ""
    return _pool_post(
        pledge,
        f"pool-pledge-{pledge.pk}-capture",
        pledge.amount,
        f"Share of group purchase: {pledge.pool.title}{how}",
    )


def post_pool_release(pledge: Pledge):
    """A £0 line so the statement shows the promise was let go and nothing was taken."""
    return _pool_post(
        pledge,
        release_reference(pledge),
        ZERO,
        f"Pledge of £{pledge.amount} to {pledge.pool.title} released: nothing taken",
    )


def post_pool_invoice_refund(pledge: Pledge):
    """An invoiced share taken back off (the pool failed or was cancelled after funding)."""
    return _pool_post(
        pledge,
        f"pool-pledge-{pledge.pk}-refund",
        -pledge.amount,
        f"Share no longer owed: {pledge.pool.title}",
    )


# --- Payees' payouts ledger (kept apart from budget holders' spend) ----------------------


def post_transfer(transfer: Transfer, description: str) -> tuple[PayoutEntry, bool]:
    """Money sent to a payee's connected account, keyed by the Stripe transfer id."""
    return PayoutEntry.objects.get_or_create(
        kind=PayoutEntry.Kind.TRANSFER,
        reference=transfer.stripe_transfer,
        defaults={
            "payee": transfer.payee,
            "transfer": transfer,
            "amount": transfer.amount,
            "fee": transfer.fee,
            "description": description[:300],
        },
    )


def post_transfer_reversal(
    reversal: TransferReversal, description: str
) -> tuple[PayoutEntry, bool]:
    """Money taken back from a payee for a refund, as a negative line keyed by the reversal id."""
    return PayoutEntry.objects.get_or_create(
        kind=PayoutEntry.Kind.REVERSAL,
        reference=reversal.stripe_reversal,
        defaults={
            "payee": reversal.transfer.payee,
            "transfer": reversal.transfer,
            "amount": -abs(reversal.amount),
            "description": f"Refund: {description}"[:300],
        },
    )


# --- Statements -----------------------------------------------------------------


@dataclass(frozen=True)
class StatementRow:
    """One plan line: what was agreed for a year, what is promised, spent and left.

    ``agreed`` and ``left`` are None when the goal has no budget set.
    """

    label: str
    agreed: Decimal | None
    committed: Decimal
    spent: Decimal
    left: Decimal | None
    goal: Goal | None = None


@dataclass(frozen=True)
class PlanStatement:
    plan: SupportPlan
    rows: list[StatementRow]
    total: StatementRow


def agreed_for_year(goal: Goal) -> Decimal | None:
    """A goal's budget over the plan year; a one-off (or unstated period) counts as it is."""
    if goal.budget_amount is None:
        return None
    return goal.budget_amount * PERIODS_PER_YEAR.get(goal.budget_period or "one-off", 1)


def _sum(queryset, field: str = "amount") -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def committed_for(goal: Goal) -> Decimal:
    """Accepted or delivered bookings' prices not yet in the ledger, and held pool pledges.

    A delivered booking on an invoice is already in the ledger (the invoice
    line) though not yet paid, so only what the ledger lacks is counted.
    """
    total = ZERO
    bookings = goal.bookings.filter(status__in=COMMITTED_STATUSES)
    for booking in bookings:
        posted = _sum(booking.ledger.all())
        total += max(ZERO, booking.amount - posted)
    # A pledge to a pool is promised money until the pool is settled.
    return total + _sum(goal.pledges.filter(status=Pledge.Status.HELD))


def row_for(goal: Goal) -> StatementRow:
    agreed = agreed_for_year(goal)
    committed = committed_for(goal)
    spent = _sum(goal.ledger.all())
    left = None if agreed is None else agreed - committed - spent
    return StatementRow(
        label=str(goal), agreed=agreed, committed=committed, spent=spent, left=left, goal=goal
    )


def plan_statement(plan: SupportPlan) -> PlanStatement:
    """Each goal of the plan with agreed, committed, spent and left, and the totals."""
    rows = [row_for(goal) for goal in plan.goals.all()]
    agreed_rows = [row.agreed for row in rows if row.agreed is not None]
    agreed = sum(agreed_rows, ZERO) if agreed_rows else None
    committed = sum((row.committed for row in rows), ZERO)
    spent = sum((row.spent for row in rows), ZERO)
    total = StatementRow(
        label="Total",
        agreed=agreed,
        committed=committed,
        spent=spent,
        left=None if agreed is None else agreed - committed - spent,
    )
    return PlanStatement(plan=plan, rows=rows, total=total)


def statement_entries(plan: SupportPlan):
    """The plan's ledger lines in date order, for the statement and its receipts."""
    return LedgerEntry.objects.filter(plan=plan).select_related("goal", "booking")


def would_overspend(goal: Goal, amount: Decimal) -> tuple[bool, Decimal | None]:
    """Whether spending ``amount`` more on ``goal`` goes over what is left, and what is left.

    A warning before booking, not a refusal: the person may top up or move
    money between lines. A goal without a budget never warns.
    """
    left = row_for(goal).left
    if left is None:
        return False, None
    return Decimal(amount) > left, left
