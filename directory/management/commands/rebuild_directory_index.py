"""Rebuild what directory search reads from what is live.

    python manage.py rebuild_directory_index [--chunk-size 500] [--in-flight 2]
        [--restart] [--no-progress]

Rewrites the database snapshots (``ListingRecord``) of every live listing,
removes snapshots of listings that are no longer live and, when
ELASTICSEARCH_URL is set, fills a new Elasticsearch index and swaps it in
behind the alias in one step at the end, so searches keep being answered
from the old index while it runs and never see a half-built one. Use it after
a deploy that changes what is indexed, or to repair the index after
Elasticsearch was down while listings were published.

It is built for a national directory (a million listings): listings are read
from the database in primary-key order, a chunk at a time, so memory stays
flat; bulk requests that time out or find Elasticsearch busy (429) or a node
gone (5xx) are retried with a growing pause; progress lines with the time
left are printed every few seconds (to a log file as well as a terminal).
If it stops (interrupted, Elasticsearch gone for longer than the retries
last), run it again: it continues the half-built index from the last listing
it recorded, rather than starting again. ``--restart`` starts afresh.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from directory import elasticsearch
from directory.search.indexing import iter_documents, live_listings
from directory.search.records import ListingRecord, save_records

# Record how far the build got (for a resumed run) at most this often.
CHECKPOINT_SECONDS = 5.0


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """One line every ``every`` seconds: done, rate, and an estimate of the time left."""

    def __init__(self, total: int, write, every: float = 10.0, clock=time.monotonic):
        self.total = total
        self.write = write
        self.every = every
        self.clock = clock
        self.started = self.last = clock()

    def update(self, done: int, *, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        percent = 100 * done / self.total if self.total else 100.0
        line = f"Indexed {done:,} of {self.total:,} listings ({percent:.0f}%), {rate:,.0f}/s"
        if 0 < done < self.total and rate > 0:
            line += f", about {_duration((self.total - done) / rate)} left"
        self.write(line)


class Command(BaseCommand):
    help = "Rebuild the directory search snapshots and, if configured, the Elasticsearch index."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=500,
            help="Listings read, written and sent to Elasticsearch at a time (default 500).",
        )
        parser.add_argument(
            "--in-flight",
            type=int,
            default=2,
            help="Bulk requests sent to Elasticsearch at once (default 2).",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Discard a half-built index left by an earlier run instead of continuing it.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Print no progress lines.")

    def handle(self, *args, chunk_size, in_flight, restart, no_progress, verbosity, **options):
        if chunk_size < 1 or in_flight < 1:
            raise CommandError("--chunk-size and --in-flight must be at least 1.")
        use_es = elasticsearch.is_configured()
        build = None
        after = 0
        started_at = timezone.now()
        if use_es:
            reason = elasticsearch.unreachable_reason()
            if reason:
                raise CommandError(
                    f"Elasticsearch at {settings.ELASTICSEARCH_URL} cannot be reached ({reason}). "
                    "Start it, or unset ELASTICSEARCH_URL to rebuild the database snapshots only."
                )
            from directory.search import elastic

            build = elastic.resumable_build(restart=restart)
            after = build.last_id
            started_at = datetime.fromisoformat(build.started_at)
            if build.resumed:
                self.stdout.write(
                    f"Continuing the rebuild of {build.index} after listing {after} "
                    "(--restart to start again)."
                )

        total = live_listings().filter(pk__gt=after).count()
        progress = (
            Progress(total, self.stdout.write, every=0 if verbosity > 1 else 10.0)
            if not no_progress and verbosity > 0
            else None
        )
        clock = time.perf_counter()
        docs = iter_documents(after=after, chunk_size=chunk_size, each_chunk=save_records)
        written = 0
        try:
            if use_es:
                last_saved = [time.monotonic()]

                def on_chunk(done: int, last_id: int) -> None:
                    if progress:
                        progress.update(done)
                    if time.monotonic() - last_saved[0] >= CHECKPOINT_SECONDS:
                        elastic.save_checkpoint(build, last_id)
                        last_saved[0] = time.monotonic()

                options = elastic.BulkOptions(chunk_size=chunk_size, in_flight=in_flight)
                written = elastic.bulk_index(docs, build.index, options=options, on_chunk=on_chunk)
            else:
                for _doc in docs:
                    written += 1
                    if progress and written % chunk_size == 0:
                        progress.update(written)
        except (Exception, KeyboardInterrupt) as exc:
            if use_es:
                # Keep the half-built index and what it holds: the next run continues it.
                # The live index behind the alias is untouched.
                self.stderr.write(
                    f"Stopped ({exc.__class__.__name__}: {exc}). Searches still use the "
                    f"previous index. Run the command again to continue {build.index}."
                )
            raise
        if progress:
            progress.update(written, force=True)
        stale = _remove_stale_records(started_at, chunk_size)
        if use_es:
            elastic.finish_bulk(build.index)
            elastic.swap_alias(build.index)
        elapsed = time.perf_counter() - clock

        rate = written / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"Indexed {written:,} live listings in {elapsed:.1f} s ({rate:,.0f} listings/s); "
            f"removed {stale:,} stale snapshots."
        )
        if use_es:
            self.stdout.write(
                f"Database snapshots and Elasticsearch index {build.index} "
                f"(now behind {elastic.index_name()}) rebuilt."
            )
        else:
            self.stdout.write("ELASTICSEARCH_URL is not set: rebuilt the database snapshots only.")


def _remove_stale_records(started_at, chunk_size: int) -> int:
    """Delete snapshots not rewritten since the rebuild began: their listings are not live.

    Every live listing's snapshot was rewritten by this rebuild (or the run it
    continues), and publishing during it writes a newer one, so anything older
    is stale. Deleted a chunk at a time, never all ids at once.
    """
    removed = 0
    stale = ListingRecord.objects.filter(updated_at__lt=started_at).order_by("pk")
    while ids := list(stale.values_list("pk", flat=True)[:chunk_size]):
        ListingRecord.objects.filter(pk__in=ids).delete()
        removed += len(ids)
    return removed
