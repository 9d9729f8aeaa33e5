"""Pages for money: invoices (and the payer's page by signed link), a provider's payment
details, and spend statements (with CSV and a printable copy).

The rules live in ``marketplace.payments.invoices`` and ``marketplace.payments.ledger``.
"""

from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.representation import can_act_for
from directory.models import ListingPage
from marketplace.bookings import services as bookings
from marketplace.bookings.forms import RefundForm
from marketplace.enquiries.views import not_allowed
from marketplace.models import Invoice, PaymentDetails
from marketplace.payments import invoices, ledger, payer
from marketplace.payments.forms import PaymentDetailsForm
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


def invoice_context(invoice: Invoice) -> dict:
    """What every copy of an invoice shows (the parties' pages and the payer's)."""
    booking = invoice.booking
    pledge = None if booking else invoices.pledge_for(invoice)
    listing = booking.offer.listing if booking else (pledge.pool.listing if pledge else None)
    details = payer.details_of(listing.owner_id if listing else None)
    return {
        "invoice": invoice,
        "booking": booking,
        "pledge": pledge,
        "listing": listing,
        "overdue": invoice.status == Invoice.Status.ISSUED
        and invoice.due_on < timezone.localdate(),
        # Fixed on the invoice once sent; until then, the supplier's details as they are now.
        "pay_to": invoice.pay_to or (details.as_text() if details else ""),
        "credit_notes": list(invoice.credit_notes.all()),
        "amount_due": payer.amount_due(invoice),
    }


def _invoice_page(request, invoice, *, error: str = "", status: int = 200, credit_form=None):
    context = invoice_context(invoice)
    supplier = invoices.is_supplier(request.user, invoice)
    issued = invoice.status == Invoice.Status.ISSUED
    context.update(
        {
            "can_mark_paid": supplier and issued,
            "can_void": supplier and context["pledge"] is not None and issued,
            "can_credit": supplier
            and invoice.booking_id is not None
            and invoice.status != Invoice.Status.VOID
            and context["amount_due"] > 0,
            "credit_form": credit_form or RefundForm(),
            "credit_request": uuid.uuid4().hex,
            "chases": list(invoice.chases.all()) if supplier else [],
            "supplier_view": supplier,
            "no_payment_details": supplier and not context["pay_to"],
            "error": error,
        }
    )
    return render(request, "marketplace/invoices/detail.html", context, status=status)


@login_required
@require_POST
def invoice_action(request, pk, action):
    """The supplier records that an invoice was paid, or cancels a pool share's invoice."""
    if action not in ("mark-paid", "void", "credit"):
        raise Http404("No such action.")
    invoice = _invoice_for(request.user, pk)
    if action == "credit":
        return _credit(request, invoice)
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


def _credit(request, invoice: Invoice):
    """A refund on an invoiced booking: the booking's refund step issues a credit note."""
    form = RefundForm(request.POST)
    if not invoices.is_supplier(request.user, invoice) or not invoice.booking_id:
        raise Http404("No such invoice.")
    if not form.is_valid():
        return _invoice_page(request, invoice, status=400, credit_form=form)
    data = form.cleaned_data
    try:
        note = bookings.refund(
            invoice.booking,
            by=request.user,
            amount=data.get("amount"),
            reason=data.get("reason") or "",
            request=data.get("request_id") or "",
        )
    except (invoices.InvoiceError, bookings.BookingError) as error:
        return _invoice_page(request, invoice, error=str(error), status=409, credit_form=form)
    sent = f" and sent to {invoice.payer_name}" if invoice.payer_email else ""
    messages.success(request, f"Credit note {note.number} for £{note.amount} is issued{sent}.")
    return redirect("marketplace:invoice_detail", invoice.pk)


# --- The payer's copy, by signed link --------------------------------------------------------


@require_GET
def invoice_for_payer(request, token):
    """The invoice for whoever pays it, without an account: that invoice and nothing else."""
    try:
        invoice = payer.invoice_from_token(token)
    except payer.LinkRefused as refused:
        status = 410 if isinstance(refused, payer.LinkExpired) else 404
        response = render(
            request,
            "marketplace/invoices/link_refused.html",
            {"reason": str(refused)},
            status=status,
        )
    else:
        response = render(request, "marketplace/invoices/payer.html", invoice_context(invoice))
    # The link is the key: keep it out of caches, search engines and other sites' logs.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- A provider's payment details ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def payment_details(request):
    """Where payers send money for this provider's invoices; entered once, used on each."""
    if not ListingPage.objects.filter(owner=request.user).exists():
        return not_allowed(
            request,
            "Payment details are for providers",
            "Providers and PAs who own a listing give the bank details printed on their "
            "invoices here.",
        )
    details = PaymentDetails.objects.filter(owner=request.user).first()
    form = PaymentDetailsForm(
        request.POST if request.method == "POST" else None,
        instance=details or PaymentDetails(owner=request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            "Your payment details are saved. They are printed on invoices you send from now on.",
        )
        return redirect("marketplace:payment_details")
    return render(
        request,
        "marketplace/invoices/payment_details.html",
        {"form": form},
        status=400 if form.errors else 200,
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


CSV_COLUMNS = [
    "date",
    "goal",
    "supplier",
    "description",
    "kind",
    "reference",
    "amount",
    "how_paid",
]


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
                csv_safe(entry.how_paid),
            ]
        )
    return response
