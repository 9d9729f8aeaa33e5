"""Record searches (without account ids) so unmet demand can be reported later.

Each search is one INSERT, in the request. It used to be queued as a task:
queueing was an INSERT in the request too, and the worker then claimed,
ran and closed the task (five more statements and about 3 ms of CPU a
search, on the same machine as the web processes). A search never fails
because its line could not be written: the error is logged, and inside a
transaction the INSERT has a savepoint of its own, so a failure leaves the
caller's transaction usable.
"""

import logging

from django.db import connection, transaction
from django.utils import timezone

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
    write_search_log(
        search_log_fields(
            query, page, source=source, origin_outward=origin_outward, group=searcher_role(user)
        )
    )


def log_match(
    outcomes, categories, suggestions: int, *, radius_km, origin_outward: str = "", user=None
):
    """Record one goal matched through the API: what it asked for and how many were found."""
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
    write_search_log(fields)


_insert_sql: dict[tuple[str, tuple[str, ...]], str] = {}


def _insert(fields: dict) -> None:
    """One INSERT of a SearchLog row, with the values prepared as the ORM prepares them.

    Not ``SearchLog.objects.create``: this runs on every search, and the model's
    save machinery took twice as long as the statement itself.
    """
    from directory.models import SearchLog

    row = {"created_at": timezone.now(), **fields}
    meta = SearchLog._meta
    key = (connection.vendor, tuple(row))
    sql = _insert_sql.get(key)
    if sql is None:
        columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in row)
        sql = _insert_sql[key] = (
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
            f"VALUES ({', '.join(['%s'] * len(row))})"
        )
    params = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in row.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def write_search_log(fields: dict) -> None:
    """Write one search's line (``search_log_fields``); log, never raise, if it cannot be."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                _insert(fields)
        else:
            _insert(fields)
    except Exception:
        logger.exception("Could not write a search-log line")
