"""Commissioners' reports over a year of data for 100,000 people, on PostgreSQL.

    DATABASE_URL=postgres://kith:kith@127.0.0.1:5432/kith_reports \\
        .venv/bin/python benchmarks/reports.py [--people 100000] [--runs 3] [--fresh] [--explain]

Fills a throwaway database (``test_kith_reports_bench``; kept between runs so
the slow part, generating the data, happens once; ``--fresh`` starts again)
with ``evidence.demo`` at the given number of people: plans moving through
their stages, goals, monthly spend, outcome reviews and ten searches a person
plus anonymous ones over the last year. Then times every report (the median of
``--runs``) for all of Greater Manchester and for one local authority, and the
two report pages as a whole. Target: each page under 2 s. Prints the load
average too, because the machine is shared, and the CPU time of this process
(Python's share, which load barely changes). ``--explain`` also runs every
query of every report under ``EXPLAIN (ANALYZE, BUFFERS)`` once and prints
PostgreSQL's own execution time for each report (and, with
``KITH_EXPLAIN_PLANS=1``, the plan of its slowest query). Where PostgreSQL runs
on the same machine it also prints the CPU time of the connection's backend
process; with ``PGOPTIONS="-c max_parallel_workers_per_gather=0"`` that is all
of PostgreSQL's work, a figure the machine's load barely changes. Asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

DB_NAME = "test_kith_reports_bench"


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # show progress when written to a file
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="Drop and regenerate the data.")
    parser.add_argument(
        "--explain", action="store_true", help="PostgreSQL's own time and plan for each report."
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (the target is for PostgreSQL).")
        return 1 if os.environ.get("KITH_REQUIRE_SERVICES") == "1" else 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    os.environ.setdefault("KITH_TASKS_BACKEND", "immediate")
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = DB_NAME
    started = time.monotonic()
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=not args.fresh, serialize=False
    )
    print(f"Database {DB_NAME} ready in {time.monotonic() - started:.0f} s")

    from django.utils import timezone

    from evidence import demo, reports
    from evidence.areas import GREATER_MANCHESTER, LOCAL_AUTHORITIES
    from evidence.forms import default_period

    started = time.monotonic()
    loaded = demo.load(
        people=args.people,
        anonymous_searches=args.people * 2,
        with_pools=False,
        progress=lambda message: print("  " + message, flush=True),
    )
    if loaded.people:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"Generated in {time.monotonic() - started:.0f} s")
    else:
        print("Data already there (use --fresh to regenerate)")
    counts = _counts()
    print("Rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))

    start, end = default_period(timezone.localdate())
    scopes = {
        "Greater Manchester": reports.Scope(start, end, tuple(GREATER_MANCHESTER)),
        "Oldham": reports.Scope(start, end, tuple(LOCAL_AUTHORITIES["Oldham"])),
    }
    pages = {"demand page": reports.DEMAND_TABLES, "plans page": reports.PILOT_TABLES}
    if args.explain:
        for area, scope in scopes.items():
            print(f"\nEXPLAIN ANALYZE, {area}: PostgreSQL's execution time, seconds")
            builds = {"demand_page": reports.demand_page, "pilot_page": _pilot_page(reports)}
            for key, build in {**builds, **reports.PILOT_TABLES}.items():
                _explain(key, build, scope)
    print(f"\nPeriod {start} to {end}; median of {args.runs} runs, seconds (CPU: this process)")
    for area, scope in scopes.items():
        print(f"\n{area} ({len(scope.districts)} districts)")
        for page, builders in pages.items():
            per_table: dict[str, list[float]] = {key: [] for key in builders}
            cpu: dict[str, list[float]] = {key: [] for key in builders}
            db_cpu: dict[str, list[float]] = {key: [] for key in builders}
            for _ in range(args.runs):
                for key, build in builders.items():
                    t, c, d = time.monotonic(), time.process_time(), _backend_cpu()
                    build(scope)
                    per_table[key].append(time.monotonic() - t)
                    cpu[key].append(time.process_time() - c)
                    db_cpu[key].append(_backend_cpu() - d)
            for key, times in per_table.items():
                print(
                    f"  {key:22} {statistics.median(times):6.3f}"
                    f"  (CPU: Python {statistics.median(cpu[key]):.3f},"
                    f" PostgreSQL {statistics.median(db_cpu[key]):.3f})"
                )
            # As the page builds it: the demand tables from one pass over the search
            # log, the spend tables from one pass over the ledger.
            build_page = reports.demand_page if page == "demand page" else _pilot_page(reports)
            page_times, page_cpu = [], []
            for _ in range(args.runs):
                page_started, d = time.monotonic(), _backend_cpu()
                build_page(scope)
                page_times.append(time.monotonic() - page_started)
                page_cpu.append(_backend_cpu() - d)
            verdict = "under" if statistics.median(page_times) < 2 else "OVER"
            print(
                f"  {page.upper():22} {statistics.median(page_times):6.3f}  ({verdict} 2 s;"
                f" PostgreSQL CPU {statistics.median(page_cpu):.3f})"
            )
    print(
        f"\nLoad average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    return 0


def _pilot_page(reports):
    """The plans page as the view builds it (or, in Kith before pilot_page, table by
    table: so this script can measure an older checkout too)."""
    if hasattr(reports, "pilot_page"):
        return reports.pilot_page
    return lambda scope: [build(scope) for build in reports.PILOT_TABLES.values()]


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend process, when
    PostgreSQL runs on this machine (else 0). Parallel workers are not counted: run
    with PGOPTIONS="-c max_parallel_workers_per_gather=0" to have all the work here."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _explain(key, build, scope) -> None:
    """Run ``build`` once, then each of its queries under EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evidence import stats

    with CaptureQueriesContext(connection) as captured:
        build(scope)
    timed = []
    settings = getattr(stats, "report_queries", contextlib.nullcontext)
    with settings(), connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "set_config" in sql:
                continue
            # The captured text has its parameters filled in, as PostgreSQL ran it.
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [line for (line,) in cursor.fetchall()]
            ms = float(plan[-1].split(":")[1].split()[0])
            timed.append((ms, plan))
    total = sum(ms for ms, _ in timed) / 1000
    print(f"  {key:22} {total:6.3f}  ({len(timed)} queries)")
    if timed and os.environ.get("KITH_EXPLAIN_PLANS") == "1":
        print("    " + "\n    ".join(max(timed, key=lambda t: t[0])[1]))


def _counts() -> dict[str, int]:
    from directory.models import SearchLog
    from evidence.models import OutcomeReview
    from marketplace.models import LedgerEntry
    from matching.models import StageEntry, SupportPlan

    return {
        "plans": SupportPlan.objects.count(),
        "stage changes": StageEntry.objects.count(),
        "spend lines": LedgerEntry.objects.count(),
        "outcome reviews": OutcomeReview.objects.count(),
        "searches": SearchLog.objects.count(),
    }


if __name__ == "__main__":
    sys.exit(main())
