"""Keep the search snapshots in step with what is live.

Publishing (moderator approval), unpublishing and deleting a listing update
the database records once the transaction commits and, when Elasticsearch is
configured, record a pending ``IndexUpdate`` and queue the background task
that sends it (``directory.tasks.process_index_updates``). A failure to reach
Elasticsearch is logged, never blocks publishing, and is retried with a
growing wait until it lands (the scheduler also runs the task every minute).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from wagtail.signals import page_published, page_unpublished

from directory import elasticsearch, freshness
from directory.search.records import delete_records, listing_document, save_records

logger = logging.getLogger("directory.search")


def live_listings():
    from directory.models import ListingPage
    from directory.safety.records import suspended_listing_ids

    return (
        ListingPage.objects.live()
        # A suspended listing leaves search at once (directory.safety).
        .exclude(pk__in=suspended_listing_ids())
        .select_related("locale")
        .prefetch_related(
            "outcomes",
            "categories",
            "languages",
            "accessibility_features",
            "locations",
            "safety_checks",
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
    """(Re)write the snapshots of these listings; ones no longer live are removed.

    The database records change at once; Elasticsearch is updated by a task.
    """
    listing_ids = list(listing_ids)
    docs = documents_for(listing_ids)
    live_ids = {doc["id"] for doc in docs}
    gone = [pk for pk in listing_ids if pk not in live_ids]
    save_records(docs)
    if gone:
        delete_records(gone)
    if elasticsearch.is_configured():
        queue_index_updates(live_ids, IndexAction.INDEX)
        queue_index_updates(gone, IndexAction.REMOVE)
        _enqueue_processing()
    return len(docs)


def unindex_listings(listing_ids) -> None:
    listing_ids = list(listing_ids)
    delete_records(listing_ids)
    if elasticsearch.is_configured():
        queue_index_updates(listing_ids, IndexAction.REMOVE)
        _enqueue_processing()


class IndexAction:
    INDEX = "index"
    REMOVE = "remove"


# Waits between attempts: 30 s, 1 min, 2 min, ... at most an hour.
RETRY_FIRST_WAIT = timedelta(seconds=30)
RETRY_MAX_WAIT = timedelta(hours=1)
BATCH_SIZE = 500


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure."""
    return min(RETRY_FIRST_WAIT * (2 ** max(attempts - 1, 0)), RETRY_MAX_WAIT)


def queue_index_updates(listing_ids, action: str) -> None:
    """Record that these listings' Elasticsearch documents must be brought in step."""
    from directory.models import IndexUpdate

    now = timezone.now()
    for pk in listing_ids:
        IndexUpdate.objects.update_or_create(
            listing_id=pk,
            defaults={"action": action, "attempts": 0, "queued_at": now, "next_try": now},
        )


def _enqueue_processing() -> None:
    from directory.tasks import process_index_updates

    try:
        process_index_updates.enqueue()
    except Exception:  # the scheduler runs it every minute anyway
        logger.exception("Could not queue the search index update task")


def apply_index_updates(now=None) -> tuple[int, int]:
    """Send every due update to Elasticsearch; return (landed, still pending).

    Each listing is brought in line with what it is now (indexed if live,
    removed otherwise), so an update queued for a listing that has since
    changed again still ends right. A row changed while this ran is left for
    the next run.
    """
    from directory.models import IndexUpdate
    from directory.search import elastic

    if not elasticsearch.is_configured():
        return 0, 0
    now = now or timezone.now()
    due = list(
        IndexUpdate.objects.filter(next_try__lte=now).order_by("next_try", "pk")[:BATCH_SIZE]
    )
    if not due:
        return 0, IndexUpdate.objects.count()
    ids = [row.listing_id for row in due]
    docs = documents_for(ids)
    live_ids = {doc["id"] for doc in docs}
    gone = [pk for pk in ids if pk not in live_ids]
    try:
        elastic.index_documents(docs)
        elastic.delete_documents(gone)
    except Exception as exc:
        removals = [row.listing_id for row in due if row.action == IndexAction.REMOVE]
        updates = [row.listing_id for row in due if row.action != IndexAction.REMOVE]
        if updates:
            logger.exception("Could not update Elasticsearch for listings %s; will retry", updates)
        if removals:
            logger.exception(
                "Could not remove listings %s from Elasticsearch; will retry", removals
            )
        error = f"{exc.__class__.__name__}: {exc}"[:300]
        for row in due:
            attempts = row.attempts + 1
            IndexUpdate.objects.filter(pk=row.pk, queued_at=row.queued_at).update(
                attempts=attempts, next_try=now + retry_wait(attempts), last_error=error
            )
        return 0, IndexUpdate.objects.count()
    for row in due:
        IndexUpdate.objects.filter(pk=row.pk, queued_at=row.queued_at).delete()
    return len(due), IndexUpdate.objects.count()


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
