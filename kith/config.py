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


def database_from_env(default_sqlite_path: str) -> dict:
    """Return Django's DATABASES['default'] from DATABASE_URL, or SQLite."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": default_sqlite_path,
            "OPTIONS": {"timeout": 20},
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
    return config
