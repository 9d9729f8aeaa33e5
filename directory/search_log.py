"""Record searches (without account ids) so unmet demand can be reported later.

The rows are written by a background task, off the request path; a search
never fails because its log line could not be queued. Lines are gathered in
each process and queued together (``settings.KITH_SEARCH_LOG_BATCH`` lines, or
whatever ``KITH_SEARCH_LOG_WAIT`` seconds gathered): one task row and one
worker run for many searches instead of one each, which under load was the
largest cost of a search after the search itself (``benchmarks/load.py``).
"""

import atexit
import logging
import threading

from django.conf import settings
from django.db import connections

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


class SearchLogBuffer:
    """This process's search-log lines not yet queued.

    A line is queued with the others when the batch is full, or by a timer
    ``KITH_SEARCH_LOG_WAIT`` seconds after the first line of a batch, or when
    the process exits cleanly (gunicorn restarting a worker, a deploy).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._lines: list[dict] = []
        self._timer: threading.Timer | None = None

    def add(self, fields: dict) -> None:
        with self._lock:
            self._lines.append(fields)
            if len(self._lines) < _batch_size():
                if self._timer is None:
                    self._timer = threading.Timer(settings.KITH_SEARCH_LOG_WAIT, self._on_timer)
                    # Not a daemon: a process that exits waits for it (at most the
                    # wait), so lines it has taken are queued, not dropped.
                    self._timer.daemon = False
                    self._timer.start()
                return
            lines = self._take()
        self._queue_or_keep(lines)

    def flush(self) -> int:
        """Queue every line held now; how many there were."""
        with self._lock:
            lines = self._take()
        if lines:
            self._queue_or_keep(lines)
        return len(lines)

    def discard(self) -> None:
        """Forget every line held (tests: no line outlives its test)."""
        with self._lock:
            self._take()

    def _queue_or_keep(self, lines: list[dict]) -> None:
        """Queue the lines; if that fails (the database in a blip), keep them for the
        next batch, up to ten batches' worth, so one failure loses nothing."""
        if _queue(lines):
            return
        with self._lock:
            room = max(0, 10 * _batch_size() - len(self._lines))
            kept = lines[-room:] if room else []
            self._lines[:0] = kept
        if len(kept) < len(lines):
            logger.error(
                "Dropped %d search-log lines that could not be queued", len(lines) - len(kept)
            )

    def _take(self) -> list[dict]:
        lines, self._lines = self._lines, []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return lines

    def _on_timer(self) -> None:
        try:
            self.flush()
        finally:
            connections.close_all()  # the timer thread's own connection ends with it


def _batch_size() -> int:
    return max(1, settings.KITH_SEARCH_LOG_BATCH)


def _queue(lines: list[dict]) -> bool:
    from directory.tasks import record_searches

    try:
        record_searches.enqueue(lines)
    except Exception:
        logger.exception("Could not queue %d search-log lines", len(lines))
        return False
    return True


buffer = SearchLogBuffer()
atexit.register(buffer.flush)


def log_search(
    query: ListingQuery,
    page: SearchPage,
    *,
    source: str,
    origin_outward: str = "",
    user=None,
):
    buffer.add(
        search_log_fields(
            query, page, source=source, origin_outward=origin_outward, group=searcher_role(user)
        )
    )


def log_match(
    outcomes, categories, suggestions: int, *, radius_km, origin_outward: str = "", user=None
):
    """Record one goal matched through the API: what it asked for and how many were found."""
    buffer.add(
        {
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
    )
