"""The moderators' complaints queue in the Wagtail admin (registered from
``marketplace.wagtail_hooks``), like the message-report queue.

/admin/marketplace/complaints/ lists every complaint not resolved (no-shows
first, oldest first); each opens to the person's words, the provider's answer,
and forms to resolve (upheld or not, with a note both sides see) or escalate.
A link goes to the listing's safety page, to suspend it at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path
from django.views.decorators.http import require_POST
from wagtail import hooks

from marketplace.complaints import services as complaints
from marketplace.complaints.forms import EscalateForm, ResolveForm
from marketplace.enquiries.services import is_moderator
from marketplace.models import Complaint

RECENT = 20


def _moderators_only(request):
    if not is_moderator(request.user):
        raise PermissionDenied


def queue(request):
    _moderators_only(request)
    context = {
        "page_title": "Complaints",
        "header_title": "Complaints and no-shows",
        "header_icon": "warning",
        "waiting": complaints.open_complaints(),
        "resolved": Complaint.objects.filter(status=Complaint.Status.RESOLVED)
        .select_related("booking__offer__listing", "closed_by")
        .order_by("-closed_at")[:RECENT],
    }
    return render(request, "marketplace/complaints/admin_queue.html", context)


def _complaint_page(request, complaint, status=200, **forms):
    context = {
        "page_title": "Complaint",
        "header_title": f"{complaint.get_kind_display()}: {complaint.booking.offer.listing.title}",
        "header_icon": "warning",
        "complaint": complaint,
        "booking": complaint.booking,
        "hold": complaints.hold_message(complaint.booking),
        "events": complaint.events.select_related("by"),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "escalate_form": forms.get("escalate_form") or EscalateForm(prefix="escalate"),
    }
    return render(request, "marketplace/complaints/admin_detail.html", context, status=status)


def _get(pk) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related("booking__person", "made_by", "answered_by"),
        pk=pk,
    )


def detail(request, pk):
    _moderators_only(request)
    return _complaint_page(request, _get(pk))


@require_POST
def resolve(request, pk):
    _moderators_only(request)
    complaint = _get(pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _complaint_page(request, complaint, status=400, resolve_form=form)
    try:
        complaints.resolve(
            complaint, request.user, form.cleaned_data["outcome"], form.cleaned_data["note"]
        )
    except complaints.ComplaintError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The complaint is resolved. Both sides have been told.")
    return redirect("complaints_moderation:detail", complaint.pk)


@require_POST
def escalate(request, pk):
    _moderators_only(request)
    complaint = _get(pk)
    form = EscalateForm(request.POST, prefix="escalate")
    if not form.is_valid():
        return _complaint_page(request, complaint, status=400, escalate_form=form)
    try:
        complaints.escalate(complaint, request.user, form.cleaned_data["note"])
    except complaints.ComplaintError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "The complaint is marked as passed on. Both sides have been told."
        )
    return redirect("complaints_moderation:detail", complaint.pk)


complaint_urls = [
    path("", queue, name="queue"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/resolve/", resolve, name="resolve"),
    path("<int:pk>/escalate/", escalate, name="escalate"),
]


@hooks.register("register_admin_urls")
def register_complaint_urls():
    return [
        path(
            "marketplace/complaints/",
            include((complaint_urls, "complaints_moderation"), namespace="complaints_moderation"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_complaints_menu_item():
    from marketplace.wagtail_hooks import ModeratorMenuItem

    return ModeratorMenuItem(
        "Complaints",
        "complaints_moderation:queue",
        lambda: complaints.open_complaints().count(),
        name="complaints",
        icon_name="warning",
        order=245,
    )
