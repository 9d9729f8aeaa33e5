"""Directory search with Elasticsearch (contract: shared/DESIGN.md, Search).

The index holds one document per live listing: the ``listing_document(page)``
dict with its locations turned into a ``geo_point`` array (``locations``) and
also kept as shown (``public_locations``: public postcode and coordinates),
so a search is answered from ``_source`` alone, in one request, without
touching the database.

``ElasticsearchBackend`` honours the same contract as ``DatabaseBackend``:
OR within a filter and AND across filters; every word of the text must occur
in some text field; with a postcode, nothing beyond ``radius_km`` (arc
distance, as the database computes it), nearest first without text, and
text relevance times the same Gaussian distance decay with text.

Words are matched whole or as the start of a word ("swim" finds "swimming"),
because the minimal Elasticsearch distribution used in CI has no stemmers
(scripts/services/README.md). The database backend matches any substring, so
it can also find a word inside another ("ball" in "football"); the contract
tests use whole words and word starts, where both agree.

Searches and updates go through an alias, ``<prefix>-listings``, so that
``manage.py rebuild_directory_index`` can fill a new index while the old one
answers, then swap them in one step.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.utils import timezone
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, NotFoundError, helpers
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Float,
    GeoPoint,
    Index,
    Integer,
    Keyword,
    Long,
    MetaField,
    Object,
    Q,
    Search,
    Text,
)

from directory import elasticsearch, geo
from directory.freshness import STALE_SCORE_FACTOR
from directory.search import SearchUnavailable
from directory.search.query import (
    CHECK_CQC,
    CHECK_INSURANCE,
    DECAY_AT_SCALE,
    DECAY_SCALE_KM,
    FIELD_BOOSTS,
    ListingLocationSummary,
    ListingQuery,
    ListingSummary,
    SearchPage,
    SortOrder,
)

logger = logging.getLogger("directory.search")

# A word matched only as the start of a longer word counts for less than the
# whole word, so "swim" ranks "Swim club" above "Swimming lessons".
PREFIX_WEIGHT = 0.5

# Fields a result never shows: leaving them out of each hit keeps a page of
# 100 results small.
_NOT_RETURNED = ["description", "taxonomy_text"]

BULK_CHUNK_SIZE = 500

# Bulk requests answered with these statuses (Elasticsearch busy: 429; a node
# restarting or lost: 5xx), or not answered in time, are sent again after a
# growing pause; so are single documents rejected with them.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


_sleep = time.sleep  # tests replace it to retry without waiting

# A search that failed in passing (a node leaving) is asked again once, after this pause.
SEARCH_RETRIES = 1
SEARCH_RETRY_PAUSE = 0.05


class IndexingFailed(Exception):
    """Bulk indexing gave up: retries used up, or Elasticsearch refused a document."""


@dataclass(frozen=True)
class BulkOptions:
    """How hard bulk indexing pushes and how patiently it retries.

    ``in_flight`` requests are sent at once (two keep Elasticsearch indexing
    while this process encodes the next chunk, on two cores); a request that
    fails as in ``RETRY_STATUSES`` or times out after ``request_timeout``
    seconds is retried up to ``max_retries`` times, waiting
    ``initial_backoff`` seconds, then twice as long each time up to
    ``max_backoff``.
    """

    chunk_size: int = BULK_CHUNK_SIZE
    in_flight: int = 2
    request_timeout: float | None = None  # None: settings.ELASTICSEARCH_BULK_TIMEOUT
    max_retries: int = 8
    initial_backoff: float = 1.0
    max_backoff: float = 60.0

    def timeout(self) -> float:
        if self.request_timeout is not None:
            return self.request_timeout
        return settings.ELASTICSEARCH_BULK_TIMEOUT


# Publishing a listing must not hang a moderator's request for minutes (its
# request timeout is ELASTICSEARCH_TIMEOUT, as for a search).
LIVE_BULK = BulkOptions(in_flight=1, max_retries=2, initial_backoff=0.5)


class ListingDocument(Document):
    """The mapping of a listing. Standard analyzer only: see the module doc."""

    id = Long()
    kind = Keyword()
    name = Text(analyzer="standard", fields={"raw": Keyword()})  # .raw: sort by name
    summary = Text(analyzer="standard")
    description = Text(analyzer="standard")
    taxonomy_text = Text(analyzer="standard")
    outcomes = Keyword(multi=True)
    categories = Keyword(multi=True)
    languages = Keyword(multi=True)
    accessibility = Keyword(multi=True)
    offers_backup_cover = Boolean()
    # The exact amount stays a string in _source (Decimal in results); the
    # indexed float is only for range filters.
    price_amount = Float()
    price_unit = Keyword()
    places_available = Integer()
    last_confirmed = Date()
    stale = Boolean()  # "may be out of date": ranks lower (directory.freshness)
    # Verified checks (directory.safety): the "only checked providers" filter.
    cqc_checked_on = Date()
    insurance_checked_on = Date()
    insurance_valid_until = Date()
    url_path = Keyword(index=False, doc_values=False)
    locations = GeoPoint(multi=True)
    # What may be shown for each location (a sector for a PA), in the listing's order.
    public_locations = Object(enabled=False)

    class Meta:
        # A field added to listing_document later is kept in _source but not
        # indexed, rather than guessed at or refused.
        dynamic = MetaField(False)


def index_name() -> str:
    """The alias every search and update uses (the prefix lets tests use their own)."""
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-listings"


def _client():
    return elasticsearch.get_client()


def _admin():
    """The client for creating, filling and swapping indices: these may take longer
    than a search on a busy cluster, so they wait as long as a bulk request."""
    return _client().options(request_timeout=settings.ELASTICSEARCH_BULK_TIMEOUT)


def _index(name: str) -> Index:
    index = Index(name, using=_client())
    # One shard, no replica by default: on one node (docker-compose, CI)
    # replicas could never be assigned. A cluster sets both in the environment.
    index.settings(
        number_of_shards=settings.ELASTICSEARCH_NUMBER_OF_SHARDS,
        number_of_replicas=settings.ELASTICSEARCH_NUMBER_OF_REPLICAS,
    )
    index.document(ListingDocument)
    return index


def mapping_fingerprint() -> str:
    """Changes whenever the mapping does, so a rebuild never resumes into an outdated index."""
    import hashlib

    mapping = json.dumps(ListingDocument._doc_type.mapping.to_dict(), sort_keys=True)
    return hashlib.sha256(mapping.encode()).hexdigest()[:16]


def create_index(*, bulk: bool = False) -> str:
    """Create a new, empty, versioned index (not yet behind the alias); return its name.

    With ``bulk`` the index is not refreshed while it fills (new segments that
    a rebuild would only merge away again; ELASTICSEARCH_BULK_REFRESH_INTERVAL)
    and has no replicas yet (each document is written once, not once per
    copy); it is marked as being built, for ``resumable_build`` to find.
    Call ``finish_bulk`` before using it.
    """
    name = f"{index_name()}-{timezone.now():%Y%m%d%H%M%S%f}"
    index = _index(name)
    if bulk:
        index.settings(
            refresh_interval=settings.ELASTICSEARCH_BULK_REFRESH_INTERVAL, number_of_replicas=0
        )
    body = index.to_dict()
    if bulk:
        body.setdefault("mappings", {})["_meta"] = {
            BUILD_META: {
                "state": "building",
                "last_id": 0,
                "started_at": timezone.now().isoformat(),
                "mapping": mapping_fingerprint(),
            }
        }
    _admin().indices.create(index=name, **body)
    return name


# The key in a building index's mapping ``_meta`` that records how far it got.
BUILD_META = "kith_rebuild"


@dataclass(frozen=True)
class Build:
    """A new index being filled by ``rebuild_directory_index``, and how far it got."""

    index: str
    last_id: int  # every live listing with a primary key up to this is in the index
    started_at: str  # ISO time the build began (snapshots older than this are stale)
    resumed: bool


def _building_indices() -> dict[str, dict]:
    """Half-built indices of this prefix (not behind the alias), with their build state."""
    client = _admin()
    live = set(_indices_behind_alias())
    found = {}
    try:
        mappings = client.indices.get_mapping(index=f"{index_name()}-*", allow_no_indices=True)
    except NotFoundError:
        return found
    for name, body in mappings.items():
        meta = (body.get("mappings") or {}).get("_meta") or {}
        state = meta.get(BUILD_META)
        if name not in live and state and state.get("state") == "building":
            found[name] = state
    return found


def resumable_build(*, restart: bool = False) -> Build:
    """The build to continue (the newest half-built index, same mapping) or a new one.

    Half-built indices that will not be continued (older ones, another
    mapping, or all of them with ``restart``) are deleted.
    """
    building = _building_indices()
    chosen = None
    if not restart:
        fingerprint = mapping_fingerprint()
        for name in sorted(building, reverse=True):
            if building[name].get("mapping") == fingerprint:
                chosen = name
                break
    for name in building:
        if name != chosen:
            _admin().indices.delete(index=name, ignore_unavailable=True)
    if chosen:
        state = building[chosen]
        return Build(chosen, int(state["last_id"]), state["started_at"], resumed=True)
    name = create_index(bulk=True)
    state = _building_indices()[name]
    return Build(name, 0, state["started_at"], resumed=False)


def save_checkpoint(build: Build, last_id: int) -> None:
    """Record that every live listing up to ``last_id`` is in the building index."""
    state = {
        "state": "building",
        "last_id": last_id,
        "started_at": build.started_at,
        "mapping": mapping_fingerprint(),
    }
    _admin().indices.put_mapping(index=build.index, meta={BUILD_META: state})


def finish_bulk(name: str) -> None:
    """Make a filled index ready to search: usual refresh, its replicas, everything visible.

    Waits until every primary shard is assigned (yellow), so swapping it in
    never exposes an index that cannot answer; replicas copy in the background.
    """
    client = _admin()
    client.indices.put_settings(
        index=name,
        settings={
            "index": {
                "refresh_interval": None,
                "number_of_replicas": settings.ELASTICSEARCH_NUMBER_OF_REPLICAS,
            }
        },
    )
    client.indices.refresh(index=name)
    client.options(request_timeout=settings.ELASTICSEARCH_BULK_TIMEOUT + 10).cluster.health(
        index=name, wait_for_status="yellow", timeout="60s"
    )
    client.indices.put_mapping(index=name, meta={BUILD_META: {"state": "complete"}})


def _indices_behind_alias() -> list[str]:
    try:
        return sorted(_admin().indices.get_alias(name=index_name()).keys())
    except NotFoundError:
        return []


def swap_alias(new: str) -> None:
    """Point the alias at ``new`` in one step, then drop the indices it pointed at."""
    client = _admin()
    alias = index_name()
    old = [name for name in _indices_behind_alias() if name != new]
    if not old and client.indices.exists(index=alias):
        # A concrete index squats on the alias's name (made by hand, or by
        # documents written before any index existed): it has to go first.
        client.indices.delete(index=alias)
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions.append({"add": {"index": new, "alias": alias}})
    client.indices.update_aliases(actions=actions)
    _index_size["at"] = -INDEX_SIZE_TTL  # a new index: count it afresh
    for name in old:
        client.indices.delete(index=name, ignore_unavailable=True)


def ensure_index() -> str:
    """Make sure the alias exists and points at an index with our mapping."""
    alias = index_name()
    if not _client().indices.exists(index=alias):
        swap_alias(create_index())
    return alias


def recreate_index() -> str:
    """Replace the index with an empty one; return the new index's name."""
    new = create_index()
    swap_alias(new)
    return new


