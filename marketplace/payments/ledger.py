"""The spend ledger: every payment, refund and invoice as a line against a plan line (goal).

A budget holder's statement and the receipts an audit asks for come out of
here. Each posting is keyed by (kind, reference) – the Stripe PaymentIntent
or refund id, or the invoice number – so posting the same money twice (a
webhook and a direct call, a retried request) leaves one line.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from marketplace.models import (
    Booking,
    CreditNote,
    Invoice,
    LedgerEntry,
    Payment,
    PayoutEntry,
    Pledge,
    Transfer,
    TransferReversal,
)
from matching.models import PERIODS_PER_YEAR, BudgetPeriod, Goal, SupportPlan

Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")

# Bookings whose money is promised but may not be in the ledger yet.
COMMITTED_STATUSES = (Booking.Status.ACCEPTED, Booking.Status.DELIVERED)


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


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


def share_reference(pledge: Pledge, step: str) -> str:
    """A pool share's line: "capture" (owed on an invoice), "refund" (no longer owed) or
    "release" (a promise let go)."""
    return f"pool-pledge-{pledge.pk}-{step}"


def release_reference(pledge: Pledge) -> str:
    return share_reference(pledge, "release")


def post_pool_invoice_share(pledge: Pledge):
    """A share owed on an invoice once the pool is funded."""
    how = f" (invoice {pledge.invoice.number})" if pledge.invoice_id else ""
    return _pool_post(
        pledge,
        share_reference(pledge, "capture"),
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
        share_reference(pledge, "refund"),
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
    """The plan's lines and totals. The total's ``agreed`` is the plan's agreed budget
    (the lines added up only while no budget is agreed: ``budget_is_agreed`` says which);
    ``pledged`` is what held pool pledges promise, already inside ``committed``."""

    plan: SupportPlan
    rows: list[StatementRow]
    total: StatementRow
    budget_is_agreed: bool = False
    lines_agreed: Decimal | None = None
    pledged: Decimal = ZERO

    @property
    def not_in_lines(self) -> Decimal | None:
        """Agreed budget no plan line has been given (negative: the lines ask for more)."""
        if not self.budget_is_agreed or self.lines_agreed is None:
            return None
        return self.total.agreed - self.lines_agreed


def agreed_for_year(goal: Goal) -> Decimal | None:
    """A goal's budget over the plan year; a one-off (or unstated period) counts as it is."""
    if goal.budget_amount is None:
        return None
    return goal.budget_amount * PERIODS_PER_YEAR.get(goal.budget_period or "one-off", 1)


def _sum(queryset, field: str = "amount") -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def _unposted(booking: Booking) -> Decimal:
    """The part of a booking's price the ledger does not hold yet (an invoiced booking is
    in the ledger from the invoice, though not yet paid)."""
    return max(ZERO, booking.amount - _sum(booking.ledger.all()))


def held_pledges(goal: Goal):
    return goal.pledges.filter(status=Pledge.Status.HELD).select_related("pool")


def committed_for(goal: Goal) -> Decimal:
    """Accepted or delivered bookings' prices not yet in the ledger, and held pool pledges."""
    total = sum((_unposted(b) for b in goal.bookings.filter(status__in=COMMITTED_STATUSES)), ZERO)
    # A pledge to a pool is promised money until the pool is settled.
    return total + _sum(held_pledges(goal))


def row_for(goal: Goal) -> StatementRow:
    agreed = agreed_for_year(goal)
    committed = committed_for(goal)
    spent = _sum(goal.ledger.all())
    left = None if agreed is None else agreed - committed - spent
    return StatementRow(
        label=str(goal), agreed=agreed, committed=committed, spent=spent, left=left, goal=goal
    )


