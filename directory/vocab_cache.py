"""The outcomes and categories, kept in memory for the search page and the listings API.

Every directory search needs the vocabulary: the API checks each
``?outcome=`` and ``?category=`` against it, the search page's form offers and
checks the terms, and its result cards name each listing's outcomes. Reading
the tables for that on every request cost several queries a search, and the
vocabulary changes a few times a year, so each process keeps one copy
(``vocabulary()``), and never shows an old one:

* the copy is labelled with a version kept in the shared cache (the database,
  or Redis: every web process sees the same one). A request reads the version
  once (one cache read) and uses its copy only while the label matches;
* saving or deleting an Outcome or Category forgets the copy at once, and
  when the change commits writes a new version, so every other process reads
  the tables again on its next request; ``migrate``/``flush``
  (``post_migrate``) do the same. If the version has gone from the cache
  (cleared, or culled), a new one is written and everyone reads again;
* while this thread has changed the vocabulary in a transaction that is still
  open, it reads the tables and keeps nothing: if that transaction rolls back
  (as every test's does), no term it added or removed is left behind.

Changes that send no signals (``QuerySet.update()``, raw SQL) are not seen:
Kith changes terms through the models (the admin, ``load_demo``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from directory.models import Category, Outcome

# In the shared cache. "~" sorts after letters and digits: the database cache
# culls keys in order, so rate-limit and sign-in entries go before this one.
VERSION_KEY = "~kith-vocabulary-version"

logger = logging.getLogger("directory.search")


@dataclass(frozen=True)
class Vocabulary:
    """The outcomes and categories, each in the order they are shown."""

    version: str
    outcomes: tuple[Outcome, ...]
    categories: tuple[Category, ...]
    outcome_by_slug: dict[str, Outcome] = field(repr=False)
    category_by_slug: dict[str, Category] = field(repr=False)

    def terms(self, model) -> tuple:
        return self.outcomes if model is Outcome else self.categories

    def by_slug(self, model) -> dict:
        return self.outcome_by_slug if model is Outcome else self.category_by_slug


_lock = threading.Lock()
_copy: Vocabulary | None = None
_local = threading.local()
# _local.unsettled: this thread changed terms, not yet committed.
# _local.in_request: between request_started and request_finished.
# _local.checked: the copy this request has checked against the shared version
# (outside a request, as in a worker or a command, every use checks it).


def vocabulary() -> Vocabulary:
    """The current outcomes and categories: from memory when the shared version matches."""
    global _copy
    if _unsettled():
        return _read("")
    in_request = getattr(_local, "in_request", False)
    checked = getattr(_local, "checked", None)
    if in_request and checked is not None and checked is _copy:
        return checked
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _new_version()
    current = _copy
    if current is None or current.version != version:
        current = _read(version)
        with _lock:
            _copy = current
    _local.checked = current if in_request else None
    return current


def outcome_slugs() -> frozenset[str]:
    return frozenset(vocabulary().outcome_by_slug)


def category_slugs() -> frozenset[str]:
    return frozenset(vocabulary().category_by_slug)


def outcome_names() -> dict[str, str]:
    """{slug: name} of every outcome."""
    return {slug: outcome.name for slug, outcome in vocabulary().outcome_by_slug.items()}


def clear() -> None:
    """Forget this process's copy (the next use reads the version and the tables again)."""
    global _copy
    with _lock:
        _copy = None
    _local.checked = None


def reset() -> None:
    """Forget everything, including this thread's open changes (for tests)."""
    _local.unsettled = False
    clear()


def _read(version: str) -> Vocabulary:
    outcomes = tuple(Outcome.objects.all())
    categories = tuple(Category.objects.all())
    return Vocabulary(
        version=version,
        outcomes=outcomes,
        categories=categories,
        outcome_by_slug={term.slug: term for term in outcomes},
        category_by_slug={term.slug: term for term in categories},
    )


def _new_version() -> str:
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, timeout=None)
    return version


def _unsettled() -> bool:
    if not getattr(_local, "unsettled", False):
        return False
    if not connection.in_atomic_block:
        # The transaction that changed the terms has ended without committing
        # (a commit would have settled it): what the tables say now is true.
        _local.unsettled = False
        clear()
        return False
    return True


def _settle() -> None:
    _local.unsettled = False
    clear()
    # Only after the commit: another process that read the tables before it
    # must not keep the old terms under the new version.
    try:
        _new_version()
    except Exception:
        logger.exception("Could not write a new vocabulary version: other processes keep theirs")


def _vocabulary_changed(sender, **kwargs) -> None:
    clear()
    using = kwargs.get("using")
    if transaction.get_connection(using).in_atomic_block:
        _local.unsettled = True
    transaction.on_commit(_settle, using=using)


def _migrated(sender, **kwargs) -> None:
    clear()
    if connection.in_atomic_block:
        return
    try:
        _new_version()
    except Exception:  # the cache table may not exist yet (its migration has not run)
        pass


def _request_started(sender, **kwargs) -> None:
    _local.in_request = True
    _local.checked = None  # each request checks the shared version once


def _request_finished(sender, **kwargs) -> None:
    _local.in_request = False
    _local.checked = None


for _model in (Outcome, Category):
    post_save.connect(_vocabulary_changed, sender=_model, dispatch_uid=f"vocab_cache_save_{_model}")
    post_delete.connect(
        _vocabulary_changed, sender=_model, dispatch_uid=f"vocab_cache_delete_{_model}"
    )
post_migrate.connect(_migrated, dispatch_uid="vocab_cache_migrated")
request_started.connect(_request_started, dispatch_uid="vocab_cache_request_started")
request_finished.connect(_request_finished, dispatch_uid="vocab_cache_request_finished")