def delete_index() -> None:
    """Drop the alias and every index behind it (tests and benchmarks clean up with this)."""
    client = _admin()
    for name in _indices_behind_alias():
        client.indices.delete(index=name, ignore_unavailable=True)
    client.indices.delete(index=index_name(), ignore_unavailable=True)


def refresh() -> None:
    """Make every update so far visible to search (normally within a second anyway)."""
    _client().indices.refresh(index=index_name())


def es_source(doc: dict) -> dict:
    """The Elasticsearch ``_source`` for a ``listing_document`` dict."""
    source = dict(doc)
    source["public_locations"] = doc["locations"]
    source["locations"] = [{"lat": loc["lat"], "lon": loc["lng"]} for loc in doc["locations"]]
    return source


def _encode(index: str, doc: dict) -> tuple[int, bytes, bytes]:
    header = json.dumps({"index": {"_index": index, "_id": doc["id"]}}).encode()
    body = json.dumps(es_source(doc), separators=(",", ":"), ensure_ascii=False).encode()
    return doc["id"], header, body


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, (ConnectionTimeout, TransportConnectionError)):
        return True
    return isinstance(exc, ApiError) and exc.status_code in RETRY_STATUSES


def send_chunk(client, lines: list[tuple[int, bytes, bytes]], options: BulkOptions, sleep=None):
    """Index one chunk of encoded documents, retrying as ``options`` says; return how many.

    A whole request is retried when it times out, cannot connect, or is
    answered 429/5xx; documents the answer rejects with those statuses are
    retried on their own. Anything else (a document Elasticsearch refuses)
    raises ``IndexingFailed`` at once.
    """
    sleep = sleep or _sleep
    pending = lines
    written = 0
    bulk_client = client.options(request_timeout=options.timeout())
    for attempt in range(options.max_retries + 1):
        if attempt:
            sleep(min(options.max_backoff, options.initial_backoff * 2 ** (attempt - 1)))
        try:
            response = bulk_client.bulk(
                operations=[part for _, header, body in pending for part in (header, body)]
            )
        except (TransportError, ApiError) as exc:
            if not _is_retryable(exc):
                raise IndexingFailed(f"Elasticsearch refused a bulk request: {exc}") from exc
            reason = f"{exc.__class__.__name__}: {exc}"
            logger.warning("Bulk request failed (%s); retry %d", reason, attempt + 1)
            continue
        retry = []
        for line, item in zip(pending, response["items"], strict=True):
            result = next(iter(item.values()))
            status = result.get("status", 500)
            if status < 300:
                written += 1
            elif status in RETRY_STATUSES:
                retry.append(line)
                reason = f"{status} {result.get('error', {}).get('type', '')}"
            else:
                raise IndexingFailed(f"Elasticsearch refused listing {line[0]}: {result}")
        if not retry:
            return written
        pending = retry
    raise IndexingFailed(
        f"Gave up on {len(pending)} listings after {options.max_retries} retries ({reason})."
    )


