"""The API's rate limits: a sliding-window counter, one statement a request (kith.throttling)."""

from __future__ import annotations

import logging

import pytest
from django.db import DatabaseError, connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.throttling import AnonRateThrottle

from conftest import require_service
from kith import throttling
from kith.models import RateLimit
from kith.tasks import forget_expired_rate_limits
from marketplace.tests.test_booking_concurrency import run_together

MINUTE = 60
T0 = 1_700_000_040.0  # a window boundary (28,333,334 minutes since the epoch), in 2023


def hit(at: float, limit: int = 3, key: str = "throttle_anon_192.0.2.1") -> bool:
    return throttling.hit(key, at, MINUTE, limit)[0]


@pytest.mark.django_db
def test_the_limit_is_reached_and_refusals_are_not_counted():
    assert [hit(T0 + s) for s in (0, 1, 2, 3, 4)] == [True, True, True, False, False]
    row = RateLimit.objects.get()
    assert (row.hits, row.previous_hits, row.allowed) == (3, 0, False)
    # Another client is counted apart.
    assert hit(T0 + 5, key="throttle_anon_192.0.2.2")


@pytest.mark.django_db
def test_the_previous_window_fades_as_it_slides_out_of_range():
    for s in (50, 51, 52):
        assert hit(T0 + s)  # three at the end of one window
    # 10 s into the next, 50 s of the last window still count: 3 * 50/60 + 1 > 3.
    assert not hit(T0 + MINUTE + 10)
    # Once over a third of it has slid out (3 * 2/3 = 2), one more fits.
    assert hit(T0 + MINUTE + 21)
    assert not hit(T0 + MINUTE + 22)
    # Two windows on, nothing of the old one counts.
    assert [hit(T0 + 2 * MINUTE + s) for s in (59, 59, 59)] == [True, True, False]


@pytest.mark.django_db
def test_a_client_spread_evenly_under_the_limit_is_never_refused():
    # 120 a minute allowed; one every 0.6 s (100 a minute) for five minutes.
    assert all(hit(T0 + i * 0.6, limit=120) for i in range(500))


@pytest.mark.django_db
def test_a_request_stamped_by_a_clock_running_behind_counts_in_the_newer_window():
    assert hit(T0 + MINUTE + 1)
    assert hit(T0 + 59)  # another web server's clock, two seconds behind
    row = RateLimit.objects.get()
    assert (row.window_number, row.hits) == (int((T0 + MINUTE) // MINUTE), 2)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=40), min_size=1, max_size=60),
    limit=st.integers(min_value=1, max_value=6),
)
def test_retry_after_is_exact_and_no_window_length_lets_through_twice_the_limit(gaps, limit):
    RateLimit.objects.all().delete()
    key = "throttle_anon_198.51.100.9"
    now, allowed_at = T0, []
    for gap in gaps:
        now += gap
        allowed, hits, previous, number = throttling.hit(key, now, MINUTE, limit)
        if allowed:
            allowed_at.append(now)
            continue
        wait = throttling.wait_seconds(now, MINUTE, limit, hits, previous, number)
        assert wait > 0
        # Asking again just before Retry-After is refused (and not counted);
        # asking as it says is let in.
        if wait > 0.01:
            assert not throttling.hit(key, now + wait - 0.01, MINUTE, limit)[0]
        now += wait + 1e-6
        assert throttling.hit(key, now, MINUTE, limit)[0]
        allowed_at.append(now)
    for start in allowed_at:
        assert sum(start <= t < start + MINUTE for t in allowed_at) <= 2 * limit


@pytest.mark.django_db
def test_expired_counts_are_deleted_by_the_periodic_task():
    hit(T0, key="throttle_anon_old")
    hit(T0 + 10 * MINUTE, key="throttle_anon_recent")
    assert throttling.forget_expired(T0 + 10 * MINUTE) == 1
    assert list(RateLimit.objects.values_list("key", flat=True)) == ["throttle_anon_recent"]
    # The hourly task uses the clock: by now the recent one has long stopped counting too.
    assert forget_expired_rate_limits.call() == 1
    assert not RateLimit.objects.exists()


@pytest.mark.django_db
def test_the_privacy_notice_says_addresses_are_counted_and_gone_within_about_an_hour(client):
    from datetime import timedelta

    from django.conf import settings as django_settings

    from kith.schedule import PERIODIC_TASKS

    page = client.get("/privacy/").content.decode()
    assert "internet (IP) address" in page
    assert "deleted within about an hour of your last request" in page
    # What makes that true: a row stops counting two windows after the last
    # request (two minutes at the API's per-minute limits), and the task that
    # deletes such rows runs every hour.
    (task,) = [p for p in PERIODIC_TASKS if p.name == "forget_expired_rate_limits"]
    assert task.every <= timedelta(hours=1)
    for rate in django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].values():
        assert rate.endswith("/minute")
    hit(T0)
    (row,) = RateLimit.objects.all()
    assert row.expires_at - T0 <= 2 * MINUTE


@pytest.mark.django_db
def test_a_limit_that_cannot_be_counted_lets_the_request_through(client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(throttling, "hit", broken)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/minute"})
    with caplog.at_level(logging.WARNING, logger="kith.throttling"):
        statuses = [client.get("/api/v1/outcomes/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert "could not be counted" in caplog.text


@pytest.mark.django_db
def test_a_failed_count_inside_a_transaction_leaves_it_usable(monkeypatch):
    from django.db import transaction

    bad_sql = "SELECT no_such_column FROM kith_rate_limit"
    monkeypatch.setattr(throttling, "_hit_sql", lambda: bad_sql)
    with transaction.atomic():
        with pytest.raises(DatabaseError):
            throttling.hit("throttle_anon_x", T0, MINUTE, 3)
        assert RateLimit.objects.count() == 0  # the transaction still answers


@pytest.mark.django_db
def test_the_api_answers_429_with_retry_after_from_the_counter(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    statuses = [client.get("/api/v1/outcomes/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/api/v1/categories/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 2 * MINUTE
    row = RateLimit.objects.get(key="throttle_anon_127.0.0.1")
    assert (row.hits, row.allowed) == (2, False)


@pytest.mark.django_db(transaction=True)
def test_twenty_requests_at_once_on_postgresql_let_exactly_the_limit_through():
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are only tested on PostgreSQL; DATABASE_URL is not PostgreSQL.")
    results = run_together([lambda: hit(T0 + 1, limit=7) for _ in range(20)])
    assert sorted(results) == [False] * 13 + [True] * 7
    assert RateLimit.objects.get().hits == 7
