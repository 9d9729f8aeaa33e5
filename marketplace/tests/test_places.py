"""Places left come from one source: the offer's places less the places its bookings hold.

The listing page, the search snapshot and results, the API and the booking form
all show the same number; an owner changes places and prices without waiting
for a moderator, while a change to the listing's words still waits; the
booking form says before anything is filled in when nothing is left.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from directory.models import ListingPage, ListingRecord
from directory.moderation import submit_changes
from directory.search.indexing import index_listings
from marketplace.bookings import services as bookings
from marketplace.models import Offer, PaymentRoute
from marketplace.places import services as places

MANAGED = PaymentRoute.MANAGED_ACCOUNT


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the transaction to commit (search updates) at the end of a block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def indexed(market, on_commit, no_stripe):
    """Sam's swimming pool as search has it (its offer has 10 places)."""
    with on_commit():
        index_listings([market.listing.pk])
    return market


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown_everywhere(market) -> dict:
    """The places left on the pool as every page and the API show them."""
    listing = ListingPage.objects.get(pk=market.listing.pk)
    page = Client().get(listing.url).content.decode()
    results = Client().get(reverse("directory:search"), {"q": "Grand Central Pools"})
    api = Client().get("/api/v1/listings/", {"q": "Grand Central Pools"}).json()["results"]
    (item,) = [r for r in api if r["id"] == listing.pk]
    form = client_for(market.person).get(reverse("marketplace:offer_book", args=[market.offer.pk]))
    return {
        "stored": listing.places_available,
        "snapshot": ListingRecord.objects.get(listing_id=listing.pk).places_available,
        "api": item["places_available"],
        "listing page": page,
        "search results": results.content.decode(),
        "booking form": form.content.decode(),
    }


def test_places_shown_are_the_offers_places_less_held_bookings_everywhere(indexed, on_commit):
    market = indexed
    with on_commit():
        market.request(MANAGED, quantity=3)
        market.request(MANAGED, quantity=2, by=market.representative)
        declined = market.request(MANAGED, quantity=4)
        bookings.decline(declined, by=market.owner, reason="The pool is closed for repairs.")
    assert places.offer_places_left(market.offer) == 5
    shown = shown_everywhere(market)
    assert shown["stored"] == shown["snapshot"] == shown["api"] == 5
    assert "5 places left" in shown["listing page"]
    assert "5 places left" in shown["search results"]
    assert "<dt>Places left</dt><dd>5</dd>" in shown["booking form"]

    # A cancelled booking gives its places back at once, everywhere.
    cancelled = market.request(MANAGED, quantity=1)
    with on_commit():
        bookings.cancel(cancelled, by=market.person)
    assert shown_everywhere(market)["api"] == 5


def test_a_listing_that_says_two_places_while_its_offer_has_none_says_full(market, on_commit):
    ListingPage.objects.filter(pk=market.listing.pk).update(places_available=2)
    with on_commit():
        market.offer.places = 0
        market.offer.save()
    listing = ListingPage.objects.get(pk=market.listing.pk)
    assert listing.places_available == 0
    assert ListingRecord.objects.get(listing_id=listing.pk).places_available == 0
    page = Client().get(listing.url).content.decode()
    assert "Full" in page and "2 places left" not in page
    assert "Full: no places left." in page


def test_several_offers_add_up_and_one_without_a_limit_means_no_limit(market):
    second = Offer.objects.create(
        listing=market.listing,
        kind=Offer.Kind.SESSION,
        title="Family swim, Saturday",
        price=Decimal("12.00"),
        places=4,
    )
    assert ListingPage.objects.get(pk=market.listing.pk).places_available == 14
    market.request(MANAGED, quantity=6)
    assert ListingPage.objects.get(pk=market.listing.pk).places_available == 8
    second.places = None
    second.save()
    assert places.listing_places(market.listing.pk) == places.ListingPlaces(True, None)
    assert ListingPage.objects.get(pk=market.listing.pk).places_available is None
    # With no active offers the owner's own figure stands.
    Offer.objects.filter(listing=market.listing).update(is_active=False)
    assert places.listing_places(market.listing.pk) == places.ListingPlaces(False, None)
    assert places.refresh_listing(market.listing.pk) is False


def test_the_booking_form_says_no_places_left_before_anything_is_filled_in(market):
    market.offer.places = 1
    market.offer.save()
    market.request(MANAGED)
    other = Offer.objects.create(
        listing=market.listing,
        kind=Offer.Kind.SESSION,
        title="One swimming lesson",
        price=Decimal("8.00"),
        places=3,
    )
    client = client_for(market.person)
    url = reverse("marketplace:offer_book", args=[market.offer.pk])
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Sorry, there are no places left on Six one-to-one swimming lessons" in text
    assert 'name="quantity"' not in text and "Send booking request" not in text
    assert reverse("marketplace:enquiry_new", args=[market.listing.pk]) in text
    assert "waiting list" in text
    assert reverse("marketplace:offer_book", args=[other.pk]) in text
    assert "3 places left" in text
    # Sending the form anyway gets the same answer, and no booking.
    response = client.post(url, {"quantity": "1", "payment_route": MANAGED, "payer_name": "X"})
    assert response.status_code == 409
    assert market.offer.bookings.count() == 1
    # The listing page does not offer a Book button for the full offer.
    page = Client().get(market.listing.url).content.decode()
    assert f'href="{url}"><span' not in page
    assert "Full: no places left." in page


# --- Owners change places and prices at once; words still go to a moderator ----------------


