"""Claimants' pages: ask to manage a listing, enter the emailed code, follow the request;
and an owner's answer to someone asking to help manage their listing.

The rules live in ``directory.claims``; these views turn requests into calls.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from directory import claims, ownership
from directory.claim_forms import ClaimForm, CodeForm
from directory.models import ListingClaim


def _refuse(request, listing, reason, status=403):
    return render(
        request,
        "directory/claims/not_allowed.html",
        {"listing": listing, "reason": reason},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_listing(request, pk):
    listing = claims.listing_to_claim(pk)
    if listing is None:
        raise Http404("No such listing.")
    if ownership.manages(request.user, listing):
        return redirect("directory:owner_edit", listing.pk)
    existing = claims.open_claim(request.user, listing)
    if existing:
        return redirect("directory:claim_detail", existing.pk)
    problem = claims.why_cannot_claim(request.user, listing)
    if problem:
        return _refuse(request, listing, problem)
    form = ClaimForm(request.POST if request.method == "POST" else None, listing=listing)
    if request.method == "POST" and form.is_valid():
        try:
            claim = claims.request_claim(listing, request.user, **form.cleaned_data)
        except claims.ClaimError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Thank you. Your request to manage {listing.title} is sent.")
            return redirect("directory:claim_detail", claim.pk)
    context = {
        "form": form,
        "listing": listing,
        "kind": claims.kind_for(listing),
        "limit": claims.MAX_CLAIMS_PER_DAY,
    }
    return render(
        request, "directory/claims/claim_form.html", context, status=400 if form.errors else 200
    )


def _own_claim(request, pk) -> ListingClaim:
    claim = claims.claim_for(request.user, pk)
    if claim is None:
        raise Http404("No request of yours with that number.")
    return claim


@login_required
def claim_detail(request, pk):
    claim = _own_claim(request, pk)
    # The emailed link carries the code; it fills the box, and only pressing the button sends it.
    code_form = CodeForm(initial={"code": request.GET.get("code", "")[:20]})
    return _render_detail(request, claim, code_form)


def _render_detail(request, claim, code_form, status=200):
    context = {
        "claim": claim,
        "listing": claim.listing,
        "code_form": code_form,
        "needs_code": (
            claim.status == claims.Status.PENDING
            and claim.verify_by == claims.Verify.EMAIL
            and not claim.email_confirmed
        ),
        "can_resend": claims.can_send_code(claim),
    }
    return render(request, "directory/claims/claim_detail.html", context, status=status)


@login_required
@require_POST
def claim_code(request, pk):
    claim = _own_claim(request, pk)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            claims.confirm_code(claim, request.user, form.cleaned_data["code"])
        except claims.ClaimError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(
                request, "Thank you. The code is right: a moderator will now look at your request."
            )
            return redirect("directory:claim_detail", claim.pk)
    claim.refresh_from_db()
    return _render_detail(request, claim, form, status=400)


@login_required
@require_POST
def claim_resend(request, pk):
    claim = _own_claim(request, pk)
    if claims.send_code(claim):
        messages.success(request, "We have sent a new code to the email address on the listing.")
    else:
        messages.error(
            request, "We cannot send another code for this request. A moderator will contact you."
        )
    return redirect("directory:claim_detail", claim.pk)


@login_required
@require_POST
def claim_withdraw(request, pk):
    claim = _own_claim(request, pk)
    try:
        claims.withdraw(claim, request.user)
    except claims.ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your request is withdrawn.")
    return redirect("directory:my_listings")


@login_required
@require_POST
def manager_request_answer(request, pk, answer):
    """The listing's owner accepts or declines someone asking to help manage it."""
    claim = get_object_or_404(ListingClaim.objects.select_related("listing"), pk=pk)
    if answer not in ("accept", "decline") or not (
        claim.kind == claims.Kind.MANAGER and ownership.is_owner(request.user, claim.listing)
    ):
        raise Http404("No such request.")
    try:
        if answer == "accept":
            claims.approve(claim, request.user)
            messages.success(
                request, f"{claim.claimant} can now help manage {claim.listing.title}."
            )
        else:
            claims.decline(claim, request.user, request.POST.get("reason", ""))
            messages.success(request, f"You declined {claim.claimant}'s request.")
    except claims.ClaimError as exc:
        messages.error(request, str(exc))
    return redirect("directory:my_listings")
