"""Invoices for the managed account and individual service fund routes, for bookings and
pool shares.

Whoever holds the money (a managed account provider, an ISF provider) pays
against a numbered invoice. An invoice is issued, then paid or cancelled
(void), along ``INVOICE_TRANSITIONS``; doing either twice is a no-op. The
supplier (the listing's owner) records payment, because they see the money
arrive. Numbers run KITH-<year>-000001 upwards with no
gaps or repeats, because auditors check the sequence: each number is taken
under a row lock on that year's InvoiceCounter, inside the transaction that
creates the invoice, so a rolled-back invoice gives its number back.

The payer gets the invoice by email with the supplier's payment details and
a signed link (``payer``). Overdue invoices are chased by the scheduler
(``chase_overdue``): a reminder ``CHASE_AFTER`` days after the due date and
then one every ``CHASE_EVERY`` days, each round recorded once
(``InvoiceChase``). Money given back on an invoiced booking is a numbered
credit note (CN-<year>-0001, its own sequence under the same kind of lock),
never more in all than the invoice, on the ledger as a negative line and
emailed to the payer.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from marketplace.models import (
    Booking,
    CreditNote,
    CreditNoteCounter,
    Invoice,
    InvoiceChase,
    InvoiceCounter,
    PaymentRoute,
    Pledge,
    Pool,
)
from marketplace.payments import ledger, payer
from marketplace.states import Transitions

PAYMENT_TERMS = timedelta(days=28)
# The first reminder goes this long after the due date, then one every CHASE_EVERY.
CHASE_AFTER = timedelta(days=7)
CHASE_EVERY = timedelta(days=14)
INVOICE_TRANSITIONS = Transitions(
    "invoice",
    {
        Invoice.Status.ISSUED: {Invoice.Status.PAID, Invoice.Status.VOID},
        Invoice.Status.PAID: set(),
        Invoice.Status.VOID: set(),
    },
)
INVOICE_ROUTES = (PaymentRoute.MANAGED_ACCOUNT, PaymentRoute.INDIVIDUAL_SERVICE_FUND)


class InvoiceError(ValueError):
    """An invoice cannot be issued or changed that way; the message says why."""


def _take_number(counter_model, year: int) -> int:
    """The next number in ``year`` from a locked counter row (invoices', or credit notes')."""
    counter, _ = counter_model.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def next_invoice_number(year: int) -> str:
    """Allocate the next number for ``year``; call inside the transaction that uses it."""
    return f"KITH-{year}-{_take_number(InvoiceCounter, year):06d}"


def open_invoice(booking: Booking) -> Invoice | None:
    """The booking's invoice that still counts (issued or paid), if any."""
    return (
        booking.invoices.filter(status__in=(Invoice.Status.ISSUED, Invoice.Status.PAID))
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def issue_invoice(booking: Booking) -> Invoice:
    """Invoice the payer for a booking, due in 28 days, and post it to the ledger.

    Issuing again returns the invoice already issued; after a cancelled
    (void) invoice a new one is issued with a new number.
    """
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("offer__listing")
        .get(pk=booking.pk)
    )
    if booking.payment_route not in INVOICE_ROUTES:
        raise InvoiceError("This booking is paid by card, so it has no invoice.")
    existing = open_invoice(booking)
    if existing:
        return existing
    issued_at = timezone.now()
    invoice = Invoice.objects.create(
        number=next_invoice_number(timezone.localdate(issued_at).year),
        booking=booking,
        person=booking.person,
        payer_name=booking.payer_name,
        payer_email=booking.payer_email,
        description=f"{ledger.describe(booking)} from {booking.offer.listing.title}"[:300],
        amount=booking.amount,
        issued_at=issued_at,
        due_on=timezone.localdate(issued_at) + PAYMENT_TERMS,
    )
    ledger.post_invoice(invoice)
    return invoice


def issue_pool_invoice(pledge: Pledge, pool: Pool, payer_name: str, payer_email: str) -> Invoice:
    """The payer's invoice for a pool share, payable only if the pool is funded.

    Issued at pledging because the invoice is where the payer's details are
    kept; the spend reaches the ledger only when the pool is funded (voided
    otherwise, with no ledger line either way).
    """
    issued_at = timezone.now()
    return Invoice.objects.create(
        number=next_invoice_number(timezone.localdate(issued_at).year),
        person=pledge.member,
        payer_name=payer_name.strip()[:150],
        payer_email=payer_email,
        description=(
            f"Share of '{pool.title}' from {pool.listing.title}, payable only if the pool "
            f"is funded by {timezone.localtime(pool.deadline):%-d %B %Y}"
        )[:300],
        amount=pledge.amount,
        issued_at=issued_at,
        due_on=timezone.localdate(pool.deadline) + PAYMENT_TERMS,
    )


