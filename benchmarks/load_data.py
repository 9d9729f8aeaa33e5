"""The data benchmarks/load.py runs against, made and removed in a process of its own.

    python benchmarks/load_data.py prepare N SEED   # prints the last search-log id
    python benchmarks/load_data.py clean N FIRST_LOG

``prepare`` applies migrations to DATABASE_URL, writes N synthetic Greater
Manchester listings as search snapshots and indexes them into a fresh
Elasticsearch index under ELASTICSEARCH_INDEX_PREFIX (benchmarks/search.py's
generator and steps). ``clean`` removes them, the index, the search-log rows
written since and the tasks queued in it (the load test's database is its own).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(n: int, seed: int) -> int:
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.search import (
        clean_up,
        greater_manchester_sectors,
        index_in_elasticsearch,
        synthetic_documents,
        write_snapshots,
    )
    from directory import elasticsearch, geo
    from directory.models import SearchLog

    if reason := elasticsearch.unreachable_reason():
        raise SystemExit(f"Elasticsearch cannot be reached: {reason}")
    call_command("migrate", "--noinput", verbosity=0)
    sectors = greater_manchester_sectors(geo)
    clean_up(n)  # a run stopped half-way may have left some behind
    snapshot_s = write_snapshots(synthetic_documents(n, sectors, random.Random(seed)))
    index_s, _ = index_in_elasticsearch(synthetic_documents(n, sectors, random.Random(seed)), n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listingrecord, directory_listingrecordlocation")
    print(
        f"{n:,} listings: snapshots written in {snapshot_s:.0f} s, indexed in {index_s:.0f} s "
        f"(Elasticsearch {elasticsearch.server_version()}, PostgreSQL "
        f"{connection.pg_version // 10000})"
    )
    return SearchLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def clean(n: int, first_log: int) -> None:
    from django_tasks.backends.database.models import DBTaskResult

    from benchmarks.search import clean_up
    from directory.models import SearchLog

    clean_up(n)
    SearchLog.objects.filter(pk__gt=first_log).delete()
    DBTaskResult.objects.all().delete()


def main() -> int:
    if len(sys.argv) != 4:
        print("A step of benchmarks/load.py (see its docstring); nothing to run on its own.")
        return 0
    step, n, number = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    import django

    django.setup()
    if step == "prepare":
        print(prepare(n, number))
    elif step == "clean":
        clean(n, number)
        print("cleaned")
    else:
        raise SystemExit(f"unknown step {step!r}: prepare or clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
