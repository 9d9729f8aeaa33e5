"""Rebuild what directory search reads from what is live.

    python manage.py rebuild_directory_index [--chunk-size 500] [--no-progress]

Rewrites the database snapshots (``ListingRecord``) of every live listing,
removes snapshots of listings that are no longer live and, when
ELASTICSEARCH_URL is set, fills a new Elasticsearch index and swaps it in
behind the alias, so searches keep being answered while it runs. Use it after
a deploy that changes what is indexed, or to repair the index after
Elasticsearch was down while listings were published.
"""

from __future__ import annotations

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from directory import elasticsearch
from directory.search.indexing import documents_for, live_listings
from directory.search.records import ListingRecord, delete_records, save_records


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )

    def handle(self, *args, chunk_size: int, no_progress: bool, verbosity: int, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        use_es = elasticsearch.is_configured()
        if use_es:
            reason = elasticsearch.unreachable_reason()
            if reason:
                raise CommandError(
                    f"Elasticsearch at {settings.ELASTICSEARCH_URL} cannot be reached ({reason}). "
                    "Start it, or unset ELASTICSEARCH_URL to rebuild the database snapshots only."
                )
            from directory.search import elastic

            new_index = elastic.create_index(bulk=True)

        started = time.perf_counter()
        ids = list(live_listings().order_by("pk").values_list("pk", flat=True))
        show_progress = not no_progress and verbosity > 0 and sys.stderr.isatty()
        written = 0
        try:
            with tqdm(
                total=len(ids), unit="listing", desc="Indexing", disable=not show_progress
            ) as bar:
                for chunk in _chunks(ids, chunk_size):
                    docs = documents_for(chunk)
                    save_records(docs)
                    if use_es:
                        elastic.index_documents(docs, index=new_index)
                    written += len(docs)
                    bar.update(len(chunk))
            stale = sorted(
                set(ListingRecord.objects.values_list("listing_id", flat=True)) - set(ids)
            )
            for chunk in _chunks(stale, chunk_size):
                delete_records(chunk)
            if use_es:
                elastic.finish_bulk(new_index)
                elastic.swap_alias(new_index)
        except BaseException:
            if use_es:
                # Leave the live index as it was; drop the half-built one.
                elasticsearch.get_client().indices.delete(index=new_index, ignore_unavailable=True)
            raise
        elapsed = time.perf_counter() - started

        rate = written / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"Indexed {written:,} live listings in {elapsed:.1f} s ({rate:,.0f} listings/s); "
            f"removed {len(stale):,} stale snapshots."
        )
        if use_es:
            self.stdout.write(
                f"Database snapshots and Elasticsearch index {new_index} "
                f"(now behind {elastic.index_name()}) rebuilt."
            )
        else:
            self.stdout.write("ELASTICSEARCH_URL is not set: rebuilt the database snapshots only.")
