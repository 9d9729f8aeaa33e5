"""Commissioners' areas and outcome reviews.

A commissioner sees only aggregated, anonymised figures, and only for the
postcode districts of their area. An outcome review records, at a plan's review
stage, whether each goal was achieved; the reports count results by outcome and
never show the note.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CommissionerArea(models.Model):
    """The area a commissioner (invited by staff) may see figures for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commissioner_area"
    )
    name = models.CharField(max_length=120, help_text="For example: Oldham.")
    districts = models.TextField(help_text="Postcode districts, comma-separated: OL1,OL2,OL8.")
    organisation = models.CharField(max_length=200, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user} – {self.name}"

    @property
    def district_list(self) -> list[str]:
        return [d for d in self.districts.split(",") if d]


class OutcomeReview(models.Model):
    """Whether one goal of a plan was achieved, recorded at the plan's review."""

    class Result(models.TextChoices):
        ACHIEVED = "achieved", "Achieved"
        PARTLY = "partly", "Partly achieved"
        NOT_ACHIEVED = "not_achieved", "Not achieved"

    goal = models.ForeignKey(
        "matching.Goal", on_delete=models.CASCADE, related_name="outcome_reviews"
    )
    plan = models.ForeignKey(
        "matching.SupportPlan", on_delete=models.CASCADE, related_name="outcome_reviews"
    )
    result = models.CharField(max_length=16, choices=Result.choices)
    # For the person and their practitioner only: never in a report.
    note = models.TextField(blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-reviewed_at", "pk"]
