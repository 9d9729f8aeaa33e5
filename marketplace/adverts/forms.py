"""Forms for PA job adverts and applications; the rules live in
``marketplace.adverts.services``."""

from decimal import Decimal

from django import forms

from directory import geo
from marketplace.adverts.services import DEFAULT_RADIUS_MILES, RADIUS_CHOICES_MILES
from marketplace.forms import ForWhomMixin


class AdvertForm(ForWhomMixin, forms.Form):
    title = forms.CharField(
        label="Job title",
        max_length=150,
        help_text="For example: PA for mornings, help with getting ready and going out.",
        error_messages={"required": "Enter a job title."},
    )
    hours_per_week = forms.DecimalField(
        label="Hours a week",
        min_value=Decimal("0.5"),
        max_value=Decimal("80"),
        max_digits=5,
        decimal_places=1,
        help_text="A few hours are fine: many PAs want only a few.",
        error_messages={"required": "Enter the hours a week."},
    )
    postcode = forms.CharField(
        max_length=16,
        help_text="PAs see only the area (like SK1 3), never your full postcode or address.",
        error_messages={"required": "Enter your postcode."},
    )
    hourly_rate = forms.DecimalField(
        label="Hourly rate (£)",
        min_value=Decimal("1"),
        max_value=Decimal("200"),
        max_digits=6,
        decimal_places=2,
        help_text="What you will pay an hour, for example 13.50.",
        error_messages={"required": "Enter the hourly rate."},
    )
    what_matters = forms.CharField(
        label="What matters to you",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you would like help with, and the kind of person you get on with. "
        "PAs read this, so leave out anything you would not want a stranger to know.",
        error_messages={"required": "Say what matters to you."},
    )

    def __init__(self, *args, user, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_for_whom(people, "Who is the PA for?")

    def clean_postcode(self):
        try:
            return geo.locate(self.cleaned_data["postcode"]).postcode
        except geo.PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None


class AdvertSearchForm(forms.Form):
    postcode = forms.CharField(
        label="Your postcode",
        max_length=16,
        required=False,
        help_text="To see how far away each job is. For example: OL6 7SR or OL6.",
    )
    radius = forms.TypedChoiceField(
        label="Within",
        coerce=int,
        choices=[(m, f"{m} miles") for m in RADIUS_CHOICES_MILES],
        initial=DEFAULT_RADIUS_MILES,
        required=False,
        empty_value=DEFAULT_RADIUS_MILES,
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["place"] = None
        postcode = cleaned.get("postcode", "").strip()
        if postcode:
            try:
                cleaned["place"] = geo.locate(postcode)
            except geo.PostcodeError as exc:
                self.add_error("postcode", str(exc))
        return cleaned


class ApplicationForm(forms.Form):
    message = forms.CharField(
        label="Your message",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Why you would like the job, your experience, and when you are free.",
        error_messages={"required": "Write a message to the person advertising."},
    )


class ApplicationReplyForm(forms.Form):
    reply = forms.CharField(
        label="Your reply to the PA",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="We email it to them. For example, suggest a time to meet.",
        error_messages={"required": "Write a reply."},
    )
