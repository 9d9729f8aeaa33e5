"""Reports on generated data with known answers; no shown count is ever under 5."""

from datetime import date

import pytest

from evidence import reports
from evidence.models import OutcomeReview
from evidence.suppression import FEWER_THAN, NOT_SHOWN, derivable
from evidence.tests.conftest import YEAR, add_searches, make_goal, make_plan, spend
from evidence.tests.test_suppression import zero_lines

pytestmark = pytest.mark.django_db


def figures(table):
    return {row[0]: row[1:] for row in table.display_rows()}


def assert_no_small_count_shown(table):
    for row in table.rows:
        for cell in row.cells:
            if cell.is_count and not cell.hidden:
                assert cell.value >= 5, (table.key, row.label, cell.value)
    assert derivable(table) == set(), table.key
    assert zero_lines(table) == [], table.key


def test_searches_by_district_with_primary_and_secondary_suppression():
    add_searches(7, district="OL8", results=0)
    add_searches(6, district="OL8", results=2)
    add_searches(10, district="OL8", results=12)
    add_searches(5, district="SK1", results=0)
    add_searches(3, district="SK1", results=1)  # fewer than 5
    add_searches(20, district="SK1", results=30)
    add_searches(9, district="M1", results=0)  # outside the area
    add_searches(9, district="OL8", results=0, when="2025-12-31")  # before the period
    table = reports.demand_by_district(YEAR)
    rows = figures(table)
    # SK1's 3 could be had from its row (28 - 5 - 20) or its column (9 - 6), so the
    # smallest cells closing both are hidden too: a square no sum can open.
    assert rows["SK1"] == [NOT_SHOWN, FEWER_THAN, "20", "28"]
    assert rows["OL8"] == [NOT_SHOWN, NOT_SHOWN, "10", "23"]
    assert rows["All districts"] == ["12", "9", "30", "51"]
    assert "M1" not in rows
    assert_no_small_count_shown(table)


def test_top_unmet_needs_in_words():
    add_searches(37, district="OL8", results=0, outcomes="carer-break", radius_km=16.09344)
    add_searches(4, district="SK1", results=0, categories="swimming")  # too few to list
    add_searches(8, district="SK1", results=3, categories="swimming", radius_km=8.04672)
    needs = [need.sentence() for need in reports.top_unmet_needs(YEAR)]
    assert needs == [
        "A break for family carers near OL8: 37 searches, 0 results within 10 miles",
        "Swimming near SK1: 12 searches, fewer than 5 results within 10 miles",
    ]


def test_searches_by_outcome_and_group_count_each_and_suppress():
    add_searches(
        6, district="OL8", results=0, outcomes="carer-break,physical-health", group="practitioner"
    )
    add_searches(8, district="OL8", results=9, outcomes="physical-health", group="budget_holder")
    rows = figures(reports.demand_by_outcome(YEAR))
    # 6 - 6 leaves 0 for the hidden cells, which would give away that both are 0.
    assert rows["A break for family carers"] == [NOT_SHOWN, FEWER_THAN, FEWER_THAN, "6"]
    assert rows["Physical health and fitness"] == [NOT_SHOWN, FEWER_THAN, "8", "14"]
    groups = reports.demand_by_group(YEAR)
    assert figures(groups)["Practitioners"][3] == "6"
    for table in (reports.demand_by_outcome(YEAR), groups, reports.demand_by_source(YEAR)):
        assert_no_small_count_shown(table)


def test_time_at_each_stage_median_and_90th_percentile(person):
    # Six plans wait 10, 20, 30, 40, 50, 60 days at assessment, then 7 days at sign-off.
    for i, wait in enumerate([10, 20, 30, 40, 50, 60]):
        start = date(2026, 2, 1)
        signed = date.fromordinal(start.toordinal() + wait)
        paid = date.fromordinal(signed.toordinal() + 7)
        make_plan(
            person(),
            f"OL8 {i + 1}AA",
            [("assessment", str(start)), ("sign_off", str(signed)), ("first_payment", str(paid))],
        )
    rows = figures(reports.stage_durations(YEAR))
    # median of 10..60 is 35; 90th percentile (linear): position 4.5 -> 50 + 0.5 * 10 = 55
    assert rows["Assessment"] == ["6", "35 days", "55 days"]
    assert rows["Sign-off"] == ["6", "7 days", "7 days"]
    assert "First payment" not in rows  # still there: no finished stay
    milestones = figures(reports.milestone_durations(YEAR))
    assert milestones["Assessment to sign-off"] == ["6", "35 days", "55 days"]
    assert milestones["Assessment to first payment"] == ["6", "42 days", "62 days"]


