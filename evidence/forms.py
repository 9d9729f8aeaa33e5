"""Forms for the evidence pages: report filters, inviting a commissioner, outcome reviews."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model

from directory import geo
from evidence.areas import LOCAL_AUTHORITIES, parse_districts
from evidence.models import OutcomeReview

MAX_PERIOD_DAYS = 3 * 366


def default_period(today: date) -> tuple[date, date]:
    """The last twelve whole months up to today."""
    return (today.replace(day=1) - timedelta(days=335)).replace(day=1), today


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    end = forms.DateField(
        label="To", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    district = forms.ChoiceField(label="Area", required=False)

    def __init__(self, *args, districts: list[str], area_name: str, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.districts = districts
        self.fields["district"].choices = [("", f"All of {area_name}")] + [
            (d, d) for d in districts
        ]

    def clean(self):
        data = super().clean()
        start, end = default_period(self.today)
        data["start"] = data.get("start") or start
        data["end"] = data.get("end") or end
        if data["start"] > data["end"]:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if (data["end"] - data["start"]).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError("Choose a period of three years or less.")
        return data

    def chosen_districts(self) -> tuple[str, ...]:
        district = self.cleaned_data.get("district")
        return (district,) if district else tuple(self.districts)


class InviteCommissionerForm(forms.Form):
    email = forms.EmailField(label="Their work email address")
    name = forms.CharField(label="Their name", max_length=150)
    organisation = forms.CharField(
        label="Organisation",
        max_length=200,
        required=False,
        help_text="For example: Oldham Council.",
    )
    local_authority = forms.ChoiceField(
        label="Local authority",
        required=False,
        choices=[("", "Choose one, or list districts below")]
        + [(name, name) for name in LOCAL_AUTHORITIES],
    )
    districts = forms.CharField(
        label="Or postcode districts",
        required=False,
        help_text="Separated by commas or spaces, for example: OL8, OL9, M35.",
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "This email already has a Kith account. Commissioner accounts are kept separate: "
                "use another address."
            )
        return email

    def clean(self):
        data = super().clean()
        la = data.get("local_authority")
        text = data.get("districts", "")
        if la and text.strip():
            raise forms.ValidationError("Choose a local authority or list districts, not both.")
        if la:
            data["area_name"] = la
            data["district_list"] = LOCAL_AUTHORITIES[la]
        elif text.strip():
            try:
                data["district_list"] = parse_districts(text)
            except geo.PostcodeError as exc:
                self.add_error("districts", str(exc))
                return data
            data["area_name"] = ", ".join(data["district_list"])[:120]
        else:
            raise forms.ValidationError("Choose a local authority or list postcode districts.")
        return data


class OutcomeReviewForm(forms.Form):
    """One result and an optional note for each goal of the plan."""

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"result_{goal.pk}"] = forms.ChoiceField(
                label=f"Did you achieve this: {goal.text[:120]}",
                choices=OutcomeReview.Result.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{goal.pk}"] = forms.CharField(
                label="What happened (optional)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Only you, the people you named and your practitioner can read this.",
            )

    def results(self):
        for goal in self.goals:
            yield goal, self.cleaned_data[f"result_{goal.pk}"], self.cleaned_data[f"note_{goal.pk}"]
