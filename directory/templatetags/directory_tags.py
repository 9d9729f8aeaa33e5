"""How the directory shows prices, distances, places and dates in words.

Plain functions first (tests call them directly), registered as filters so
templates stay free of logic.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils.dateformat import format as format_date

from directory import geo
from directory.models import ListingKind, PriceUnit

register = template.Library()


def format_money(amount: Decimal) -> str:
    """£13.50, or £30 for whole pounds, as prices are written in shops."""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def format_price(amount, unit: str) -> str:
    """ "£13.50 an hour", "£4.50 a session", "Free", or "Ask for price" when none is given."""
    if unit == PriceUnit.FREE or (amount is not None and Decimal(amount) == 0):
        return "Free"
    if amount is None:
        return "Ask for price"
    money = format_money(amount)
    if unit in PriceUnit.values:
        return f"{money} {PriceUnit(unit).label}"
    return money


@register.filter
def price(listing) -> str:
    """The price of anything with ``price_amount`` and ``price_unit``: a page or a result."""
    return format_price(listing.price_amount, listing.price_unit)


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


@register.filter
def miles_away(distance_km) -> str:
    """ "1.8 miles away" from a distance in km; sector centroids can coincide, hence "under"."""
    if distance_km is None:
        return ""
    miles = geo.km_to_miles(float(distance_km))
    if miles < 0.05:
        return "Under 0.1 miles away"
    return f"{_one_decimal(miles)} miles away"


@register.filter
def km_as_miles(km) -> str:
    """A radius in km as miles for people: "5 miles", "3.1 miles", "1 mile"."""
    if km is None or km == "":
        return ""
    miles = round(geo.km_to_miles(float(km)), 1)
    text = f"{miles:.0f}" if miles == int(miles) else f"{miles:.1f}"
    return f"{text} mile" if text == "1" else f"{text} miles"


@register.filter
def places_left(places) -> str:
    """ "4 places left", "1 place left", "Full", or nothing when places do not apply."""
    if places is None or places == "":
        return ""
    places = int(places)
    if places <= 0:
        return "Full"
    return f"{places} place left" if places == 1 else f"{places} places left"


def _as_date(value) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def long_date(value) -> str:
    """3 March 2026, from a date or an ISO date string (search results carry strings)."""
    day = _as_date(value)
    return format_date(day, "j F Y") if day else ""


@register.filter
def last_confirmed(value) -> str:
    day = _as_date(value)
    return f"Last confirmed {long_date(day)}" if day else "Not confirmed yet"


@register.filter
def out_of_date(listing) -> bool:
    """A listing page or search result whose owner was reminded and has not confirmed since."""
    if hasattr(listing, "stale"):
        return bool(listing.stale)
    from directory import freshness

    return freshness.is_stale(listing.last_confirmed, getattr(listing, "reminded_at", None))


@register.filter
def verified(value) -> str:
    """A check a moderator has looked at, or one they have not (yet)."""
    day = _as_date(value)
    return f"Verified by Kith on {long_date(day)}" if day else "Not yet verified"


@register.simple_tag
def search_form_field(bound_field) -> str:
    """A field of the directory search form (``includes/field.html``), kept once rendered."""
    from directory.forms import render_field

    return render_field(bound_field)


@register.filter
def kind_label(kind: str) -> str:
    return ListingKind(kind).label if kind in ListingKind.values else ""