def test_owner_changes_price_and_places_without_moderation(indexed, on_commit):
    market = indexed
    Offer.objects.filter(listing=market.listing).delete()
    listing = ListingPage.objects.get(pk=market.listing.pk)
    client = client_for(market.owner)
    url = reverse("marketplace:listing_places", args=[listing.pk])
    assert "Places left (optional)" in client.get(url).content.decode()
    with on_commit():
        response = client.post(
            url,
            {
                "price_amount": "6.50",
                "price_unit": "session",
                "capacity": "20",
                "places_available": "3",
            },
        )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.price_amount, listing.places_available) == (Decimal("6.50"), 3)
    record = ListingRecord.objects.get(listing_id=listing.pk)
    assert (record.price_amount, record.places_available) == (Decimal("6.50"), 3)
    assert "3 places left" in Client().get(listing.url).content.decode()
    assert listing.current_workflow_state is None  # nobody was asked to approve it


def test_places_counted_from_offers_are_not_typed_by_the_owner(market):
    client = client_for(market.owner)
    text = client.get(reverse("marketplace:listing_places", args=[market.listing.pk])).content
    text = text.decode()
    assert "10 places left" in text and "counted from your offers" in text
    assert 'name="places_available"' not in text


def test_only_the_owner_may_change_price_and_places(market):
    url = reverse("marketplace:listing_places", args=[market.listing.pk])
    assert client_for(market.other_owner).get(url).status_code == 404
    assert client_for(market.other_owner).post(url, {"price_amount": "1"}).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in


def test_an_offers_price_and_places_change_at_once(indexed, on_commit):
    market = indexed
    with on_commit():
        response = client_for(market.owner).post(
            reverse("marketplace:offer_edit", args=[market.offer.pk]),
            {
                "listing": market.listing.pk,
                "kind": Offer.Kind.BLOCK,
                "title": market.offer.title,
                "price": "50.00",
                "sessions": "6",
                "places": "4",
            },
        )
    assert response.status_code == 302
    assert ListingRecord.objects.get(listing_id=market.listing.pk).places_available == 4
    assert "£50.00 for 6 sessions" in Client().get(market.listing.url).content.decode()


def test_content_edits_still_wait_for_a_moderator_and_keep_newer_places(indexed, on_commit):
    market = indexed
    Offer.objects.filter(listing=market.listing).delete()
    listing = ListingPage.objects.get(pk=market.listing.pk).specific
    # The moderated edit form no longer carries price or places.
    form = client_for(market.owner).get(reverse("directory:owner_edit", args=[listing.pk]))
    assert 'name="places_available"' not in form.content.decode()
    assert 'name="price_amount"' not in form.content.decode()

    summary = "Lane swimming, lessons and a hoist, in Stockport town centre."
    edited = listing.get_latest_revision_as_object()
    edited.summary = summary
    with on_commit():
        submit_changes(edited, market.owner)
    listing.refresh_from_db()
    assert listing.summary != summary  # waits for a moderator
    assert listing.current_workflow_state is not None

    with on_commit():
        client_for(market.owner).post(
            reverse("marketplace:listing_places", args=[listing.pk]),
            {"price_amount": "7.00", "price_unit": "session", "places_available": "2"},
        )
    listing.refresh_from_db()
    assert (listing.price_amount, listing.places_available) == (Decimal("7.00"), 2)
    assert listing.summary != summary

    # Approving the older edit later does not put the old price and places back.
    with on_commit():
        listing.get_latest_revision().publish(user=None, skip_permission_checks=True)
    listing.refresh_from_db()
    assert listing.summary == summary
    assert (listing.price_amount, listing.places_available) == (Decimal("7.00"), 2)
    assert ListingRecord.objects.get(listing_id=listing.pk).places_available == 2


def test_price_and_places_are_checked_and_explained(market):
    Offer.objects.filter(listing=market.listing).delete()
    client = client_for(market.owner)
    url = reverse("marketplace:listing_places", args=[market.listing.pk])
    response = client.post(url, {"price_amount": "6.50", "capacity": "4", "places_available": "9"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Say what the price is for" in text
    assert "Places left cannot be more than places in total." in text
    response = client.post(url, {"price_amount": "", "price_unit": "free"})
    assert response.status_code == 302
    assert ListingPage.objects.get(pk=market.listing.pk).price_amount == 0


def test_a_counted_listing_with_more_places_than_its_capacity_can_still_change_price(market):
    # Capacity was typed before the offers: the offers' 10 places are more than it.
    ListingPage.objects.filter(pk=market.listing.pk).update(capacity=6)
    response = client_for(market.owner).post(
        reverse("marketplace:listing_places", args=[market.listing.pk]),
        {"price_amount": "47.50", "price_unit": "session"},
    )
    assert response.status_code == 302
    listing = ListingPage.objects.get(pk=market.listing.pk)
    assert (listing.price_amount, listing.places_available) == (Decimal("47.50"), 10)
    page = Client().get(listing.url).content.decode()
    assert "10 places left" in page and "out of 6" not in page


def test_the_repair_command_counts_places_after_a_bulk_change(market):
    Offer.objects.filter(pk=market.offer.pk).update(places=3)  # skips the receivers
    assert ListingPage.objects.get(pk=market.listing.pk).places_available == 10
    out = StringIO()
    call_command("refresh_places", stdout=out)
    assert "changed: 1." in out.getvalue()
    assert ListingPage.objects.get(pk=market.listing.pk).places_available == 3
    call_command("refresh_places", stdout=out)
    assert "changed: 0." in out.getvalue()
