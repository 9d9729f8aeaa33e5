"""Forms for the budget holder's "My plan" pages.

Each form checks what a person typed and says plainly what is wrong; the
changes themselves go through ``matching.plans`` so the rules stay in one
place. Nothing here chooses for the person: no route, outcome or stage is
preselected unless they chose it before (NEEDS: suggestions, never defaults).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from accounts.representation import represented_people
from accounts.roles import Role
from directory import geo
from directory.forms import DEFAULT_MILES, MILES_FIELD_CHOICES
from directory.models import Language, Outcome
from matching.engine import DAY_NAMES
from matching.models import (
    GOAL_TEXT_MAX_LENGTH,
    BrokerageRoute,
    BudgetPeriod,
    Goal,
    PaymentRoute,
    Stage,
    SupportPlan,
)

# A plan splits its budget across a few routes at most; three rows cover
# every mix the pilots saw (e.g. direct payment + managed account + council).
FUNDING_ROWS = 3

# Dates as people type them in the UK, plus the ISO form a date picker sends.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y", "%d %B %Y", "%d %b %Y"]

PA_GENDER_CHOICES = [("", "No preference"), ("woman", "A woman"), ("man", "A man")]
PRIORITY_CHOICES = [
    (1, "1 – most important"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 – least important"),
]


def clean_postcode_text(text: str) -> str:
    """A postcode tidied to its standard form, or a ValidationError saying what is wrong."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        return geo.locate(text).postcode
    except geo.PostcodeError as exc:
        raise forms.ValidationError(str(exc)) from None


def money_field(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--money"}),
        error_messages={
            "invalid": "Enter an amount in pounds, like 300 or 12.50.",
            "min_value": "Enter an amount of £0 or more.",
            "max_decimal_places": "Enter pounds and pence, like 12.50.",
        },
    )


def people_who_may_start_a_plan(user) -> list:
    """Who ``user`` may start a plan for: themselves (as a budget holder) and those they act for.

    Each person keeps one plan that they reuse (NEEDS: one reusable plan), so
    anyone who already has one is left out.
    """
    candidates = []
    if user.has_role(Role.BUDGET_HOLDER):
        candidates.append(user)
    candidates.extend(person for person in represented_people(user) if person.pk != user.pk)
    with_plans = set(
        SupportPlan.objects.filter(person__in=[p.pk for p in candidates]).values_list(
            "person_id", flat=True
        )
    )
    return [person for person in candidates if person.pk not in with_plans]


class StartPlanForm(forms.Form):
    """Start a plan for yourself or for someone you act for."""

    person = forms.TypedChoiceField(
        label="Who is the plan for?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who the plan is for.",
            "invalid_choice": "Choose someone from the list.",
        },
    )
    postcode = forms.CharField(
        label="Home postcode (optional)",
        required=False,
        max_length=16,
        help_text="Used to find options near home and show how far away they are. "
        "You can add it later.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.people = people_who_may_start_a_plan(user)
        self.fields["person"].choices = [
            (person.pk, "Myself" if person.pk == user.pk else str(person)) for person in self.people
        ]
        if len(self.people) == 1:
            # Nothing to choose: say who it is for in the heading, not in a one-option question.
            self.fields["person"].widget = forms.HiddenInput()
            self.initial["person"] = self.people[0].pk

    @property
    def only_person(self):
        """The one person a plan can be started for, when there is no choice to make."""
        return self.people[0] if len(self.people) == 1 else None

    @property
    def for_self_only(self) -> bool:
        return self.only_person is not None and self.only_person.pk == self.user.pk

    def clean_postcode(self):
        return clean_postcode_text(self.cleaned_data["postcode"])

    def clean_person(self):
        pk = self.cleaned_data["person"]
        for person in self.people:
            if person.pk == pk:
                return person
        raise forms.ValidationError("Choose someone from the list.")


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label="Where is the plan now?",
        choices=Stage.choices,
        error_messages={"invalid_choice": "Choose a stage from the list."},
    )


