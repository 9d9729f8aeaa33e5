"""When a plan left each stage (StageEntry.left_at) follows its stage history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching import plans
from matching.models import StageEntry, SupportPlan
from matching.stays import record_stays

pytestmark = pytest.mark.django_db


def _stays(plan):
    return [
        (entry.stage, entry.entered_at, entry.left_at)
        for entry in StageEntry.objects.filter(plan=plan).order_by("entered_at", "pk")
    ]


@pytest.fixture
def plan(user_factory):
    person = user_factory(email="maureen@example.org")
    return plans.create_plan(person, postcode="OL8 1AA")


def test_moving_on_ends_the_stay_at_the_moment_the_next_stage_begins(plan):
    [(stage, entered, left)] = _stays(plan)
    assert left is None  # still there
    plans.move_to_stage(plan, "indicative_budget", plan.person)
    plans.move_to_stage(plan, "planning", plan.person)
    history = _stays(plan)
    assert [entry[0] for entry in history] == [stage, "indicative_budget", "planning"]
    assert history[0][2] == history[1][1] and history[1][2] == history[2][1]
    assert history[2][2] is None
    plans.move_to_stage(plan, "planning", plan.person)  # no move: nothing changes
    assert _stays(plan) == history


def test_an_entry_added_with_an_earlier_time_is_put_in_its_place(plan):
    start = StageEntry.objects.get(plan=plan).entered_at
    later = StageEntry.objects.create(
        plan=plan, stage="sign_off", entered_at=start + timedelta(days=30)
    )
    between = StageEntry.objects.create(
        plan=plan, stage="planning", entered_at=start + timedelta(days=10)
    )
    assert [(s, left) for s, _, left in _stays(plan)] == [
        ("assessment", between.entered_at),
        ("planning", later.entered_at),
        ("sign_off", None),
    ]
    between.delete()  # and taken out again
    assert [(s, left) for s, _, left in _stays(plan)] == [
        ("assessment", later.entered_at),
        ("sign_off", None),
    ]


def test_record_stays_puts_right_entries_made_in_bulk_and_changes_nothing_twice(user_factory):
    now = timezone.now()
    people = [user_factory(email=f"bh{n}@example.org") for n in range(2)]
    made = SupportPlan.objects.bulk_create(
        SupportPlan(person=p, postcode="SK1 3XE") for p in people
    )
    StageEntry.objects.bulk_create(
        StageEntry(plan=p, stage=stage, entered_at=now + timedelta(days=days))
        for p in made
        for stage, days in (("assessment", 0), ("planning", 5), ("sign_off", 40))
    )
    assert StageEntry.objects.filter(left_at__isnull=False).count() == 0
    assert record_stays([made[0].pk]) == 2  # one plan asked for, one plan changed
    assert StageEntry.objects.filter(plan=made[1], left_at__isnull=False).count() == 0
    assert record_stays() == 2
    assert record_stays() == 0 and record_stays([]) == 0
    for p in made:
        assert [left for _, _, left in _stays(p)] == [
            now + timedelta(days=5),
            now + timedelta(days=40),
            None,
        ]


def test_deleting_a_plan_does_not_work_out_its_stays_again(plan, monkeypatch):
    from matching import stays

    for stage in ("indicative_budget", "planning", "sign_off"):
        plans.move_to_stage(plan, stage, plan.person)
    recorded = []
    monkeypatch.setattr(stays, "record_stays", lambda ids=None: recorded.append(ids) or 0)
    plan.delete()
    assert recorded == [] and not StageEntry.objects.exists()
