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

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from elastic_transport import TransportError
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
from directory.search import SearchUnavailable
from directory.search.query import (
    DECAY_AT_SCALE,
    DECAY_SCALE_KM,
    FIELD_BOOSTS,
    ListingLocationSummary,
    ListingQuery,
    ListingSummary,
    SearchPage,
    SortOrder,
)

# A word matched only as the start of a longer word counts for less than the
# whole word, so "swim" ranks "Swim club" above "Swimming lessons".
PREFIX_WEIGHT = 0.5

# Fields a result never shows: leaving them out of each hit keeps a page of
# 100 results small.
_NOT_RETURNED = ["description", "taxonomy_text"]

BULK_CHUNK_SIZE = 500


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


def _index(name: str) -> Index:
    index = Index(name, using=_client())
    # One node (docker-compose, CI): replicas could never be assigned.
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(ListingDocument)
    return index


def create_index(*, bulk: bool = False) -> str:
    """Create a new, empty, versioned index (not yet behind the alias); return its name.

    With ``bulk`` the index is not refreshed every second while it fills
    (new segments that a rebuild would only merge away again); call
    ``finish_bulk`` before using it.
    """
    name = f"{index_name()}-{timezone.now():%Y%m%d%H%M%S%f}"
    index = _index(name)
    if bulk:
        index.settings(refresh_interval="-1")
    index.create()
    return name


def finish_bulk(name: str) -> None:
    """Restore the usual refresh interval and make everything indexed so far searchable."""
    _client().indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
    _client().indices.refresh(index=name)


def _indices_behind_alias() -> list[str]:
    try:
        return sorted(_client().indices.get_alias(name=index_name()).keys())
    except NotFoundError:
        return []


def swap_alias(new: str) -> None:
    """Point the alias at ``new`` in one step, then drop the indices it pointed at."""
    client = _client()
    alias = index_name()
    old = [name for name in _indices_behind_alias() if name != new]
    if not old and client.indices.exists(index=alias):
        # A concrete index squats on the alias's name (made by hand, or by
        # documents written before any index existed): it has to go first.
        client.indices.delete(index=alias)
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions.append({"add": {"index": new, "alias": alias}})
    client.indices.update_aliases(actions=actions)
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
    client = _client()
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
    live = index is None
    target = ensure_index() if live else index
    actions = (
        {"_op_type": "index", "_index": target, "_id": doc["id"], "_source": es_source(doc)}
        for doc in docs
    )
    if len(docs) <= BULK_CHUNK_SIZE:
        written, _ = helpers.bulk(_client(), actions, chunk_size=BULK_CHUNK_SIZE, refresh=live)
        return written
    # Two requests in flight keep Elasticsearch indexing while this process
    # encodes the next chunk: about 1.5 times the rate of one at a time on
    # two cores (benchmarks/search.py). Errors still raise BulkIndexError.
    results = helpers.parallel_bulk(
        _client(), actions, chunk_size=BULK_CHUNK_SIZE, thread_count=2, refresh=live
    )
    return sum(1 for ok, _ in results if ok)


def delete_documents(ids) -> None:
    """Remove these listings from search at once; ones that are not there are ignored."""
    ids = list(ids)
    if not ids:
        return
    target = ensure_index()
    actions = ({"_op_type": "delete", "_index": target, "_id": pk} for pk in ids)
    helpers.bulk(_client(), actions, chunk_size=BULK_CHUNK_SIZE, ignore_status=(404,), refresh=True)


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
                }
            ],
            boost_mode="multiply",
        )
        sort = ["_score", by_distance, {"id": "asc"}]
    elif query.terms:
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
        sort = [{"name.raw": "asc"}, {"id": "asc"}]

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
    )


class ElasticsearchBackend:
    name = "elasticsearch"

    def search(self, query: ListingQuery) -> SearchPage:
        return self.search_many([query])[0]

    def search_many(self, queries: list[ListingQuery]) -> list[SearchPage]:
        """Several searches in one round trip (``_msearch``), e.g. every goal of a plan."""
        body = []
        for query in queries:
            body.append({"index": index_name()})
            body.append(build_search(query).to_dict())
        try:
            responses = _client().msearch(body=body)["responses"]
        except (TransportError, ApiError) as exc:
            # Down, timed out, or no index yet: search() answers from the database instead.
            raise SearchUnavailable(f"Elasticsearch could not answer: {exc}") from exc
        pages = []
        for query, response in zip(queries, responses, strict=True):
            if "error" in response:
                raise SearchUnavailable(f"Elasticsearch could not answer: {response['error']}")
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
        return pages
