"""The outcome and category slugs, kept in memory for checking API parameters.

The listings API checks every ``?outcome=`` and ``?category=`` against the
vocabulary. Reading the table for that on every request was a fixed cost on
the fastest path (an Elasticsearch search), and the vocabulary changes a few
times a year, so each process keeps the slugs:

* saving or deleting an Outcome or Category forgets them, at once and again
  when the change commits (another request may have read the old slugs in
  the meantime), as does ``migrate``/``flush`` (``post_migrate``);
* while this thread has changed the vocabulary in a transaction that is still
  open, it reads the table and caches nothing: if that transaction rolls
  back (as every test's does), no slug it added or removed is left behind;
* other processes (more web workers) do not see the signals, so the slugs
  are also read again after ``TTL_SECONDS``: a new outcome is usable
  everywhere within a minute.
"""

from __future__ import annotations

import threading
import time

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from directory.models import Category, Outcome

TTL_SECONDS = 60.0

_cache: dict[type, tuple[float, frozenset[str]]] = {}
_lock = threading.Lock()
_local = threading.local()  # .unsettled: this thread changed terms, not yet committed


def known_slugs(model: type[Outcome] | type[Category]) -> frozenset[str]:
    """Every slug of this vocabulary, from memory when it is safe to."""
    if _unsettled():
        return _read(model)
    now = time.monotonic()
    cached = _cache.get(model)
    if cached is not None and cached[0] > now:
        return cached[1]
    slugs = _read(model)
    with _lock:
        _cache[model] = (now + TTL_SECONDS, slugs)
    return slugs


def outcome_slugs() -> frozenset[str]:
    return known_slugs(Outcome)


def category_slugs() -> frozenset[str]:
    return known_slugs(Category)


def clear() -> None:
    with _lock:
        _cache.clear()


def reset() -> None:
    """Forget everything, including this thread's open changes (for tests)."""
    _local.unsettled = False
    clear()


def _read(model) -> frozenset[str]:
    return frozenset(model.objects.values_list("slug", flat=True))


def _unsettled() -> bool:
    if not getattr(_local, "unsettled", False):
        return False
    if not connection.in_atomic_block:
        # The transaction that changed the terms has ended without committing
        # (a commit would have settled it): what the table says now is true.
        _local.unsettled = False
        clear()
        return False
    return True


def _settle() -> None:
    _local.unsettled = False
    clear()


def _vocabulary_changed(sender, **kwargs) -> None:
    clear()
    using = kwargs.get("using")
    if transaction.get_connection(using).in_atomic_block:
        _local.unsettled = True
    transaction.on_commit(_settle, using=using)


def _migrated(sender, **kwargs) -> None:
    clear()


for _model in (Outcome, Category):
    post_save.connect(_vocabulary_changed, sender=_model, dispatch_uid=f"vocab_cache_save_{_model}")
    post_delete.connect(
        _vocabulary_changed, sender=_model, dispatch_uid=f"vocab_cache_delete_{_model}"
    )
post_migrate.connect(_migrated, dispatch_uid="vocab_cache_migrated")
