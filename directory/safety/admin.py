"""Moderators' safety pages in the Wagtail admin, and the suspended listing's public page.

* /admin/directory/safety/: find a listing, see every suspended listing and
  the checks waiting to be verified;
* /admin/directory/safety/listing/<pk>/: suspend a listing at once (or lift
  the suspension with a note), and verify or turn down its checks.

Plain admin views, like the message-report queue: access follows who is a
moderator (``directory.admin_views.is_moderator``), not model permissions.
A suspended listing's own page answers 404 to the public ("not available");
its owner sees why instead, and moderators see the page as it is.
Registered from ``directory.wagtail_hooks``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from directory import ownership
from directory.admin_views import is_moderator
from directory.models import ListingCheck, ListingPage, ListingSuspension
from directory.safety import services
from directory.safety.forms import LiftForm, RejectForm, SuspendForm, VerifyForm
from directory.safety.records import current_suspension, open_suspensions

FOUND = 20


def _moderators_only(request):
    if not is_moderator(request.user):
        raise PermissionDenied


def safety_index(request):
    _moderators_only(request)
    q = request.GET.get("q", "").strip()[:100]
    found = ListingPage.objects.filter(title__icontains=q).order_by("title")[:FOUND] if q else None
    context = {
        "page_title": "Listing safety",
        "header_title": "Listing safety",
        "header_icon": "warning",
        "q": q,
        "found": found,
        "suspended": open_suspensions().select_related("listing", "suspended_by"),
        "waiting": services.checks_waiting().order_by("entered_at"),
        "verify_form": VerifyForm(),
        "reject_form": RejectForm(),
    }
    return render(request, "directory/safety/admin_index.html", context)


def _listing_page(request, listing, status=200, **forms):
    context = {
        "page_title": f"Safety: {listing.title}",
        "header_title": f"Safety: {listing.title}",
        "header_icon": "warning",
        "listing": listing,
        "suspension": current_suspension(listing),
        "history": ListingSuspension.objects.filter(listing=listing).select_related(
            "suspended_by", "lifted_by"
        ),
        "checks": ListingCheck.objects.filter(listing=listing).select_related(
            "checked_by", "entered_by"
        ),
        "suspend_form": forms.get("suspend_form") or SuspendForm(),
        "lift_form": forms.get("lift_form") or LiftForm(),
        "verify_form": VerifyForm(),
        "reject_form": RejectForm(),
    }
    return render(request, "directory/safety/admin_listing.html", context, status=status)


def listing_safety(request, pk):
    _moderators_only(request)
    return _listing_page(request, get_object_or_404(ListingPage, pk=pk))


@require_POST
def suspend_listing(request, pk):
    _moderators_only(request)
    listing = get_object_or_404(ListingPage, pk=pk)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return _listing_page(request, listing, status=400, suspend_form=form)
    services.suspend(listing, request.user, form.cleaned_data["reason"])
    messages.success(
        request,
        f"{listing.title} is suspended: it is out of search and cannot be booked or messaged "
        "about. The owner has been told why.",
    )
    return redirect("directory_safety:listing", listing.pk)


@require_POST
def lift_suspension(request, pk):
    _moderators_only(request)
    listing = get_object_or_404(ListingPage, pk=pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        return _listing_page(request, listing, status=400, lift_form=form)
    services.lift(listing, request.user, form.cleaned_data["note"])
    messages.success(request, f"{listing.title} is back in the directory. The owner has been told.")
    return redirect("directory_safety:listing", listing.pk)


def _back(request, check):
    if request.POST.get("next") == "listing":
        return redirect("directory_safety:listing", check.listing_id)
    return redirect("directory_safety:index")


def _decide_check(request, pk, form_class, field, decide, missing: str, done):
    """Verify or turn down an owner's check: the moderator's one note, then the rule in
    ``services`` (``decide``); ``done(check)`` is what the moderator is told after."""
    _moderators_only(request)
    check = get_object_or_404(ListingCheck, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, missing)
        return _back(request, check)
    try:
        decide(check, request.user, form.cleaned_data[field])
    except services.SafetyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done(check))
    return _back(request, check)


@require_POST
def verify_check(request, pk):
    return _decide_check(
        request,
        pk,
        VerifyForm,
        "how",
        services.verify_check,
        missing="Say how you checked it.",
        done=lambda check: f"The {check.get_kind_display()} is verified and now shows.",
    )


@require_POST
def reject_check(request, pk):
    return _decide_check(
        request,
        pk,
        RejectForm,
        "reason",
        services.reject_check,
        missing="Say why it could not be checked.",
        done=lambda check: "The owner has been told why it could not be checked.",
    )


safety_urls = [
    path("", safety_index, name="index"),
    path("listing/<int:pk>/", listing_safety, name="listing"),
    path("listing/<int:pk>/suspend/", suspend_listing, name="suspend"),
    path("listing/<int:pk>/lift/", lift_suspension, name="lift"),
    path("checks/<int:pk>/verify/", verify_check, name="verify"),
    path("checks/<int:pk>/reject/", reject_check, name="reject"),
]


@hooks.register("register_admin_urls")
def register_safety_urls():
    return [
        path(
            "directory/safety/",
            include((safety_urls, "directory_safety"), namespace="directory_safety"),
        )
    ]


class SafetyMenuItem(MenuItem):
    """Moderators only, with how many checks wait."""

    def is_shown(self, request):
        return is_moderator(request.user)

    def render_component(self, request):
        count = services.checks_waiting().count()
        self.label = f"Listing safety ({count})" if count else "Listing safety"
        self.url = reverse("directory_safety:index")
        return super().render_component(request)


@hooks.register("register_admin_menu_item")
def register_safety_menu_item():
    return SafetyMenuItem(
        "Listing safety", "", name="listing-safety", icon_name="warning", order=255
    )


@hooks.register("before_serve_page")
def suspended_listing_page(page, request, serve_args, serve_kwargs):
    """A suspended listing is not shown: the public gets "not available", its owner the reason."""
    if not isinstance(page, ListingPage):
        return None
    suspension = current_suspension(page)
    if suspension is None or is_moderator(request.user):
        return None
    is_owner = request.user.is_authenticated and ownership.manages(request.user, page)
    return render(
        request,
        "directory/safety/suspended.html",
        {"listing": page, "suspension": suspension if is_owner else None},
        status=200 if is_owner else 404,
    )