def bulk_index(
    docs: Iterable[dict],
    index: str,
    *,
    options: BulkOptions = BulkOptions(),
    on_chunk: Callable[[int, int], None] | None = None,
) -> int:
    """Write listing documents into ``index`` in chunks; return how many were written.

    ``docs`` may be a generator: at most ``options.in_flight`` + 1 chunks are
    held at once, so memory stays flat however many listings there are.
    Chunks complete in the order given; after each, ``on_chunk(written,
    last_id)`` is called with the running total and the last listing id of
    that chunk (every document up to it is then indexed, if ``docs`` come in
    id order: what a resumable rebuild records).
    """
    client = _client()
    docs = iter(docs)
    written = 0
    window = deque()
    with ThreadPoolExecutor(max_workers=options.in_flight) as pool:
        try:
            while True:
                chunk = [_encode(index, doc) for doc in islice(docs, options.chunk_size)]
                if chunk:
                    window.append((pool.submit(send_chunk, client, chunk, options), chunk[-1][0]))
                while window and (len(window) >= options.in_flight or not chunk):
                    future, last_id = window.popleft()
                    written += future.result()
                    if on_chunk:
                        on_chunk(written, last_id)
                if not chunk:
                    return written
        except BaseException:
            for future, _ in window:
                future.cancel()
            raise


