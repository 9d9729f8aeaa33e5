"""Directory search at scale: indexing rate and query latency of both backends.

    DATABASE_URL=postgres://... ELASTICSEARCH_URL=http://127.0.0.1:9200 \\
        .venv/bin/python benchmarks/search.py [--listings 10000 100000] [--queries 200]

Prints figures; asserts nothing about time (see benchmarks/README.md for what
each figure means and the targets). For each size it writes that many
synthetic listing snapshots straight into PostgreSQL (``records.save_records``)
and into a benchmark-only Elasticsearch index, spread over real Greater
Manchester postcode sectors, then times a fixed, seeded mix of searches
through the public API and against each backend directly. Everything it made
is removed at the end (``--keep`` leaves it, for EXPLAIN ANALYZE by hand).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Synthetic listings get ids far above any real page's, so the clean-up can
# never touch a real snapshot.
FIRST_ID = 900_000_000
INDEX_PREFIX = "kith-bench"

QUERY_KINDS = ["postcode+radius", "outcome+postcode", "text+postcode", "kind+outcome"]

# (word in names and text, category slug, outcome slugs)
ACTIVITIES = [
    ("Swimming", "swimming", ["physical-health"]),
    ("Yoga", "wellness", ["physical-health", "mental-wellbeing"]),
    ("Gardening", "gardening", ["mental-wellbeing", "giving-back"]),
    ("Art", "arts", ["mental-wellbeing", "confidence"]),
    ("Pottery", "arts", ["mental-wellbeing", "confidence"]),
    ("Music", "music", ["mental-wellbeing", "social-inclusion"]),
    ("Fishing", "fishing", ["mental-wellbeing"]),
    ("Cycling", "cycling", ["physical-health", "getting-around"]),
    ("Cooking", "education-courses", ["skills-and-learning", "independent-living"]),
    ("Computer", "computing", ["skills-and-learning"]),
    ("Walking", "sports-activities", ["physical-health", "social-inclusion"]),
    ("Drama", "arts", ["confidence", "social-inclusion"]),
    ("Respite", "respite", ["carer-break", "staying-well"]),
    ("Cleaning", "domestic-help", ["independent-living"]),
    ("Peer Support", "peer-support", ["recovery", "staying-well"]),
    ("Day Trips", "days-out", ["social-inclusion", "family-and-relationships"]),
    ("Gym", "gym-membership", ["physical-health"]),
    ("Driving", "driving-lessons", ["getting-around", "confidence"]),
    ("Volunteering", "enterprise", ["employment", "giving-back"]),
]
SUFFIXES = ["Club", "Group", "Centre", "Project", "Workshop", "Network", "Sessions", "Classes"]
TOWNS = {"M": "Manchester", "SK": "Stockport", "OL": "Oldham", "BL": "Bolton", "WN": "Wigan"}
WA_TOWNS = ["Altrincham", "Sale", "Partington", "Timperley"]
FIRST_NAMES = [
    "Priya",
    "Tom",
    "Aisha",
    "Grace",
    "Liam",
    "Fatima",
    "Owen",
    "Chloe",
    "Imran",
    "Sophie",
    "Daniel",
    "Amara",
    "Jack",
    "Zainab",
    "Ellie",
    "Kwame",
    "Megan",
    "Tariq",
]
LAST_NAMES = [
    "Sharma",
    "Hughes",
    "Khan",
    "Okafor",
    "Walsh",
    "Begum",
    "Jones",
    "Nowak",
    "Ahmed",
    "Taylor",
    "Murphy",
    "Patel",
    "Roberts",
    "Hussain",
    "Evans",
    "Mensah",
    "Clarke",
]
PA_SKILLS = [
    "personal care",
    "cooking",
    "driving",
    "shopping",
    "medication prompts",
    "getting out and about",
    "overnight support",
    "autism support",
    "dementia care",
]
TEXT_WORDS = [
    "swimming",
    "yoga",
    "gardening",
    "pottery",
    "music",
    "cycling",
    "cooking",
    "walking",
    "respite",
    "cleaning",
    "driving",
    "volunteering",
    "fishing",
    "drama",
]
LANGUAGES = ["ur", "pa", "bn", "gu", "pl", "ar", "so", "bsl"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def greater_manchester_sectors(geo) -> list[tuple[str, tuple[float, float]]]:
    """Real postcode sectors of Greater Manchester, with their centroids.

    M, OL, BL and WN areas, the Stockport and Tameside districts of SK
    (SK1-8, SK12-16) and Trafford's WA13-16.
    """
    chosen = []
    for sector, point in sorted(geo.sectors().items()):
        area, district = re.match(r"([A-Z]+)(\d+)", sector).groups()
        district = int(district)
        if (
            area in ("M", "OL", "BL", "WN")
            or (area == "SK" and (district <= 8 or 12 <= district <= 16))
            or (area == "WA" and 13 <= district <= 16)
        ):
            chosen.append((sector, point))
    return chosen


def unit_code(rng: random.Random) -> str:
    return rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)


def synthetic_documents(n: int, sectors, rng: random.Random):
    """``listing_document`` dicts for n plausible listings (providers, clubs, PAs...).

    A generator: a million listings are made one at a time, never all held
    at once. The same ``rng`` state gives the same listings.
    """
    from directory import taxonomy

    outcome_names = dict(taxonomy.OUTCOMES)
    category_names = dict(taxonomy.CATEGORIES)
    for i in range(n):
        kind = rng.choices(
            ["provider", "club", "pa", "ulo", "peer_group"], weights=[40, 25, 25, 5, 5]
        )[0]
        n_locations = 1 if kind == "pa" or rng.random() < 0.9 else rng.randint(2, 3)
        places = rng.sample(sectors, n_locations)
        area = re.match(r"[A-Z]+", places[0][0]).group()
        town = TOWNS.get(area) or rng.choice(WA_TOWNS)
        if kind == "pa":
            skills = rng.sample(PA_SKILLS, 3)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            summary = f"Personal assistant in {town}: {', '.join(skills)}."
            description = f"I have supported people for {rng.randint(1, 20)} years. " + (
                "I can drive and have my own car." if rng.random() < 0.5 else "I use buses."
            )
            outcomes = ["independent-living"] + rng.sample(["social-inclusion", "staying-well"], 1)
            categories = ["personal-assistant"]
            price, unit = f"{rng.uniform(12.5, 18.0):.2f}", "hour"
        else:
            word, category, outcomes = rng.choice(ACTIVITIES)
            outcomes = list(outcomes)
            categories = [category]
            name = f"{town} {word} {rng.choice(SUFFIXES)}"
            summary = f"{word} for adults in {town}, with support for disabled people."
            description = (
                f"Our {word.lower()} sessions are friendly and accessible. "
                f"We meet {rng.choice(['weekly', 'twice a week', 'every month'])}."
            )
            if kind in ("club", "peer_group", "ulo") and rng.random() < 0.5:
                price, unit = "0", "free"
            else:
                price = f"{rng.choice([3, 4.5, 5, 6, 8, 10, 12, 25, 35, 60, 120]):.2f}"
                unit = rng.choice(["session", "hour", "month", "day"])
        languages = ["en"] + ([rng.choice(LANGUAGES)] if rng.random() < 0.15 else [])
        yield (
            {
                "id": FIRST_ID + i,
                "kind": kind,
                "name": name,
                "summary": summary,
                "description": description,
                "taxonomy_text": " ".join(
                    [outcome_names[s] for s in outcomes] + [category_names[s] for s in categories]
                ),
                "outcomes": outcomes,
                "categories": categories,
                "languages": languages,
                "accessibility": rng.sample(["step-free", "hearing-loop", "quiet-space"], 1),
                "offers_backup_cover": kind == "pa" and rng.random() < 0.3,
                "price_amount": price,
                "price_unit": unit,
                "places_available": rng.choice([None, None, 0, 1, 2, 4, 8]),
                "last_confirmed": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "url_path": f"/directory/bench-{i}/",
                "locations": [
                    {
                        # A PA shows only the sector; others a made-up full postcode in it.
                        "postcode": sector if kind == "pa" else sector + unit_code(rng),
                        "lat": lat,
                        "lng": lng,
                    }
                    for sector, (lat, lng) in places
                ],
            }
        )


def query_mix(n_each: int, sectors, rng: random.Random) -> list[tuple[str, dict]]:
    """API query parameters: n_each of every kind of query, interleaved."""
    from directory import taxonomy

    outcomes = [slug for slug, _ in taxonomy.OUTCOMES]
    mix = []
    for _ in range(n_each):
        mix.append(("postcode+radius", {"postcode": rng.choice(sectors)[0], "radius_km": 16}))
        mix.append(
            (
                "outcome+postcode",
                {"outcome": rng.choice(outcomes), "postcode": rng.choice(sectors)[0]},
            )
        )
        mix.append(
            ("text+postcode", {"q": rng.choice(TEXT_WORDS), "postcode": rng.choice(sectors)[0]})
        )
        mix.append(
            (
                "kind+outcome",
                {"kind": rng.choice(["provider", "club", "pa"]), "outcome": rng.choice(outcomes)},
            )
        )
    return mix


def listing_query(params: dict):
    """The ListingQuery the API builds from these parameters, so all paths ask the same."""
    from django.http import QueryDict

    from directory.api import ListingSearchParamsSerializer

    serializer = ListingSearchParamsSerializer.from_query_params(
        QueryDict(urlencode(params, doseq=True))
    )
    serializer.is_valid(raise_exception=True)
    return serializer.listing_query()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def clean_up(listing_count: int) -> None:
    from directory.search import elastic
    from directory.search.records import ListingRecord

    step = 5_000
    for start in range(FIRST_ID, FIRST_ID + listing_count, step):
        ListingRecord.objects.filter(listing_id__gte=start, listing_id__lt=start + step).delete()
    elastic.delete_index()


def write_snapshots(docs, batch: int = 2_000) -> float:
    from directory.search.records import save_records

    started = time.perf_counter()
    while chunk := list(itertools.islice(docs, batch)):
        save_records(chunk)
    return time.perf_counter() - started


def index_in_elasticsearch(docs, n: int) -> tuple[float, str]:
    """Bulk-index into a fresh index the way rebuild_directory_index does; seconds taken.

    Documents are made as they are sent (a generator), so the time includes
    making them, as a rebuild's includes reading them; progress is printed
    every 30 s.
    """
    from directory.search import elastic

    started = time.perf_counter()
    last = [started]

    def progress(done: int, _last_id: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 30:
            last[0] = now
            rate = done / (now - started)
            print(f"  indexed {done:,} of {n:,} ({rate:,.0f}/s)", flush=True)

    name = elastic.create_index(bulk=True)
    elastic.bulk_index(docs, name, on_chunk=progress)
    elastic.finish_bulk(name)
    elapsed = time.perf_counter() - started
    elastic.swap_alias(name)
    return elapsed, name


def time_queries(mix, warmup: int, pg_limit: int | None = None):
    """Milliseconds per query, by (path, query kind). Paths are interleaved per query.

    With ``pg_limit`` the PostgreSQL paths run only for the first ``pg_limit``
    queries of the mix (at a million listings they take long and are only
    recorded for information).
    """
    from django.conf import settings
    from django.test import Client, override_settings
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    from directory.search import elastic
    from directory.search.database import DatabaseBackend

    # The API's rate limits are part of its path and stay on, but are raised
    # so the benchmark measures searches, not 429s. (The per-user limit also
    # counts anonymous requests, by address.)
    AnonRateThrottle.rate = UserRateThrottle.rate = "1000000/minute"
    client = Client()
    db = DatabaseBackend()
    es = elastic.ElasticsearchBackend()
    es_url = settings.ELASTICSEARCH_URL

    def api(params):
        response = client.get("/api/v1/listings/", params)
        assert response.status_code in (200, 404), response.content[:300]

    def api_db(params):
        settings.ELASTICSEARCH_URL = ""
        try:
            api(params)
        finally:
            settings.ELASTICSEARCH_URL = es_url

    floor_query: dict = {}

    def floor(params):
        response = client.get(FLOOR_PATH, params)
        assert response.status_code == 200, response.content[:300]

    paths = {
        "ES API": lambda params, query: api(params),
        # The least any Django view could do: the same Elasticsearch request
        # and its hits as JSON, through the same middleware and test client,
        # with no parameter checks, rate limit, search log or serializer.
        "Django floor": lambda params, query: floor_query.update(query=query) or floor(params),
        # The Elasticsearch request(s) the backend makes, answers as the client
        # gives them, with nothing of Kith's around them.
        "ES raw": lambda params, query: es.responses([query]),
        "PG backend": lambda params, query: db.search(query),
        "PG API": lambda params, query: api_db(params),
    }
    timings: dict[tuple[str, str], list[float]] = {}
    with override_settings(ROOT_URLCONF=floor_urlconf(es, floor_query)):
        _run(mix, paths, timings, warmup, pg_limit)
    return timings


FLOOR_PATH = "/benchmark-floor/"


def floor_urlconf(es, current: dict) -> str:
    """A URLconf with Kith's URLs and one bare Django view for the "Django floor" path."""
    import json
    import types

    from django.http import HttpResponse
    from django.urls import include, path

    def floor_view(request):
        (response,) = es.responses([current["query"]])
        body = json.dumps([hit["_source"] for hit in response["hits"]["hits"]])
        return HttpResponse(body, content_type="application/json")

    module = types.ModuleType("benchmark_search_urls")
    module.urlpatterns = [
        path(FLOOR_PATH.strip("/") + "/", floor_view),
        path("", include("kith.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _run(mix, paths, timings, warmup: int, pg_limit: int | None) -> None:
    for i, (kind, params) in enumerate(mix):
        query = listing_query(params)
        for path, run in paths.items():
            if pg_limit is not None and i >= pg_limit and path.startswith("PG"):
                continue
            started = time.perf_counter()
            run(params, query)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if i >= warmup:
                timings.setdefault((path, kind), []).append(elapsed_ms)


def explain(mix) -> None:
    """EXPLAIN ANALYZE of the database backend's main SQL, for one query of each kind."""
    from django.db import connection

    from directory.search.database import DatabaseBackend

    seen = set()
    for kind, params in mix:
        if kind in seen:
            continue
        seen.add(kind)
        query = listing_query(params)
        with connection.execute_wrapper(_explain_wrapper):
            print(f"\n--- EXPLAIN ANALYZE: {kind} {params}")
            DatabaseBackend().search(query)


def _explain_wrapper(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith("SELECT") and "directory_listingrecord" in sql:
        cursor = context["cursor"].cursor  # the driver's own: not wrapped again
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n{sql[:300]}...\n{plan}")
    return execute(sql, params, many, context)


def report(n: int, index_s: float, snapshot_s: float | None, timings) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n== {n:,} listings (load average now {load})")
    print(f"Elasticsearch bulk indexing: {n / index_s:,.0f} listings/s ({index_s:.1f} s)")
    paths = ["ES API", "ES raw", "Django floor"]
    if snapshot_s is not None:
        print(f"PostgreSQL snapshot writing: {n / snapshot_s:,.0f} listings/s ({snapshot_s:.1f} s)")
        paths += ["PG backend", "PG API"]
    header = f"{'query':<18}" + "".join(f"{p + ' p50/p95 ms':>24}" for p in paths)
    print(header + f"{'ES API/raw p95':>16}{'floor/raw p95':>15}{'API-floor p95 ms':>18}")
    for kind in [*QUERY_KINDS, "all"]:
        cells = []
        p95 = {}
        for path in paths:
            values = (
                [v for (p, _), vs in timings.items() if p == path for v in vs]
                if kind == "all"
                else timings[(path, kind)]
            )
            p95[path] = percentile(values, 95)
            cells.append(f"{statistics.median(values):>13.1f} / {p95[path]:>7.1f}")
        ratio = p95["ES API"] / p95["ES raw"]
        floor_ratio = p95["Django floor"] / p95["ES raw"]
        kith_ms = p95["ES API"] - p95["Django floor"]
        print(
            f"{kind:<18}"
            + "".join(f"{c:>24}" for c in cells)
            + f"{ratio:>15.2f}x{floor_ratio:>14.2f}x{kith_ms:>18.1f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="timed queries of each kind")
    parser.add_argument(
        "--pg-queries",
        type=int,
        help="timed PostgreSQL queries of each kind (default: as --queries; fewer at 1M)",
    )
    parser.add_argument(
        "--skip-postgres",
        action="store_true",
        help="Elasticsearch figures only: no snapshots written, no PostgreSQL queries timed",
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed queries of each kind first")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", action="store_true", help="leave the data for inspection")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL query plans")
    args = parser.parse_args()

    missing = [name for name in ("DATABASE_URL", "ELASTICSEARCH_URL") if not os.environ.get(name)]
    if missing or not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        print(
            "benchmarks/search.py needs PostgreSQL (DATABASE_URL=postgres://...) and "
            "Elasticsearch (ELASTICSEARCH_URL); see benchmarks/README.md. Skipped."
        )
        return 1 if os.environ.get("KITH_REQUIRE_SERVICES") == "1" else 0

    os.environ["ELASTICSEARCH_INDEX_PREFIX"] = INDEX_PREFIX
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.test.utils import setup_test_environment

    from directory import elasticsearch, geo
    from directory.models import SearchLog

    setup_test_environment()  # lets the test client in (ALLOWED_HOSTS) and keeps DEBUG off
    if reason := elasticsearch.unreachable_reason():
        print(f"Elasticsearch at {os.environ['ELASTICSEARCH_URL']} cannot be reached: {reason}")
        return 1
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("Applying migrations to the configured database first.")
        call_command("migrate", "--noinput", verbosity=0)

    sectors = greater_manchester_sectors(geo)
    print(
        f"PostgreSQL {connection.pg_version // 10000}, Elasticsearch "
        f"{elasticsearch.server_version()}, {len(sectors)} Greater Manchester postcode sectors, "
        f"{args.queries} timed queries of each kind after {args.warmup} warm-up, "
        f"{os.cpu_count()} CPUs"
    )
    for n in args.listings:
        rng = random.Random(args.seed + 1)  # the queries'
        clean_up(max(args.listings))  # a run stopped half-way may have left some behind
        first_log = SearchLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            # The same listings twice (same seed), made as they are written.
            snapshot_s = None
            if not args.skip_postgres:
                docs = synthetic_documents(n, sectors, random.Random(args.seed))
                snapshot_s = write_snapshots(docs)
                print(f"  {n:,} snapshots written to PostgreSQL in {snapshot_s:.0f} s", flush=True)
            index_s, _ = index_in_elasticsearch(
                synthetic_documents(n, sectors, random.Random(args.seed)), n
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE directory_listingrecord, directory_listingrecordlocation")
            mix = query_mix(args.queries + args.warmup, sectors, rng)
            timings = time_queries(
                mix,
                warmup=args.warmup * len(QUERY_KINDS),
                pg_limit=0
                if args.skip_postgres
                else (args.warmup + args.pg_queries) * len(QUERY_KINDS)
                if args.pg_queries is not None
                else None,
            )
            report(n, index_s, snapshot_s, timings)
            if args.explain:
                explain(mix)
        finally:
            SearchLog.objects.filter(pk__gt=first_log).delete()
            if not args.keep:
                clean_up(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