def test_fewer_than_5_plans_hide_their_durations(person):
    for i in range(4):
        make_plan(
            person(), "SK1 3XE", [("assessment", "2026-02-01"), ("sign_off", f"2026-03-0{i + 1}")]
        )
    rows = figures(reports.stage_durations(YEAR))
    assert rows["Assessment"] == [FEWER_THAN, NOT_SHOWN, NOT_SHOWN]


def test_spend_by_category_mean_median_and_distribution(person):
    amounts = [100, 200, 300, 400, 1000]
    for amount in amounts:
        someone = person()
        plan = make_plan(someone, "OL8 1AA", [("active", "2026-01-10")])
        goal = make_goal(plan, category="swimming")
        spend(someone, plan, goal, amount / 2, when="2026-03-01")
        spend(someone, plan, goal, amount / 2, when="2026-05-01")
    other = person()
    plan = make_plan(other, "M1 1AA", [("active", "2026-01-10")])  # outside the area
    spend(other, plan, make_goal(plan, category="swimming"), 99999)
    rows = figures(reports.spend_by_category(YEAR))
    assert rows["Swimming"] == ["5", "£2,000", "£400", "£300"]
    route = figures(reports.spend_by_route(YEAR))
    assert route["Card (direct payment)"] == ["5", "£2,000", "£400", "£300"]
    distribution = reports.spend_distribution(YEAR)
    bands = figures(distribution)
    # 100, 200, 300, 400 under £500 (4: fewer than 5), 1000 in £500-£1,999 (1).
    assert bands["Under £500"] == [FEWER_THAN]
    assert bands["£500 to £1,999"] == [FEWER_THAN]
    assert bands["Everyone who spent"] == ["5"]
    assert "Mean £400, median £300" in distribution.note
    assert_no_small_count_shown(distribution)


def test_people_with_plans_and_active_budgets_month_by_month(person):
    for _ in range(6):
        make_plan(person(), "OL8 1AA", [("assessment", "2026-01-05")], created="2026-01-05")
    for _ in range(5):
        make_plan(
            person(),
            "OL8 1AA",
            [("assessment", "2026-01-05"), ("first_payment", "2026-03-15")],
            created="2026-02-10",
        )
    scope = reports.Scope(date(2026, 1, 1), date(2026, 3, 31), ("OL8",))
    rows = figures(reports.people_over_time(scope))
    assert rows["January 2026"] == ["6", FEWER_THAN]
    assert rows["February 2026"] == ["11", FEWER_THAN]
    assert rows["March 2026"] == ["11", "5"]


def test_outcomes_reviewed_by_outcome(person):
    for i in range(12):
        someone = person()
        plan = make_plan(someone, "SK1 3XE", [("review", "2026-06-01")])
        goal = make_goal(plan, outcome="physical-health")
        result = ["achieved"] * 6 + ["partly"] * 5 + ["not_achieved"]
        OutcomeReview.objects.create(
            goal=goal, plan=plan, result=result[i], note="Private words never reported"
        )
    table = reports.outcomes_reviewed(YEAR)
    row = figures(table)["Physical health and fitness"]
    assert row[0] == "6" and row[3] == "12"
    assert row[2] == FEWER_THAN and row[1] == NOT_SHOWN  # 5 hidden so 1 = 12 - 6 - 5 is safe
    assert "Private" not in str(table.display_rows())
    assert_no_small_count_shown(table)


def test_every_report_runs_on_empty_data_and_hides_small_numbers():
    for build in reports.ALL_TABLES.values():
        assert_no_small_count_shown(build(YEAR))