pledge_for = payer.pledge_for
# Email an invoice to its payer once (a booking's at delivery, a pool share's at funding).
send_to_payer = payer.send_invoice


def supplier_id(invoice: Invoice) -> int | None:
    """The listing owner who sent the invoice: for a booking, or for a pool share."""
    if invoice.booking_id:
        return invoice.booking.offer.listing.owner_id
    pledge = pledge_for(invoice)
    return pledge.pool.listing.owner_id if pledge else None


def is_supplier(by, invoice: Invoice) -> bool:
    owner_id = supplier_id(invoice)
    return by is not None and by.is_authenticated and owner_id is not None and by.pk == owner_id


def _check_supplier(invoice: Invoice, by) -> None:
    """The supplier knows when the money arrives, so they record it."""
    if not is_supplier(by, invoice):
        raise PermissionDenied("Only the provider who sent this invoice can change it.")


@transaction.atomic
def mark_invoice_paid(invoice: Invoice, by) -> Invoice:
    """Record that the payer paid. Marking twice is a no-op.

    A booking's invoice being paid makes the booking paid: the caller does
    that (``marketplace.bookings.services.mark_paid``), so this module needs
    nothing from bookings.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _check_supplier(invoice, by)
    if invoice.status == Invoice.Status.VOID:
        raise InvoiceError(f"Invoice {invoice.number} was cancelled, so it cannot be paid.")
    if INVOICE_TRANSITIONS.step(invoice.status, Invoice.Status.PAID):
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = timezone.now()
        invoice.save(update_fields=["status", "paid_at"])
    return invoice


@transaction.atomic
def void_invoice(invoice: Invoice, by) -> Invoice:
    """Cancel an unpaid invoice; a ledger line takes its amount back off. Twice is a no-op.

    A pool share's invoice can be cancelled only if the share is no longer
    owed (the pool did not go ahead, or the member left).
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _check_supplier(invoice, by)
    pledge = pledge_for(invoice)
    if pledge is not None:
        owed = pledge.status in (Pledge.Status.HELD, Pledge.Status.CAPTURED) and (
            pledge.pool.status not in (Pool.Status.FAILED, Pool.Status.CANCELLED)
        )
        if owed and invoice.status == Invoice.Status.ISSUED:
            raise InvoiceError(
                f"Invoice {invoice.number} is for a share of a pool that is going ahead, "
                "so it is still owed."
            )
        return void_unposted(invoice)
    return _void(invoice)


def void_unposted(invoice: Invoice) -> Invoice:
    """Cancel an unpaid pool-share invoice, which is not on the ledger until funding."""
    if invoice.status == Invoice.Status.PAID:
        raise InvoiceError(f"Invoice {invoice.number} has been paid, so it cannot be cancelled.")
    if INVOICE_TRANSITIONS.step(invoice.status, Invoice.Status.VOID):
        invoice.status = Invoice.Status.VOID
        invoice.save(update_fields=["status"])
    return invoice


def _void(invoice: Invoice) -> Invoice:
    if invoice.status == Invoice.Status.PAID:
        raise InvoiceError(f"Invoice {invoice.number} has been paid, so it cannot be cancelled.")
    if INVOICE_TRANSITIONS.step(invoice.status, Invoice.Status.VOID):
        invoice.status = Invoice.Status.VOID
        invoice.save(update_fields=["status"])
        # What credit notes took off already is not taken off twice.
        ledger.post_invoice_void(invoice, invoice.amount - payer.credited(invoice))
    return invoice


def void_for_cancelled_booking(booking: Booking) -> None:
    """A booking cancelled before payment owes nothing: cancel its unpaid invoices."""
    for invoice in booking.invoices.select_for_update().filter(status=Invoice.Status.ISSUED):
        _void(invoice)


