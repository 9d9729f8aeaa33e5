"""Moderators' directory pages in the Wagtail admin: the out-of-date queue and the downloads.

* /admin/directory/out-of-date/: listings whose owner was reminded and has
  not confirmed for over 120 days ("may be out of date") or 180 days (left
  search), oldest first, so a moderator can chase or withdraw them;
* /admin/directory/export.json and export.csv: the whole directory as ORUK
  3.0 JSON and as Kith's CSV import template.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import Role
from directory import freshness
from directory.oruk import export


def is_moderator(user) -> bool:
    """The Moderators group, anyone given the moderator role, and superusers."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (
            user.is_superuser
            or user.groups.filter(name=settings.KITH_MODERATORS_GROUP).exists()
            or user.has_role(Role.MODERATOR)
        )
    )


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