class BrokerageForm(forms.Form):
    """Choose who helps make and carry out the plan, after seeing every route's pros and cons."""

    route = forms.ChoiceField(
        label="Who will help you make and carry out your plan?",
        choices=BrokerageRoute.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who will help you, or come back to this later.",
            "invalid_choice": "Choose one of the routes shown.",
        },
    )
    reason = forms.CharField(
        label="Why this route? (optional)",
        required=False,
        max_length=2000,
        help_text="In your own words. It helps anyone who picks up your plan later.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PlanDetailsForm(forms.Form):
    """Postcode, budget, review date, how the money is held, and the named practitioner.

    ``may_name_practitioner`` is False for the practitioner themself: only
    the person and their representatives choose who sees their plan.
    """

    postcode = forms.CharField(
        label="Home postcode",
        required=False,
        max_length=16,
        help_text="Used to find options near home. We never show it to providers.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    indicative_budget = money_field(
        "Indicative budget (£ a year, optional)",
        "The amount the council's first assessment gave, if you know it.",
    )
    agreed_budget = money_field(
        "Agreed budget (£ a year, optional)", "The amount signed off for your plan, once agreed."
    )
    review_date = forms.DateField(
        label="Review date (optional)",
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text="For example, 27/3/2026.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, like 27/3/2026."},
    )
    practitioner_email = forms.EmailField(
        label="Your named practitioner's email (optional)",
        required=False,
        help_text="Your social worker, care coordinator or support planner. If they have a "
        "Kith account as a practitioner, they are asked to accept; then they can see and help "
        "with your plan, and you can see each time they look at it. Leave empty to name no one.",
        error_messages={"invalid": "Enter an email address, like name@example.org."},
    )

    def __init__(self, *args, plan: SupportPlan, may_name_practitioner: bool, **kwargs):
        if "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(plan)
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.may_name_practitioner = may_name_practitioner
        if not may_name_practitioner:
            del self.fields["practitioner_email"]
        route_choices = [("", "Choose a payment route")] + list(PaymentRoute.choices)
        for n in range(1, FUNDING_ROWS + 1):
            self.fields[f"route_{n}"] = forms.ChoiceField(
                label=f"Payment route {n}",
                required=False,
                choices=route_choices,
                error_messages={"invalid_choice": "Choose a payment route from the list."},
            )
            self.fields[f"amount_{n}"] = money_field(
                f"Amount held this way, route {n} (£, optional)"
            )

    @staticmethod
    def initial_for(plan: SupportPlan) -> dict:
        initial = {
            "postcode": plan.postcode,
            "indicative_budget": plan.indicative_budget,
            "agreed_budget": plan.agreed_budget,
            "review_date": plan.review_date,
            "practitioner_email": (
                plan.practitioner.email if plan.practitioner else plan.practitioner_invited_email
            ),
        }
        for n, funding in enumerate(plan.funding.all()[:FUNDING_ROWS], start=1):
            initial[f"route_{n}"] = funding.route
            initial[f"amount_{n}"] = funding.amount
        return initial

    def funding_rows(self):
        """The (route, amount) bound fields in pairs, for the template."""
        return [(self[f"route_{n}"], self[f"amount_{n}"]) for n in range(1, FUNDING_ROWS + 1)]

    def clean_postcode(self):
        return clean_postcode_text(self.cleaned_data["postcode"])

    def clean_review_date(self):
        review = self.cleaned_data["review_date"]
        if review and review.year < 2000:
            raise forms.ValidationError("Enter a review date from 2000 onwards.")
        return review

    def clean_practitioner_email(self):
        """The email as typed, normalised. Whether it has an account is not checked
        here, so the form never tells anyone who is on Kith (matching.plans)."""
        email = self.cleaned_data["practitioner_email"].strip().lower()
        if email and email == self.plan.person.email.lower():
            raise forms.ValidationError("You cannot name yourself as your practitioner.")
        return email

    def clean(self):
        cleaned = super().clean()
        seen = set()
        for n in range(1, FUNDING_ROWS + 1):
            route = cleaned.get(f"route_{n}")
            amount = cleaned.get(f"amount_{n}")
            if amount is not None and not route:
                self.add_error(f"route_{n}", "Choose the payment route this amount is held in.")
            if route and route in seen:
                self.add_error(
                    f"route_{n}", "Each payment route can be given once. Add the amounts together."
                )
            if route:
                seen.add(route)
        return cleaned

    def funding(self) -> list[tuple[str, Decimal | None]]:
        rows = []
        for n in range(1, FUNDING_ROWS + 1):
            route = self.cleaned_data.get(f"route_{n}")
            if route:
                rows.append((route, self.cleaned_data.get(f"amount_{n}")))
        return rows