def overdue_invoices(today: date | None = None):
    """Issued invoices past their due date, oldest first, for reminders."""
    today = today or timezone.localdate()
    return (
        Invoice.objects.filter(status=Invoice.Status.ISSUED, due_on__lt=today)
        .select_related("booking", "person")
        .order_by("due_on", "pk")
    )


# --- Reminders ------------------------------------------------------------------------------


def chase_round(invoice: Invoice, today: date) -> int:
    """Which reminder is due for an unpaid invoice on ``today``: 0 for none yet, then 1, 2…"""
    late = (today - invoice.due_on).days - CHASE_AFTER.days
    return late // CHASE_EVERY.days + 1 if late >= 0 else 0


def still_owed(invoice: Invoice) -> bool:
    """Issued, something left to pay, and (for a pool share) the pool went ahead."""
    if invoice.status != Invoice.Status.ISSUED or payer.amount_due(invoice) <= 0:
        return False
    pledge = pledge_for(invoice)
    if pledge is None:
        return invoice.booking_id is not None
    return pledge.status == Pledge.Status.CAPTURED and pledge.pool.status in (
        Pool.Status.FUNDED,
        Pool.Status.DELIVERED,
    )


def chase_overdue(today: date | None = None) -> int:
    """Remind the payer of each overdue invoice, at most once per round; how many were sent.

    Run by the scheduler (``marketplace.reconcile``). Each reminder is an
    ``InvoiceChase`` row written under the invoice's lock, so running it
    again, or twice at once, sends nothing twice; a round missed while the
    scheduler was down is not sent late on top of the next.
    """
    today = today or timezone.localdate()
    sent = 0
    for invoice in overdue_invoices(today).exclude(payer_email=""):
        if _chase(invoice, today):
            sent += 1
    return sent


@transaction.atomic
def _chase(invoice: Invoice, today: date) -> bool:
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("booking__offer__listing", "person")
        .get(pk=invoice.pk)
    )
    due_round = chase_round(invoice, today)
    if not due_round or not still_owed(invoice):
        return False
    if invoice.chases.filter(round__gte=due_round).exists():
        return False
    chase = InvoiceChase.objects.create(
        invoice=invoice, round=due_round, sent_to=invoice.payer_email
    )
    return payer.send_reminder(invoice, chase)


# --- Credit notes ---------------------------------------------------------------------------


def next_credit_note_number(year: int) -> str:
    """Allocate the next credit note number for ``year``, inside the transaction that uses it."""
    return f"CN-{year}-{_take_number(CreditNoteCounter, year):04d}"


@transaction.atomic
def issue_credit_note(
    invoice: Invoice, amount: Decimal | None = None, *, by, reason: str = "", request: str = ""
) -> CreditNote:
    """Take ``amount`` (all that is left when None) off a booking's invoice, and tell the payer.

    Only the supplier may. The credit notes on an invoice never add up to
    more than it; a cancelled invoice takes none. ``request`` names the
    refund request (the form's one-time token): the same request makes one
    credit note however often it is sent. Locks the invoice, then the
    credit note counter.
    """
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    _check_supplier(invoice, by)
    key = f"invoice-{invoice.pk}-{request or f'by-{by.pk}-{amount}'}"[:64]
    existing = CreditNote.objects.filter(request_key=key).first()
    if existing is not None:
        return existing
    if invoice.booking_id is None:
        raise InvoiceError(
            "A pool share's invoice is cancelled, not credited, when the share is not owed."
        )
    if invoice.status == Invoice.Status.VOID:
        raise InvoiceError(f"Invoice {invoice.number} was cancelled, so nothing is owed on it.")
    left = payer.amount_due(invoice)
    try:
        amount = left if amount is None else Decimal(amount).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise InvoiceError("Enter the amount in pounds and pence, like 22.50.") from None
    if amount <= 0:
        raise InvoiceError("Enter an amount greater than £0.")
    if amount > left:
        raise InvoiceError(
            f"You can credit at most £{left}: invoice {invoice.number} was for "
            f"£{invoice.amount} and £{invoice.amount - left} has been credited already."
        )
    issued_at = timezone.now()
    note = CreditNote.objects.create(
        number=next_credit_note_number(timezone.localdate(issued_at).year),
        invoice=invoice,
        amount=amount,
        reason=(reason or "").strip()[:300],
        issued_at=issued_at,
        issued_by=by,
        request_key=key,
    )
    ledger.post_credit_note(note)
    payer.send_credit_note(note)
    return note
