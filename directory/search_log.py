"""Record searches (without account ids) so unmet demand can be reported later.

The row is written by a background task, off the request path; a search never
fails because its log line could not be queued.
"""

import logging

from directory.search.query import ListingQuery, SearchPage

logger = logging.getLogger("directory.search")


# When someone holds several roles, the one reported is the first of these.
GROUP_ORDER = (
    "practitioner",
    "representative",
    "budget_holder",
    "ulo_staff",
    "provider",
    "personal_assistant",
)


def searcher_role(user) -> str:
    """The searcher's role for demand reports ("" if not signed in or no role)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    roles = user.role_slugs
    return next((role for role in GROUP_ORDER if role in roles), "")


def search_log_fields(
    query: ListingQuery,
    page: SearchPage,
    *,
    source: str,
    origin_outward: str = "",
    group: str = "",
) -> dict:
    """The SearchLog columns for one search, as JSON-safe values."""
    return {
        "source": source,
        "query_text": query.text[:200],
        "outcomes": ",".join(query.outcomes)[:500],
        "categories": ",".join(query.categories)[:500],
        "kinds": ",".join(query.kinds)[:100],
        "origin_outward": origin_outward[:8],
        "radius_km": query.radius_km if query.origin is not None else None,
        "result_count": page.count,
        "backend": page.backend,
        "searcher_role": group[:32],
    }


def log_search(
    query: ListingQuery,
    page: SearchPage,
    *,
    source: str,
    origin_outward: str = "",
    user=None,
):
    from directory.tasks import record_search

    fields = search_log_fields(
        query, page, source=source, origin_outward=origin_outward, group=searcher_role(user)
    )
    try:
        record_search.enqueue(fields)
    except Exception:
        logger.exception("Could not queue a search-log line")


def log_match(
    outcomes, categories, suggestions: int, *, radius_km, origin_outward: str = "", user=None
):
    """Record one goal matched through the API: what it asked for and how many were found."""
    from directory.tasks import record_search

    fields = {
        "source": "match",
        "query_text": "",  # goal words are the person's own: never kept here
        "outcomes": ",".join(outcomes)[:500],
        "categories": ",".join(categories)[:500],
        "kinds": "",
        "origin_outward": origin_outward[:8],
        "radius_km": radius_km if origin_outward else None,
        "result_count": suggestions,
        "backend": "match",
        "searcher_role": searcher_role(user),
    }
    try:
        record_search.enqueue(fields)
    except Exception:
        logger.exception("Could not queue a search-log line")
