"""Forms for offers and booking requests.

Forms check what was typed; who may book, pay or change what is decided in
``marketplace.bookings`` and ``marketplace.payments``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings

from marketplace.bookings.services import MAX_OFFER_PRICE, MAX_QUANTITY
from marketplace.forms import DIRECT_PAYMENT_CARD_HINT, ForWhomMixin
from marketplace.models import Offer, PaymentRoute

# Stripe payment method ids, as Stripe.js gives them (and Stripe's test ids such as pm_card_visa).
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,200}$")

# Stripe's own test payment methods, offered as a plain choice only against a fake Stripe.
TEST_CARDS = [
    ("pm_card_visa", "Test Visa card that pays (pm_card_visa)"),
    ("pm_card_chargeDeclined", "Test card that is declined (pm_card_chargeDeclined)"),
]


def test_card_allowed() -> bool:
    """Whether the page may offer a plain "Test card" choice instead of Stripe's card form.

    Only with a Stripe *test* secret key AND a fake Stripe server (STRIPE_API_BASE,
    localstripe in development and tests): it lets the booking pages be used, and
    tested, without JavaScript or real card details. A live key never shows it.
    """
    return settings.STRIPE_SECRET_KEY.startswith("sk_test") and bool(settings.STRIPE_API_BASE)


class CardEntryMixin(forms.Form):
    """Card entry for the booking, another-card and pool join forms.

    Stripe.js (``card.js``) fills the hidden ``payment_method`` with the
    PaymentMethod it created, never card numbers. Against a fake Stripe the
    form also offers a plain "Test card" choice (``add_test_card``), so the
    pages work, and are tested, without JavaScript.
    """

    payment_method = forms.CharField(required=False, widget=forms.HiddenInput)

    def add_test_card(self, card_enabled: bool = True) -> None:
        self.test_cards = card_enabled and test_card_allowed()
        if self.test_cards:
            self.fields["test_card"] = forms.ChoiceField(
                label="Test card",
                required=False,
                choices=[("", "I will type card details")] + TEST_CARDS,
                initial="pm_card_visa",
                help_text="This site uses a pretend card service, so no real money moves.",
            )

    def chosen_payment_method(self) -> str:
        return self.cleaned_data.get("payment_method") or self.cleaned_data.get("test_card") or ""

    def clean_payment_method(self):
        value = (self.cleaned_data.get("payment_method") or "").strip()
        if value and not PAYMENT_METHOD_ID.match(value):
            raise forms.ValidationError("The card details were not accepted. Please try again.")
        return value


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = [
            "listing",
            "kind",
            "title",
            "description",
            "price",
            "sessions",
            "hours_per_week",
            "weeks",
            "places",
            "starts_on",
        ]
        labels = {
            "listing": "Which of your listings is this for?",
            "kind": "What kind of offer is it?",
            "price": "Price of one booking (£)",
            "sessions": "Number of sessions (optional)",
            "hours_per_week": "Hours a week (optional)",
            "weeks": "Number of weeks (optional)",
            "places": "Places (optional)",
            "starts_on": "Starts on (optional)",
        }
        help_texts = {
            "title": "For example: Six one-to-one swimming lessons.",
            "description": "What is included, when and where.",
            "price": "The whole price someone pays for one booking, for example 45.00.",
            "places": "How many can be booked. Leave empty for no limit.",
            "starts_on": "The day of the first session, if there is one.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            # A date box's value is always year-month-day, whatever the page's language.
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {
            "title": {"required": "Enter a title."},
            "price": {"required": "Enter a price."},
            "kind": {"required": "Choose what kind of offer it is."},
            "listing": {"required": "Choose a listing."},
        }

    def __init__(self, *args, listings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["listing"].queryset = listings
        self.fields["listing"].empty_label = None
        if len(listings) == 1:
            self.fields["listing"].widget = forms.HiddenInput()
            self.fields["listing"].initial = listings[0].pk

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price <= 0:
            raise forms.ValidationError("Enter a price more than £0.")
        if price is not None and price > MAX_OFFER_PRICE:
            raise forms.ValidationError(
                f"Enter a price of at most £{MAX_OFFER_PRICE:,}. For more, talk to us first."
            )
        return price

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Offer.Kind.BLOCK and not data.get("sessions"):
            self.add_error("sessions", "Enter how many sessions the block has.")
        if kind == Offer.Kind.WEEKLY_HOURS and not data.get("hours_per_week"):
            self.add_error("hours_per_week", "Enter how many hours a week.")
        return data


def route_choices(people, user) -> list[tuple[str, str]]:
    """How a booking can be paid, naming whose account an invoice goes to: "your" for
    the person themselves, "Sam Patel's" for the one person a representative acts for."""
    if len(people) == 1:
        whose = "your" if people[0].pk == user.pk else f"{people[0]}’s"
        account, fund = f"{whose} managed account", f"{whose} individual service fund"
    else:
        account = "the managed account of the person it is for"
        fund = "the individual service fund of the person it is for"
    return [
        (PaymentRoute.CARD, PaymentRoute.CARD.label),
        (PaymentRoute.MANAGED_ACCOUNT, f"Invoice to {account}"),
        (PaymentRoute.INDIVIDUAL_SERVICE_FUND, f"Invoice to {fund}"),
    ]


class BookingForm(ForWhomMixin, CardEntryMixin):
    """Ask for a booking: for whom, how many, which plan line, and how it will be paid."""

    quantity = forms.IntegerField(
        label="How many?",
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        help_text="The price is for one. For weekly hours, one is one block of the weeks shown.",
        error_messages={
            "required": "Enter how many.",
            "min_value": "Ask for at least one.",
            "max_value": f"Ask for at most {MAX_QUANTITY}.",
            "invalid": "Enter how many as a number, for example 2.",
        },
    )
    starts_on = forms.DateField(
        label="When would you like to start? (optional)",
        required=False,
        help_text="The provider will confirm.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 6 January 2027."},
    )
    goal = forms.ChoiceField(
        label="Which line of the support plan does this pay for? (optional)",
        required=False,
        help_text="So it shows against that line on the budget statement.",
    )
    payment_route = forms.ChoiceField(
        label="How will it be paid?",
        widget=forms.RadioSelect,
        help_text=DIRECT_PAYMENT_CARD_HINT,
        error_messages={"required": "Choose how it will be paid."},
    )
    payer_name = forms.CharField(
        label="Who holds the money? (for an invoice)",
        max_length=150,
        required=False,
        help_text="The managed account or individual service fund provider, "
        "for example Stockport Direct Payments Support Service.",
    )
    payer_email = forms.EmailField(
        label="Their email (for an invoice, optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like accounts@example.org."},
    )
    note = forms.CharField(
        label="Anything the provider should know? (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, people, goals, card_enabled: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_for_whom(people, "Who is this booking for?")
        self.goals = {str(goal.pk): goal for goal in goals}
        several = len(people) > 1
        self.fields["goal"].choices = [("", "Not linked to a plan line")] + [
            (str(goal.pk), f"{goal.plan.person}: {goal}" if several else str(goal))
            for goal in goals
        ]
        routes = route_choices(people, user)
        if not card_enabled:
            routes = [(value, label) for value, label in routes if value != PaymentRoute.CARD]
        self.fields["payment_route"].choices = routes
        self.card_enabled = card_enabled
        self.add_test_card(card_enabled)
        if "for_whom" in self.fields:
            self.order_fields(["for_whom"])
        self.needs_understanding = False

    def ask_to_understand(self):
        """After an overspend warning the next submit must carry a tick."""
        self.needs_understanding = True
        self.fields["understand"] = forms.BooleanField(
            label="I understand, and still want to ask for this booking",
            required=False,
        )

    def chosen_goal(self):
        return self.goals.get(self.cleaned_data.get("goal") or "")

    def clean_goal(self):
        value = self.cleaned_data.get("goal") or ""
        if value and value not in self.goals:
            raise forms.ValidationError("Choose a line from the support plan.")
        return value

    def clean(self):
        data = super().clean()
        route = data.get("payment_route")
        if route in (PaymentRoute.MANAGED_ACCOUNT, PaymentRoute.INDIVIDUAL_SERVICE_FUND):
            if not (data.get("payer_name") or "").strip():
                self.add_error(
                    "payer_name", "Enter who holds the money, so the invoice goes to them."
                )
        if route == PaymentRoute.CARD and not self.chosen_payment_method():
            self.add_error(
                None,
                "Enter your card details. Card payment needs JavaScript; "
                "if it is turned off, choose an invoice instead.",
            )
        goal = self.goals.get(data.get("goal") or "")
        if goal is not None and "for_whom" in self.fields and data.get("for_whom"):
            if str(goal.plan.person_id) != data["for_whom"]:
                self.add_error("goal", "Choose a line from this person's own support plan.")
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why are you declining?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are declining."},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CardForm(CardEntryMixin):
    """Another card for a booking."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_test_card()

    def clean(self):
        data = super().clean()
        if not self.errors and not self.chosen_payment_method():
            self.add_error(None, "Enter your card details. Card payment needs JavaScript.")
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount to refund (£)",
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text="Leave empty to refund everything not yet refunded.",
        error_messages={"invalid": "Enter an amount like 22.50."},
    )
    reason = forms.CharField(label="Reason (optional)", max_length=300, required=False)
    # One per page shown: the same form sent twice refunds once.
    request_id = forms.RegexField(regex=r"^[0-9a-f]{32}$", required=False, widget=forms.HiddenInput)
