"""The public directory search form: plain GET, works without JavaScript."""

from __future__ import annotations

from django import forms

from directory import geo
from directory.models import Category, ListingKind, Outcome
from directory.search.query import CHECK_FILTERS

# People think in miles; most look within 10 miles of home, almost all within 25.
MILES_CHOICES = (1, 3, 5, 10, 15, 25, 50)
DEFAULT_MILES = 10
MILES_FIELD_CHOICES = [(m, f"Within {m} mile{'' if m == 1 else 's'}") for m in MILES_CHOICES]

# The fields that narrow a search (as opposed to saying where it is centred).
FILTER_FIELDS = ("q", "outcome", "category", "kind", "checked")


def wider_miles(miles: int) -> int | None:
    """The next distance on offer beyond ``miles``, or None when it is already the widest."""
    return next((choice for choice in MILES_CHOICES if choice > miles), None)


class DirectorySearchForm(forms.Form):
    """What someone can ask the directory. Every field is optional; see ``has_criteria``."""

    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=16,
        help_text="A full postcode, like SK1 3XE, or just the first part, like SK1.",
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "spellcheck": "false", "class": "input--postcode"}
        ),
    )
    miles = forms.TypedChoiceField(
        label="Distance",
        required=False,
        coerce=int,
        empty_value=DEFAULT_MILES,
        initial=DEFAULT_MILES,
        choices=MILES_FIELD_CHOICES,
        help_text="How far from the postcode.",
        error_messages={"invalid_choice": "Choose a distance from the list."},
    )
    q = forms.CharField(
        label="Keywords (optional)",
        required=False,
        max_length=200,
        help_text="For example: swimming, Urdu, wheelchair.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    outcome = forms.ModelMultipleChoiceField(
        label="What do you want to achieve?",
        required=False,
        queryset=Outcome.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose as many as you like.",
        error_messages={"invalid_choice": "Choose what you want to achieve from the list."},
    )
    category = forms.ModelChoiceField(
        label="Type of service",
        required=False,
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="Any type of service",
        error_messages={"invalid_choice": "Choose a type of service from the list."},
    )
    kind = forms.ChoiceField(
        label="Who offers it",
        required=False,
        choices=[("", "Anyone")] + list(ListingKind.choices),
        error_messages={"invalid_choice": "Choose who offers it from the list."},
    )

    checked = forms.MultipleChoiceField(
        label="Only providers with checks",
        required=False,
        choices=list(CHECK_FILTERS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Checked by a Kith moderator against the CQC register or the insurance "
        "certificate.",
        error_messages={"invalid_choice": "Choose the checks from the list."},
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("miles"):
            # Links without a distance search within 10 miles; the form must say so
            # too, not fall back to the first option.
            data = data.copy()
            data["miles"] = str(DEFAULT_MILES)
        super().__init__(data, *args, **kwargs)

    def clean_postcode(self):
        """Place the postcode now, so a bad one is reported next to the field."""
        text = self.cleaned_data["postcode"].strip()
        self.place = None
        if text:
            try:
                self.place = geo.locate(text)
            except geo.PostcodeError as exc:
                raise forms.ValidationError(str(exc)) from None
            return self.place.postcode
        return ""

    @property
    def has_criteria(self) -> bool:
        """Whether anything was asked: the distance alone is not a search."""
        return any(self.data.get(name, "").strip() for name in ("postcode", *FILTER_FIELDS))

    def filters_set(self) -> bool:
        return any(self.cleaned_data.get(name) for name in FILTER_FIELDS)
