"""Recording outcome reviews at a plan's review stage."""

from __future__ import annotations

from django.db import transaction

from evidence.models import OutcomeReview
from matching.models import Stage, SupportPlan


class ReviewError(ValueError):
    """The review cannot be recorded; the message says why."""


def can_review(plan: SupportPlan) -> bool:
    return plan.stage == Stage.REVIEW


@transaction.atomic
def record_review(plan: SupportPlan, results, by_user) -> list[OutcomeReview]:
    """``results``: (goal, result, note) for goals of this plan."""
    if not can_review(plan):
        raise ReviewError("Outcomes are reviewed when the plan is at its review stage.")
    reviews = []
    for goal, result, note in results:
        if goal.plan_id != plan.pk:
            raise ReviewError("That goal is not part of this plan.")
        reviews.append(
            OutcomeReview.objects.create(
                goal=goal, plan=plan, result=result, note=note.strip(), reviewed_by=by_user
            )
        )
    return reviews


def latest_reviews(plan: SupportPlan) -> dict[int, OutcomeReview]:
    latest = {}
    for review in OutcomeReview.objects.filter(plan=plan).order_by("reviewed_at", "pk"):
        latest[review.goal_id] = review
    return latest
