"""Directory search on a three-node Elasticsearch cluster that loses a node.

    KITH_SERVICES_DIR=... scripts/services/elasticsearch.sh cluster-start
    ELASTICSEARCH_URL=$(KITH_SERVICES_DIR=... scripts/services/elasticsearch.sh cluster-url) \\
        .venv/bin/python benchmarks/es_failover.py [--listings 20000] [--phase-seconds 20]

Fills an index of its own (3 shards, 1 replica: every shard has a copy on
another node) with synthetic Greater Manchester listings, then searches
without pause through ``ElasticsearchBackend`` (the path the directory uses)
for three phases: **before** (all nodes up), **during** (from the moment one
node is told to stop until the cluster has reassigned its shards, and at
least ``--phase-seconds``) and **after** (two nodes, settled). It stops the
elected master by default (the harder case: the cluster must elect another),
with ``scripts/services/elasticsearch.sh cluster-stop N``, and starts it
again at the end (``--leave-stopped`` to not).

Prints, per phase, searches run, failed searches (the backend raised
``SearchUnavailable``: the directory would have fallen back to the database;
target 0) and p50/p95/max in milliseconds, with the load average. Asserts
nothing about time. Nothing needs PostgreSQL. The index is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICE_SCRIPT = ROOT / "scripts" / "services" / "elasticsearch.sh"
INDEX_PREFIX = "kith-failover"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def queries(sectors, rng: random.Random):
    """An endless, seeded mix of the directory's usual searches."""
    from directory import taxonomy
    from directory.search import ListingQuery

    outcomes = [slug for slug, _ in taxonomy.OUTCOMES]
    words = ["swimming", "yoga", "gardening", "music", "cycling", "cooking", "walking"]
    while True:
        origin = rng.choice(sectors)[1]
        yield ListingQuery(origin=origin, radius_km=16)
        yield ListingQuery(outcomes=(rng.choice(outcomes),), origin=rng.choice(sectors)[1])
        yield ListingQuery(text=rng.choice(words), origin=rng.choice(sectors)[1])
        yield ListingQuery(kinds=(rng.choice(["provider", "club", "pa"]),))


class Phases:
    """Search timings and failures, filed under whichever phase is current."""

    def __init__(self):
        self.current = "before"
        self.times: dict[str, list[float]] = {}
        self.failures: dict[str, list[str]] = {}

    def record(self, ms: float | None, error: str | None = None) -> None:
        if error is None:
            self.times.setdefault(self.current, []).append(ms)
        else:
            self.failures.setdefault(self.current, []).append(error)


def search_until(stop: threading.Event, phases: Phases, query_stream) -> None:
    from directory.search import SearchUnavailable
    from directory.search.elastic import ElasticsearchBackend

    backend = ElasticsearchBackend()
    for query in query_stream:
        if stop.is_set():
            return
        started = time.perf_counter()
        try:
            backend.search(query)
        except SearchUnavailable as exc:
            phases.record(None, str(exc)[:160])
        except Exception as exc:  # counted, never fatal: the run must finish
            phases.record(None, f"{exc.__class__.__name__}: {str(exc)[:140]}")
        else:
            phases.record((time.perf_counter() - started) * 1000)


def service(*args: str) -> None:
    subprocess.run(["bash", str(SERVICE_SCRIPT), *args], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--phase-seconds", type=float, default=20.0)
    parser.add_argument("--node", type=int, help="node to stop (1-3; default: the master)")
    parser.add_argument("--leave-stopped", action="store_true")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    urls = [u for u in os.environ.get("ELASTICSEARCH_URL", "").split(",") if u.strip()]
    if len(urls) < 3:
        print(
            "benchmarks/es_failover.py needs ELASTICSEARCH_URL naming the three nodes of "
            "`scripts/services/elasticsearch.sh cluster-start` (see its cluster-url). Skipped."
        )
        return 1 if os.environ.get("KITH_REQUIRE_SERVICES") == "1" else 0
    os.environ["ELASTICSEARCH_INDEX_PREFIX"] = INDEX_PREFIX
    os.environ.setdefault("ELASTICSEARCH_NUMBER_OF_SHARDS", "3")
    os.environ.setdefault("ELASTICSEARCH_NUMBER_OF_REPLICAS", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    import django

    django.setup()
    import importlib.util

    spec = importlib.util.spec_from_file_location("search_benchmark", ROOT / "benchmarks/search.py")
    search_benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search_benchmark)
    greater_manchester_sectors = search_benchmark.greater_manchester_sectors
    synthetic_documents = search_benchmark.synthetic_documents

    from directory import elasticsearch, geo
    from directory.search import elastic

    client = elasticsearch.get_client()
    nodes = client.cat.nodes(format="json", h="name,http_address,master")
    if len(nodes) < 3:
        print(f"Only {len(nodes)} nodes in the cluster; start all three first.")
        return 1
    master = next(n["name"] for n in nodes if n["master"] == "*")
    node = args.node or int(master.rsplit("-", 1)[1])
    sectors = greater_manchester_sectors(geo)
    rng = random.Random(args.seed)

    elastic.delete_index()
    started = time.perf_counter()
    name = elastic.create_index(bulk=True)
    elastic.bulk_index(synthetic_documents(args.listings, sectors, rng), name)
    elastic.finish_bulk(name)
    elastic.swap_alias(name)
    client.options(request_timeout=200).cluster.health(
        index=name, wait_for_status="green", timeout="180s"
    )
    print(
        f"Elasticsearch {elasticsearch.server_version()}, {len(nodes)} nodes, "
        f"{args.listings:,} listings indexed in {time.perf_counter() - started:.0f} s "
        f"(3 shards, 1 replica, green); stopping kith-es-{node} (master: {master})"
    )

    phases = Phases()
    stop = threading.Event()
    searcher = threading.Thread(target=search_until, args=(stop, phases, queries(sectors, rng)))
    searcher.start()
    try:
        time.sleep(args.phase_seconds)
        phases.current = "during"
        lost_at = time.perf_counter()
        service("cluster-stop", str(node))
        # The cluster has recovered when the index is yellow (every primary
        # assigned) on the remaining nodes and nothing is initialising.
        while True:
            healthy = elastic._client().options(request_timeout=30, max_retries=2)
            health = healthy.cluster.health(index=name, wait_for_status="yellow", timeout="20s")
            if not health["timed_out"] and health["initializing_shards"] == 0:
                break
        recovered_s = time.perf_counter() - lost_at
        time.sleep(max(0.0, args.phase_seconds - recovered_s))
        phases.current = "after"
        time.sleep(args.phase_seconds)
    finally:
        stop.set()
        searcher.join()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Cluster yellow again {recovered_s:.1f} s after the stop began; load average {load}")
    print(f"{'phase':<8}{'searches':>10}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    total_failed = 0
    for phase in ["before", "during", "after"]:
        times = phases.times.get(phase, [])
        failed = phases.failures.get(phase, [])
        total_failed += len(failed)
        print(
            f"{phase:<8}{len(times) + len(failed):>10}{len(failed):>8}"
            f"{percentile(times, 50):>9.1f}{percentile(times, 95):>9.1f}"
            f"{max(times, default=float('nan')):>9.1f}"
        )
        for error in sorted(set(failed))[:3]:
            print(f"    {error}")
    print(f"Failed searches when a node was lost: {total_failed}")
    try:
        elastic.delete_index()
    finally:
        if not args.leave_stopped:
            print(f"Starting kith-es-{node} again.")
            service("cluster-start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