def index_documents(docs, *, index: str | None = None) -> int:
    """Write (or replace) these listing documents in bulk; return how many were written.

    Without ``index`` they go through the alias (created first if missing:
    writing to a missing index would make Elasticsearch guess a mapping, with
    no ``geo_point``) and are searchable when this returns, so a listing is
    found the moment a moderator approves it; one refresh per approval costs
    little at the rate listings are approved. With ``index`` (a rebuild filling
    a new index) nothing is refreshed until ``finish_bulk``.
    """
    docs = list(docs)
    if not docs:
        return 0
    if index is not None:
        return bulk_index(docs, index)
    options = replace(LIVE_BULK, request_timeout=settings.ELASTICSEARCH_TIMEOUT)
    target = ensure_index()
    written = bulk_index(docs, target, options=options)
    _client().indices.refresh(index=target)
    # A rebuild in progress may already have passed these listings: write them
    # there too, or they would be missing (or stale) once it is swapped in.
    for building in _building_indices():
        bulk_index(docs, building, options=options)
    return written


def delete_documents(ids) -> None:
    """Remove these listings from search at once; ones that are not there are ignored."""
    ids = list(ids)
    if not ids:
        return
    for target in [ensure_index(), *_building_indices()]:
        actions = ({"_op_type": "delete", "_index": target, "_id": pk} for pk in ids)
        helpers.bulk(
            _client(), actions, chunk_size=BULK_CHUNK_SIZE, ignore_status=(404,), refresh=True
        )


