"""Matching at scale: a 10-goal support plan against 100,000 listings on Elasticsearch.

    ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python benchmarks/matching.py \\
        [--listings 100000] [--plans 100]

Prints figures; asserts nothing about time. Target (issue 16): p95 of
``POST /api/v1/match/`` for one whole 10-goal plan <= 200 ms at 100k listings
on Elasticsearch. The
listings are the same synthetic, seeded Greater Manchester set that
``benchmarks/search.py`` uses, bulk-indexed into an index of this script's
own (``kith-bench-matching``), removed at the end. The plan's goals are, by
default, the first ten development goals of the evaluation set in people's
own words (matching/evaluation/goals.py: typos, negation, carers, words no
phrase knows, so the text fall-back is timed too), or with ``--goal-set
golden`` the first ten of the golden set, with budgets; each timed
plan starts from a different real postcode sector. Two paths are timed: the
engine called directly (``match_plan``) and ``POST /api/v1/match/``.
Any database works for the vocabulary (SQLite by default).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Python puts this script's folder first on the path, where this file would
# shadow the ``matching`` app: search the project root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

INDEX_PREFIX = "kith-bench-matching"
BUDGETS = ["300", "1500", "500", "400", "250", "350", "800", "600", "200", "900"]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=100, help="timed plans per path")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--goal-set", choices=["own-words", "golden"], default="own-words")
    parser.add_argument("--profile", help="write a cProfile of the engine path to this file")
    args = parser.parse_args()

    if not os.environ.get("ELASTICSEARCH_URL"):
        print("benchmarks/matching.py needs ELASTICSEARCH_URL; see benchmarks/README.md. Skipped.")
        return 1 if os.environ.get("KITH_REQUIRE_SERVICES") == "1" else 0
    os.environ["ELASTICSEARCH_INDEX_PREFIX"] = INDEX_PREFIX
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    import django

    django.setup()
    import importlib.util

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.test import Client
    from django.test.utils import setup_test_environment
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    spec = importlib.util.spec_from_file_location("search_bench", ROOT / "benchmarks/search.py")
    search_bench = importlib.util.module_from_spec(spec)  # the shared synthetic directory
    spec.loader.exec_module(search_bench)
    from directory import elasticsearch, geo
    from directory.search import elastic
    from directory.search.elastic import ElasticsearchBackend
    from kith.startup import freeze_loaded_objects
    from matching.engine import Budget, GoalSpec, match_plan
    from matching.golden import GOLDEN_GOALS

    setup_test_environment()
    if reason := elasticsearch.unreachable_reason():
        print(f"Elasticsearch cannot be reached: {reason}")
        return 1
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", "--noinput", verbosity=0)

    rng = random.Random(args.seed)
    sectors = search_bench.greater_manchester_sectors(geo)
    docs = search_bench.synthetic_documents(args.listings, sectors, rng)
    started = time.perf_counter()
    name = elastic.create_index(bulk=True)
    elastic.index_documents(docs, index=name)
    elastic.finish_bulk(name)
    elastic.swap_alias(name)
    index_s = time.perf_counter() - started
    del docs

    if args.goal_set == "golden":
        texts = [text for text, _, _ in GOLDEN_GOALS[:10]]
    else:
        from matching.evaluation.goals import goals_in

        texts = [goal.text for goal in goals_in("dev")[:10]]
    goals = [
        GoalSpec(text, budget=Budget(Decimal(budget), "year"))
        for text, budget in zip(texts, BUDGETS, strict=True)
    ]
    body_goals = [
        {"text": g.text, "budget": {"amount": str(g.budget.amount), "period": "year"}}
        for g in goals
    ]
    origins = [rng.choice(sectors) for _ in range(args.plans + args.warmup)]
    backend = ElasticsearchBackend()
    # As kith.wsgi does once a server process has loaded (this script's own
    # synthetic listings are gone by now, so only what Kith loaded is frozen).
    freeze_loaded_objects()
    AnonRateThrottle.rate = UserRateThrottle.rate = "1000000/minute"
    client = Client()

    engine_ms, api_ms, suggestions = [], [], []
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    try:
        for i, (sector, point) in enumerate(origins):
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            results = match_plan(goals, point, 16.0, backend=backend)
            if profiler:
                profiler.disable()
            t1 = time.perf_counter()
            response = client.post(
                "/api/v1/match/",
                json.dumps({"postcode": sector, "radius_km": 16, "goals": body_goals}),
                content_type="application/json",
            )
            t2 = time.perf_counter()
            assert response.status_code == 200, response.content[:300]
            if i >= args.warmup:
                engine_ms.append((t1 - t0) * 1000)
                api_ms.append((t2 - t1) * 1000)
                suggestions.append(sum(len(r.suggestions) for r in results))
    finally:
        elastic.delete_index()
        if profiler:
            profiler.dump_stats(args.profile)

    print(
        f"Elasticsearch {elasticsearch.server_version()}, {args.listings:,} listings indexed in "
        f"{index_s:.1f} s ({args.listings / index_s:,.0f}/s), {args.plans} timed 10-goal plans "
        f"after {args.warmup} warm-up, {os.cpu_count()} CPUs"
    )
    print(f"{'path':<28}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, values in [("engine (match_plan)", engine_ms), ("API POST /api/v1/match/", api_ms)]:
        print(
            f"{label:<28}{percentile(values, 50):>10.1f}{percentile(values, 95):>10.1f}"
            f"{max(values):>10.1f}"
        )
    print(
        f"suggestions per plan: mean {sum(suggestions) / len(suggestions):.1f} (10 goals, max 100)"
    )
    print(f"goals: {args.goal_set}; load average {os.getloadavg()}")
    print("target: POST /api/v1/match/ p95 <= 200 ms for a 10-goal plan at 100k on Elasticsearch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
