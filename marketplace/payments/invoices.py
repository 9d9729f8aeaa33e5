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
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from directory import ownership
from marketplace.models import Booking, Invoice, InvoiceCounter, PaymentRoute, Pledge, Pool
from marketplace.payments import ledger
from marketplace.states import Transitions

PAYMENT_TERMS = timedelta(days=28)
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


def pledge_for(invoice: Invoice) -> Pledge | None:
    return Pledge.objects.filter(invoice=invoice).select_related("pool__listing").first()


def supplier_id(invoice: Invoice) -> int | None:
    """The listing owner who sent the invoice: for a booking, or for a pool share."""
    if invoice.booking_id:
        return ownership.account_holder_id(invoice.booking.offer.listing)
    pledge = pledge_for(invoice)
    return ownership.account_holder_id(pledge.pool.listing) if pledge else None


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
