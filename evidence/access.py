"""Who may see the evidence reports, and for which districts.

Commissioners (a role staff give, with an area) see their area's districts;
staff see all of Greater Manchester. Nobody else sees the reports at all (404,
so the pages' existence is not advertised).
"""

from __future__ import annotations

from django.http import Http404

from accounts.roles import Role
from evidence.areas import GREATER_MANCHESTER


def allowed_districts(user) -> list[str] | None:
    """The districts ``user`` may see figures for, or None if they may not see reports."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        return list(GREATER_MANCHESTER)
    if user.has_role(Role.COMMISSIONER):
        area = getattr(user, "commissioner_area", None)
        if area is not None and area.district_list:
            return area.district_list
    return None


def require_report_access(user) -> list[str]:
    districts = allowed_districts(user)
    if not districts:
        raise Http404("No such page.")
    return districts
