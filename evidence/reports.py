"""The commissioners' reports: every figure aggregated, every table suppressed.

Each report function takes a ``Scope`` (a period and the postcode districts
allowed) and returns ``suppression.Table`` objects that are already
suppressed, so a view or CSV cannot show a figure the rules hide. No report
reads free text written by people (search words, goal text, notes).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, StrIndex, Substr
from django.utils import timezone

from directory import geo
from directory.models import Category, Outcome, SearchLog
from evidence import stats
from evidence.models import OutcomeReview
from evidence.suppression import Cell, Row, Table, suppress
from matching.models import STAGE_ORDER, Goal, Stage, StageEntry, SupportPlan

# A search "with few results" found 1 to 4 listings within its radius.
FEW_RESULTS = 5
ACTIVE_STAGES = [Stage.FIRST_PAYMENT, Stage.ACTIVE, Stage.REVIEW]
SPEND_BANDS = [0, 500, 2000, 5000, 10000]
SPEND_BAND_LABELS = [
    "Under £500",
    "£500 to £1,999",
    "£2,000 to £4,999",
    "£5,000 to £9,999",
    "£10,000 or more",
]
GROUP_LABELS = {
    "": "Not signed in",
    "budget_holder": "Budget holders",
    "representative": "Representatives (family, carers, advocates)",
    "practitioner": "Practitioners",
    "ulo_staff": "User-led organisation staff",
    "provider": "Providers",
    "personal_assistant": "Personal assistants",
}
SOURCE_LABELS = {
    "web": "Directory search page",
    "practitioner": "Practitioner search",
    "api": "Other services (API)",
    "match": "Goal matching (API)",
}


@dataclass(frozen=True)
class Scope:
    """A period (both days included) and the districts allowed (None: everywhere)."""

    start: date
    end: date
    districts: tuple[str, ...] | None = None

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def in_period(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    def restrict(self, queryset, postcode_field: str):
        """Rows whose postcode (full or outward, in ``postcode_field``) is in the districts."""
        if self.districts is None:
            return queryset
        return queryset.annotate(_outward=outward_code(postcode_field)).filter(
            _outward__in=self.districts
        )


def outward_code(field: str):
    """SQL: the outward code of a postcode ("OL8" of "OL8 1AA", or "OL8" itself)."""
    return Substr(F(field), 1, StrIndex(Concat(F(field), Value(" ")), Value(" ")) - 1)


def _count(value) -> Cell:
    return Cell(int(value or 0), "count")


def _stat(value, base: int, fmt: str) -> Cell:
    return Cell(value, fmt, base=base)


# --- demand and gaps -------------------------------------------------------------

DEMAND_COLUMNS = ["No results", "1 to 4 results", "5 or more results", "All searches"]


def _demand_counts():
    return {
        "none": Count("id", filter=Q(result_count=0)),
        "few": Count("id", filter=Q(result_count__gt=0, result_count__lt=FEW_RESULTS)),
        "enough": Count("id", filter=Q(result_count__gte=FEW_RESULTS)),
    }


def searches(scope: Scope):
    logs = SearchLog.objects.filter(scope.in_period("created_at"))
    if scope.districts is not None:
        logs = logs.filter(origin_outward__in=scope.districts)
    return logs


def _demand_row(label: str, none: int, few: int, enough: int) -> Row:
    return Row(label, [_count(none), _count(few), _count(enough), _count(none + few + enough)])


def _demand_table(key, title, row_header, rows, *, total_row=True, note="") -> Table:
    total_row = total_row and bool(rows)  # an empty table has nothing to add up
    table = Table(
        key=key,
        title=title,
        row_header=row_header,
        columns=DEMAND_COLUMNS,
        part_columns=[0, 1, 2],
        total_column=3,
        has_total_row=total_row,
        note=note,
    )
    table.rows = rows
    if total_row:
        sums = [sum(r.cells[i].value for r in rows) for i in range(3)]
        table.rows.append(Row("All districts" if key == "demand_by_district" else "All", [], True))
        table.rows[-1] = _demand_row(table.rows[-1].label, *sums)
        table.rows[-1].is_total = True
    return suppress(table)


COMBO_FIELDS = ("origin_outward", "outcomes", "categories", "searcher_role", "source")


def demand_combos(scope: Scope) -> list[dict]:
    """One pass over the search log: counts for each combination of district, outcomes,
    categories, who searched and where. Every demand table is summed from these."""
    unmet = Q(result_count__lt=FEW_RESULTS)
    return list(
        searches(scope)
        .values(*COMBO_FIELDS)
        .annotate(
            **_demand_counts(),
            unmet_most=Max("result_count", filter=unmet),
            unmet_radius=Max("radius_km", filter=unmet),
        )
        .order_by()
    )


def _sum_by(combos, keys_of) -> dict[str, list[int]]:
    """Add up the three counts of each combination under each key ``keys_of`` gives it."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for combo in combos:
        for key in keys_of(combo):
            totals[key][0] += combo["none"]
            totals[key][1] += combo["few"]
            totals[key][2] += combo["enough"]
    return totals


