"""Search indexing that finishes, and search that survives Elasticsearch failing.

The first half needs no services: a fake Elasticsearch client times out,
answers 429 and 503, and rejects single documents, and bulk indexing must
still write every document once, in bounded memory, or say clearly why it
gave up. The rebuild cases run ``rebuild_directory_index`` against the real
Elasticsearch (skipped without ELASTICSEARCH_URL) through a client that fails
some bulk requests: the rebuild completes, an interrupted one resumes, and the
alias moves only at the end. The last cases inject failures into searches:
every one is answered from the database, with one log line.
"""

from __future__ import annotations

import logging

import pytest
from django.core.management import CommandError, call_command
from elastic_transport import ApiResponseMeta, ConnectionTimeout, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from conftest import require_service
from directory import elasticsearch, geo
from directory.search import ListingQuery, elastic, search
from directory.search.indexing import documents_for
from directory.search.records import save_records

NODE = NodeConfig("http", "127.0.0.1", 9200)


def api_error(status: int, message: str = "busy") -> ApiError:
    meta = ApiResponseMeta(
        status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=NODE
    )
    return ApiError(message, meta=meta, body={"error": {"type": message}})


def doc(pk: int) -> dict:
    return {
        "id": pk,
        "kind": "club",
        "name": f"Stockport Walking Group {pk}",
        "summary": "Gentle walks.",
        "description": "",
        "taxonomy_text": "",
        "outcomes": [],
        "categories": [],
        "languages": ["en"],
        "accessibility": [],
        "offers_backup_cover": False,
        "price_amount": None,
        "price_unit": "",
        "places_available": None,
        "last_confirmed": None,
        "url_path": f"/directory/walk-{pk}/",
        "locations": [{"postcode": "SK1 3XE", "lat": 53.41, "lng": -2.15}],
    }


class FlakyBulkClient:
    """A stand-in for the Elasticsearch client's bulk API that fails on a schedule.

    ``faults`` is consumed one per bulk request: None answers normally,
    an exception is raised, and "reject" answers 429 for every other document
    of that request (the rest are written).
    """

    def __init__(self, faults=()):
        self.faults = iter(faults)
        self.stored: dict[int, bytes] = {}
        self.requests = 0
        self.timeouts = []

    def options(self, **kwargs):
        self.timeouts.append(kwargs.get("request_timeout"))
        return self

    def bulk(self, *, operations):
        self.requests += 1
        fault = next(self.faults, None)
        if isinstance(fault, Exception):
            raise fault
        items = []
        pairs = zip(operations[::2], operations[1::2], strict=True)
        for i, (header, body) in enumerate(pairs):
            pk = int(elastic.json.loads(header)["index"]["_id"])
            if fault == "reject" and i % 2:
                items.append(
                    {"index": {"_id": pk, "status": 429, "error": {"type": "es_rejected"}}}
                )
            elif fault == "refuse":
                items.append({"index": {"_id": pk, "status": 400, "error": {"type": "mapper"}}})
            else:
                self.stored[pk] = body
                items.append({"index": {"_id": pk, "status": 201}})
        return {"errors": fault is not None, "items": items}


@pytest.fixture
def no_waiting(monkeypatch):
    waits = []
    monkeypatch.setattr(elastic, "_sleep", waits.append)
    return waits


def test_bulk_indexing_retries_timeouts_429s_and_5xx_until_every_document_is_written(
    monkeypatch, no_waiting
):
    client = FlakyBulkClient(
        [
            ConnectionTimeout("read timeout"),
            api_error(429, "es_rejected_execution_exception"),
            None,
            "reject",
            api_error(503, "unavailable_shards_exception"),
            "reject",
        ]
    )
    monkeypatch.setattr(elastic, "_client", lambda: client)
    seen = []
    options = elastic.BulkOptions(
        chunk_size=100, in_flight=1, request_timeout=45, initial_backoff=0.5
    )
    written = elastic.bulk_index(
        (doc(pk) for pk in range(1, 1235)),
        "kith-listings-new",
        options=options,
        on_chunk=lambda done, last: seen.append((done, last)),
    )
    assert written == 1234
    assert sorted(client.stored) == list(range(1, 1235))
    assert seen[-1] == (1234, 1234)
    assert [last for _, last in seen] == sorted(last for _, last in seen)
    # A pause that doubles for each retry of the same chunk, and the bulk timeout on every request.
    assert no_waiting[:2] == [0.5, 1.0]
    assert set(client.timeouts) == {45}


