"""Turn demo listing specs into published Wagtail pages, quickly and idempotently.

Each listing is created the way an owner's listing becomes live: a page
under the directory, a revision by its owner, and publication (approval) by
the demo moderator, which writes its search snapshot when the transaction
commits (``directory.search.indexing``). Pages are created in batches inside
one transaction each, which is what makes loading hundreds of pages on SQLite
take seconds rather than minutes. A listing whose slug is already under the
directory is left alone, so loading twice changes nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from directory.demo.specs import ListingSpec
from directory.models import (
    LISTING_PAGE_TYPES,
    AccessibilityFeature,
    Category,
    DirectoryIndexPage,
    Language,
    ListingLocation,
    Outcome,
)
from directory.search.indexing import index_listings
from directory.search.records import ListingRecord

BATCH_SIZE = 50


@dataclass
class LoadResult:
    created: int
    existing: int
    reindexed: int


def load_listings(specs: list[ListingSpec], users: dict, progress: bool = False) -> LoadResult:
    """Create and publish the listings in ``specs`` that are not there yet."""
    index = DirectoryIndexPage.objects.get()
    existing_slugs = set(Page.objects.child_of(index).values_list("slug", flat=True))
    todo = [spec for spec in specs if spec.slug not in existing_slugs]
    terms = _Terms()
    today = timezone.localdate()
    bar = tqdm(total=len(todo), disable=not progress, unit=" listings", desc="Demo listings")
    with bar, _fast_sqlite_writes(), disable_reference_index_auto_update():
        for start in range(0, len(todo), BATCH_SIZE):
            with transaction.atomic():
                for spec in todo[start : start + BATCH_SIZE]:
                    page = _create(spec, index, terms, users, today)
                    # Each page is saved three times (create, revision, publish);
                    # its references only need indexing once, when it is final.
                    ReferenceIndex.create_or_update_for_object(page)
                    bar.update()
    reindexed = _repair_snapshots([spec.slug for spec in specs], index)
    return LoadResult(created=len(todo), existing=len(specs) - len(todo), reindexed=reindexed)


@contextmanager
def _fast_sqlite_writes():
    """Skip SQLite's fsync on each commit while loading, as a bulk import may.

    Publishing indexes each listing in its own small transaction after commit;
    on SQLite every commit waits for the disk (about 25 ms here), which alone
    was a third of the load time. With ``synchronous = OFF`` an application
    crash still cannot corrupt the file; only a power cut or OS crash mid-load
    could, and demo data can be loaded again. The setting is per connection and
    is put back afterwards.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(previous)}")


class _Terms:
    """Vocabulary rows by slug, fetched once rather than once per listing."""

    def __init__(self):
        self.outcomes = {t.slug: t for t in Outcome.objects.all()}
        self.categories = {t.slug: t for t in Category.objects.all()}
        self.languages = {t.slug: t for t in Language.objects.all()}
        self.accessibility = {t.slug: t for t in AccessibilityFeature.objects.all()}

    @staticmethod
    def pick(table: dict, slugs: list[str], what: str) -> list:
        unknown = [slug for slug in slugs if slug not in table]
        if unknown:
            raise ValueError(f"Demo data uses unknown {what}: {', '.join(unknown)}")
        return [table[slug] for slug in slugs]


def _days_ago(today, days: int | None):
    return None if days is None else today - timedelta(days=days)


def _create(spec: ListingSpec, index: DirectoryIndexPage, terms: _Terms, users: dict, today):
    owner = users.get(spec.owner) if spec.owner else None
    moderator = users.get("moderator")
    fields = dict(spec.extra)
    for name, days in spec.dates_days_ago.items():
        fields[name] = _days_ago(today, days)
    if spec.checks_verified:
        fields["checks_verified_by"] = moderator
    page = LISTING_PAGE_TYPES[spec.kind](
        title=spec.title,
        slug=spec.slug,
        summary=spec.summary,
        description=spec.description,
        price_amount=spec.price,
        price_unit=spec.price_unit,
        price_notes=spec.price_notes,
        capacity=spec.capacity,
        places_available=spec.places_available,
        availability=spec.availability,
        service_radius_km=spec.service_radius_km,
        offers_backup_cover=spec.offers_backup_cover,
        accessibility_notes=spec.accessibility_notes,
        contact_name=spec.contact_name,
        contact_phone=spec.contact_phone,
        contact_email=spec.contact_email,
        website=spec.website,
        last_confirmed=_days_ago(today, spec.confirmed_days_ago),
        owner=owner,
        live=False,
        **fields,
    )
    page.locations = [
        ListingLocation(
            postcode=location.postcode,
            name=location.name,
            address="" if spec.kind == "pa" else location.address,
            is_home_base=spec.kind == "pa",
        )
        for location in spec.locations
    ]
    page.outcomes = terms.pick(terms.outcomes, spec.outcomes, "outcomes")
    page.categories = terms.pick(terms.categories, spec.categories, "categories")
    page.languages = terms.pick(terms.languages, spec.languages, "languages")
    page.accessibility_features = terms.pick(
        terms.accessibility, spec.accessibility, "accessibility features"
    )
    index.add_child(instance=page)
    # The owner submits; the moderator approves. Publishing writes the search snapshot on commit.
    page.save_revision(user=owner).publish(user=moderator)
    return page


def _repair_snapshots(slugs: list[str], index: DirectoryIndexPage) -> int:
    """Index any live demo listing that has no search snapshot (e.g. after an interrupted load)."""
    live_ids = set(
        Page.objects.child_of(index).live().filter(slug__in=slugs).values_list("pk", flat=True)
    )
    indexed = set(
        ListingRecord.objects.filter(listing_id__in=live_ids).values_list("listing_id", flat=True)
    )
    missing = sorted(live_ids - indexed)
    if missing:
        index_listings(missing)
    return len(missing)
