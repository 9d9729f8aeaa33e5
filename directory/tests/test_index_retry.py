"""Search-index updates are queued and retried until Elasticsearch takes them (issue 14, item 8).

A fake Elasticsearch (two functions patched on ``directory.search.elastic``)
fails while "down" and records what it was sent once "up", so no server is
needed.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from directory import elasticsearch
from directory.factories import make_listing
from directory.models import IndexUpdate
from directory.search import elastic
from directory.search.indexing import apply_index_updates, retry_wait

pytestmark = pytest.mark.django_db


class FakeElasticsearch:
    def __init__(self):
        self.up = False
        self.indexed: set[int] = set()
        self.calls = 0

    def index_documents(self, docs, **kwargs):
        self.calls += 1
        if not self.up:
            raise ConnectionError("Elasticsearch is down")
        self.indexed |= {doc["id"] for doc in docs}
        return len(docs)

    def delete_documents(self, ids):
        self.calls += 1
        if not self.up:
            raise ConnectionError("Elasticsearch is down")
        self.indexed -= set(ids)


@pytest.fixture
def fake_es(settings, monkeypatch):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"  # configured; never contacted
    elasticsearch.get_client.cache_clear()
    fake = FakeElasticsearch()
    monkeypatch.setattr(elastic, "index_documents", fake.index_documents)
    monkeypatch.setattr(elastic, "delete_documents", fake.delete_documents)
    yield fake
    elasticsearch.get_client.cache_clear()


def _publish(capture, **kwargs):
    with capture(execute=True):
        return make_listing(**kwargs)


def test_a_listing_taken_down_during_an_outage_leaves_search_once_elasticsearch_is_back(
    fake_es, django_capture_on_commit_callbacks
):
    fake_es.up = True
    page = _publish(
        django_capture_on_commit_callbacks,
        kind="club",
        title="Oldham Chess Club",
        postcodes="OL8 1AA",
    )
    assert page.pk in fake_es.indexed
    assert not IndexUpdate.objects.exists()

    fake_es.up = False
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    pending = IndexUpdate.objects.get()
    assert (pending.listing_id, pending.action, pending.attempts) == (page.pk, "remove", 1)
    assert pending.next_try > timezone.now()
    assert "down" in pending.last_error
    assert page.pk in fake_es.indexed  # still searchable in Elasticsearch, for now

    # Nothing is due yet: a run before next_try leaves it waiting and sends nothing.
    calls = fake_es.calls
    assert apply_index_updates() == (0, 1)
    assert fake_es.calls == calls

    # Still down at the next try: the wait grows.
    first_try = pending.next_try
    apply_index_updates(now=first_try)
    pending.refresh_from_db()
    assert pending.attempts == 2
    assert pending.next_try == first_try + retry_wait(2)

    fake_es.up = True
    assert apply_index_updates(now=pending.next_try) == (1, 0)
    assert page.pk not in fake_es.indexed
    assert not IndexUpdate.objects.exists()


def test_a_newer_change_replaces_the_pending_one_and_the_listing_ends_as_it_is_now(
    fake_es, django_capture_on_commit_callbacks
):
    page = _publish(
        django_capture_on_commit_callbacks,
        kind="club",
        title="Royton Walking Group",
        postcodes="OL2 5AA",
    )
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    row = IndexUpdate.objects.get()
    assert row.action == "index"
    fake_es.up = True
    apply_index_updates(now=timezone.now() + timedelta(hours=2))
    assert fake_es.indexed == {page.pk}


def test_deleting_during_an_outage_is_retried(fake_es, django_capture_on_commit_callbacks):
    page = _publish(
        django_capture_on_commit_callbacks,
        kind="club",
        title="Failsworth Choir",
        postcodes="M35 0AA",
    )
    pk = page.pk
    fake_es.indexed.add(pk)
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert IndexUpdate.objects.get().listing_id == pk
    fake_es.up = True
    apply_index_updates(now=timezone.now() + timedelta(hours=2))
    assert pk not in fake_es.indexed


def test_the_wait_doubles_up_to_an_hour():
    assert retry_wait(1) == timedelta(seconds=30)
    assert retry_wait(2) == timedelta(minutes=1)
    assert retry_wait(3) == timedelta(minutes=2)
    assert retry_wait(20) == timedelta(hours=1)


def test_without_elasticsearch_nothing_is_queued(settings, django_capture_on_commit_callbacks):
    settings.ELASTICSEARCH_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        page = make_listing(kind="club", title="Hyde Bowls Club", postcodes="SK14 1AA")
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert not IndexUpdate.objects.exists()