def _point(origin: tuple[float, float]) -> dict:
    return {"lat": origin[0], "lon": origin[1]}


def _term_query(term: str) -> Q:
    """One word of the text: it must occur, whole or as a word start, in some field."""
    fields = [f"{field}^{boost}" for field, boost in FIELD_BOOSTS.items()]
    return Q(
        "bool",
        should=[
            Q("multi_match", query=term, fields=fields, type="best_fields", operator="and"),
            Q(
                "multi_match",
                query=term,
                fields=fields,
                type="bool_prefix",
                operator="and",
                boost=PREFIX_WEIGHT,
            ),
        ],
        minimum_should_match=1,
    )


def build_search(query: ListingQuery) -> Search:
    """The one Elasticsearch request that answers ``query`` (public for the benchmark)."""
    filters = []
    if query.outcomes:
        filters.append(Q("terms", outcomes=list(query.outcomes)))
    if query.categories:
        filters.append(Q("terms", categories=list(query.categories)))
    if query.kinds:
        filters.append(Q("terms", kind=list(query.kinds)))
    if query.languages:
        filters.append(Q("terms", languages=list(query.languages)))
    if query.backup_cover:
        filters.append(Q("term", offers_backup_cover=True))
    if query.origin is not None:
        filters.append(
            Q(
                "geo_distance",
                distance=f"{query.radius_km}km",
                distance_type="arc",
                locations=_point(query.origin),
            )
        )
    if CHECK_CQC in query.checks:
        filters.append(Q("exists", field="cqc_checked_on"))
    if CHECK_INSURANCE in query.checks:
        filters.append(Q("range", insurance_valid_until={"gte": timezone.localdate().isoformat()}))
    must_not = [Q("terms", id=list(query.exclude_ids))] if query.exclude_ids else []
    must = [_term_query(term) for term in query.terms]
    es_query = Q("bool", must=must, filter=filters, must_not=must_not)

    by_distance = None
    if query.origin is not None:
        by_distance = {
            "_geo_distance": {
                "locations": _point(query.origin),
                "order": "asc",
                "unit": "km",
                "mode": "min",
                "distance_type": "arc",
            }
        }
    # A stale listing's relevance is multiplied by STALE_SCORE_FACTOR, as in the database.
    stale_penalty = {"filter": Q("term", stale=True).to_dict(), "weight": STALE_SCORE_FACTOR}
    if query.sort == SortOrder.DISTANCE:
        sort = [by_distance, {"id": "asc"}]
    elif query.terms and query.origin is not None:
        # Text relevance times the decay of the nearest location, exactly
        # query.distance_decay: a listing DECAY_SCALE_KM away keeps
        # DECAY_AT_SCALE of its score.
        es_query = Q(
            "function_score",
            query=es_query,
            functions=[
                {
                    "gauss": {
                        "locations": {
                            "origin": _point(query.origin),
                            "scale": f"{DECAY_SCALE_KM}km",
                            "decay": DECAY_AT_SCALE,
                        },
                        "multi_value_mode": "min",
                    }
                },
                stale_penalty,
            ],
            score_mode="multiply",
            boost_mode="multiply",
        )
        sort = ["_score", by_distance, {"id": "asc"}]
    elif query.terms:
        es_query = Q(
            "function_score",
            query=es_query,
            functions=[stale_penalty],
            score_mode="multiply",
            boost_mode="multiply",
        )
        sort = ["_score", {"id": "asc"}]
    elif query.rank_by_fit and query.fit_slugs:
        # One point for each asked outcome and category a listing has, as the
        # database backend's fit_score.
        es_query = Q(
            "function_score",
            query=es_query,
            # The unfiltered function makes a listing that fits nothing score
            # (almost) 0 rather than Elasticsearch's default of 1.
            functions=[{"weight": 0.001}]
            + [
                {"filter": Q("term", **{field: slug}).to_dict(), "weight": 1}
                for field, slug in query.fit_slugs
            ],
            score_mode="sum",
            boost_mode="replace",
        )
        sort = ["_score", {"id": "asc"}]
    else:
        sort = [
            {"stale": {"order": "asc", "missing": "_first"}},
            {"name.raw": "asc"},
            {"id": "asc"},
        ]

    return (
        Search(using=_client(), index=index_name())
        .query(es_query)
        .sort(*sort)
        .source(excludes=_NOT_RETURNED)
        .extra(
            from_=query.offset,
            size=query.page_size,
            track_total_hits=True,
            track_scores=bool(query.terms),
        )
    )


