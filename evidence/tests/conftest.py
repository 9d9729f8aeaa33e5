"""Generated data with known answers for the evidence reports."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from directory.models import Category, Outcome, SearchLog
from evidence.models import CommissionerArea
from evidence.reports import Scope
from matching.models import Goal, StageEntry, SupportPlan

YEAR = Scope(start=date(2026, 1, 1), end=date(2026, 12, 31), districts=("OL8", "SK1"))


def at(day: date | str, hour: int = 12) -> datetime:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def add_searches(
    n,
    *,
    district,
    results,
    when="2026-03-10",
    outcomes="",
    categories="",
    radius_km=16.09344,
    group="",
    source="web",
):
    logs = SearchLog.objects.bulk_create(
        SearchLog(
            source=source,
            origin_outward=district,
            outcomes=outcomes,
            categories=categories,
            radius_km=radius_km,
            result_count=results,
            backend="database",
            searcher_role=group,
        )
        for _ in range(n)
    )
    SearchLog.objects.filter(pk__in=[log.pk for log in logs]).update(created_at=at(when))
    return logs


@pytest.fixture
def person(user_factory):
    counter = iter(range(10_000))

    def make(**kwargs):
        return user_factory(email=f"bh{next(counter)}@example.org", roles=[Role.BUDGET_HOLDER])

    return make


def make_plan(person, postcode, stages: list[tuple[str, str]], created="2026-01-05"):
    """A plan with its stage history: [(stage, "2026-02-01"), ...]."""
    plan = SupportPlan.objects.create(person=person, postcode=postcode, stage=stages[-1][0])
    SupportPlan.objects.filter(pk=plan.pk).update(created_at=at(created))
    for stage, day in stages:
        StageEntry.objects.create(plan=plan, stage=stage, entered_at=at(day))
    return plan


def make_goal(plan, *, outcome=None, category=None, text="Get out more"):
    goal = Goal.objects.create(plan=plan, text=text)
    if outcome:
        goal.outcomes.add(Outcome.objects.get(slug=outcome))
    if category:
        goal.categories.add(Category.objects.get(slug=category))
    return goal


def spend(person, plan, goal, amount, *, kind="card_payment", when="2026-04-01", ref=None):
    from marketplace.models import LedgerEntry

    return LedgerEntry.objects.create(
        person=person,
        plan=plan,
        goal=goal,
        kind=kind,
        amount=Decimal(str(amount)),
        description="Session",
        reference=ref or f"ref-{LedgerEntry.objects.count() + 1}-{person.pk}",
        occurred_at=at(when),
    )


@pytest.fixture
def commissioner(user_factory):
    user = user_factory(email="commissioner@oldham.example.gov.uk", roles=[Role.COMMISSIONER])
    CommissionerArea.objects.create(user=user, name="Oldham (part)", districts="OL8")
    return user


def days(n):
    return timedelta(days=n)
