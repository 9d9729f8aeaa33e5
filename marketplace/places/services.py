"""How many places are left, counted in one place.

An offer's places left are its places less the places its bookings hold
(requested, accepted, delivered or paid: a declined or cancelled booking gives
its places back). An offer with no number of places has no limit.

A listing that takes bookings through Kith (it has at least one active offer)
has as many places left as its active offers added up, or no limit if any of
them has none. A listing with no active offers keeps the figure its owner
gives. Either way the number is stored on the listing
(``ListingPage.places_available``), so the listing page, search results, the
search snapshots and the API all read the same figure; ``refresh_listing``
keeps it in step whenever an offer or a booking changes, without waiting for
a moderator, and the search snapshot is rewritten through the usual queued
index update.

Who calls what: the booking form and the offers pages ask ``offer_places_left``;
``marketplace.bookings.services.request_booking`` counts under the offer's
lock with the same function; the receivers below call ``refresh_listing``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from directory import moderation
from directory.models import ListingPage
from marketplace.models import Booking, Offer

# Bookings that hold places on an offer.
HOLDING_PLACES = (
    Booking.Status.REQUESTED,
    Booking.Status.ACCEPTED,
    Booking.Status.DELIVERED,
    Booking.Status.PAID,
)


def places_held(offer: Offer) -> int:
    """Places taken on ``offer`` by bookings that still hold them."""
    held = Booking.objects.filter(offer=offer, status__in=HOLDING_PLACES).aggregate(
        n=Sum("quantity")
    )["n"]
    return held or 0


def offer_places_left(offer: Offer) -> int | None:
    """How many places can still be booked on ``offer``; None when it has no limit."""
    if offer.places is None:
        return None
    return max(0, offer.places - places_held(offer))


def offers_with_places(offers):
    """``(offer, places left)`` for each offer, counted in one query."""
    held = dict(
        Booking.objects.filter(offer__in=list(offers), status__in=HOLDING_PLACES)
        .values_list("offer_id")
        .annotate(n=Sum("quantity"))
    )
    return [
        (offer, None if offer.places is None else max(0, offer.places - held.get(offer.pk, 0)))
        for offer in offers
    ]


@dataclass(frozen=True)
class ListingPlaces:
    """A listing's places left. ``counted`` is False when it has no active offers to count
    (its owner's own figure stands); ``left`` is None when places do not limit it."""

    counted: bool
    left: int | None


def listing_places(listing_id: int) -> ListingPlaces:
    """The places left on a listing, counted from its active offers and their bookings."""
    offers = list(Offer.objects.filter(listing_id=listing_id, is_active=True))
    if not offers:
        return ListingPlaces(counted=False, left=None)
    lefts = [left for _, left in offers_with_places(offers)]
    if any(left is None for left in lefts):
        return ListingPlaces(counted=True, left=None)
    return ListingPlaces(counted=True, left=sum(lefts))


def refresh_listing(listing_id: int) -> bool:
    """Store the counted places on the listing (live page, any edit awaiting a moderator,
    and search). Returns whether the figure changed; a listing with no active offers
    keeps its owner's figure."""
    places = listing_places(listing_id)
    if not places.counted:
        return False
    listing = ListingPage.objects.filter(pk=listing_id).first()
    if listing is None:
        return False
    return moderation.update_price_and_places(listing, by=None, places_available=places.left)


# --- Keeping the listing in step ---------------------------------------------------------


@receiver(post_save, sender=Offer, dispatch_uid="places-offer-saved")
@receiver(post_delete, sender=Offer, dispatch_uid="places-offer-deleted")
def _offer_changed(sender, instance: Offer, **kwargs):
    refresh_listing(instance.listing_id)


# Saving a booking changes its places only when its status or quantity may have changed.
_PLACES_FIELDS = {"status", "quantity", "offer"}


@receiver(post_save, sender=Booking, dispatch_uid="places-booking-saved")
def _booking_changed(sender, instance: Booking, update_fields=None, **kwargs):
    if update_fields is not None and not _PLACES_FIELDS & set(update_fields):
        return
    listing_id = Offer.objects.filter(pk=instance.offer_id).values_list("listing_id", flat=True)
    for pk in listing_id:
        refresh_listing(pk)


@receiver(page_published, dispatch_uid="places-listing-published")
def _listing_published(sender, instance, **kwargs):
    # An approved edit carries the figure it was written with; count again.
    if isinstance(instance, ListingPage):
        refresh_listing(instance.pk)
