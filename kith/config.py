"""Reading Kith's configuration from the environment.

Settings are 12-factor: every knob is an environment variable with a safe
development default (see README's configuration table). A bad value stops
start-up with one plain line naming the variable, never a traceback: see
``ConfigurationError`` and ``kith.cli``.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(ImproperlyConfigured):
    """A setting from the environment is missing or malformed."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def stripe_test_mode(secret_key: str, api_base: str = "") -> bool:
    """Whether card payments are pretend: no real money can move.

    True with a Stripe test key (``sk_test_``, ``rk_test_``), and with any key
    but a live one when ``api_base`` points Kith at a fake Stripe (``make run``
    and the tests use localstripe). Never with a live key, whatever the address:
    a live key means real money. False without a key (no card payments at all).
    """
    key = (secret_key or "").strip()
    if not key or key.startswith(("sk_live_", "rk_live_")):
        return False
    return key.startswith(("sk_test_", "rk_test_")) or bool((api_base or "").strip())


# SQLite serves several threads or workers by taking its write lock when a
# transaction begins (IMMEDIATE) and waiting up to 20 s for it, instead of
# failing with "database is locked" when two transactions that read first both
# try to write. Write-ahead logging lets readers carry on while one writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def database_from_env(default_sqlite_path: str) -> dict:
    """Return Django's DATABASES['default'] from DATABASE_URL, or SQLite."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": default_sqlite_path,
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types
        raise ConfigurationError(
            f"DATABASE_URL is not a database URL Kith understands ({exc}). "
            "Expected e.g. postgres://user:password@host:5432/name"
        ) from None
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ConfigurationError(
            "DATABASE_URL is missing a database name. "
            "Expected e.g. postgres://user:password@host:5432/name"
        )
    if config["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL (postgres://...) or SQLite (sqlite:///...)."
        )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
        # Django keeps SQLite connections per thread; persistent ones add nothing.
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
    return config
