"""The evidence pages: thin views over ``evidence.reports`` (figures already suppressed)."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.mfa import has_mfa
from evidence import charts, reports
from evidence.access import require_report_access
from evidence.commissioners import invite_commissioner
from evidence.forms import InviteCommissionerForm, OutcomeReviewForm, ReportFilterForm
from evidence.outcome_reviews import ReviewError, can_review, latest_reviews, record_review
from matching.access import get_plan_for


def _area_name(user) -> str:
    area = getattr(user, "commissioner_area", None)
    return area.name if area is not None and not user.is_staff else "Greater Manchester"


def _filters(request):
    districts = require_report_access(request.user)
    form = ReportFilterForm(
        request.GET or None,
        districts=districts,
        area_name=_area_name(request.user),
        today=timezone.localdate(),
    )
    if form.is_bound:
        form.is_valid()
    else:
        form = ReportFilterForm(
            {}, districts=districts, area_name=_area_name(request.user), today=timezone.localdate()
        )
        form.is_valid()
    if form.errors:
        return form, None
    scope = reports.Scope(
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        districts=form.chosen_districts(),
    )
    return form, scope


def _context(request, form, scope, page):
    return {
        "form": form,
        "scope": scope,
        "page": page,
        "query": request.GET.urlencode(),
        "area_name": _area_name(request.user),
    }


@login_required
def demand(request):
    form, scope = _filters(request)
    context = _context(request, form, scope, "demand")
    if scope is not None:
        figures = reports.demand_page(scope)
        context.update(
            figures,
            gap_map=charts.gap_map_svg(figures["by_district"]),
            few=reports.FEW_RESULTS,
        )
    return render(request, "evidence/demand.html", context, status=400 if scope is None else 200)


@login_required
def pilot(request):
    form, scope = _filters(request)
    context = _context(request, form, scope, "pilot")
    if scope is not None:
        tables = reports.pilot_page(scope)
        charted = {"people_over_time": 1, "spend_distribution": 0}
        context["sections"] = [
            {
                "table": table,
                "chart": charts.bar_chart_svg(table, charted[table.key], table.title)
                if table.key in charted
                else None,
            }
            for table in tables
        ]
    return render(request, "evidence/pilot.html", context, status=400 if scope is None else 200)


@login_required
def table_csv(request, key):
    if key not in reports.ALL_TABLES:
        raise Http404("No such table.")
    form, scope = _filters(request)
    if scope is None:
        return HttpResponse(
            "Check the dates: " + "; ".join(form.non_field_errors()),
            status=400,
            content_type="text/plain",
        )
    table = reports.ALL_TABLES[key](scope)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"kith-{key}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([table.title])
    writer.writerow(
        [
            f"From {scope.start:%d %B %Y} to {scope.end:%d %B %Y}; "
            f"areas: {' '.join(scope.districts or ())}"
        ]
    )
    writer.writerow(table.header())
    for row in table.display_rows():
        writer.writerow([_safe_csv(value) for value in row])
    if table.note:
        writer.writerow([table.note])
    writer.writerow(
        [
            "Counts under 5 are shown as 'fewer than 5'; other figures are 'not shown' "
            "where they would let a small number be worked out."
        ]
    )
    return response


def _safe_csv(value: str) -> str:
    """Stop a spreadsheet reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@login_required
def invite(request):
    if not request.user.is_staff:
        raise Http404("No such page.")
    if not has_mfa(request.user):
        messages.warning(request, "Staff must set up two-step sign-in before inviting anyone.")
        return redirect(settings.KITH_MFA_SETUP_URL)
    form = InviteCommissionerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = invite_commissioner(
            email=data["email"],
            name=data["name"],
            organisation=data["organisation"],
            area_name=data["area_name"],
            districts=data["district_list"],
            invited_by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(
            request, f"{area.user.email} can now see figures for {area.name}. We have emailed them."
        )
        return redirect("evidence:invite")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "evidence/invite.html", {"form": form}, status=status)


@login_required
def outcome_review(request, plan_pk):
    plan = get_plan_for(request.user, plan_pk, action="reviewed outcomes")
    goals = list(plan.goals.all())
    form = OutcomeReviewForm(request.POST or None, goals=goals)
    if request.method == "POST" and can_review(plan) and form.is_valid():
        try:
            record_review(plan, form.results(), request.user)
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Thank you. The review of each goal is saved.")
            return redirect("matching:plan_detail", plan.pk)
    context = {
        "plan": plan,
        "form": form,
        "rows": [(g, form[f"result_{g.pk}"], form[f"note_{g.pk}"]) for g in goals],
        "open": can_review(plan),
        "latest": latest_reviews(plan),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "evidence/outcome_review.html", context, status=status)
