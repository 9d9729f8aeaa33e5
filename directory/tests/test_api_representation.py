"""The API's hand-built listing representation matches DRF's walk over the declared fields."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.request import Request

from directory.api import ListingSerializer
from directory.search.query import ListingLocationSummary, ListingSummary

SUMMARIES = [
    ListingSummary(
        id=42,
        name="Stockport Swimming Club",
        kind="provider",
        summary="Adult swimming sessions with a poolside hoist.",
        url_path="/directory/stockport-swimming-club/",
        outcomes=["physical-health"],
        categories=["swimming", "gym-membership"],
        price_amount=Decimal("4.5"),
        price_unit="session",
        places_available=6,
        last_confirmed="2025-03-14",  # Elasticsearch gives the ISO date
        location=ListingLocationSummary("SK1 3TA", 53.4083, -2.1494),
        distance_km=0.0,
        score=3.0,
    ),
    ListingSummary(
        id=7,
        name="Priya Sharma",
        kind="pa",
        summary="Experienced PA.",
        url_path="/directory/priya-sharma/",
        outcomes=["independent-living"],
        categories=["personal-assistant"],
        price_amount=None,
        price_unit="free",
        places_available=0,
        last_confirmed=date(2025, 1, 2),  # a date object, as a caller might pass
        location=ListingLocationSummary("SK4 4", 53.42, -2.18),
        distance_km=4.36,
    ),
    ListingSummary(
        id=8,
        name="Café Côte – Urdu group",
        kind="peer_group",
        summary="",
        url_path="/directory/café-côte/",
        price_amount=Decimal("12"),
        price_unit="",  # an amount without a unit counts as no price
        places_available=None,
        last_confirmed=None,
        location=None,
        distance_km=None,
    ),
    ListingSummary(
        id=9,
        name="Marple Home Help",
        kind="provider",
        summary="Cleaning.",
        url_path="/directory/marple-home-help/",
        price_amount=18,
        price_unit="hour",
        last_confirmed="",
        distance_km=12,
        location=ListingLocationSummary("SK6 1AA", 53.39, -2.06),
    ),
]


@pytest.mark.parametrize("summary", SUMMARIES, ids=lambda s: s.name)
def test_the_fast_representation_is_what_drf_would_give(summary):
    request = Request(RequestFactory().get("/api/v1/listings/", {"postcode": "SK1 3XE"}))
    serializer = ListingSerializer(context={"request": request})
    expected = serializers.Serializer.to_representation(serializer, summary)
    fast = serializer.to_representation(summary)
    assert fast == expected
    assert list(fast) == list(expected)  # the same key order in the JSON
    assert [type(value) for value in fast.values()] == [type(v) for v in expected.values()]
