"""API rate limits keyed on the real client address (``kith.clientip``), never on
a header the client wrote, and counted in one database statement a request.

DRF's own throttles keep a list of every request's time for each client in the
cache, read it and write it back on every request: two cache statements, and a
list as long as the limit to unpickle and pickle (at 120 a minute, 120 floats).
Kith keeps a *sliding-window counter* instead (``RateLimit``, one row per
client and limit): the requests allowed in the current window of the limit's
length and in the one before, and counts the previous window's in proportion to
how much of it still lies within the last window-length of time. One
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL, and SQLite since
3.35) moves the window on, decides and counts, atomically, whatever the number
of web processes. Refused requests are not counted, as in DRF, so a client
that waits as ``Retry-After`` says gets in.

The estimate assumes the previous window's requests were spread evenly; a
client that sent all of them at its very end can get up to that many more in
the next moment, never more than twice the limit in one window-length.
Rows stop counting two windows after their last request and are deleted by the
periodic ``forget_expired_rate_limits`` task.
"""

from __future__ import annotations

import functools
import logging

from django.db import DatabaseError, connection
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from kith.clientip import client_ip
from kith.db import own_savepoint
from kith.models import RateLimit

logger = logging.getLogger("kith.throttling")


def _hit_sql() -> str:
    return _hit_sql_for(connection.vendor)


@functools.cache
def _hit_sql_for(vendor: str) -> str:
    """The statement, made once per database kind rather than on every request."""
    quote = connection.ops.quote_name
    table = quote(RateLimit._meta.db_table)
    key, number, hits, previous, allowed, expires = (
        quote(name)
        for name in ("key", "window_number", "hits", "previous_hits", "allowed", "expires_at")
    )
    old = lambda column: f"{table}.{column}"  # noqa: E731 - the row before this request
    new = lambda column: f"EXCLUDED.{column}"  # noqa: E731 - what this request brings
    # A clock a little behind another server's counts in the newer window.
    same = f"{old(number)} >= {new(number)}"
    last = f"{old(number)} = {new(number)} - 1"
    prev = f"(CASE WHEN {same} THEN {old(previous)} WHEN {last} THEN {old(hits)} ELSE 0 END)"
    this = f"(CASE WHEN {same} THEN {old(hits)} ELSE 0 END)"
    fits = f"({prev} * %(weight)s + {this} + 1 <= %(limit)s)"
    return (
        f"INSERT INTO {table} ({key}, {number}, {hits}, {previous}, {allowed}, {expires}) "
        f"VALUES (%(key)s, %(number)s, 1, 0, %(true)s, %(expires)s) "
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{number} = CASE WHEN {same} THEN {old(number)} ELSE {new(number)} END, "
        f"{previous} = {prev}, "
        f"{hits} = {this} + CASE WHEN {fits} THEN 1 ELSE 0 END, "
        f"{allowed} = {fits}, "
        f"{expires} = CASE WHEN {same} THEN {old(expires)} ELSE {new(expires)} END "
        f"RETURNING {hits}, {previous}, {allowed}, {number}"
    )


def hit(key: str, now: float, duration: int, limit: int) -> tuple[bool, int, int, int]:
    """Count one request for ``key`` if it fits ``limit`` a ``duration``-second window.

    Returns (allowed, hits this window, hits the window before, window number).
    """
    number = int(now // duration)
    weight = 1 - (now - number * duration) / duration  # of the previous window, still in range
    params = {
        "key": key,
        "number": number,
        "true": True,
        "expires": float((number + 2) * duration),
        "weight": weight,
        "limit": limit,
    }
    with own_savepoint(connection):
        with connection.cursor() as cursor:
            cursor.execute(_hit_sql(), params)
            hits, previous, allowed, number = cursor.fetchone()
    return bool(allowed), hits, previous, number


def forget_expired(now: float) -> int:
    """Delete rows that no longer count; how many."""
    deleted, _ = RateLimit.objects.filter(expires_at__lt=now).delete()
    return deleted


def wait_seconds(
    now: float, duration: int, limit: int, hits: int, previous: int, number: int
) -> float:
    """How long until one more request fits, given the counts ``hit`` returned."""
    into = now - number * duration  # seconds into the current window
    if limit <= 0:
        return float(duration)
    if hits + 1 > limit:
        # Not before the next window, and then only once this window's hits,
        # counted as its previous one, have faded enough.
        fade = max(0.0, 1 - (limit - 1) / hits) * duration if hits else 0.0
        return max(0.0, duration - into) + fade
    if previous <= 0:
        return 0.0
    # previous * (1 - t / duration) + hits + 1 <= limit, solved for t.
    at = (1 - (limit - hits - 1) / previous) * duration
    return max(0.0, at - into)


class CountingThrottle:
    """DRF's SimpleRateThrottle with a sliding-window counter in the database."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        if self.num_requests <= 0:
            self._counts = (0, 0, int(self.now // self.duration))
            return False
        try:
            allowed, *self._counts = hit(self.key, self.now, self.duration, self.num_requests)
        except DatabaseError:
            # The request would most likely fail on the database too; a limit
            # that cannot be counted does not refuse anyone.
            logger.warning("Rate limit %s could not be counted", self.key, exc_info=True)
            return True
        return allowed

    def wait(self):
        hits, previous, number = self._counts
        return wait_seconds(self.now, self.duration, self.num_requests, hits, previous, number)


class ClientIPMixin:
    def get_ident(self, request):
        return client_ip(request)


class AnonThrottle(CountingThrottle, ClientIPMixin, AnonRateThrottle):
    """Anonymous clients: a number of requests a minute per address."""


class UserThrottle(CountingThrottle, ClientIPMixin, UserRateThrottle):
    """Signed-in clients: per account.

    Anonymous requests are left to AnonThrottle. DRF's UserRateThrottle would
    count them a second time against the same address (at the higher signed-in
    rate, so it never decided anything), an extra statement every anonymous
    API request.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # not throttled here
        return super().get_cache_key(request, view)