def test_bulk_indexing_reads_a_generator_a_few_chunks_at_a_time(monkeypatch, no_waiting):
    client = FlakyBulkClient()
    monkeypatch.setattr(elastic, "_client", lambda: client)
    produced = [0]
    read_ahead = []

    def docs():
        for pk in range(1, 10_001):
            produced[0] += 1
            yield doc(pk)

    def on_chunk(done, last_id):
        read_ahead.append(produced[0] - done)

    options = elastic.BulkOptions(chunk_size=250, in_flight=2)
    assert elastic.bulk_index(docs(), "kith-listings-new", options=options, on_chunk=on_chunk)
    # Never more than in_flight + 1 chunks read ahead of what was written.
    assert max(read_ahead) <= 3 * 250


def test_bulk_indexing_gives_up_after_its_retries_with_a_clear_reason(monkeypatch, no_waiting):
    client = FlakyBulkClient([ConnectionTimeout("read timeout")] * 10)
    monkeypatch.setattr(elastic, "_client", lambda: client)
    options = elastic.BulkOptions(chunk_size=10, max_retries=3)
    with pytest.raises(elastic.IndexingFailed, match="after 3 retries.*ConnectionTimeout"):
        elastic.bulk_index([doc(1), doc(2)], "kith-listings-new", options=options)
    assert client.requests == 4
    assert no_waiting == [1.0, 2.0, 4.0]


def test_a_document_elasticsearch_refuses_stops_indexing_at_once(monkeypatch, no_waiting):
    client = FlakyBulkClient(["refuse"])
    monkeypatch.setattr(elastic, "_client", lambda: client)
    with pytest.raises(elastic.IndexingFailed, match="refused listing 7"):
        elastic.bulk_index([doc(7)], "kith-listings-new")
    assert client.requests == 1


# Rebuilding against the real Elasticsearch


class FlakyClient:
    """The real client, except that the n-th bulk request fails with ``fail(n)`` if not None.

    Every bulk request also notes which indices the alias points at, at that moment.
    """

    def __init__(self, real, fail, state=None):
        self._real = real
        self._state = state or {"fail": fail, "bulk_calls": 0, "aliases_seen": []}

    def __getattr__(self, name):
        return getattr(self._real, name)

    @property
    def bulk_calls(self):
        return self._state["bulk_calls"]

    @property
    def aliases_seen(self):
        return self._state["aliases_seen"]

    def options(self, **kwargs):
        return FlakyClient(self._real.options(**kwargs), None, self._state)

    def bulk(self, **kwargs):
        self._state["bulk_calls"] += 1
        self._state["aliases_seen"].append(tuple(elastic._indices_behind_alias()))
        fault = self._state["fail"](self._state["bulk_calls"])
        if fault:
            raise fault
        return self._real.bulk(**kwargs)


@pytest.fixture
def es_directory(db, settings, monkeypatch, no_waiting):
    """Twelve live listings in the database and an index of an earlier build behind the alias."""
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    if reason := elasticsearch.unreachable_reason():
        pytest.fail(f"Elasticsearch cannot be reached ({reason})")
    from directory.factories import make_listing

    monkeypatch.setattr(
        "directory.management.commands.rebuild_directory_index.CHECKPOINT_SECONDS", 0
    )
    postcodes = ["SK1 3XE", "OL8 1AA", "SK4 4NB", "M20 2RN"]
    pages = [
        make_listing("club", f"Tameside Walking Group {i}", [postcodes[i % 4]]) for i in range(12)
    ]
    old = elastic.recreate_index()
    return {"ids": sorted(page.pk for page in pages), "old": old}


def _use(monkeypatch, client):
    monkeypatch.setattr(elastic, "_client", lambda: client)


def _found(ids) -> set[int]:
    page = elastic.ElasticsearchBackend().search(ListingQuery(text="walking", page_size=100))
    return {r.id for r in page.results} & set(ids)


def test_a_rebuild_completes_through_timeouts_and_429s(es_directory, monkeypatch, capsys):
    real = elasticsearch.get_client()
    faults = {1: ConnectionTimeout("read timeout"), 2: api_error(429), 4: api_error(502)}
    client = FlakyClient(real, faults.get)
    _use(monkeypatch, client)

    call_command("rebuild_directory_index", "--chunk-size", "5", "--in-flight", "2", "-v", "2")

    out = capsys.readouterr().out
    assert "Indexed 12 live listings" in out
    assert "Indexed 5 of 12 listings" in out  # progress lines, without a terminal
    assert client.bulk_calls >= 3 + len(faults)
    assert _found(es_directory["ids"]) == set(es_directory["ids"])
    # Searches saw the old index until the swap at the very end.
    assert set(client.aliases_seen) == {(es_directory["old"],)}
    assert es_directory["old"] not in elastic._indices_behind_alias()