def plan_statement(plan: SupportPlan) -> PlanStatement:
    """Each goal of the plan with agreed, committed, spent and left, and the totals.

    "Agreed for the year" in the total is the budget agreed for the plan, which
    may be more than its lines add up to; only while none is agreed do the lines'
    own budgets stand in for it.
    """
    goals = list(plan.goals.all())
    rows = [row_for(goal) for goal in goals]
    agreed_rows = [row.agreed for row in rows if row.agreed is not None]
    lines_agreed = sum(agreed_rows, ZERO) if agreed_rows else None
    budget_is_agreed = plan.agreed_budget is not None
    agreed = plan.agreed_budget if budget_is_agreed else lines_agreed
    committed = sum((row.committed for row in rows), ZERO)
    spent = sum((row.spent for row in rows), ZERO)
    total = StatementRow(
        label="Total",
        agreed=agreed,
        committed=committed,
        spent=spent,
        left=None if agreed is None else agreed - committed - spent,
    )
    pledged = _sum(Pledge.objects.filter(goal__plan=plan, status=Pledge.Status.HELD))
    return PlanStatement(
        plan=plan,
        rows=rows,
        total=total,
        budget_is_agreed=budget_is_agreed,
        lines_agreed=lines_agreed,
        pledged=pledged,
    )


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
    shares = {
        share_reference(pledge, step): pledge.invoice
        for pledge in Pledge.objects.filter(goal__plan=plan, invoice__isnull=False).select_related(
            "invoice"
        )
        for step in ("capture", "refund")
    }
    for entry in entries:
        entry.how_paid = how_paid(entry, payments, invoices, notes, shares)
    return entries


def paid_by_words(payment: Payment) -> str:
    """ "Paid by card by Aisha Patel, representative": who gave the card, and for whom."""
    if payment.paid_by is None:
        return "Paid by card"
    if payment.paid_by_id == payment.person_id:
        return f"Paid by card by {payment.paid_by}"
    return f"Paid by card by {payment.paid_by}, representative"