@stats.report
def demand_by_district(scope: Scope, combos=None) -> Table:
    combos = demand_combos(scope) if combos is None else combos
    by_district = _sum_by(combos, lambda c: [c["origin_outward"]] if c["origin_outward"] else [])
    districts = scope.districts if scope.districts is not None else sorted(by_district)
    rows = [
        _demand_row(district, *by_district.get(district, [0, 0, 0]))
        for district in sorted(districts, key=_district_sort_key)
    ]
    return _demand_table(
        "demand_by_district",
        "Searches by postcode district and how many results they found within their distance",
        "Postcode district",
        rows,
        note="Searches from a postcode in the district; paging through results counts once.",
    )


def _district_sort_key(district: str):
    """OL2 before OL10: letters, then the number."""
    match = re.match(r"([A-Z]+)(\d+)(.*)", district)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else (district, 0, "")


def _split_slugs(text: str) -> list[str]:
    return [slug for slug in text.split(",") if slug]


@stats.report
def demand_by_outcome(scope: Scope, combos=None) -> Table:
    combos = demand_combos(scope) if combos is None else combos
    names = dict(Outcome.objects.values_list("slug", "name"))
    totals = _sum_by(combos, lambda c: _split_slugs(c["outcomes"]) or [""])
    ordered = [slug for slug in names if slug in totals] + ([""] if "" in totals else [])
    rows = [_demand_row(names.get(slug) or "No outcome chosen", *totals[slug]) for slug in ordered]
    return _demand_table(
        "demand_by_outcome",
        "Searches by outcome wanted",
        "Outcome",
        rows,
        total_row=False,
        note="A search for two outcomes counts under each, so there is no total row.",
    )


@stats.report
def demand_by_group(scope: Scope, combos=None) -> Table:
    combos = demand_combos(scope) if combos is None else combos
    counts = _sum_by(combos, lambda c: [c["searcher_role"]])
    rows = [
        _demand_row(label, *counts[group])
        for group, label in GROUP_LABELS.items()
        if group in counts
    ]
    return _demand_table(
        "demand_by_group",
        "Searches by who was searching",
        "Who searched",
        rows,
        note="From the searcher's role when signed in; never an individual.",
    )


@stats.report
def demand_by_source(scope: Scope, combos=None) -> Table:
    combos = demand_combos(scope) if combos is None else combos
    counts = _sum_by(combos, lambda c: [c["source"]])
    rows = [
        _demand_row(SOURCE_LABELS.get(source, source), *totals)
        for source, totals in sorted(counts.items())
    ]
    return _demand_table("demand_by_source", "Searches by where they were made", "Where", rows)


@dataclass
class UnmetNeed:
    need: str
    district: str
    searches: int
    most_results: int
    miles: float | None

    def sentence(self) -> str:
        found = "0 results" if self.most_results == 0 else f"fewer than {FEW_RESULTS} results"
        within = f" within {self.miles:g} miles" if self.miles is not None else ""
        return f"{self.need} near {self.district}: {self.searches} searches, {found}{within}"