def summary_from_source(source: dict, origin, score: float) -> ListingSummary:
    """A result from a hit's ``_source``, built as ``summary_from_record`` builds it.

    The distance is recomputed from the stored coordinates with the same
    great-circle formula as the database backend rather than taken from the
    sort value, which Elasticsearch computes from coordinates quantised to
    about a centimetre: that could tip the rounding to 2 dp and make the two
    backends disagree in the last digit.
    """
    places = source.get("public_locations") or []
    location = None
    distance_km = None
    if places:
        if origin is not None:
            distances = [geo.distance_km(origin, (p["lat"], p["lng"])) for p in places]
            distance_km = min(distances)
            nearest = places[distances.index(distance_km)]
        else:
            nearest = places[0]
        location = ListingLocationSummary(nearest["postcode"], nearest["lat"], nearest["lng"])
    price = source.get("price_amount")
    return ListingSummary(
        id=source["id"],
        name=source["name"],
        kind=source["kind"],
        summary=source["summary"],
        url_path=source["url_path"],
        outcomes=list(source.get("outcomes") or []),
        categories=list(source.get("categories") or []),
        price_amount=Decimal(price) if price is not None else None,
        price_unit=source.get("price_unit") or "",
        places_available=source.get("places_available"),
        last_confirmed=source.get("last_confirmed"),
        location=location,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
        score=float(score or 0.0),
        languages=list(source.get("languages") or []),
        offers_backup_cover=bool(source.get("offers_backup_cover")),
        stale=bool(source.get("stale")),
        cqc_checked_on=source.get("cqc_checked_on"),
        insurance_checked_on=source.get("insurance_checked_on"),
        insurance_valid_until=source.get("insurance_valid_until"),
    )


