"""Kith's own CPU time a search request takes, whatever the load on the machine.

    DATABASE_URL=postgres://kith:kith@127.0.0.1:5432/kith_x \\
    ELASTICSEARCH_URL=http://127.0.0.1:9200 ELASTICSEARCH_INDEX_PREFIX=kith-x \\
        .venv/bin/python benchmarks/request_cpu.py [--requests 300] [--profile [KIND]]

Needs a database with listings in it (``manage.py load_demo``, then
``manage.py rebuild_directory_index`` for Elasticsearch); without
ELASTICSEARCH_URL (or with ``--database-backend``) the database backend
answers. It sends the requests of the load test (``benchmarks/load.py``: the
search page and ``GET /api/v1/listings/``, with the same postcodes, distances,
outcomes and keywords, from 80 addresses behind one trusted proxy) straight to
Kith's WSGI application in this process, as gunicorn would, with DEBUG off.
It prints, per kind of request, the CPU time of this process a request
(``time.process_time``: Django, the templates, DRF, the database and
Elasticsearch clients; not PostgreSQL's or Elasticsearch's own work), the
wall time, and the database queries a request makes. ``--profile`` adds
cProfile's 25 costliest functions (by their own time and by cumulative time)
over every kind, or over one kind (``--profile api``). ``--worker`` also runs
the search-log tasks the requests queued, as ``db_worker`` would, and prints
the worker's CPU time per task.

The API's rate limits stay in the path, raised so the figures are searches,
not 429s. The search-log rows the run makes are removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ["swimming", "yoga", "gardening", "art", "music", "cycling", "walking", "gym", "cooking"]
MILES = [3, 5, 10, 15]
ADDRESSES = 80  # the load test's default number of people, each from their own address


# --- The load test's requests (benchmarks/load.py sends the same) -----------


def places(rng: random.Random, sectors) -> list[str]:
    """200 places people type: full postcodes, sectors and outward codes."""
    chosen = []
    for sector, _ in rng.sample(sectors, 200):
        chosen.append(rng.choice([sector + "AB"[rng.randint(0, 1)] + "X", sector, sector[:-2]]))
    return chosen


def search_page_params(rng, postcodes, outcomes) -> dict:
    """The search page: a postcode and distance, with an outcome or keywords half the time."""
    params = {"postcode": rng.choice(postcodes), "miles": rng.choice(MILES)}
    if rng.random() < 0.5:
        params["outcome"] = rng.choice(outcomes)
    elif rng.random() < 0.5:
        params["q"] = rng.choice(WORDS)
    return params


def listings_api_params(rng, postcodes, outcomes) -> dict:
    """The listings API: a postcode and 16 km, often an outcome, sometimes keywords."""
    params = {"postcode": rng.choice(postcodes), "radius_km": 16}
    if rng.random() < 0.6:
        params["outcome"] = rng.choice(outcomes)
    if rng.random() < 0.2:
        params["q"] = rng.choice(WORDS)
    return params


PAGE = "/directory/"
API = "/api/v1/listings/"


def kinds(rng, postcodes, outcomes) -> dict:
    """Each kind of request: a function giving the path and parameters of one."""

    def page(extra):
        def make():
            params = {"postcode": rng.choice(postcodes), "miles": rng.choice(MILES)}
            return PAGE, {**params, **extra()}

        return make

    def api(extra):
        def make():
            return API, {"postcode": rng.choice(postcodes), "radius_km": 16, **extra()}

        return make

    def mix():
        if rng.random() < 0.5:
            return PAGE, search_page_params(rng, postcodes, outcomes)
        return API, listings_api_params(rng, postcodes, outcomes)

    return {
        "page: postcode": page(dict),
        "page: postcode + outcome": page(lambda: {"outcome": rng.choice(outcomes)}),
        "page: postcode + keywords": page(lambda: {"q": rng.choice(WORDS)}),
        "api: postcode": api(dict),
        "api: postcode + outcome": api(lambda: {"outcome": rng.choice(outcomes)}),
        "api: postcode + keywords": api(lambda: {"q": rng.choice(WORDS)}),
        "load test mix": mix,
    }


# --- Calling Kith as gunicorn does ------------------------------------------


def environ(path: str, params: dict, address: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(params),
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "text/html,application/json",
        "HTTP_USER_AGENT": "benchmarks/request_cpu.py",
        "HTTP_X_FORWARDED_FOR": address,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(application, path, params, address) -> tuple[str, int]:
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    body = application(environ(path, params, address), start_response)
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        body.close()  # request_finished: what gunicorn's worker triggers too
    return status[0], size


def run_kind(application, make, n: int, warmup: int, addresses, profiler=None) -> dict:
    from django.db import connection

    for _ in range(warmup):
        path, params = make()
        call(application, path, params, next(addresses))
    cpu, wall, queries = [], [], []
    for _ in range(n):
        path, params = make()
        address = next(addresses)
        with CountQueries(connection) as counted:
            if profiler:
                profiler.enable()
            started_cpu, started = time.process_time(), time.perf_counter()
            status, _ = call(application, path, params, address)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            if profiler:
                profiler.disable()
        queries.append(counted.count)
        if not status.startswith(("200", "404")):
            raise SystemExit(f"{path}?{urlencode(params)} answered {status}")
    return {"cpu": cpu, "wall": wall, "queries": queries}


class CountQueries:
    """Counts the SQL statements run on a connection (without DEBUG's query log)."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def run_worker() -> tuple[int, float]:
    """Run every queued task as ``db_worker --batch`` does; (tasks, CPU ms a task)."""
    from django_tasks.backends.database.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="request-cpu-bench",
    )
    started = time.process_time()
    worker.run()
    elapsed = time.process_time() - started
    return worker._run_tasks, elapsed * 1000 / max(worker._run_tasks, 1)