def test_an_interrupted_rebuild_continues_where_it_stopped(es_directory, monkeypatch, capsys):
    real = elasticsearch.get_client()
    broken = FlakyClient(real, lambda n: api_error(400, "illegal_argument") if n >= 2 else None)
    _use(monkeypatch, broken)
    with pytest.raises(elastic.IndexingFailed):
        call_command("rebuild_directory_index", "--chunk-size", "5", "--in-flight", "1")
    assert "Run the command again to continue" in capsys.readouterr().err
    # The live index is untouched and still answers.
    assert elastic._indices_behind_alias() == [es_directory["old"]]
    (half_built,) = elastic._building_indices()

    counting = FlakyClient(real, lambda n: None)
    _use(monkeypatch, counting)
    call_command("rebuild_directory_index", "--chunk-size", "5", "--in-flight", "1")

    out = capsys.readouterr().out
    assert f"Continuing the rebuild of {half_built} after listing {es_directory['ids'][4]}" in out
    assert "Indexed 7 live listings" in out  # only what the first run had not done
    assert counting.bulk_calls == 2
    assert elastic._indices_behind_alias() == [half_built]
    assert _found(es_directory["ids"]) == set(es_directory["ids"])
    assert elastic._building_indices() == {}


def test_restart_discards_a_half_built_index(es_directory, monkeypatch, capsys):
    real = elasticsearch.get_client()
    broken = FlakyClient(real, lambda n: api_error(400) if n >= 2 else None)
    _use(monkeypatch, broken)
    with pytest.raises(elastic.IndexingFailed):
        call_command("rebuild_directory_index", "--chunk-size", "5", "--in-flight", "1")
    (half_built,) = elastic._building_indices()
    _use(monkeypatch, real)
    call_command("rebuild_directory_index", "--restart", "--no-progress")
    assert "Indexed 12 live listings" in capsys.readouterr().out
    assert half_built not in elastic._indices_behind_alias()
    assert not real.indices.exists(index=half_built)


def test_publishing_during_a_rebuild_also_reaches_the_index_being_built(es_directory):
    build = elastic.resumable_build()
    elastic.index_documents([doc(990_001)])
    assert elasticsearch.get_client().exists(index=build.index, id=990_001)
    elastic.delete_documents([990_001])
    assert not elasticsearch.get_client().exists(index=build.index, id=990_001)


def test_an_unreachable_elasticsearch_stops_the_rebuild_before_it_starts(settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    elasticsearch.get_client.cache_clear()
    try:
        with pytest.raises(CommandError, match="cannot be reached"):
            call_command("rebuild_directory_index")
    finally:
        elasticsearch.get_client.cache_clear()


# Searching while Elasticsearch fails


class FailingSearchClient:
    def __init__(self, outcome):
        self.outcome = outcome

    def msearch(self, body):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return {"responses": [self.outcome]}


RED = {"status": 503, "error": {"type": "search_phase_execution_exception"}}
PARTIAL = {
    "timed_out": False,
    "_shards": {"total": 3, "successful": 2, "failed": 1},
    "hits": {"total": {"value": 0}, "hits": []},
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "outcome",
    [
        ConnectionTimeout("read timeout"),
        api_error(503, "no_shard_available_action_exception"),
        api_error(500, "node_disconnected_exception"),
        RED,
        PARTIAL,
        {"timed_out": True, "_shards": {"total": 1, "successful": 1, "failed": 0}},
    ],
    ids=["timeout", "503", "500", "all-shards-failed", "a-shard-missing", "timed-out"],
)
def test_a_failing_elasticsearch_search_is_answered_by_the_database(
    outcome, settings, monkeypatch, caplog
):
    from directory.factories import make_listing

    page = make_listing("club", "Chadderton Walking Football", ["OL8 1AA"])
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    monkeypatch.setattr(elastic, "_client", lambda: FailingSearchClient(outcome))
    save_records(documents_for([page.pk]))
    with caplog.at_level(logging.WARNING, logger="directory.search"):
        page = search(ListingQuery(text="football", origin=geo.locate("OL8 1AA").point))
    assert page.backend == "database"
    assert [r.name for r in page.results] == ["Chadderton Walking Football"]
    warnings = [r for r in caplog.records if r.name == "directory.search"]
    assert len(warnings) == 1
    assert "fell back to the database" in warnings[0].getMessage()


def test_a_search_that_fails_in_passing_is_asked_again_and_answered_by_elasticsearch(
    settings, monkeypatch, caplog, no_waiting
):
    """A node leaving can fail one search (its shard copy went); the next finds the replica."""
    ok = {
        "timed_out": False,
        "_shards": {"total": 3, "successful": 3, "failed": 0},
        "hits": {"total": {"value": 0}, "hits": []},
    }
    answers = iter([{"responses": [RED]}, {"responses": [ok]}])

    class NodeLeaving:
        def msearch(self, body):
            return next(answers)

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    monkeypatch.setattr(elastic, "_client", NodeLeaving)
    with caplog.at_level(logging.WARNING, logger="directory.search"):
        page = search(ListingQuery(text="swimming"))
    assert page.backend == "elasticsearch"
    assert no_waiting == [elastic.SEARCH_RETRY_PAUSE]
    assert not [r for r in caplog.records if r.name == "directory.search"]


# The inner circle of a nearest-first search on a large index: two round trips


def _answer(total, hits=()):
    return {
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "failed": 0},
        "hits": {"total": {"value": total, "relation": "eq"}, "hits": list(hits)},
    }