@stats.report
def top_unmet_needs(scope: Scope, limit: int = 10, combos=None) -> list[UnmetNeed]:
    """The outcomes and kinds of service most searched for with no or few results nearby.

    Only needs with at least 5 such searches in a district are listed.
    """
    combos = demand_combos(scope) if combos is None else combos
    outcome_names = dict(Outcome.objects.values_list("slug", "name"))
    category_names = dict(Category.objects.values_list("slug", "name"))
    tally: dict[tuple[str, str], list] = {}
    for combo in combos:
        unmet = combo["none"] + combo["few"]
        if not unmet or not combo["origin_outward"]:
            continue
        needs = [category_names.get(s) for s in _split_slugs(combo["categories"])]
        needs += [outcome_names.get(s) for s in _split_slugs(combo["outcomes"])]
        for need in filter(None, needs):
            entry = tally.setdefault((need, combo["origin_outward"]), [0, 0, None])
            entry[0] += unmet
            entry[1] = max(entry[1], combo["unmet_most"] or 0)
            if combo["unmet_radius"] is not None:
                entry[2] = max(entry[2] or 0, combo["unmet_radius"])
    needs = [
        UnmetNeed(
            need=need,
            district=district,
            searches=n,
            most_results=most,
            miles=round(geo.km_to_miles(radius)) if radius is not None else None,
        )
        for (need, district), (n, most, radius) in tally.items()
        if n >= 5
    ]
    needs.sort(key=lambda u: (-u.searches, u.most_results, u.need, u.district))
    return needs[:limit]


@stats.report
def demand_page(scope: Scope) -> dict:
    """Everything the demand page shows, from one pass over the search log."""
    combos = demand_combos(scope)
    return {
        "by_district": demand_by_district(scope, combos),
        "needs": top_unmet_needs(scope, combos=combos),
        "tables": [
            demand_by_outcome(scope, combos),
            demand_by_group(scope, combos),
            demand_by_source(scope, combos),
        ],
    }


# --- people, plans and budgets ----------------------------------------------------


def _plans(scope: Scope):
    return scope.restrict(SupportPlan.objects.all(), "postcode")


def _plan_ids(scope: Scope):
    return _plans(scope).values("pk")