def print_profile(profiler: cProfile.Profile, requests: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(25)
        print(f"\ncProfile over {requests} requests, top 25 by {order}:")
        print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests of each kind")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="",
        metavar="KIND",
        help="cProfile's top 25, over every kind or those whose name starts with KIND",
    )
    parser.add_argument("--database-backend", action="store_true", help="not Elasticsearch")
    parser.add_argument("--worker", action="store_true", help="also time the search-log tasks")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    # What benchmarks/load.py gives gunicorn.
    os.environ.update(DEBUG="false", LOG_LEVEL="WARNING", KITH_TRUSTED_PROXIES="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    if args.database_backend:
        os.environ["ELASTICSEARCH_URL"] = ""
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    from django.conf import settings
    from django.utils import timezone
    from django_tasks.backends.database.models import DBTaskResult
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    from benchmarks.search import greater_manchester_sectors
    from directory import geo
    from directory.models import ListingRecord, Outcome, SearchLog

    if not ListingRecord.objects.exists():
        print("No listings in this database: run manage.py load_demo first.")
        return 1
    AnonRateThrottle.rate = UserRateThrottle.rate = "1000000/minute"
    rng = random.Random(args.seed)
    postcodes = places(rng, greater_manchester_sectors(geo))
    outcomes = list(Outcome.objects.values_list("slug", flat=True))
    addresses = itertools.cycle([f"10.1.0.{i}" for i in range(1, ADDRESSES + 1)])
    started_at = timezone.now()
    first_log = SearchLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    backend = "Elasticsearch" if settings.ELASTICSEARCH_URL else "database"
    print(
        f"{ListingRecord.objects.count():,} listings, {backend} backend, "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, DEBUG {settings.DEBUG}; "
        f"{args.requests} timed requests of each kind after {args.warmup}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'kind':28} {'CPU ms':>7} {'p50':>6} {'p95':>6} {'wall ms':>8} {'queries':>8}")
    profiler = cProfile.Profile() if args.profile is not None else None
    profiled = 0
    try:
        for name, make in kinds(rng, postcodes, outcomes).items():
            this_profiler = profiler if profiler and name.startswith(args.profile) else None
            result = run_kind(
                application, make, args.requests, args.warmup, addresses, this_profiler
            )
            profiled += args.requests if this_profiler else 0
            cpu = sorted(result["cpu"])
            print(
                f"{name:28} {statistics.mean(cpu):7.2f} {cpu[len(cpu) // 2]:6.2f} "
                f"{cpu[int(len(cpu) * 0.95)]:6.2f} {statistics.mean(result['wall']):8.2f} "
                f"{statistics.mean(result['queries']):8.1f}",
                flush=True,
            )
        if args.worker:
            tasks, per_task = run_worker()
            print(
                f"db_worker: {tasks} queued tasks run, {per_task:.2f} CPU ms a task"
                if tasks
                else "db_worker: no task was queued"
            )
    finally:
        SearchLog.objects.filter(pk__gt=first_log).delete()
        DBTaskResult.objects.filter(enqueued_at__gte=started_at).delete()
    if profiler and profiled:
        print_profile(profiler, profiled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
