"""Moderators' directory pages in the Wagtail admin: the out-of-date queue and the downloads.

* /admin/directory/out-of-date/: listings whose owner was reminded and has
  not confirmed for over 120 days ("may be out of date") or 180 days (left
  search), oldest first, so a moderator can chase or withdraw them;
* /admin/directory/export.json and export.csv: the whole directory as ORUK
  3.0 JSON and as Kith's CSV import template;
* /admin/directory/claims/: requests to manage a listing, oldest first, each
  with what the claimant said and how to check it; a moderator approves or
  declines with a reason (``directory.claims``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from directory import claims, freshness, ownership
from directory.claim_forms import DecisionForm
from directory.models import ListingClaim
from directory.moderation import is_moderator
from directory.oruk import export

__all__ = ["is_moderator"]  # imported from here by the admin menu and other apps


def _moderators_only(request) -> None:
    if not is_moderator(request.user):
        raise PermissionDenied


def out_of_date_queue(request):
    _moderators_only(request)
    today = timezone.localdate()
    rows = [
        {
            "listing": page,
            "days": (today - page.last_confirmed).days,
            "left_search": freshness.is_hidden(page.last_confirmed, page.reminded_at, today),
        }
        for page in freshness.out_of_date_listings(today)[:500]
    ]
    context = {
        "page_title": "Out-of-date listings",
        "header_title": "Out-of-date listings",
        "header_icon": "warning",
        "rows": rows,
        "stale_days": freshness.STALE_AFTER_DAYS,
        "hidden_days": freshness.HIDDEN_AFTER_DAYS,
    }
    return render(request, "directory/admin/out_of_date.html", context)


def export_download(request, fmt: str):
    """The whole directory as a file (only what the public sees; PAs as postcode sectors)."""
    _moderators_only(request)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(content_type="application/json; charset=utf-8")
        export.write_oruk(response, request)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        export.write_csv(response)
    response["Content-Disposition"] = f'attachment; filename="kith-directory-{stamp}.{fmt}"'
    return response


def claims_queue(request):
    _moderators_only(request)
    context = {
        "page_title": "Listing claims",
        "header_title": "Requests to manage a listing",
        "header_icon": "user",
        "claims": claims.pending_claims()[:500],
    }
    return render(request, "directory/admin/claims.html", context)


def claim_review(request, pk: int):
    """One request: what the claimant said, how to check it, and the decision form."""
    _moderators_only(request)
    claim = get_object_or_404(ListingClaim.objects.select_related("listing", "claimant"), pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                claims.approve(claim, request.user, note=data["note"])
                messages.success(request, f"{claim.claimant} now manages {claim.listing.title}.")
            else:
                claims.decline(claim, request.user, data["reason"])
                messages.success(request, f"Declined. {claim.claimant} has been told why.")
        except claims.ClaimError as exc:
            messages.error(request, str(exc))
        return redirect("directory_admin:claims")
    context = {
        "page_title": f"Claim for {claim.listing.title}",
        "header_title": f"Request to manage {claim.listing.title}",
        "header_icon": "user",
        "claim": claim,
        "listing": claim.listing.specific,
        "managers": ownership.managers_of(claim.listing),
        "form": form,
    }
    return render(
        request, "directory/admin/claim_review.html", context, status=400 if form.errors else 200
    )
