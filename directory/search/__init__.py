"""Directory search: one interface, two backends (contract: shared/DESIGN.md, Search).

    from directory.search import search, ListingQuery
    page = search(ListingQuery(outcomes=("physical-health",), origin=(53.40, -2.15)))

With ELASTICSEARCH_URL set, Elasticsearch answers; if it cannot answer (down,
timing out, a node lost with no other to try, a red cluster, a 5xx) the
database backend answers that request instead and the fall-back is logged in
one line, so the directory never fails because the search service does.
"""

from __future__ import annotations

import logging

from directory.search.query import (
    CHECK_FILTERS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RADIUS_KM,
    MAX_PAGE_SIZE,
    MAX_RADIUS_KM,
    ListingQuery,
    ListingSummary,
    SearchPage,
)

logger = logging.getLogger("directory.search")

__all__ = [
    "CHECK_FILTERS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_RADIUS_KM",
    "MAX_PAGE_SIZE",
    "MAX_RADIUS_KM",
    "ListingQuery",
    "ListingSummary",
    "SearchPage",
    "database_backend",
    "get_backend",
    "search",
    "search_many",
]


class SearchUnavailable(Exception):
    """The chosen backend could not answer (e.g. Elasticsearch is down)."""


def database_backend():
    from directory.search.database import DatabaseBackend

    return DatabaseBackend()


def get_backend():
    from directory import elasticsearch

    if elasticsearch.is_configured():
        from directory.search.elastic import ElasticsearchBackend

        return ElasticsearchBackend()
    return database_backend()


def search(query: ListingQuery, backend=None) -> SearchPage:
    backend = backend or get_backend()
    try:
        return backend.search(query)
    except SearchUnavailable as exc:
        logger.warning("Search fell back to the database backend: %s", exc)
        return database_backend().search(query)


def search_many(queries: list[ListingQuery], backend=None) -> list[SearchPage]:
    """Several searches at once: one round trip on Elasticsearch, one after another on SQL."""
    backend = backend or get_backend()
    if hasattr(backend, "search_many"):
        try:
            return backend.search_many(queries)
        except SearchUnavailable as exc:
            logger.warning("Search fell back to the database backend: %s", exc)
            backend = database_backend()
    return [backend.search(query) for query in queries]
