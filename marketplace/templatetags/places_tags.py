"""Places left on a listing's offers, for the listing page (``marketplace.places``)."""

from django import template

from marketplace.places.services import offers_with_places

register = template.Library()


@register.simple_tag
def bookable_offers(listing):
    """``(offer, places left)`` for each active offer of ``listing``, by title."""
    return offers_with_places(listing.offers.filter(is_active=True).order_by("title"))