# A nearest-first search takes its page from a circle this many times smaller
# (2 km for the usual 16 km) when that circle holds the whole page. It pays
# only on a large index (settings.ELASTICSEARCH_INNER_CIRCLE_FROM listings):
# on a small one, sorting the whole circle costs Elasticsearch less than a
# second search does (benchmarks/load.py at 10,000 listings).
INNER_CIRCLE_DIVISOR = 8
INDEX_SIZE_TTL = 300.0  # seconds a process trusts its count of the index
_index_size = {"index": "", "count": 0, "at": -INDEX_SIZE_TTL}


def index_size() -> int:
    """Listings in the index, counted at most every INDEX_SIZE_TTL seconds a process
    (0 when it cannot be counted: the search that follows will say why)."""
    now = time.monotonic()
    name = index_name()
    if _index_size["index"] != name or now - _index_size["at"] >= INDEX_SIZE_TTL:
        try:
            count = int(_client().count(index=name)["count"])
        except Exception:  # noqa: BLE001 - any failure: no inner circle, search as before
            count = 0
        _index_size.update(index=name, count=count, at=now)
    return _index_size["count"]


def inner_circle_km(query: ListingQuery) -> float | None:
    """The inner circle's radius for a nearest-first search on a large index; None
    for any other search."""
    if query.origin is None or query.sort != SortOrder.DISTANCE:
        return None
    if index_size() < settings.ELASTICSEARCH_INNER_CIRCLE_FROM:
        return None
    return query.radius_km / INNER_CIRCLE_DIVISOR


def _first_round(query: ListingQuery) -> list[dict]:
    """The ``_msearch`` bodies asked first for ``query`` (see ``responses``)."""
    search = build_search(query)
    inner_km = inner_circle_km(query)
    if inner_km is None:
        return [search.to_dict()]
    wanted = query.offset + query.page_size
    total_only = search.sort().source(False).extra(from_=0, size=0).to_dict()
    page = (
        build_search(replace(query, radius_km=inner_km))
        # Counted only as far as the page needs: enough to know it is all here.
        .extra(track_total_hits=wanted)
        .to_dict()
    )
    return [total_only, page]


def _lines(bodies: list[dict]) -> list[dict]:
    """``_msearch`` lines: a header naming the index before each body."""
    lines = []
    for body in bodies:
        lines.append({"index": index_name(), "allow_partial_search_results": False})
        lines.append(body)
    return lines


