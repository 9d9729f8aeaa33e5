"""The embedded SQLite database takes concurrent writes without "database is
locked" (issue 14, item 6)."""

import threading

import pytest
from django.db import connections, transaction

from kith.config import database_from_env

THREADS = 8
WRITES_PER_THREAD = 15


@pytest.mark.parametrize("how", ["default", "url"])
def test_sqlite_settings_take_the_write_lock_up_front(monkeypatch, tmp_path, how):
    if how == "url":
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kith.sqlite3'}")
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    options = database_from_env(str(tmp_path / "kith.sqlite3"))["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    assert "journal_mode=WAL" in options["init_command"]


@pytest.fixture
def sqlite_file(monkeypatch, tmp_path, django_db_blocker):
    """A second database alias: a SQLite file configured as Kith configures it
    (outside the test database, so pytest-django's guard is lifted for it)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_from_env(str(tmp_path / "concurrency.sqlite3"))
    config.update({"TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False})
    config.update({"AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "TEST": {}, "USER": ""})
    config.update({"PASSWORD": "", "HOST": "", "PORT": ""})
    connections.settings["sqlite_file"] = config
    with django_db_blocker.unblock():
        with connections["sqlite_file"].cursor() as cursor:
            cursor.execute("CREATE TABLE booking (id INTEGER PRIMARY KEY, seat INTEGER UNIQUE)")
        connections["sqlite_file"].close()
        yield "sqlite_file"
    connections.settings.pop("sqlite_file")


def test_eight_threads_writing_at_once_are_not_refused(sqlite_file):
    """Each write reads first, then writes (as booking the next free place does):
    the pattern that fails at once in SQLite's default deferred mode."""
    errors = []
    start = threading.Barrier(THREADS)

    def book_places():
        try:
            start.wait()
            for _ in range(WRITES_PER_THREAD):
                with transaction.atomic(using=sqlite_file):
                    with connections[sqlite_file].cursor() as cursor:
                        cursor.execute("SELECT COALESCE(MAX(seat), 0) FROM booking")
                        (last,) = cursor.fetchone()
                        cursor.execute("INSERT INTO booking (seat) VALUES (%s)", [last + 1])
        except Exception as exc:  # collected and reported below
            errors.append(repr(exc))
        finally:
            connections[sqlite_file].close()

    threads = [threading.Thread(target=book_places) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connections[sqlite_file].cursor() as cursor:
        cursor.execute("SELECT COUNT(*), MAX(seat) FROM booking")
        assert cursor.fetchone() == (THREADS * WRITES_PER_THREAD, THREADS * WRITES_PER_THREAD)
    connections[sqlite_file].close()
