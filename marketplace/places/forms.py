"""The owner's form for a listing's price and places, which change without moderation."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model

from directory.models import ListingKind, ListingPage, PriceUnit
from directory.moderation import PRICE_AND_PLACES_FIELDS

LABELS = {
    "price_amount": "Price (£)",
    "price_unit": "Price is per",
    "capacity": "Places in total (optional)",
    "places_available": "Places left (optional)",
}
HELP_TEXTS = {
    "price_amount": "For example 12.50. Leave empty if you would rather not say.",
    "capacity": "How many people you can support, or places in total.",
    "places_available": "Leave empty if places do not apply. Enter 0 when you are full.",
}
ERRORS = {
    "price_amount": {"invalid": "Enter a price in pounds and pence, like 12.50."},
    "capacity": {"invalid": "Enter places as a whole number, like 12."},
    "places_available": {"invalid": "Enter places as a whole number, like 4."},
}


class PriceAndPlacesForm(forms.Form):
    """Price and places of one listing (only these: the listing's own checks of its
    words are the moderators'). Places are left out when Kith counts them from the
    listing's offers (``counted``: the offers' places are changed instead); a PA's
    listing has a rate and no places."""

    def __init__(self, *args, listing: ListingPage, counted: bool, **kwargs):
        names = list(PRICE_AND_PLACES_FIELDS)
        if counted or listing.kind == ListingKind.PA:
            names = [n for n in names if n not in ("capacity", "places_available")]
        kwargs.setdefault("initial", {name: getattr(listing, name) for name in names})
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                ListingPage,
                fields=names,
                labels=LABELS,
                help_texts=HELP_TEXTS,
                error_messages=ERRORS,
            )
        )
        if listing.kind == ListingKind.PA:
            self.fields["price_amount"].label = "Your rate (£)"

    def clean(self):
        data = super().clean()
        if data.get("price_unit") == PriceUnit.FREE:
            data["price_amount"] = 0
        elif data.get("price_amount") is not None and not data.get("price_unit"):
            self.add_error("price_unit", "Say what the price is for: an hour, a session…")
        places, capacity = data.get("places_available"), data.get("capacity")
        if places is not None and capacity is not None and places > capacity:
            self.add_error("places_available", "Places left cannot be more than places in total.")
        return data
