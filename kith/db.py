"""Small helpers for database work that must not spoil the caller's transaction."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from django.db import transaction


def own_savepoint(connection) -> AbstractContextManager:
    """A savepoint if ``connection`` is inside a transaction, else nothing.

    For a statement whose failure is caught and shrugged off (a rate-limit
    count, a cache write): inside a transaction on PostgreSQL a failed
    statement would otherwise leave the whole transaction unusable; outside
    one, a savepoint would only cost two more statements.
    """
    if connection.in_atomic_block:
        return transaction.atomic(using=connection.alias)
    return nullcontext()
