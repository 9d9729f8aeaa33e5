"""ORUK feed import at scale: rate and peak memory of ``import_oruk``.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/import.py [--services 100000]

Writes a synthetic ORUK 3.0 feed (one page of ``--services`` fully nested
services around real Greater Manchester postcode sectors, with outcomes and
categories) to a temporary file, imports it into a new source, then imports
it again (every record unchanged), and prints the rate of each run and the
peak process RSS (and, with --trace-memory, Python's own allocations). The target is 1,000
services a second or more with memory that does not grow with the feed.
Everything it made is deleted at the end, unless ``--keep``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE_SLUG = "benchmark-import"
WORDS = ["Swimming", "Yoga", "Gardening", "Art", "Music", "Walking", "Drama", "Cooking"]


def write_feed(path: Path, count: int, sectors: list[str], outcomes, categories) -> None:
    """A feed written a service at a time, so that making it needs no memory either."""
    rng = random.Random(12)
    with path.open("w") as out:
        out.write(f'{{"total_items": {count}, "contents": [')
        for i in range(count):
            word = rng.choice(WORDS)
            sector = rng.choice(sectors)
            service = {
                "id": f"bench-{i}",
                "name": f"{word} group {i}",
                "description": f"<p>A friendly {word.lower()} group.</p><p>All welcome.</p>",
                "status": "active",
                "url": f"https://example.org/{i}",
                "email": f"hello{i}@example.org",
                "last_modified": "2026-11-01T09:00:00.000Z",
                "service_at_locations": [
                    {
                        "location": {
                            "location_type": "physical",
                            "addresses": [
                                {
                                    "address_1": f"{i} High Street",
                                    "city": "Stockport",
                                    "postal_code": sector + "AA",
                                }
                            ],
                        }
                    }
                ],
                "attributes": [
                    {"taxonomy_term": {"term": rng.choice(outcomes)}},
                    {"taxonomy_term": {"term": rng.choice(categories)}},
                ],
            }
            out.write(("," if i else "") + json.dumps(service))
        out.write("]}")


def remove_listings_of(source) -> int:
    """Delete what the benchmark made, table by table: a Wagtail delete of each page (with
    its signals and cascades) would take longer than the import."""
    from django.db import connection, transaction
    from django.db.models import F
    from wagtail.models import Page

    from directory.factories import directory_index
    from directory.models import ListingLocation, ListingPage, ListingProvenance, ProviderPage
    from directory.search.records import ListingRecord, ListingRecordLocation

    ids = list(ListingProvenance.objects.filter(source=source).values_list("listing_id", flat=True))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        with transaction.atomic():
            for queryset in (
                ListingRecordLocation.objects.filter(record__listing_id__in=chunk),
                ListingRecord.objects.filter(listing_id__in=chunk),
                ListingLocation.objects.filter(listing_id__in=chunk),
                ListingPage.outcomes.through.objects.filter(listingpage_id__in=chunk),
                ListingPage.categories.through.objects.filter(listingpage_id__in=chunk),
                ListingProvenance.objects.filter(listing_id__in=chunk),
                ProviderPage.objects.filter(pk__in=chunk),
                ListingPage.objects.filter(pk__in=chunk),
                Page.objects.filter(pk__in=chunk),
            ):
                queryset._raw_delete(connection.alias)
    Page.objects.filter(pk=directory_index().pk).update(numchild=F("numchild") - len(ids))
    source.delete()
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--trace-memory", action="store_true", help="Also run tracemalloc.")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    os.environ.pop("ELASTICSEARCH_URL", None)  # the database path; ES indexing is measured apart
    import django

    django.setup()
    from directory import geo
    from directory.models import Category, Outcome
    from directory.oruk import importer

    sectors = sorted(
        s for s in geo.sectors() if s.split(" ")[0].rstrip("0123456789") in {"SK", "M", "OL"}
    )
    outcomes = list(Outcome.objects.values_list("slug", flat=True))
    categories = list(Category.objects.values_list("slug", flat=True))
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.json"
        write_feed(feed, args.services, sectors, outcomes, categories)
        print(f"Feed: {args.services:,} services, {feed.stat().st_size / 1e6:,.1f} MB")
        source = importer.get_source(
            "Benchmark council", str(feed), f"{SOURCE_SLUG}-{time.time():.0f}"
        )
        import ijson

        print(f"ijson backend: {ijson.backend}")
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Process peak RSS before importing: {baseline:,.0f} MB")
        for label in ("first import", "second import (unchanged)"):
            before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            result = importer.import_services(
                importer.read_oruk(str(feed)), source, batch_size=args.batch_size
            )
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            rss = after.ru_maxrss / 1024
            print(
                f"{label}: created {result.created:,}, unchanged {result.unchanged:,} in "
                f"{elapsed:.1f} s = {args.services / elapsed:,.0f} services/s; "
                f"this process used {cpu:.1f} CPU s (PostgreSQL's work not counted); "
                f"process peak RSS {rss:,.0f} MB (+{rss - baseline:,.0f} MB); "
                f"load average {os.getloadavg()[0]:.1f}"
            )
        if args.trace_memory:
            # tracemalloc slows Python several times over: a separate, smaller run.
            count = min(args.services, 10_000)
            tracemalloc.start()
            importer.import_services(
                itertools.islice(importer.read_oruk(str(feed)), count),
                source,
                batch_size=args.batch_size,
            )
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"Peak Python allocations (tracemalloc) over {count:,} records: {peak / 1e6:.1f} MB"
            )
    if not args.keep:
        removed = remove_listings_of(source)
        print(f"Removed the {removed:,} benchmark listings.")


if __name__ == "__main__":
    main()
