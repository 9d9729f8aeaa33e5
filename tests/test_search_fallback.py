"""When Elasticsearch is configured but down, the directory keeps working.

Search answers from the database and says so in the log; publishing,
unpublishing and deleting still succeed, and the failed index update is
logged for ``manage.py rebuild_directory_index`` to repair. No real
Elasticsearch is needed: ELASTICSEARCH_URL points at a port nothing listens on.
"""

from __future__ import annotations

import logging
import socket

import pytest

from directory import elasticsearch, geo
from directory.factories import make_listing
from directory.search import ListingQuery, search
from directory.search.records import ListingRecord

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local port that was free a moment ago, so connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def elasticsearch_down(settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_closed_port()}"
    settings.ELASTICSEARCH_INDEX_PREFIX = "kith-test-down"
    settings.ELASTICSEARCH_TIMEOUT = 2
    elasticsearch.get_client.cache_clear()
    yield
    elasticsearch.get_client.cache_clear()


def _publish(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return make_listing(**kwargs)


def test_search_answers_from_the_database_and_logs_the_fall_back(
    elasticsearch_down, django_capture_on_commit_callbacks, caplog
):
    _publish(
        django_capture_on_commit_callbacks,
        kind="club",
        title="Edgeley Walking Football",
        postcodes="SK3 9HQ",
        summary="Walking football for over-50s, Thursday mornings.",
        outcomes=["physical-health"],
        categories=["sports-activities"],
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="directory.search"):
        page = search(
            ListingQuery(text="football", origin=geo.locate("SK1 3TA").point, radius_km=10)
        )
    assert page.backend == "database"
    assert [r.name for r in page.results] == ["Edgeley Walking Football"]
    assert page.results[0].distance_km is not None
    warnings = [r for r in caplog.records if r.name == "directory.search"]
    assert len(warnings) == 1
    assert "fell back to the database" in warnings[0].getMessage()


def test_publishing_succeeds_and_logs_that_the_index_was_not_updated(
    elasticsearch_down, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.ERROR, logger="directory.search"):
        page = _publish(
            django_capture_on_commit_callbacks,
            kind="provider",
            title="Stockport Home Support",
            postcodes="SK2 6PL",
            outcomes=["independent-living"],
            price="19.50",
            price_unit="hour",
        )
    assert page.live
    assert ListingRecord.objects.filter(listing_id=page.pk).exists()
    assert any("Could not update Elasticsearch" in r.getMessage() for r in caplog.records), (
        caplog.text
    )


def test_unpublishing_and_deleting_succeed_while_elasticsearch_is_down(
    elasticsearch_down, django_capture_on_commit_callbacks, caplog
):
    first = _publish(
        django_capture_on_commit_callbacks,
        kind="club",
        title="Marple Book Club",
        postcodes="SK6 6AA",
    )
    second = _publish(
        django_capture_on_commit_callbacks,
        kind="club",
        title="Marple Chess Club",
        postcodes="SK6 6AA",
    )
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="directory.search"):
        with django_capture_on_commit_callbacks(execute=True):
            first.unpublish()
        with django_capture_on_commit_callbacks(execute=True):
            second.delete()
    assert not ListingRecord.objects.filter(listing_id__in=[first.pk, second.pk]).exists()
    removal_errors = [r for r in caplog.records if "Could not remove listings" in r.getMessage()]
    assert removal_errors, caplog.text
    assert search(ListingQuery(text="Marple")).results == []
