"""Pages for money: invoices and spend statements (with CSV and a printable copy).

The rules live in ``marketplace.payments.invoices`` and ``marketplace.payments.ledger``.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.representation import can_act_for
from marketplace.bookings import services as bookings
from marketplace.models import Invoice
from marketplace.payments import invoices, ledger
from marketplace.payments.gateway import PaymentError
from matching.access import get_plan_for

# --- Invoices --------------------------------------------------------------------------


@login_required
@require_GET
def invoice_detail(request, pk):
    return _invoice_page(request, _invoice_for(request.user, pk))


def _invoice_for(user, pk) -> Invoice:
    """The invoice if ``user`` is the person (or acts for them) or the supplier, else 404."""
    invoice = get_object_or_404(
        Invoice.objects.select_related("booking__offer__listing", "person"), pk=pk
    )
    if not (can_act_for(user, invoice.person) or invoices.is_supplier(user, invoice)):
        raise Http404("No such invoice.")
    return invoice


def _invoice_page(request, invoice, *, error: str = "", status: int = 200):
    booking = invoice.booking
    pledge = None if booking else invoices.pledge_for(invoice)
    today = timezone.localdate()
    overdue = invoice.status == Invoice.Status.ISSUED and invoice.due_on < today
    listing = booking.offer.listing if booking else (pledge.pool.listing if pledge else None)
    supplier = invoices.is_supplier(request.user, invoice)
    context = {
        "invoice": invoice,
        "booking": booking,
        "pledge": pledge,
        "listing": listing,
        "overdue": overdue,
        "can_mark_paid": supplier and invoice.status == Invoice.Status.ISSUED,
        "can_void": supplier and pledge is not None and invoice.status == Invoice.Status.ISSUED,
        "error": error,
    }
    return render(request, "marketplace/invoices/detail.html", context, status=status)


@login_required
@require_POST
def invoice_action(request, pk, action):
    """The supplier records that an invoice was paid, or cancels a pool share's invoice."""
    if action not in ("mark-paid", "void"):
        raise Http404("No such action.")
    invoice = _invoice_for(request.user, pk)
    try:
        if action == "mark-paid" and invoice.booking_id:
            # A booking's invoice paid makes the booking paid: the booking's own step.
            bookings.mark_paid(invoice.booking, by=request.user)
        elif action == "mark-paid":
            invoices.mark_invoice_paid(invoice, by=request.user)
        else:
            invoices.void_invoice(invoice, by=request.user)
    except PermissionDenied:
        raise Http404("No such invoice.") from None
    except (invoices.InvoiceError, bookings.BookingError, PaymentError) as error:
        invoice.refresh_from_db()
        return _invoice_page(request, invoice, error=str(error), status=409)
    messages.success(
        request,
        f"Invoice {invoice.number} is marked as paid."
        if action == "mark-paid"
        else f"Invoice {invoice.number} is cancelled: nothing is owed.",
    )
    return redirect("marketplace:invoice_detail", invoice.pk)


# --- Spend statements --------------------------------------------------------------------


def _statement_context(request, plan_pk, action):
    plan = get_plan_for(request.user, plan_pk, action=action)
    return {
        "plan": plan,
        "statement": ledger.plan_statement(plan),
        "entries": ledger.statement_entries(plan),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def statement(request, plan_pk):
    return render(
        request,
        "marketplace/statements/detail.html",
        _statement_context(request, plan_pk, "viewed statement"),
    )


@login_required
@require_GET
def statement_print(request, plan_pk):
    return render(
        request,
        "marketplace/statements/print.html",
        _statement_context(request, plan_pk, "printed statement"),
    )


CSV_COLUMNS = ["date", "goal", "supplier", "description", "kind", "reference", "amount"]


def csv_safe(value: str) -> str:
    """Stop a spreadsheet treating typed text (a listing title, say) as a formula."""
    value = str(value)
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_GET
def statement_csv(request, plan_pk):
    plan = get_plan_for(request.user, plan_pk, action="downloaded statement")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kith-statement-plan-{plan.pk}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in ledger.statement_entries(plan):
        writer.writerow(
            [
                timezone.localtime(entry.occurred_at).date().isoformat(),
                csv_safe(str(entry.goal) if entry.goal else ""),
                csv_safe(entry.supplier),
                csv_safe(entry.description),
                entry.kind,
                csv_safe(entry.reference),
                f"{entry.amount:.2f}",
            ]
        )
    return response