class ElasticsearchBackend:
    name = "elasticsearch"

    def search(self, query: ListingQuery) -> SearchPage:
        return self.search_many([query])[0]

    def search_many(self, queries: list[ListingQuery]) -> list[SearchPage]:
        """Several searches in as few round trips as they take (``_msearch``), e.g. every
        goal of a plan.

        Raises ``SearchUnavailable`` (``search()`` then answers from the
        database) for anything a person could meet: Elasticsearch down or
        timing out, every node tried gone, a 5xx, no index yet, or shards
        missing (a red cluster), which with ``allow_partial_search_results``
        off is an error rather than a page quietly missing listings.
        """
        pages = []
        for query, response in zip(queries, self.responses(queries), strict=True):
            try:
                hits = response["hits"]
                pages.append(
                    SearchPage(
                        count=hits["total"]["value"],
                        results=[
                            summary_from_source(hit["_source"], query.origin, hit.get("_score"))
                            for hit in hits["hits"]
                        ],
                        page=query.page,
                        page_size=query.page_size,
                        backend=self.name,
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise SearchUnavailable(f"Elasticsearch answered oddly: {exc!r}") from exc
        return pages

    def responses(self, queries: list[ListingQuery]) -> list[dict]:
        """Elasticsearch's answer to each query: its page of hits and the exact total.

        A nearest-first search (a postcode, no words) asks for the total within
        the radius and for the page from the inner circle (``inner_circle``) in
        one round trip. When the inner circle holds the whole page, that is the
        answer: every listing outside it is farther than every listing in it,
        so the page is the same as sorting the whole circle would give, at a
        fraction of the work (in a city, a 16 km circle can hold most of the
        listings). Otherwise the page is asked from the whole circle in a
        second round trip. This is the request ``benchmarks/search.py`` times
        as raw Elasticsearch.
        """
        plans = [_first_round(query) for query in queries]
        answers = iter(self._msearch([line for plan in plans for line in _lines(plan)]))
        results: list[dict | None] = []
        again: list[int] = []
        for i, (query, plan) in enumerate(zip(queries, plans, strict=True)):
            got = [next(answers) for _ in plan]
            if len(got) == 1:
                results.append(got[0])
                continue
            whole, inner = got
            try:
                total = whole["hits"]["total"]["value"]
                in_circle = inner["hits"]["total"]["value"]
            except (KeyError, TypeError) as exc:
                raise SearchUnavailable(f"Elasticsearch answered oddly: {exc!r}") from exc
            if in_circle >= query.offset + query.page_size or in_circle == total:
                results.append(
                    {**inner, "hits": {**inner["hits"], "total": whole["hits"]["total"]}}
                )
            else:
                results.append(None)
                again.append(i)
        if again:
            second = self._msearch(
                [line for i in again for line in _lines([build_search(queries[i]).to_dict()])]
            )
            for i, response in zip(again, second, strict=True):
                results[i] = response
        return results

    def _msearch(self, body: list[dict]) -> list[dict]:
        """The ``_msearch`` answers, asked once more if the first failed in passing.

        When a node leaves, a search it was part of can fail (5xx, a shard
        copy gone) while the other copies are still there: asking again a
        moment later finds them. A timeout is not asked again (the person
        has waited long enough: the database answers instead).
        """
        for attempt in range(SEARCH_RETRIES + 1):
            if attempt:
                _sleep(SEARCH_RETRY_PAUSE)
            try:
                responses = _client().msearch(body=body)["responses"]
            except ConnectionTimeout as exc:
                raise SearchUnavailable(_reason(exc)) from exc
            except (TransportError, ApiError) as exc:
                problem, transient = _reason(exc), _is_retryable(exc)
            else:
                problems = [_response_problem(response) for response in responses]
                problem = next((p for p in problems if p), None)
                if problem is None:
                    return responses
                failed = [r for r, p in zip(responses, problems, strict=True) if p]
                transient = all(_transient(r) for r in failed)
            if not transient:
                break
        raise SearchUnavailable(problem)


def _transient(response: dict) -> bool:
    """A failed ``_msearch`` answer that may well succeed if asked again at once."""
    status = response.get("status", 500)
    return "error" not in response or status >= 500 or status == 429


def _reason(exc: Exception) -> str:
    """One line for the log: what went wrong, without a traceback."""
    status = getattr(exc, "status_code", None)
    if isinstance(exc, ApiError):
        return f"Elasticsearch answered {status} ({exc.message})"
    return f"Elasticsearch could not be reached ({exc.__class__.__name__}: {exc})"


def _response_problem(response: dict) -> str | None:
    """Why one ``_msearch`` answer cannot be shown, or None if it can."""
    if "error" in response:
        error = response["error"]
        kind = error.get("type", "error") if isinstance(error, dict) else error
        return f"Elasticsearch answered {response.get('status', 'an error')} ({kind})"
    if response.get("timed_out"):
        return "Elasticsearch timed out before searching every shard"
    shards = response.get("_shards") or {}
    if shards.get("failed"):
        done, total = shards.get("successful"), shards.get("total")
        return f"Elasticsearch searched only {done} of {total} shards"
    return None
