"""Moderators' queues in the Wagtail admin: reported messages and reviews waiting to be published.

Plain admin views rather than model viewsets: moderators need two answers
per item (resolve; approve or reject), not edit forms, and access follows
who is a moderator (``marketplace.enquiries.is_moderator``) rather than
model permissions, which the Moderators group is not given for these models.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from marketplace.enquiries import services as enquiries
from marketplace.models import MessageReport, Review
from marketplace.reviews import services as reviews

RECENT = 20


def _moderators_only(request):
    if not enquiries.is_moderator(request.user):
        raise PermissionDenied


def report_queue(request):
    _moderators_only(request)
    context = {
        "page_title": "Message reports",
        "header_title": "Message reports",
        "header_icon": "warning",
        "open_reports": enquiries.open_reports().order_by("reported_at"),
        "resolved": MessageReport.objects.filter(resolved_at__isnull=False)
        .select_related("message__enquiry__listing", "resolved_by")
        .order_by("-resolved_at")[:RECENT],
    }
    return render(request, "marketplace/moderation/reports.html", context)


@require_POST
def resolve_report(request, pk):
    _moderators_only(request)
    report = get_object_or_404(MessageReport, pk=pk)
    enquiries.resolve_report(report, request.user)
    messages.success(request, "The report is marked as resolved.")
    return redirect("marketplace_moderation:reports")


def review_queue(request):
    _moderators_only(request)
    context = {
        "page_title": "Reviews to moderate",
        "header_title": "Reviews to moderate",
        "header_icon": "comment",
        "pending": reviews.pending_reviews().order_by("created_at"),
        "moderated": Review.objects.exclude(status=Review.Status.PENDING)
        .select_related("listing", "moderated_by")
        .order_by("-pk")[:RECENT],
    }
    return render(request, "marketplace/moderation/reviews.html", context)


REVIEW_ACTIONS = {
    "approve": (reviews.approve_review, "The review is published."),
    "reject": (reviews.reject_review, "The review will not be published."),
}


@require_POST
def moderate_review(request, pk, action):
    _moderators_only(request)
    if action not in REVIEW_ACTIONS:
        raise PermissionDenied
    review = get_object_or_404(Review, pk=pk)
    move, done = REVIEW_ACTIONS[action]
    try:
        move(review, request.user)
    except reviews.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("marketplace_moderation:reviews")


moderation_urls = [
    path("reports/", report_queue, name="reports"),
    path("reports/<int:pk>/resolve/", resolve_report, name="resolve_report"),
    path("reviews/", review_queue, name="reviews"),
    path("reviews/<int:pk>/<str:action>/", moderate_review, name="moderate_review"),
]


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [
        path(
            "marketplace/",
            include(
                (moderation_urls, "marketplace_moderation"), namespace="marketplace_moderation"
            ),
        )
    ]


class ModeratorMenuItem(MenuItem):
    """Shown to moderators only, with how many items wait, so a new report is noticed."""

    def __init__(self, label, url_name, waiting, **kwargs):
        # Menu items are built before the admin's URLs can be reversed.
        self.base_label = label
        self.url_name = url_name
        self.waiting = waiting
        super().__init__(label, "", **kwargs)

    def is_shown(self, request):
        return enquiries.is_moderator(request.user)

    def render_component(self, request):
        count = self.waiting()
        self.label = f"{self.base_label} ({count})" if count else self.base_label
        self.url = reverse(self.url_name)
        return super().render_component(request)


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    return ModeratorMenuItem(
        "Message reports",
        "marketplace_moderation:reports",
        lambda: enquiries.open_reports().count(),
        name="message-reports",
        icon_name="warning",
        order=250,
    )


@hooks.register("register_admin_menu_item")
def register_reviews_menu_item():
    return ModeratorMenuItem(
        "Reviews to moderate",
        "marketplace_moderation:reviews",
        lambda: reviews.pending_reviews().count(),
        name="reviews-to-moderate",
        icon_name="comment",
        order=260,
    )


# The complaints queue registers its own hooks.
from marketplace.complaints import admin as complaints_admin  # noqa: E402,F401