class TwoRounds:
    """Counts the index as large, then answers each ``_msearch`` from a script."""

    def __init__(self, rounds, count=None):
        self.rounds = iter(rounds)
        self.count_answer = count if count is not None else {"count": 1_000_000}
        self.asked = []

    def count(self, index):
        if isinstance(self.count_answer, Exception):
            raise self.count_answer
        return self.count_answer

    def msearch(self, body):
        self.asked.append(len(body) // 2)
        outcome = next(self.rounds)
        if isinstance(outcome, Exception):
            raise outcome
        return {"responses": outcome}


@pytest.fixture
def large_index(settings, monkeypatch):
    from directory.factories import make_listing

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    monkeypatch.setitem(elastic._index_size, "at", -elastic.INDEX_SIZE_TTL)
    page = make_listing("club", "Chadderton Walking Football", ["OL8 1AA"])
    save_records(documents_for([page.pk]))
    return ListingQuery(origin=geo.locate("OL8 1AA").point, page_size=10)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure",
    [
        ConnectionTimeout("read timeout"),
        api_error(503, "no_shard_available_action_exception"),
        [RED],
    ],
    ids=["timeout", "503", "all-shards-failed"],
)
def test_a_second_round_that_fails_is_answered_by_the_database(large_index, monkeypatch, failure):
    # The inner circle holds 3 of the 40 within the radius: not a page of 10.
    client = TwoRounds([[_answer(40), _answer(3)], failure, failure])
    monkeypatch.setattr(elastic, "_client", lambda: client)
    monkeypatch.setattr(elastic, "_sleep", lambda seconds: None)
    page = search(large_index)
    assert page.backend == "database"
    assert [r.name for r in page.results] == ["Chadderton Walking Football"]
    assert client.asked[:2] == [2, 1]  # the total and the inner page, then the whole circle


@pytest.mark.django_db
def test_the_total_counts_the_whole_circle_when_the_page_comes_from_the_inner_one(
    large_index, monkeypatch
):
    hit = {"_id": "7", "_score": None, "_source": {"id": 7, "name": "Oldham Peer Support"}}
    client = TwoRounds([[_answer(1234), _answer(10, [hit] * 10)]])
    monkeypatch.setattr(elastic, "_client", lambda: client)
    [response] = elastic.ElasticsearchBackend().responses([large_index])
    assert client.asked == [2]  # one round trip
    assert response["hits"]["total"]["value"] == 1234
    assert len(response["hits"]["hits"]) == 10


@pytest.mark.django_db
def test_an_index_that_cannot_be_counted_is_searched_whole(large_index, monkeypatch):
    client = TwoRounds([[_answer(1)]], count=ConnectionTimeout("read timeout"))
    monkeypatch.setattr(elastic, "_client", lambda: client)
    [response] = elastic.ElasticsearchBackend().responses([large_index])
    assert client.asked == [1] and response["hits"]["total"]["value"] == 1
