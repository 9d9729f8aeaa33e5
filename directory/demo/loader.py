"""Turn demo listing specs into published Wagtail pages, quickly and idempotently.

Each listing ends up as an owner's listing does once a moderator approves
it: a live page under the directory, one revision by its owner, a "published"
entry in the page's history naming the moderator, a search snapshot, and an
entry in Wagtail's own search index. Doing that page by page through
Wagtail's ``add_child``/``save_revision``/``publish`` saves each page three
times and indexes it five times, which made 640 listings take minutes. Here
the pages are built in bulk instead: tree paths are worked out once, each page
is saved once, and revisions, history entries, search snapshots and Wagtail's
search index are written a batch at a time. A listing whose slug is already
under the directory is left alone, so loading twice changes nothing, except
that one loaded before demo listings had owners is given its owner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update

from directory.demo.specs import ListingSpec
from directory.models import (
    LISTING_PAGE_TYPES,
    AccessibilityFeature,
    Category,
    DirectoryIndexPage,
    Language,
    ListingLocation,
    ListingManager,
    Outcome,
)
from directory.search.indexing import index_listings
from directory.search.records import ListingRecord

BATCH_SIZE = 80


@dataclass
class LoadResult:
    created: int
    existing: int
    reindexed: int
    # Listings already there that had no owner and were given theirs.
    owners_given: int = 0


Progress = Callable[[int, int], None]


def load_listings(
    specs: list[ListingSpec], users: dict, progress: Progress | None = None
) -> LoadResult:
    """Create and publish the listings in ``specs`` that are not there yet.

    ``progress(done, total)`` is called after each batch.
    """
    index = DirectoryIndexPage.objects.get()
    existing_slugs = set(Page.objects.child_of(index).values_list("slug", flat=True))
    todo = [spec for spec in specs if spec.slug not in existing_slugs]
    terms = _Terms()
    tree = _Tree(index)
    today = timezone.localdate()
    created_ids = defaultdict(list)
    with _fast_sqlite_writes(), disable_reference_index_auto_update(), _no_search_autoupdate():
        for start in range(0, len(todo), BATCH_SIZE):
            batch = todo[start : start + BATCH_SIZE]
            with transaction.atomic():
                pages = [_create(spec, tree, terms, users, today) for spec in batch]
                _publish(pages, users)
                tree.save_numchild()
            index_listings([page.pk for page in pages])
            for page in pages:
                created_ids[type(page)].append(page.pk)
            if progress:
                progress(start + len(batch), len(todo))
    _add_to_wagtail_search(created_ids)
    reindexed = _repair_snapshots([spec.slug for spec in specs], index)
    owners_given = _give_owners(specs, users, index)
    return LoadResult(
        created=len(todo),
        existing=len(specs) - len(todo),
        reindexed=reindexed,
        owners_given=owners_given,
    )


def _give_owners(specs: list[ListingSpec], users: dict, index: DirectoryIndexPage) -> int:
    """Give each demo listing that has no owner the one its spec names (a database loaded
    before every priced listing had an owner); listings with an owner are left alone.
    Ownership is recorded as ``directory.ownership`` reads it (a ListingManager owner)."""
    wanted = {spec.slug: users[spec.owner].pk for spec in specs if spec.owner in users}
    owned = ListingManager.objects.filter(role=ListingManager.Role.OWNER).values("listing_id")
    unowned = (
        Page.objects.child_of(index)
        .filter(slug__in=list(wanted))
        .exclude(pk__in=owned)
        .values_list("pk", "slug")
    )
    by_owner = defaultdict(list)
    for pk, slug in unowned:
        by_owner[wanted[slug]].append(pk)
    with transaction.atomic():
        for owner_id, pks in by_owner.items():
            Page.objects.filter(pk__in=pks).update(owner_id=owner_id)
            owner = ListingManager.Role.OWNER
            ListingManager.objects.bulk_create(
                [ListingManager(listing_id=pk, person_id=owner_id, role=owner) for pk in pks]
            )
    return sum(len(pks) for pks in by_owner.values())


class _Tree:
    """Hands out the directory's next child paths, as treebeard's ``add_child`` would."""

    def __init__(self, index: DirectoryIndexPage):
        self.index = index
        last = Page.objects.child_of(index).order_by("-path").values_list("path", flat=True)[:1]
        self.last_step = Page._str2int(last[0][-Page.steplen :]) if last else 0
        self.numchild = Page.objects.child_of(index).count()

    def place(self, page) -> None:
        self.last_step += 1
        self.numchild += 1
        page.depth = self.index.depth + 1
        page.path = Page._get_path(self.index.path, page.depth, self.last_step)
        page.numchild = 0
        page.url_path = f"{self.index.url_path}{page.slug}/"
        page.locale_id = self.index.locale_id
        # Page.save looks up the parent to set url_path; it is this one.
        page._cached_parent_obj = self.index

    def save_numchild(self) -> None:
        Page.objects.filter(pk=self.index.pk).update(numchild=self.numchild)
        self.index.numchild = self.numchild


@contextmanager
def _no_search_autoupdate():
    """Leave Wagtail's search index alone page by page; ``_add_to_wagtail_search`` does it once."""
    models = set(LISTING_PAGE_TYPES.values())
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)


def _add_to_wagtail_search(created_ids: dict) -> None:
    """Index the new pages in Wagtail's search (the admin's page search), a model at a time."""
    for backend in get_search_backends(with_auto_update=True):
        for model, ids in created_ids.items():
            backend.add_bulk(model, list(model.objects.filter(pk__in=ids)))


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


def _create(spec: ListingSpec, tree: _Tree, terms: _Terms, users: dict, today):
    """An unsaved-until-the-end live listing page for ``spec``, saved once."""
    owner = users.get(spec.owner) if spec.owner else None
    moderator = users.get("moderator")
    now = timezone.now()
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
        live=True,
        has_unpublished_changes=False,
        first_published_at=now,
        last_published_at=now,
        draft_title=spec.title,
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
    tree.place(page)
    page.save(clean=False)
    return page


def _publish(pages: list, users: dict) -> None:
    """Give each new page its revision by its owner and its approval by the demo moderator."""
    now = timezone.now()
    moderator = users.get("moderator")
    page_type = ContentType.objects.get_for_model(Page)
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                content_type_id=page.content_type_id,
                base_content_type=page_type,
                object_id=str(page.pk),
                created_at=now,
                user=page.owner,
                object_str=page.title,
                content=page.serializable_data(),
            )
            for page in pages
        ]
    )
    stubs = []
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision = page.live_revision = revision
        stubs.append(Page(pk=page.pk, latest_revision=revision, live_revision=revision))
        # Each page's references only need indexing once, now that it is final.
        ReferenceIndex.create_or_update_for_object(page)
    Page.objects.bulk_update(stubs, ["latest_revision", "live_revision"])
    # The person who listed it owns it (directory.ownership), as create_listing records.
    ListingManager.objects.bulk_create(
        [
            ListingManager(listing_id=page.pk, person=page.owner, role=ListingManager.Role.OWNER)
            for page in pages
            if page.owner is not None
        ]
    )
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                page_id=page.pk,
                content_type_id=page.content_type_id,
                label=page.title,
                action="wagtail.publish",
                timestamp=now,
                user=moderator,
                revision=revision,
                content_changed=True,
            )
            for page, revision in zip(pages, revisions, strict=True)
        ]
    )


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
