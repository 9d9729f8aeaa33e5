"""Invoices for the managed account and individual service fund routes.

Whoever holds the money (a managed account provider, an ISF provider) pays
against a numbered invoice. Numbers run KITH-<year>-000001 upwards with no
gaps or repeats, because auditors check the sequence: each number is taken
under a row lock on that year's InvoiceCounter, inside the transaction that
creates the invoice, so a rolled-back invoice gives its number back.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from marketplace.models import Booking, Invoice, InvoiceCounter, PaymentRoute
from marketplace.payments import ledger

PAYMENT_TERMS = timedelta(days=28)
INVOICE_ROUTES = (PaymentRoute.MANAGED_ACCOUNT, PaymentRoute.INDIVIDUAL_SERVICE_FUND)


class InvoiceError(ValueError):
    """An invoice cannot be issued or changed that way; the message says why."""


def next_invoice_number(year: int) -> str:
    """Allocate the next number for ``year``; call inside the transaction that uses it."""
    counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"KITH-{year}-{counter.last_number:06d}"


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


def _check_supplier(invoice: Invoice, by) -> None:
    """The supplier (the listing's owner) knows when the money arrives, so they record it."""
    owner_id = invoice.booking.offer.listing.owner_id if invoice.booking_id else None
    if by is None or not by.is_authenticated or owner_id is None or by.pk != owner_id:
        raise PermissionDenied("Only the provider who sent this invoice can change it.")


@transaction.atomic
def mark_invoice_paid(invoice: Invoice, by) -> Invoice:
    """Record that the payer paid; the booking becomes paid. Marking twice is a no-op."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _check_supplier(invoice, by)
    if invoice.status == Invoice.Status.PAID:
        return invoice
    if invoice.status == Invoice.Status.VOID:
        raise InvoiceError(f"Invoice {invoice.number} was cancelled, so it cannot be paid.")
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
    if invoice.booking_id:
        # Imported here because bookings calls into this module.
        from marketplace.bookings import services as bookings

        bookings.record_invoice_paid(invoice.booking, by)
    return invoice


@transaction.atomic
def void_invoice(invoice: Invoice, by) -> Invoice:
    """Cancel an unpaid invoice; a ledger line takes its amount back off. Twice is a no-op."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _check_supplier(invoice, by)
    return _void(invoice)


def _void(invoice: Invoice) -> Invoice:
    if invoice.status == Invoice.Status.VOID:
        return invoice
    if invoice.status == Invoice.Status.PAID:
        raise InvoiceError(f"Invoice {invoice.number} has been paid, so it cannot be cancelled.")
    invoice.status = Invoice.Status.VOID
    invoice.save(update_fields=["status"])
    ledger.post_invoice_void(invoice)
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
