"""Rate limits count the real client address, in a cache every worker shares
(issue 14, items 3 and 4)."""

import pytest
from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.throttling import AnonRateThrottle

from kith.clientip import client_ip

rf = RequestFactory()


def request_from(remote="203.0.113.9", xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return rf.get("/", **extra)


def test_by_default_the_forwarded_header_is_ignored(settings):
    settings.KITH_TRUSTED_PROXIES = 0
    assert client_ip(request_from(xff="1.2.3.4")) == "203.0.113.9"


@pytest.mark.parametrize(
    "proxies, xff, expected",
    [
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the client wrote 1.2.3.4
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "198.51.100.7", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # came through one of our two proxies
        (1, "", "203.0.113.9"),
        (1, "not-an-address", "203.0.113.9"),
    ],
)
def test_behind_trusted_proxies_the_client_is_counted_from_the_right(
    settings, proxies, xff, expected
):
    settings.KITH_TRUSTED_PROXIES = proxies
    assert client_ip(request_from(xff=xff)) == expected


def test_allauth_counts_sign_ins_by_the_same_address(settings):
    settings.KITH_TRUSTED_PROXIES = 1
    request = request_from(xff="1.2.3.4, 198.51.100.7")
    assert get_adapter(request).get_client_ip(request) == "198.51.100.7"


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_escape_the_api_limit(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [
        client.get("/api/v1/outcomes/", HTTP_X_FORWARDED_FOR=f"10.9.8.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_the_cache_is_shared_through_the_database(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    cache.set("kith-test", "seen by every worker", 30)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM kith_cache")
        assert cursor.fetchone()[0] >= 1
    assert cache.get("kith-test") == "seen by every worker"


def test_redis_is_used_when_configured(monkeypatch):
    import importlib

    import kith.settings

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        reloaded = importlib.reload(kith.settings)
        assert reloaded.CACHES["default"] == {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(kith.settings)
