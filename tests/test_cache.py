"""Kith's shared cache (kith/cache.py): Django's database cache with a one-statement set."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kith import cache as kith_cache

pytestmark = pytest.mark.django_db


def test_what_is_set_is_read_back_overwritten_and_expires():
    cache.set("throttle_anon_10.1.0.1", [1.5, 2.5], 60)
    assert cache.get("throttle_anon_10.1.0.1") == [1.5, 2.5]
    cache.set("throttle_anon_10.1.0.1", [3.5], 60)
    assert cache.get("throttle_anon_10.1.0.1") == [3.5]
    cache.set("for-ever", {"a": 1}, None)
    assert cache.get("for-ever") == {"a": 1}
    cache.set("gone", "x", 0)  # expires at once
    assert cache.get("gone") is None
    # add and touch are Django's: add does not overwrite a live key.
    assert cache.add("for-ever", "other") is False
    assert cache.get("for-ever") == {"a": 1}


def test_on_postgresql_a_set_is_one_statement_and_the_table_is_culled_now_and_then():
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement set is PostgreSQL's; SQLite keeps Django's")
    small = kith_cache.DatabaseCache("kith_cache", {"OPTIONS": {"MAX_ENTRIES": 10}})
    small.set("first", 1)  # the first set of a process counts the table
    with CaptureQueriesContext(connection) as queries:
        small.set("second", 2)
    skipped = ("SAVEPOINT", "RELEASE")
    statements = [q["sql"] for q in queries if not q["sql"].upper().startswith(skipped)]
    assert len(statements) == 1 and "ON CONFLICT" in statements[0]
    for i in range(3 * kith_cache.CULL_EVERY):
        small.set(f"key-{i}", i)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM kith_cache")
        kept = cursor.fetchone()[0]
    assert kept < 3 * kith_cache.CULL_EVERY  # culled past MAX_ENTRIES, a third at a time
    assert small.get(f"key-{3 * kith_cache.CULL_EVERY - 1}") == 3 * kith_cache.CULL_EVERY - 1


def test_a_sign_in_lockout_survives_a_busy_hour_of_other_addresses():
    """Rate limits and lockouts live here: hundreds of other active addresses must not cull
    them (Django's default of 300 entries would drop a third of the table at a time)."""
    cache.set("allauth_login_failed_203.0.113.7", [1, 2, 3, 4, 5], 3600)
    for i in range(1, 451):
        cache.set(f"throttle_anon_10.2.{i // 250}.{i % 250}", [1.0], 3600)
    assert cache.get("allauth_login_failed_203.0.113.7") == [1, 2, 3, 4, 5]
    assert all(cache.get(f"throttle_anon_10.2.{i // 250}.{i % 250}") for i in (1, 300, 450))


def test_on_postgresql_a_failed_set_is_dropped_and_the_callers_transaction_goes_on():
    """As Django's database cache does: a write that fails is lost, never an error, and a
    rate limit written mid-request cannot break the request's own transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement set is PostgreSQL's; SQLite keeps Django's")
    from django.db import transaction

    broken = kith_cache.DatabaseCache("kith_cache_not_created", {})
    with transaction.atomic():
        assert broken.set("throttle_anon_10.3.0.1", [1.0], 60) is None
        cache.set("throttle_anon_10.3.0.2", [2.0], 60)
        assert cache.get("throttle_anon_10.3.0.2") == [2.0]


def _keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM kith_cache ORDER BY cache_key")
        return [row[0].split(":", 2)[-1] for row in cursor.fetchall()]


def test_expired_entries_holding_addresses_are_deleted_by_the_hourly_task(monkeypatch):
    """Django deletes an expired entry only when it is read again or the table is
    culled (not before 200,000 entries): the hourly task deletes them, so an
    address counted by a sign-in or contact-form limit does not stay."""
    from datetime import timedelta

    from django.utils import timezone

    from kith.cache import delete_expired
    from kith.tasks import forget_expired_rate_limits

    cache.set("kith-contact:198.51.100.7", 3, 60 * 60)
    cache.set("kith-contact:198.51.100.8", 1, 3 * 60 * 60)
    cache.set("vocabulary", "kept", None)
    assert delete_expired() == 0  # nothing has expired yet
    in_two_hours = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(kith_cache, "tz_now", lambda: in_two_hours)
    assert _keys() == ["kith-contact:198.51.100.7", "kith-contact:198.51.100.8", "vocabulary"]
    assert forget_expired_rate_limits.call() == 1
    assert _keys() == ["kith-contact:198.51.100.8", "vocabulary"]
    assert delete_expired() == 0  # twice is harmless
    assert cache.get("kith-contact:198.51.100.8") == 1


def test_a_cache_that_is_not_the_database_has_nothing_to_delete(settings):
    from django.core.cache import caches

    from kith.cache import delete_expired

    settings.CACHES = {
        **settings.CACHES,
        "other": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    caches["other"].set("a", 1, 1)
    assert delete_expired("other") == 0
