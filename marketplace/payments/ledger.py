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
from django.utils import timezone

from marketplace.models import Booking, CreditNote, Invoice, LedgerEntry, Payment, Pledge
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


def post_invoice_void(invoice: Invoice, amount: Decimal | None = None):
    """Cancelling an invoice adds a line that takes it (``amount``: what credit notes have not
    taken off already) back off, keeping the history."""
    return _post(
        Kind.INVOICE_VOID,
        invoice.number,
        invoice.booking,
        invoice.person,
        -(invoice.amount if amount is None else amount),
        f"Cancelled invoice {invoice.number}: {invoice.description}",
    )


def post_credit_note(note: CreditNote) -> tuple[LedgerEntry, bool]:
    """A credit note as a negative line against the invoice's plan line, keyed by its number."""
    invoice = note.invoice
    because = f": {note.reason}" if note.reason else ""
    return _post(
        Kind.CREDIT_NOTE,
        note.number,
        invoice.booking,
        invoice.person,
        -note.amount,
        f"Credit note against invoice {invoice.number}{because}",
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


def statement_entries(plan: SupportPlan) -> list[LedgerEntry]:
    """The plan's ledger lines in date order, for the statement and its receipts, each with
    ``how_paid``: who paid and how, in words (see ``how_paid``)."""
    entries = list(LedgerEntry.objects.filter(plan=plan).select_related("goal", "booking"))
    references = {entry.reference for entry in entries}
    payments = {
        payment.stripe_payment_intent: payment
        for payment in Payment.objects.filter(stripe_payment_intent__in=references).select_related(
            "paid_by", "person"
        )
    }
    invoices = {
        invoice.number: invoice for invoice in Invoice.objects.filter(number__in=references)
    }
    notes = {
        note.number: note
        for note in CreditNote.objects.filter(number__in=references).select_related("invoice")
    }
    for entry in entries:
        entry.how_paid = how_paid(entry, payments, invoices, notes)
    return entries


def paid_by_words(payment: Payment) -> str:
    """ "Paid by card by Aisha Patel, representative": who gave the card, and for whom."""
    if payment.paid_by is None:
        return "Paid by card"
    if payment.paid_by_id == payment.person_id:
        return f"Paid by card by {payment.paid_by}"
    return f"Paid by card by {payment.paid_by}, representative"


def how_paid(entry: LedgerEntry, payments: dict, invoices: dict, notes: dict) -> str:
    """Who paid a statement line and how, from the records looked up by reference."""
    if entry.kind in (Kind.CARD_PAYMENT, Kind.POOL_SHARE) and entry.reference in payments:
        return paid_by_words(payments[entry.reference])
    if entry.kind == Kind.REFUND:
        return "Refunded to the card"
    if entry.kind == Kind.CREDIT_NOTE and entry.reference in notes:
        invoice = notes[entry.reference].invoice
        return f"Credit note to {invoice.payer_name} on invoice {invoice.number}"
    if entry.kind == Kind.INVOICE and entry.reference in invoices:
        invoice = invoices[entry.reference]
        if invoice.status == Invoice.Status.PAID:
            paid_on = timezone.localtime(invoice.paid_at)
            return f"Invoiced to {invoice.payer_name}, paid {paid_on:%-d %B %Y}"
        state = "cancelled" if invoice.status == Invoice.Status.VOID else "not paid yet"
        return f"Invoiced to {invoice.payer_name}, {state}"
    return ""


def would_overspend(goal: Goal, amount: Decimal) -> tuple[bool, Decimal | None]:
    """Whether spending ``amount`` more on ``goal`` goes over what is left, and what is left.

    A warning before booking, not a refusal: the person may top up or move
    money between lines. A goal without a budget never warns.
    """
    left = row_for(goal).left
    if left is None:
        return False, None
    return Decimal(amount) > left, left
