"""The connection to Elasticsearch, when ELASTICSEARCH_URL is set."""

import logging
from functools import cache

from django.conf import settings

logger = logging.getLogger("directory.search")


def is_configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


@cache
def get_client():
    """One shared client per process (it pools connections)."""
    from elasticsearch import Elasticsearch

    return Elasticsearch(
        settings.ELASTICSEARCH_URL,
        request_timeout=settings.ELASTICSEARCH_TIMEOUT,
        retry_on_timeout=False,
        max_retries=0,
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
