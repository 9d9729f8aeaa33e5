"""Suspension and checks in search, on both backends (directory.safety).

A moderator's suspension takes a listing out of search the moment it
commits, and lifting it puts the listing back; the "only checked providers"
filter finds listings whose CQC registration is verified, or whose verified
insurance is still in date (expired insurance does not count). Each case
runs on the database backend and, with ELASTICSEARCH_URL set, on
Elasticsearch, in an index of the test's own (see conftest.py).
"""

from __future__ import annotations

import datetime

import pytest

from conftest import require_service
from directory.factories import make_listing
from directory.models import ListingCheck
from directory.safety import services as safety
from directory.search import ListingQuery, database_backend
from directory.search.records import ListingRecord

pytestmark = [pytest.mark.django_db, pytest.mark.services]

TODAY = datetime.date.today()


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request, settings):
    if request.param == "database":
        return database_backend()
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    from directory import elasticsearch
    from directory.search.elastic import ElasticsearchBackend

    elasticsearch.get_client.cache_clear()
    return ElasticsearchBackend()


@pytest.fixture
def moderator(user_factory):
    return user_factory(display_name="Mo Ahmed", roles=["moderator"])


@pytest.fixture
def homecare(user_factory, django_capture_on_commit_callbacks):
    """Three home care agencies around Stockport, published as a moderator approves them."""
    owner = user_factory(display_name="Dave Lomas", roles=["provider"])
    with django_capture_on_commit_callbacks(execute=True):
        return {
            name: make_listing(
                "provider",
                name,
                postcode,
                summary="Home care visits: washing, dressing and meals.",
                categories=["domestic-help"],
                owner=owner,
            )
            for name, postcode in [
                ("Heaton Home Care", "SK4 4NB"),
                ("Marple Care Agency", "SK6 6AA"),
                ("Reddish Carers", "SK5 6AA"),
            ]
        }


def names(page) -> set[str]:
    return {result.name for result in page.results}


def care(backend, **query):
    return backend.search(ListingQuery(text="home care", page_size=50, **query))


def test_suspension_takes_a_listing_out_of_search_at_once_and_lifting_brings_it_back(
    backend, homecare, moderator, django_capture_on_commit_callbacks
):
    heaton = homecare["Heaton Home Care"]
    assert "Heaton Home Care" in names(care(backend))
    with django_capture_on_commit_callbacks(execute=True):
        safety.suspend(heaton, moderator, "Two reports of missed visits to people living alone.")
    assert "Heaton Home Care" not in names(care(backend))
    assert not ListingRecord.objects.filter(listing_id=heaton.pk).exists()
    assert names(care(backend)) == {"Marple Care Agency", "Reddish Carers"}

    with django_capture_on_commit_callbacks(execute=True):
        safety.lift(heaton, moderator, "Visits checked with the council; all made.")
    assert "Heaton Home Care" in names(care(backend))


def _verified(listing, kind, *, checked_on, expires_on=None, reference="1-101634556"):
    check = ListingCheck.objects.create(
        listing=listing,
        kind=kind,
        reference=reference,
        expires_on=expires_on,
        status=ListingCheck.Status.VERIFIED,
        checked_on=checked_on,
        how_checked="Looked up on the CQC register",
    )
    safety.refresh_search(listing.pk)
    return check


def test_the_checked_filter_finds_verified_cqc_and_in_date_insurance_only(
    backend, homecare, django_capture_on_commit_callbacks
):
    heaton, marple, reddish = homecare.values()
    with django_capture_on_commit_callbacks(execute=True):
        _verified(heaton, "cqc", checked_on=datetime.date(2026, 3, 3))
        _verified(
            marple,
            "public_liability",
            checked_on=TODAY - datetime.timedelta(days=10),
            expires_on=TODAY + datetime.timedelta(days=200),
            reference="Aviva 24-PL-5518820",
        )
        _verified(
            reddish,
            "employers_liability",
            checked_on=TODAY - datetime.timedelta(days=400),
            expires_on=TODAY - datetime.timedelta(days=1),
            reference="Zurich EL-88231",
        )
    assert names(care(backend, checks=("cqc",))) == {"Heaton Home Care"}
    assert names(care(backend, checks=("insurance",))) == {"Marple Care Agency"}
    assert names(care(backend, checks=("cqc", "insurance"))) == set()
    assert len(care(backend).results) == 3

    results = {r.name: r for r in care(backend).results}
    assert results["Heaton Home Care"].cqc_checked_on == "2026-03-03"
    assert results["Heaton Home Care"].insurance_valid_until is None
    marple_result = results["Marple Care Agency"]
    assert marple_result.insurance_valid_until == (TODAY + datetime.timedelta(days=200)).isoformat()
    assert marple_result.insurance_checked_on == (TODAY - datetime.timedelta(days=10)).isoformat()
    # Expired insurance is still shown (as expired), but does not count as checked.
    assert (
        results["Reddish Carers"].insurance_valid_until
        == (TODAY - datetime.timedelta(days=1)).isoformat()
    )