def _month_starts(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


@stats.report
def people_over_time(scope: Scope) -> Table:
    """People with a plan, and with an active budget (first payment made), month by month."""
    months = _month_starts(scope.start, scope.end)
    plans = _plans(scope).filter(created_at__lt=scope.until)
    people = plans.values("person_id").annotate(first=Min("created_at")).values("first")
    active = (
        StageEntry.objects.filter(
            plan_id__in=plans.values("pk"), stage__in=ACTIVE_STAGES, entered_at__lt=scope.until
        )
        .values("plan__person_id")
        .annotate(first=Min("entered_at"))
        .values("first")
    )
    with_plan = stats.cumulative_by_month(people, "first", months)
    with_budget = stats.cumulative_by_month(active, "first", months)
    table = Table(
        key="people_over_time",
        title="People with a support plan and with an active budget, at the end of each month",
        row_header="Month",
        columns=["People with a plan", "People with an active budget"],
        note="An active budget: the plan has reached its first payment.",
    )
    table.rows = [
        Row(m.strftime("%B %Y"), [_count(a), _count(b)])
        for m, a, b in zip(months, with_plan, with_budget, strict=True)
    ]
    return suppress(table)


# --- spend ------------------------------------------------------------------------


def _ledger(scope: Scope):
    from marketplace.models import LedgerEntry

    entries = LedgerEntry.objects.filter(scope.in_period("occurred_at"))
    if scope.districts is not None:
        # The line's plan, or else its goal's plan: one IN (a hash join in
        # PostgreSQL), where "plan in ... OR goal's plan in ..." re-read the plans
        # for every row batch.
        entries = entries.annotate(_plan=Coalesce("plan_id", "goal__plan_id")).filter(
            _plan__in=_plan_ids(scope)
        )
    return entries


def _route():
    return Case(
        When(booking__payment_route="managed_account", then=Value("Invoice to a managed account")),
        When(
            booking__payment_route="individual_service_fund",
            then=Value("Invoice to an individual service fund"),
        ),
        When(kind="pool_share", then=Value("Group purchase (pool)")),
        When(kind__in=["invoice", "invoice_void"], then=Value("Invoice")),
        default=Value("Card (direct payment)"),
        output_field=CharField(),
    )


def _spend_table(key, title, row_header, by_group: dict, order: list) -> Table:
    table = Table(
        key=key,
        title=title,
        row_header=row_header,
        columns=["People", "Total spend", "Mean per person", "Median per person"],
    )
    for label in order:
        s = by_group[label]
        table.rows.append(
            Row(
                label,
                [
                    _count(s.count),
                    _stat(s.total, s.count, "money"),
                    _stat(s.mean, s.count, "money"),
                    _stat(s.median, s.count, "money"),
                ],
            )
        )
    return suppress(table)


def _to_float(value) -> float:
    return float(value) if isinstance(value, Decimal) else value


NOT_LINKED = "Not linked to a plan goal"


def spend_per_person(scope: Scope) -> dict[str, dict[str, stats.Stats]]:
    """Stats of each person's spend in the period: by category, by payment route and
    for everyone (``{"category": {name: Stats}, "route": {...}, "everyone": {"all": ...}}``).

    A line for a goal with two categories counts under each. On PostgreSQL one
    pass over the ledger gives all three (the lines summed per person, goal
    and route first, then the categories joined to those sums); elsewhere three
    queries, one per grouping, as before.
    """
    if connection.vendor != "postgresql":
        return {
            "category": _spend_grouped(
                _ledger(scope).annotate(
                    category=Case(
                        When(
                            goal__categories__name__isnull=False, then=F("goal__categories__name")
                        ),
                        default=Value(NOT_LINKED),
                        output_field=CharField(),
                    )
                ),
                "category",
            ),
            "route": _spend_grouped(_ledger(scope).annotate(route=_route()), "route"),
            "everyone": _spend_grouped(
                _ledger(scope).annotate(everyone=Value("all", output_field=CharField())),
                "everyone",
                edges=SPEND_BANDS,
            ),
        }
    lines = (
        _ledger(scope)
        .annotate(route=_route())
        .values("person_id", "goal_id", "route")
        .annotate(spent=Sum("amount"))
        .order_by()
    )
    inner, params = lines.query.sql_with_params()
    goal_categories = Goal.categories.through._meta.db_table
    categories = Category._meta.db_table
    sql = (
        f"WITH lines AS ({inner}) "
        "SELECT 'category' AS kind, COALESCE(c.name, %s) AS key, l.person_id, "
        "SUM(l.spent) AS total FROM lines l "
        f'LEFT JOIN "{goal_categories}" gc ON gc.goal_id = l.goal_id '
        f'LEFT JOIN "{categories}" c ON c.id = gc.category_id GROUP BY 2, 3 '
        "UNION ALL SELECT 'route', route, person_id, SUM(spent) FROM lines GROUP BY 2, 3 "
        "UNION ALL SELECT 'everyone', 'all', person_id, SUM(spent) FROM lines GROUP BY 3"
    )
    by_key = stats.grouped_sql(
        sql, [*params, NOT_LINKED], ["kind", "key"], 't."total"', edges=SPEND_BANDS
    )
    result: dict[str, dict[str, stats.Stats]] = {"category": {}, "route": {}, "everyone": {}}
    for (kind, key), s in by_key.items():
        if kind != "everyone":
            s.bands = []  # bands are only asked of everyone, as elsewhere
        result[kind][key] = s
    return result


def _spend_grouped(lines, group: str, edges=None) -> dict[str, stats.Stats]:
    rows = (
        lines.values("person_id", group)
        .annotate(total=Sum("amount"))
        .values("person_id", group, "total")
    )
    return stats.grouped(rows, group, "total", to_number=_to_float, edges=edges)


@stats.report
def spend_by_category(scope: Scope, spent=None) -> Table:
    by_category = (spent or spend_per_person(scope))["category"]
    names = list(Category.objects.values_list("name", flat=True))
    order = [n for n in names if n in by_category] + sorted(set(by_category) - set(names))
    return (
        _spend_table(
            "spend_by_category",
            "Spend per person by category in the period",
            "Category",
            by_category,
            order,
        )
        if order
        else _empty_spend("spend_by_category", "Spend per person by category in the period")
    )


def _empty_spend(key, title) -> Table:
    return _spend_table(key, title, "Group", {}, [])


@stats.report
def spend_by_route(scope: Scope, spent=None) -> Table:
    by_route = (spent or spend_per_person(scope))["route"]
    return _spend_table(
        "spend_by_route",
        "Spend per person by how it was paid",
        "Payment route",
        by_route,
        sorted(by_route),
    )


@stats.report
def spend_distribution(scope: Scope, spent=None) -> Table:
    summary = (spent or spend_per_person(scope))["everyone"]
    s = summary.get("all", stats.Stats(bands=[0] * len(SPEND_BANDS)))
    bands = s.bands or [0] * len(SPEND_BANDS)
    table = Table(
        key="spend_distribution",
        title="How much each person spent in the period",
        row_header="Spend per person",
        columns=["People"],
        part_columns=[0],
        has_total_row=True,
        note=(
            f"Mean £{s.mean:,.0f}, median £{s.median:,.0f} per person."
            if s.count >= 5 and s.mean is not None
            else "Mean and median are not shown for fewer than 5 people."
        ),
    )
    table.rows = [
        Row(label, [_count(n)]) for label, n in zip(SPEND_BAND_LABELS, bands, strict=True)
    ]
    table.rows.append(Row("Everyone who spent", [_count(sum(bands))], is_total=True))
    return suppress(table)


# --- time at each stage -----------------------------------------------------------


def _days(td) -> float:
    return td.total_seconds() / 86400


DAYS_SQL = 'EXTRACT(EPOCH FROM t."{}") / 86400.0'


@stats.report
def stage_durations(scope: Scope) -> Table:
    """How long plans waited at each stage, for stays that ended in the period.

    A stay's end is stored on its entry (``StageEntry.left_at``, see
    ``matching.stays``) rather than found by pairing each entry with the next.
    """
    stays = (
        StageEntry.objects.filter(
            plan_id__in=_plan_ids(scope), left_at__gte=scope.since, left_at__lt=scope.until
        )
        .annotate(
            duration=ExpressionWrapper(F("left_at") - F("entered_at"), output_field=DurationField())
        )
        .values("stage", "duration")
        .order_by()  # grouped by stage: the default order would only sort them all once more
    )
    by_stage = stats.grouped(
        stays, "stage", "duration", value_sql=DAYS_SQL.format("duration"), to_number=_days
    )
    table = Table(
        key="stage_durations",
        title="Time spent at each plan stage (stays that ended in the period)",
        row_header="Stage",
        columns=["Plans", "Median wait", "90 in 100 plans waited at most"],
    )
    for stage in STAGE_ORDER:
        if stage in by_stage:
            s = by_stage[stage]
            table.rows.append(
                Row(
                    Stage(stage).label,
                    [
                        _count(s.count),
                        _stat(s.median, s.count, "days"),
                        _stat(s.p90, s.count, "days"),
                    ],
                )
            )
    return suppress(table)


MILESTONES = [
    ("Assessment to sign-off", Stage.ASSESSMENT, Stage.SIGN_OFF),
    ("Sign-off to first payment", Stage.SIGN_OFF, Stage.FIRST_PAYMENT),
    ("Assessment to first payment", Stage.ASSESSMENT, Stage.FIRST_PAYMENT),
]


@stats.report
def milestone_durations(scope: Scope) -> Table:
    """From first reaching one stage to first reaching a later one.

    Counts plans that reached the later stage in the period.
    """
    table = Table(
        key="milestones",
        title="From referral to sign-off to first payment",
        row_header="Between",
        columns=["Plans", "Median", "90 in 100 plans took at most"],
    )
    stages = sorted({stage for _, start, end in MILESTONES for stage in (start, end)})
    firsts = (
        StageEntry.objects.filter(plan_id__in=_plan_ids(scope), stage__in=stages)
        .values("plan_id")
        .annotate(
            **{f"first_{stage}": Min("entered_at", filter=Q(stage=stage)) for stage in stages}
        )
        .order_by()
    )
    for label, s in zip(
        [m[0] for m in MILESTONES], stats.between_firsts(firsts, MILESTONES, scope), strict=True
    ):
        table.rows.append(
            Row(
                label,
                [_count(s.count), _stat(s.median, s.count, "days"), _stat(s.p90, s.count, "days")],
            )
        )
    return suppress(table)


# --- outcomes reviewed --------------------------------------------------------------


@stats.report
def outcomes_reviewed(scope: Scope) -> Table:
    reviews = OutcomeReview.objects.filter(scope.in_period("reviewed_at"), plan__in=_plans(scope))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in reviews.values("goal__outcomes__name", "result").annotate(n=Count("id")):
        counts[row["goal__outcomes__name"] or "No outcome recorded"][row["result"]] += row["n"]
    names = list(Outcome.objects.values_list("name", flat=True))
    order = [n for n in names if n in counts] + sorted(set(counts) - set(names))
    results = [choice.value for choice in OutcomeReview.Result]
    table = Table(
        key="outcomes_reviewed",
        title="Goals reviewed: achieved, partly or not, by outcome",
        row_header="Outcome",
        columns=[*OutcomeReview.Result.labels, "All goals reviewed"],
        part_columns=[0, 1, 2],
        total_column=3,
        note="A goal aiming at two outcomes counts under each, so there is no total row.",
    )
    for name in order:
        parts = [counts[name][r] for r in results]
        table.rows.append(Row(name, [*(_count(n) for n in parts), _count(sum(parts))]))
    return suppress(table)


# --- pools -------------------------------------------------------------------------


@stats.report
def pools_and_savings(scope: Scope) -> Table:
    from directory.models import ListingLocation
    from marketplace.models import Pledge, Pool

    pools = Pool.objects.filter(scope.in_period("created_at")).exclude(status=Pool.Status.DRAFT)
    if scope.districts is not None:
        in_area = scope.restrict(
            ListingLocation.objects.filter(listing_id=OuterRef("listing_id")), "postcode"
        )
        pools = pools.filter(Exists(in_area))
    counts = pools.aggregate(
        opened=Count("id"),
        funded=Count("id", filter=Q(status__in=["funded", "delivered"])),
        failed=Count("id", filter=Q(status="failed")),
    )
    paid = Pledge.objects.filter(pool__in=pools, status=Pledge.Status.CAPTURED)
    priced = paid.filter(pool__listing__price_amount__isnull=False)
    saving = priced.aggregate(
        members=Count("id"),
        saved=Sum(F("pool__listing__price_amount") - F("amount")),
    )
    members = paid.count()
    saved = float(saving["saved"] or 0)
    table = Table(
        key="pools",
        title="Buying together: pools and money saved against individual prices",
        row_header="Figure",
        columns=["Value"],
        note="Saving: the listing's own price for one person, less each member's share.",
    )
    table.rows = [
        Row("Pools opened", [_count(counts["opened"])]),
        Row("Pools that reached their minimum", [_count(counts["funded"])]),
        Row("Pools that did not", [_count(counts["failed"])]),
        Row("Members who paid their share", [_count(members)]),
        Row("Money saved", [_stat(saved, saving["members"], "money")]),
        Row(
            "Mean saving per member",
            [
                _stat(
                    saved / saving["members"] if saving["members"] else None,
                    saving["members"],
                    "money",
                )
            ],
        ),
    ]
    return suppress(table)


@stats.report
def unmet_needs_table(scope: Scope) -> Table:
    table = Table(
        key="top_unmet_needs",
        title="Top unmet needs",
        row_header="Need",
        columns=["Near", "Searches with no or few results", "Most results found", "Within (miles)"],
    )
    for need in top_unmet_needs(scope):
        table.rows.append(
            Row(
                need.need,
                [
                    Cell(need.district, "text"),
                    _count(need.searches),
                    Cell(need.most_results, "text"),
                    Cell(need.miles if need.miles is not None else "", "text"),
                ],
            )
        )
    return suppress(table)


DEMAND_TABLES = {
    "demand_by_district": demand_by_district,
    "demand_by_outcome": demand_by_outcome,
    "demand_by_group": demand_by_group,
    "demand_by_source": demand_by_source,
    "top_unmet_needs": unmet_needs_table,
}
PILOT_TABLES = {
    "people_over_time": people_over_time,
    "spend_by_category": spend_by_category,
    "spend_by_route": spend_by_route,
    "spend_distribution": spend_distribution,
    "stage_durations": stage_durations,
    "milestones": milestone_durations,
    "outcomes_reviewed": outcomes_reviewed,
    "pools": pools_and_savings,
}
ALL_TABLES = {**DEMAND_TABLES, **PILOT_TABLES}
SPEND_TABLES = ("spend_by_category", "spend_by_route", "spend_distribution")


@stats.report
def pilot_page(scope: Scope) -> list[Table]:
    """Every table of the plans page, in order; the three spend tables from one pass.

    The spend pass and the other tables are about equal halves of the work, so
    on PostgreSQL they run side by side (``stats.side_by_side``), reading the
    same moment.
    """
    others = [key for key in PILOT_TABLES if key not in SPEND_TABLES]
    spent, built = stats.side_by_side(
        lambda: spend_per_person(scope),
        lambda: {key: PILOT_TABLES[key](scope) for key in others},
    )
    return [
        build(scope, spent) if key in SPEND_TABLES else built[key]
        for key, build in PILOT_TABLES.items()
    ]
