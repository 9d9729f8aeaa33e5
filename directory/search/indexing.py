"""Keep the search snapshots in step with what is live.

Publishing (moderator approval), unpublishing and deleting a listing update
the database records and, when configured, Elasticsearch, once the
transaction commits. A failure to reach Elasticsearch is logged and never
blocks publishing: ``manage.py rebuild_directory_index`` repairs the index.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from directory import elasticsearch, freshness
from directory.search.records import delete_records, listing_document, save_records

logger = logging.getLogger("directory.search")


def live_listings():
    from directory.models import ListingPage

    return (
        ListingPage.objects.live()
        .select_related("locale")
        .prefetch_related(
            "outcomes", "categories", "languages", "accessibility_features", "locations"
        )
    )


def documents_for(listing_ids) -> list[dict]:
    """Search documents of these listings that belong in search: live, and not left it
    for want of confirmation (``directory.freshness``)."""
    return [
        listing_document(page)
        for page in live_listings().filter(pk__in=list(listing_ids))
        if not freshness.is_hidden(page.last_confirmed, page.reminded_at)
    ]


def iter_documents(*, after: int = 0, chunk_size: int = 500, each_chunk=None):
    """Every live listing with a primary key above ``after`` as a document, in key order.

    Read a page at a time by key (``pk > last``), never all at once, so a
    million listings take the memory of one page. ``each_chunk(docs)`` is
    called with each page before its documents are yielded (a rebuild writes
    the database snapshots there).
    """
    last = after
    while True:
        pages = list(live_listings().filter(pk__gt=last).order_by("pk")[:chunk_size])
        if not pages:
            return
        docs = [listing_document(page) for page in pages]
        if each_chunk:
            each_chunk(docs)
        yield from docs
        last = pages[-1].pk


def index_listings(listing_ids) -> int:
    """(Re)write the snapshots of these listings; ones no longer live are removed."""
    listing_ids = list(listing_ids)
    docs = documents_for(listing_ids)
    live_ids = {doc["id"] for doc in docs}
    gone = [pk for pk in listing_ids if pk not in live_ids]
    save_records(docs)
    if gone:
        delete_records(gone)
    if elasticsearch.is_configured():
        from directory.search import elastic

        try:
            elastic.index_documents(docs)
            if gone:
                elastic.delete_documents(gone)
        except Exception:
            logger.exception("Could not update Elasticsearch for listings %s", listing_ids)
    return len(docs)


def unindex_listings(listing_ids) -> None:
    listing_ids = list(listing_ids)
    delete_records(listing_ids)
    if elasticsearch.is_configured():
        from directory.search import elastic

        try:
            elastic.delete_documents(listing_ids)
        except Exception:
            logger.exception("Could not remove listings %s from Elasticsearch", listing_ids)


def _is_listing(instance) -> bool:
    from directory.models import ListingPage

    return isinstance(instance, ListingPage)


@receiver(page_published)
def _on_publish(sender, instance, **kwargs):
    if _is_listing(instance):
        pk = instance.pk
        transaction.on_commit(lambda: index_listings([pk]))


@receiver(page_unpublished)
def _on_unpublish(sender, instance, **kwargs):
    if _is_listing(instance):
        pk = instance.pk
        transaction.on_commit(lambda: unindex_listings([pk]))


@receiver(post_delete)
def _on_delete(sender, instance, **kwargs):
    if _is_listing(instance):
        pk = instance.pk
        transaction.on_commit(lambda: unindex_listings([pk]))
