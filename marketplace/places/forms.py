"""The owner's form for a listing's price and places, which change without moderation."""

from __future__ import annotations

from django import forms

from directory.models import ListingKind, ListingPage
from directory.moderation import PRICE_AND_PLACES_FIELDS


class PriceAndPlacesForm(forms.ModelForm):
    """Price and places of one listing. Places left are left out when Kith counts them
    from the listing's offers (``counted``); a PA's listing has a rate and no places."""

    class Meta:
        model = ListingPage
        fields = list(PRICE_AND_PLACES_FIELDS)
        labels = {
            "price_amount": "Price (£)",
            "capacity": "Places in total (optional)",
            "places_available": "Places left (optional)",
        }
        help_texts = {
            "price_amount": "For example 12.50. Leave empty if you would rather not say.",
            "capacity": "How many people you can support, or places in total.",
            "places_available": "Leave empty if places do not apply. Enter 0 when you are full.",
        }
        error_messages = {
            "price_amount": {"invalid": "Enter a price in pounds and pence, like 12.50."},
            "capacity": {"invalid": "Enter places as a whole number, like 12."},
            "places_available": {"invalid": "Enter places as a whole number, like 4."},
        }

    def __init__(self, *args, counted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if counted or self.instance.kind == ListingKind.PA:
            del self.fields["places_available"]
        if self.instance.kind == ListingKind.PA:
            del self.fields["capacity"]
            self.fields["price_amount"].label = "Your rate (£)"

    def values(self) -> dict:
        """What to store: the cleaned listing's own values (a free price is £0)."""
        return {name: getattr(self.instance, name) for name in self.fields}
