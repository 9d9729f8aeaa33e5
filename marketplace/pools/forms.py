"""Forms for pools: finding them, opening or proposing one, and joining.

Forms check what was typed; who may do what, and whether a pool has room,
is decided in ``marketplace.pools``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from directory import geo
from directory.models import Outcome
from marketplace.adverts.services import DEFAULT_RADIUS_MILES, RADIUS_CHOICES_MILES
from marketplace.bookings.forms import CardEntryMixin, route_choices
from marketplace.forms import DIRECT_PAYMENT_CARD_HINT

# Pools close at six in the evening on the day chosen, so nobody loses a last afternoon.
CLOSING_TIME = datetime.time(18, 0)


class PoolSearchForm(forms.Form):
    postcode = forms.CharField(
        label="Your postcode",
        max_length=16,
        required=False,
        help_text="To see pools near you, nearest first. For example: SK1 3XE or SK1.",
    )
    radius = forms.TypedChoiceField(
        label="Within",
        coerce=int,
        choices=[(m, f"{m} miles") for m in RADIUS_CHOICES_MILES],
        initial=DEFAULT_RADIUS_MILES,
        required=False,
        empty_value=DEFAULT_RADIUS_MILES,
    )
    outcome = forms.ModelChoiceField(
        label="What it helps with",
        queryset=Outcome.objects.all(),
        required=False,
        empty_label="Anything",
        to_field_name="slug",
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["place"] = None
        postcode = (cleaned.get("postcode") or "").strip()
        if postcode:
            try:
                cleaned["place"] = geo.locate(postcode)
            except geo.PostcodeError as error:
                self.add_error("postcode", str(error))
        return cleaned


class PoolForm(forms.Form):
    title = forms.CharField(label="Name of the pool", max_length=150)
    description = forms.CharField(
        label="What members get",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="When and where, how many sessions, what is included.",
    )
    outcomes = forms.ModelMultipleChoiceField(
        label="What it helps with",
        queryset=Outcome.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Members link their share to a goal in their plan for one of these.",
        error_messages={"required": "Choose at least one thing the pool helps with."},
    )
    pricing = forms.ChoiceField(
        label="How is it priced?",
        choices=[
            ("per_place", "A price for each place"),
            ("total", "A total price, shared by the minimum number of members"),
        ],
        widget=forms.RadioSelect,
        initial="per_place",
    )
    price = forms.DecimalField(
        label="Price in pounds",
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        error_messages={"invalid": "Enter the price in pounds and pence, like 45.00."},
    )
    places = forms.IntegerField(label="Places", min_value=2, max_value=500)
    minimum_members = forms.IntegerField(
        label="Minimum number of members",
        min_value=1,
        help_text="If fewer join by the deadline, nobody pays.",
    )
    deadline = forms.DateField(
        label="Deadline for joining",
        help_text="The pool closes at 6pm that day.",
        # A date box's value is always year-month-day, whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_deadline(self):
        day = self.cleaned_data["deadline"]
        if day <= timezone.localdate():
            raise forms.ValidationError("The deadline must be after today.")
        return day

    def clean(self):
        data = super().clean()
        places, minimum = data.get("places"), data.get("minimum_members")
        if places and minimum and minimum > places:
            self.add_error("minimum_members", "The minimum cannot be more than the places.")
        return data

    def pool_details(self) -> dict:
        data = self.cleaned_data
        deadline = timezone.make_aware(datetime.datetime.combine(data["deadline"], CLOSING_TIME))
        price_field = "total_price" if data["pricing"] == "total" else "price_per_place"
        return {
            "title": data["title"],
            "description": data["description"],
            "outcomes": list(data["outcomes"]),
            "places": data["places"],
            "minimum_members": data["minimum_members"],
            "deadline": deadline,
            price_field: data["price"],
        }


class JoinForm(CardEntryMixin):
    goal = forms.ChoiceField(
        label="Which goal in your plan is this for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the goal this share counts against."},
    )
    method = forms.ChoiceField(
        label="How will you pay?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you will pay."},
    )
    payer_name = forms.CharField(
        label="Who holds your money (for an invoice)",
        max_length=150,
        required=False,
        help_text="For example your managed account provider.",
    )
    payer_email = forms.EmailField(
        label="Their email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like accounts@example.org."},
    )

    def __init__(
        self, *args, goals, several_people: bool, card_enabled: bool, user=None, people=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.goals = {str(goal.pk): goal for goal in goals}
        self.fields["goal"].choices = [
            (str(goal.pk), f"{goal.plan.person}: {goal}" if several_people else str(goal))
            for goal in goals
        ]
        # Whose managed account, in words: "your", or "Sam Patel’s" for a representative.
        whose = dict(route_choices(list(people), user)) if user and people else {}
        methods = [("invoice", whose.get("managed_account", "Invoice to your managed account"))]
        if card_enabled:
            methods.insert(0, ("card", "Card (a direct payment card or your own)"))
            self.fields["method"].help_text = DIRECT_PAYMENT_CARD_HINT
        self.fields["method"].choices = methods
        self.add_test_card(card_enabled)

    def chosen_goal(self):
        return self.goals[self.cleaned_data["goal"]]

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == "invoice" and not (data.get("payer_name") or "").strip():
            self.add_error("payer_name", "Enter who holds your money, so the invoice goes to them.")
        if method == "card" and not self.chosen_payment_method():
            self.add_error(None, "Enter your card details, or choose an invoice instead.")
        return data
