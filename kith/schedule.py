"""Kith's periodic work, in one table.

``manage.py run_scheduled`` queues each entry as a background task when it is
due; ``manage.py db_worker`` runs it. Every entry is idempotent, so a run that
is missed (the scheduler was down) or doubled (two schedulers) is harmless.

This replaces the docker-compose "scheduler" shell loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    task: str  # dotted path of a django-tasks Task
    args: tuple = ()
    description: str = ""

    def enqueue(self):
        return import_string(self.task).enqueue(*self.args)


PERIODIC_TASKS: list[Periodic] = [
    Periodic(
        "retry_search_index_updates",
        timedelta(minutes=1),
        "directory.tasks.process_index_updates",
        description="Send pending listing updates to Elasticsearch; retried until they land.",
    ),
    Periodic(
        "process_pool_deadlines",
        timedelta(minutes=15),
        "kith.tasks.run_command",
        args=("process_pool_deadlines",),
        description="Settle pools past their deadline; retry failed captures.",
    ),
    Periodic(
        "forget_expired_rate_limits",
        timedelta(hours=1),
        "kith.tasks.forget_expired_rate_limits",
        description="Delete rate-limit counts and cache entries that have expired.",
    ),
    Periodic(
        "send_confirm_reminders",
        timedelta(days=1),
        "directory.tasks.send_confirm_reminders",
        description="Ask owners to confirm listings not confirmed for 90 days.",
    ),
    Periodic(
        "remind_expiring_checks",
        timedelta(days=1),
        "directory.tasks.remind_expiring_checks",
        description="Tell owners whose checked insurance runs out within 30 days.",
    ),
]


class Scheduler:
    """Remembers when each entry last ran (in memory: a restart runs everything once)."""

    def __init__(self, entries=None):
        self.entries = list(PERIODIC_TASKS if entries is None else entries)
        self.last_run: dict[str, datetime] = {}

    def due(self, now: datetime | None = None) -> list[Periodic]:
        now = now or timezone.now()
        return [
            entry
            for entry in self.entries
            if entry.name not in self.last_run or now - self.last_run[entry.name] >= entry.every
        ]

    def tick(self, now: datetime | None = None) -> list[str]:
        """Queue every due entry; return their names."""
        now = now or timezone.now()
        queued = []
        for entry in self.due(now):
            entry.enqueue()
            self.last_run[entry.name] = now
            queued.append(entry.name)
        return queued