def _invoice_words(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.PAID:
        paid_on = timezone.localtime(invoice.paid_at)
        return f"Invoiced to {invoice.payer_name}, paid {paid_on:%-d %B %Y}"
    state = "cancelled" if invoice.status == Invoice.Status.VOID else "not paid yet"
    return f"Invoiced to {invoice.payer_name}, {state}"


def how_paid(entry: LedgerEntry, payments: dict, invoices: dict, notes: dict, shares: dict) -> str:
    """Who paid a statement line and how, from the records looked up by reference
    (``shares``: an invoiced pool share's invoice by its lines' references)."""
    if entry.kind in (Kind.CARD_PAYMENT, Kind.POOL_SHARE) and entry.reference in payments:
        return paid_by_words(payments[entry.reference])
    if entry.kind == Kind.REFUND:
        return "Refunded to the card"
    if entry.kind == Kind.CREDIT_NOTE and entry.reference in notes:
        invoice = notes[entry.reference].invoice
        return f"Credit note to {invoice.payer_name} on invoice {invoice.number}"
    if entry.kind == Kind.INVOICE and entry.reference in invoices:
        return _invoice_words(invoices[entry.reference])
    if entry.kind == Kind.POOL_SHARE and entry.reference in shares:
        # A share paid by invoice to the member's managed account or ISF holder.
        invoice = shares[entry.reference]
        if entry.amount > 0:
            return _invoice_words(invoice)
        if entry.amount < 0:
            return f"No longer owed: taken off invoice {invoice.number} to {invoice.payer_name}"
    return ""


# --- Overspend warnings ----------------------------------------------------------------

# Bookings whose price counts against a line before it is all in the ledger: asked for
# (pending), accepted, or delivered.
PENDING_STATUSES = (Booking.Status.REQUESTED, *COMMITTED_STATUSES)


def period_around(goal: Goal, on: date) -> tuple[date, date] | None:
    """The week (Monday to Sunday) or calendar month of a weekly or monthly line that
    contains ``on``; None for a yearly or one-off line, whose whole budget is the period."""
    if goal.budget_period == BudgetPeriod.WEEK:
        start = on - timedelta(days=on.weekday())
        return start, start + timedelta(days=6)
    if goal.budget_period == BudgetPeriod.MONTH:
        start = on.replace(day=1)
        last = calendar.monthrange(on.year, on.month)[1]
        return start, on.replace(day=last)
    return None


@dataclass(frozen=True)
class LineCheck:
    """A plan line against one more spend: its budget for the period the spend falls in,
    and what is already spent, promised or asked for in that period."""

    goal: Goal
    amount: Decimal
    budget: Decimal
    used: Decimal
    period: tuple[date, date] | None

    @property
    def left(self) -> Decimal:
        return self.budget - self.used

    @property
    def over(self) -> bool:
        return self.amount > self.left

    @property
    def beyond(self) -> Decimal:
        return self.amount - self.left

    @property
    def budget_words(self) -> str:
        """ "£40.00 a month", "£480.00 a year", or "£100.00" for a one-off."""
        money = _pounds(self.goal.budget_amount)
        if self.goal.budget_period in (BudgetPeriod.WEEK, BudgetPeriod.MONTH, BudgetPeriod.YEAR):
            return f"{money} {BudgetPeriod(self.goal.budget_period).label}"
        return money

    @property
    def period_words(self) -> str:
        """ "January 2027", "the week of 4 January 2027", or "" when the period is the plan's."""
        if self.period is None:
            return ""
        start = self.period[0]
        if self.goal.budget_period == BudgetPeriod.WEEK:
            return f"the week of {start.day} {start:%B %Y}"
        return f"{start:%B %Y}"


def _in(period, day: date) -> bool:
    return period is None or period[0] <= day <= period[1]


def check_line(goal: Goal, amount: Decimal, on: date | None = None) -> LineCheck | None:
    """``goal`` with ``amount`` more spent on ``on`` (a booking's start; today if unknown).

    A weekly or monthly line is checked against its amount for that week or month,
    not its year: a £360 block against a £40-a-month line is £320 over. What counts
    in the period: the ledger (payments, invoices, refunds) by date, bookings asked
    for, accepted or delivered but not yet in the ledger by their start (or the day
    they were asked for), and held pool pledges by their pool's deadline (when the
    money is taken). None when the line has no budget.
    """
    if goal.budget_amount is None:
        return None
    on = on or timezone.localdate()
    period = period_around(goal, on)
    budget = goal.budget_amount if period else agreed_for_year(goal)
    entries = goal.ledger.all()
    if period:
        entries = entries.filter(occurred_at__date__range=period)
    used = _sum(entries)
    for booking in goal.bookings.filter(status__in=PENDING_STATUSES):
        day = booking.starts_on or timezone.localdate(booking.created_at)
        if _in(period, day):
            used += _unposted(booking)
    for pledge in held_pledges(goal):
        if _in(period, timezone.localdate(pledge.pool.deadline)):
            used += pledge.amount
    return LineCheck(goal=goal, amount=Decimal(amount), budget=budget, used=used, period=period)


def would_overspend(
    goal: Goal, amount: Decimal, on: date | None = None
) -> tuple[bool, Decimal | None]:
    """Whether spending ``amount`` more on ``goal`` goes over what is left for its period,
    and what is left (``check_line``).

    A warning before booking, not a refusal: the person may top up or move
    money between lines. A goal without a budget never warns.
    """
    check = check_line(goal, amount, on)
    if check is None:
        return False, None
    return check.over, check.left


def overspend_warning(
    goal: Goal, amount: Decimal, on: date | None = None, what: str = "this booking"
) -> str:
    """The sentence shown before a booking (or a pool share) takes a plan line over its
    budget for the week or month it falls in (or its year, or a one-off budget), or ""."""
    check = check_line(goal, amount, on)
    if check is None or not check.over:
        return ""
    text = (
        f"This would take your “{goal}” line over its budget of {check.budget_words} "
        f"by {_pounds(check.beyond)}."
    )
    period = check.period_words
    if check.used:
        used = f"{_pounds(check.used)} is already spent, promised or asked for"
        text += f" In {period}, {used}" if period else f" {used[0].upper()}{used[1:]}"
        text += f", and {what} is {_pounds(amount)}."
    else:
        text += f" {what.capitalize()} is {_pounds(amount)}{f' for {period}' if period else ''}."
    return text
