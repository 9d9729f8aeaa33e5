"""Owners create and edit their own listings; every save goes to moderation (but price
and places, which change at once: ``marketplace.places``).

The rules (who may do what, submitting, status, confirming) live in
``directory.moderation``; these views only turn requests into calls and
answers into pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST

from directory import claims, moderation
from directory.models import LISTING_PAGE_TYPES, ListingKind
from directory.owner_forms import listing_form_for

SUBMITTED_MESSAGE = (
    "Thank you. A moderator will check {title} before it appears in the directory. "
    "You can follow its progress here."
)
CHANGES_SUBMITTED_MESSAGE = (
    "Thank you. A moderator will check your changes to {title}. "
    "Until they approve them, people see the listing as it was."
)


@login_required
def my_listings(request):
    listings = [
        {"page": page, "status": moderation.owner_status(page)}
        for page in moderation.owned_listings(request.user)
    ]
    kinds = moderation.kinds_user_may_create(request.user)
    return render(
        request,
        "directory/owner/my_listings.html",
        {
            "listings": listings,
            "creatable": [(kind, ListingKind(kind).label) for kind in kinds],
            # People asking to help manage this person's listings, and their own requests.
            "requests": claims.requests_for_owner(request.user),
            "claims": request.user.listing_claims.select_related("listing").order_by("-created_at")[
                :20
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create_listing(request, kind):
    if kind not in ListingKind.values:
        raise Http404("No such kind of listing.")
    if not moderation.may_create(request.user, kind):
        return render(
            request,
            "directory/owner/not_allowed.html",
            {"kind_label": ListingKind(kind).label, "reason": moderation.why_cannot_create(kind)},
            status=403,
        )
    form_class = listing_form_for(kind)
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=LISTING_PAGE_TYPES[kind]())
    if request.method == "POST":
        if form.is_valid():
            page = moderation.create_listing(form.save(commit=False), request.user)
            messages.success(request, SUBMITTED_MESSAGE.format(title=page.title))
            return redirect("directory:my_listings")
        return _render_form(request, form, kind, status=400)
    return _render_form(request, form, kind)


@login_required
@require_http_methods(["GET", "POST"])
def edit_listing(request, pk):
    page = moderation.owned_listing(request.user, pk)
    if page is None:
        raise Http404("No listing of yours with that number.")
    blocked = moderation.edit_blocked_reason(page, request.user)
    if blocked:
        messages.error(request, blocked)
        return redirect("directory:my_listings")
    # The latest revision, not the live page, so edits still awaiting approval are not lost.
    latest = page.get_latest_revision_as_object()
    data = request.POST if request.method == "POST" else None
    form = listing_form_for(page.kind)(data, instance=latest)
    form.leave_out_price_and_places()
    if request.method == "POST":
        if form.is_valid():
            moderation.submit_changes(form.save(commit=False), request.user)
            messages.success(request, CHANGES_SUBMITTED_MESSAGE.format(title=latest.title))
            return redirect("directory:my_listings")
        return _render_form(request, form, page.kind, page=page, status=400)
    return _render_form(request, form, page.kind, page=page)


def _render_form(request, form, kind, page=None, status=200):
    context = {
        "form": form,
        "formset": form.location_formset,
        "kind": kind,
        "kind_label": ListingKind(kind).label,
        "page": page,
        "status": moderation.owner_status(page) if page else None,
    }
    return render(request, "directory/owner/listing_form.html", context, status=status)


@login_required
@require_POST
def confirm_listing(request, pk):
    page = moderation.owned_listing(request.user, pk)
    if page is None:
        raise Http404("No listing of yours with that number.")
    _confirm(request, page)
    return redirect("directory:my_listings")


def _confirm(request, page):
    when = moderation.confirm_listing(page)
    messages.success(
        request,
        f"Thank you. {page.title} now shows that its details were confirmed on "
        f"{date_format(when, 'j F Y')}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm_by_link(request, token):
    """The emailed "are these details still right?" link. Only a POST confirms."""
    try:
        page = moderation.listing_for_confirm_token(token, request.user)
    except moderation.BadConfirmLink as exc:
        return _link_problem(request, str(exc), status=400)
    except moderation.NotListingOwner as exc:
        return _link_problem(request, str(exc), status=403)
    if request.method == "POST":
        _confirm(request, page)
        return redirect("directory:my_listings")
    return render(
        request,
        "directory/owner/confirm_by_link.html",
        {"page": page, "status": moderation.owner_status(page)},
    )


def _link_problem(request, message, status):
    return render(
        request, "directory/owner/confirm_link_problem.html", {"message": message}, status=status
    )
