"""The payouts page: a provider's or PA's connected account, what they are owed, what was
transferred and what was taken back for refunds (with CSV).

The rules live in ``marketplace.payments.connect`` and ``marketplace.payments.payouts``.
Each person sees only their own payouts: nothing here takes anyone else's id.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role
from marketplace.enquiries.views import not_allowed
from marketplace.payments import connect, payouts
from marketplace.payments.gateway import PaymentError
from marketplace.payments.views import csv_safe

NOT_A_PAYEE = (
    "Payouts are for providers and personal assistants who are paid through Kith. "
    "If you offer a service, add a listing from My listings first."
)


def may_be_paid(user) -> bool:
    """Providers and PAs, and anyone who is paid for a listing."""
    return (
        user.has_role(Role.PROVIDER)
        or user.has_role(Role.PERSONAL_ASSISTANT)
        or connect.listings_paying(user).exists()
    )


def _refused(request):
    return not_allowed(request, "Payouts are for providers and PAs", NOT_A_PAYEE)


@login_required
@require_GET
def payouts_page(request):
    user = request.user
    if not may_be_paid(user):
        return _refused(request)
    status = connect.status_of(user)
    context = {
        "status": status,
        "status_words": connect.STATUS_WORDS[status],
        "status_help": connect.STATUS_HELP[status],
        "card_payments": connect.gateway.card_payments_enabled(),
        "summary": payouts.summary_for(user),
        "owed": payouts.owed_to(user),
        "entries": payouts.entries_for(user),
        "fee_percent": settings.KITH_PLATFORM_FEE_PERCENT,
    }
    return render(request, "marketplace/payouts/page.html", context)


@login_required
@require_POST
def payouts_connect(request):
    """Send the person to Stripe's onboarding pages for their Express account."""
    if not may_be_paid(request.user):
        return _refused(request)
    base = settings.KITH_BASE_URL
    try:
        url = connect.onboarding_link(
            request.user,
            return_url=base + reverse("marketplace:payouts_return"),
            refresh_url=base + reverse("marketplace:payouts"),
        )
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("marketplace:payouts")
    return redirect(url)


@login_required
@require_GET
def payouts_return(request):
    """Stripe sends the person back here: read their account, and pay anything owed."""
    user = request.user
    if not may_be_paid(user):
        return _refused(request)
    connect.refresh(user)
    status = connect.status_of(user)
    if status == connect.ENABLED:
        payouts.pay_owed(user)
        messages.success(request, "Your account is connected and able to receive money.")
    elif status == connect.PENDING:
        messages.info(
            request,
            "Thank you. Stripe still needs some details, or is checking them. "
            "We will show here when your account can receive money.",
        )
    return redirect("marketplace:payouts")


CSV_COLUMNS = ["date", "kind", "description", "reference", "paid_in", "kith_fee", "amount"]


@login_required
@require_GET
def payouts_csv(request):
    user = request.user
    if not may_be_paid(user):
        return _refused(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kith-payouts-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in payouts.entries_for(user):
        paid_in = entry.transfer.gross if entry.kind == entry.Kind.TRANSFER else ""
        writer.writerow(
            [
                timezone.localtime(entry.occurred_at).date().isoformat(),
                entry.kind,
                csv_safe(entry.description),
                csv_safe(entry.reference),
                f"{paid_in:.2f}" if paid_in != "" else "",
                f"{entry.fee:.2f}",
                f"{entry.amount:.2f}",
            ]
        )
    for row in payouts.owed_to(user):
        writer.writerow(["", "owed", csv_safe(row.description), "", "", "", f"{row.amount:.2f}"])
    return response
