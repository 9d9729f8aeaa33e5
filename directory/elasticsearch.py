"""The connection to Elasticsearch, when ELASTICSEARCH_URL is set.

ELASTICSEARCH_URL may name several nodes of one cluster, comma-separated: the
client then spreads requests over them and, when one cannot be reached, tries
the next, so losing a node loses no search.
"""

import logging
from functools import cache

from django.conf import settings

logger = logging.getLogger("directory.search")


def is_configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def node_urls() -> list[str]:
    return [url.strip() for url in settings.ELASTICSEARCH_URL.split(",") if url.strip()]


@cache
def get_client():
    """One shared client per process (it pools connections).

    A request that fails to connect, or gets 502/503/504, is tried once on
    each other node; a timeout is not retried (a search that timed out is
    answered from the database instead, and bulk indexing has its own retries).
    """
    from elasticsearch import Elasticsearch

    urls = node_urls()
    return Elasticsearch(
        urls,
        request_timeout=settings.ELASTICSEARCH_TIMEOUT,
        retry_on_timeout=False,
        max_retries=len(urls) - 1,
        retry_on_status=(502, 503, 504),
    )


def server_version() -> str:
    """The server's version number; raises if it cannot be reached.

    Asks the nodes API rather than ``GET /``: the minimal distribution used in
    CI has no module answering ``GET /`` (it returns 405).
    """
    nodes = get_client().options(request_timeout=3).nodes.info(node_id="_local", metric="_none")
    return next(iter(nodes["nodes"].values()))["version"]


def unreachable_reason() -> str | None:
    """None if Elasticsearch answers, else a short reason for a one-line message."""
    try:
        server_version()
    except Exception as exc:  # any transport or HTTP failure means unreachable
        return exc.__class__.__name__
    return None