class GoalForm(forms.ModelForm):
    """A goal in the person's own words, with optional outcomes, budget and preferences."""

    outcomes = forms.ModelMultipleChoiceField(
        label="What will it help with? (optional)",
        required=False,
        queryset=Outcome.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave these empty and we will tick them from your words; "
        "you can untick them afterwards.",
    )
    priority = forms.TypedChoiceField(
        label="How important is this goal?",
        coerce=int,
        choices=PRIORITY_CHOICES,
        initial=1,
        help_text="Goals are listed most important first.",
    )
    budget_amount = money_field(
        "Budget for this goal (£, optional)", "How much of your budget you expect to spend on it."
    )
    budget_period = forms.ChoiceField(
        label="How often?",
        required=False,
        choices=[("", "Choose how often")] + list(BudgetPeriod.choices),
        error_messages={"invalid_choice": "Choose how often from the list."},
    )
    languages = forms.ModelMultipleChoiceField(
        label="Languages you would like (optional)",
        required=False,
        queryset=Language.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    pa_gender = forms.ChoiceField(
        label="If a personal assistant helps, would you prefer…",
        required=False,
        choices=PA_GENDER_CHOICES,
    )
    days = forms.MultipleChoiceField(
        label="Days that suit you (optional)",
        required=False,
        choices=list(DAY_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Goal
        fields = [
            "text",
            "why_it_matters",
            "outcomes",
            "priority",
            "budget_amount",
            "budget_period",
            "languages",
            "pa_gender",
            "days",
            "times",
            "accessibility",
            "needs_backup_cover",
            "not_too_close",
        ]
        labels = {
            "text": "In your own words, what would you like to do or change?",
            "why_it_matters": "Why does this matter to you? (optional)",
            "times": "Times that suit you (optional)",
            "accessibility": "Access needs (optional)",
            "needs_backup_cover": "I need back-up cover if someone is off sick",
            "not_too_close": "I would rather it was not too close to home",
        }
        help_texts = {
            "text": "For example: I'd like to go swimming again and meet people.",
            "why_it_matters": "For example: I used to swim every week and felt better for it.",
            "times": "For example: mornings, or after 4pm.",
            "accessibility": "For example: step-free access, a pool hoist, quiet sessions.",
            "not_too_close": "Some people prefer not to bump into neighbours.",
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "why_it_matters": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "text": {
                "required": "Tell us about your goal in your own words.",
                "max_length": f"Keep your goal to {GOAL_TEXT_MAX_LENGTH:,} characters or fewer. "
                "You can add more detail under why it matters.",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["days"] = [d for d in self.instance.days.split(",") if d]

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Tell us about your goal in your own words.")
        return text

    def clean_days(self):
        # Stored in the week's order whatever order the boxes were ticked in.
        chosen = set(self.cleaned_data["days"])
        return ",".join(day for day in DAY_NAMES if day in chosen)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("budget_amount") is not None and not cleaned.get("budget_period"):
            self.add_error("budget_period", "Choose how often: a week, a month, a year or one-off.")
        if cleaned.get("budget_amount") is None and cleaned.get("budget_period"):
            cleaned["budget_period"] = ""
        return cleaned


class RadiusForm(forms.Form):
    """How far from home to look for suggestions, in miles as people think of distance."""

    miles = forms.TypedChoiceField(
        label="How far from home?",
        required=False,
        coerce=int,
        empty_value=DEFAULT_MILES,
        initial=DEFAULT_MILES,
        choices=MILES_FIELD_CHOICES,
        error_messages={"invalid_choice": "Choose a distance from the list."},
    )

    def chosen_miles(self) -> int:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["miles"]
        return DEFAULT_MILES
