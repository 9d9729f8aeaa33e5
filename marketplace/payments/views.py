"""Pages for money: invoices and spend statements (with CSV and a printable copy).

The rules live in ``marketplace.payments.invoices`` and ``marketplace.payments.ledger``.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.representation import can_act_for
from marketplace.bookings import services as bookings
from marketplace.models import Invoice
from marketplace.payments import ledger
from matching.access import get_plan_for

# --- Invoices --------------------------------------------------------------------------


@login_required
@require_GET
def invoice_detail(request, pk):
    invoice = get_object_or_404(
        Invoice.objects.select_related("booking__offer__listing", "person"), pk=pk
    )
    booking = invoice.booking
    party = (
        bookings.acts_for_person(request.user, booking) or bookings.is_owner(request.user, booking)
        if booking
        else can_act_for(request.user, invoice.person)
    )
    if not party:
        raise Http404("No such invoice.")
    today = timezone.localdate()
    overdue = invoice.status == Invoice.Status.ISSUED and invoice.due_on < today
    listing = booking.offer.listing if booking else None
    return render(
        request,
        "marketplace/invoices/detail.html",
        {"invoice": invoice, "booking": booking, "listing": listing, "overdue": overdue},
    )


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
