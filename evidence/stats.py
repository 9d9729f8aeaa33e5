"""Counts, means and percentiles over a queryset's rows, in SQL on PostgreSQL.

On PostgreSQL the statistics are computed by the database
(``percentile_cont``), so a report over a year of data for 100,000 people
fetches a handful of rows. On SQLite the rows are fetched and the same
statistics computed in Python (``percentile`` interpolates exactly as
``percentile_cont`` does).
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import OperationalError, connection, connections, transaction

# PostgreSQL settings for one report's queries (SET LOCAL: its transaction only).
# A report sorts and groups hundreds of thousands of rows: with the default 4 MB
# of work_mem every sort spilled to disk. JIT compiling costs 0.1 to 0.3 s a
# query, more than it saves on queries of this size.
# A report that runs for minutes has gone wrong: it fails rather than holding a
# connection and a worker (statement_timeout).
REPORT_SETTINGS = {"work_mem": "64MB", "jit": "off", "statement_timeout": "2min"}


@dataclass
class Stats:
    count: int = 0
    total: float = 0.0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    bands: list[int] = field(default_factory=list)


_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
_NOT_RUN = object()  # a part whose thread could not open a connection

_reporting = threading.local()  # .active: a report's settings are in force on this thread


@contextlib.contextmanager
def report_queries(snapshot: str | None = None):
    """Run a report's queries with ``REPORT_SETTINGS`` (PostgreSQL; elsewhere nothing).

    A report inside another (each table of ``pilot_page``) runs under the outer
    one's settings, which last to the end of its transaction. When the report
    opens its own transaction (nobody's writes are pending on the connection),
    it is REPEATABLE READ: every query of the report, and every part run
    ``side_by_side`` with it, reads the database as it was at the first one,
    so the tables of one page always agree with each other. ``snapshot`` (from
    ``pg_export_snapshot``) makes this transaction read that moment instead.
    """
    if connection.vendor != "postgresql" or getattr(_reporting, "active", False):
        yield
        return
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if own_transaction:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if snapshot:
                    if not _SNAPSHOT_ID.fullmatch(snapshot):
                        raise ValueError(f"Not a PostgreSQL snapshot id: {snapshot!r}")
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            for name, value in REPORT_SETTINGS.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        _reporting.active = True
        _reporting.own_transaction = own_transaction
        try:
            yield
        finally:
            _reporting.active = False
            _reporting.own_transaction = False


def report(build):
    """Decorator: a report function whose queries run under ``report_queries``."""

    @functools.wraps(build)
    def run(*args, **kwargs):
        with report_queries():
            return build(*args, **kwargs)

    return run


def side_by_side(*parts):
    """Run independent parts of a report at the same time; their results, in order.

    Called inside a report on PostgreSQL, each part after the first runs in a
    thread on a connection of its own, importing the report's snapshot, so
    all parts read the same moment and PostgreSQL works on them on separate
    cores: the plans page's spend tables and its stage tables take about as
    long together as the slower of the two. Elsewhere (SQLite, or a report
    inside a transaction with writes another connection could not see, as in
    tests) the parts run one after another on this connection.
    """
    if (
        len(parts) < 2
        or connection.vendor != "postgresql"
        or not getattr(_reporting, "own_transaction", False)
    ):
        return [part() for part in parts]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()

    def in_thread(part):
        try:
            try:
                connection.ensure_connection()
            except OperationalError:
                return _NOT_RUN  # no connection to spare: the report's own runs it
            with report_queries(snapshot=snapshot):
                return part()
        finally:
            connections.close_all()  # this thread's connections end with it

    with ThreadPoolExecutor(max_workers=len(parts) - 1, thread_name_prefix="report") as pool:
        others = [pool.submit(in_thread, part) for part in parts[1:]]
        results = [parts[0](), *(future.result() for future in others)]
    return [
        part() if result is _NOT_RUN else result
        for part, result in zip(parts, results, strict=True)
    ]


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _band_index(value: float, edges: list[float]) -> int:
    """Bands are [edges[i], edges[i+1]); the last is edges[-1] and above."""
    index = 0
    for i, edge in enumerate(edges):
        if value >= edge:
            index = i
    return index


def from_values(values: list[float], edges: list[float] | None = None) -> Stats:
    values = [float(v) for v in values if v is not None]
    stats = Stats(count=len(values), total=sum(values))
    if values:
        stats.mean = stats.total / len(values)
        stats.median = percentile(values, 0.5)
        stats.p90 = percentile(values, 0.9)
    if edges:
        stats.bands = [0] * len(edges)
        for value in values:
            stats.bands[_band_index(value, edges)] += 1
    return stats


def grouped(
    queryset,
    group: str,
    value: str,
    *,
    value_sql: str | None = None,
    to_number=float,
    edges: list[float] | None = None,
) -> dict[object, Stats]:
    """Stats of ``value`` for each ``group`` over the rows of ``queryset``.

    ``queryset`` must be a ``.values(...)`` queryset with columns named
    ``group`` and ``value`` (``group`` may be a constant annotation). On
    PostgreSQL ``value_sql`` (an SQL expression over the row's columns, as
    ``t."column"``) replaces ``value`` when the number needs working out, e.g.
    an interval in days; ``to_number`` does the same in Python.
    """
    if connection.vendor == "postgresql":
        return _grouped_sql(queryset, group, value, value_sql, edges)
    buckets: dict[object, list[float]] = {}
    for row in queryset:
        number = to_number(row[value]) if row[value] is not None else None
        if number is None:
            continue
        buckets.setdefault(row[group], []).append(number)
    return {key: from_values(values, edges) for key, values in buckets.items()}


def _grouped_sql(queryset, group, value, value_sql, edges) -> dict[object, Stats]:
    inner, params = queryset.query.sql_with_params()
    by_key = grouped_sql(inner, params, [group], value_sql or f't."{value}"', edges)
    return {key[0]: s for key, s in by_key.items()}


def grouped_sql(
    inner: str, params, groups: list[str], value_sql: str, edges: list[float] | None = None
) -> dict[tuple, Stats]:
    """PostgreSQL: stats of ``value_sql`` (over the columns of ``inner`` as ``t."column"``)
    for each combination of the ``groups`` columns of ``inner``, keyed by a tuple."""
    v = value_sql
    band_sql = ""
    if edges:
        parts = []
        for i, low in enumerate(edges):
            high = edges[i + 1] if i + 1 < len(edges) else None
            condition = f"({v}) >= {float(low)!r}"
            if high is not None:
                condition += f" AND ({v}) < {float(high)!r}"
            parts.append(f"COUNT(*) FILTER (WHERE {condition})")
        band_sql = ", " + ", ".join(parts)
    columns = ", ".join(f't."{group}"' for group in groups)
    sql = (
        f"SELECT {columns}, COUNT({v}), SUM({v}), AVG({v}), "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {v}), "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {v}){band_sql} "
        f"FROM ({inner}) t WHERE ({v}) IS NOT NULL "
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = {}
    for row in rows:
        key = tuple(row[: len(groups)])
        count, total, mean, median, p90, *bands = row[len(groups) :]
        result[key] = Stats(
            count=count,
            total=float(total or 0),
            mean=float(mean) if mean is not None else None,
            median=float(median) if median is not None else None,
            p90=float(p90) if p90 is not None else None,
            bands=list(bands),
        )
    return result


def cumulative_by_month(queryset, column: str, months: list) -> list[int]:
    """For each month (its first day), how many rows' ``column`` fall before its end.

    Months are in Kith's time zone. On PostgreSQL the rows are counted by
    month in SQL; elsewhere in Python.
    """
    import bisect
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    ends = [(m + timedelta(days=32)).replace(day=1) for m in months]
    per_day: list[tuple] = []
    if connection.vendor == "postgresql":
        inner, params = queryset.query.sql_with_params()
        sql = (
            f'SELECT (t."{column}" AT TIME ZONE %s)::date, COUNT(*) FROM ({inner}) t '
            f'WHERE t."{column}" IS NOT NULL GROUP BY 1'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [settings.TIME_ZONE, *params])
            per_day = cursor.fetchall()
    else:
        counts: dict = {}
        for value in queryset.values_list(column, flat=True):
            if value is not None:
                day = timezone.localtime(value).date()
                counts[day] = counts.get(day, 0) + 1
        per_day = list(counts.items())
    totals = [0] * len(months)
    for day, n in per_day:
        first_month = bisect.bisect_right(ends, day)  # the first month whose end is after day
        for i in range(first_month, len(months)):
            totals[i] += n
    return totals


def between_firsts(firsts, milestones, scope) -> list[Stats]:
    """Days from first reaching one stage to first reaching another, per plan.

    ``firsts`` has a row per plan with ``first_<stage>`` columns; each
    milestone is (label, start stage, end stage) and counts the plans that
    reached the end stage within ``scope``'s period, having reached the start.
    One pass on PostgreSQL (ordered-set aggregates with FILTER).
    """
    if connection.vendor == "postgresql":
        inner, params = firsts.query.sql_with_params()
        parts, outer_params = [], []
        for _, start, end in milestones:
            days = f'EXTRACT(EPOCH FROM (t."first_{end}" - t."first_{start}")) / 86400.0'
            where = (
                f't."first_{start}" IS NOT NULL AND t."first_{end}" >= %s AND t."first_{end}" < %s'
            )
            for aggregate in (
                "COUNT(*)",
                f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {days})",
                f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {days})",
            ):
                parts.append(f"{aggregate} FILTER (WHERE {where})")
                outer_params += [scope.since, scope.until]
        sql = f"SELECT {', '.join(parts)} FROM ({inner}) t"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*outer_params, *params])
            row = cursor.fetchone()
        return [
            Stats(
                count=row[i],
                median=float(row[i + 1]) if row[i + 1] is not None else None,
                p90=float(row[i + 2]) if row[i + 2] is not None else None,
            )
            for i in range(0, len(row), 3)
        ]
    values: list[list[float]] = [[] for _ in milestones]
    for plan in firsts:
        for i, (_, start, end) in enumerate(milestones):
            began, reached = plan[f"first_{start}"], plan[f"first_{end}"]
            if began is not None and reached is not None and scope.since <= reached < scope.until:
                values[i].append((reached - began).total_seconds() / 86400)
    return [from_values(v) for v in values]
