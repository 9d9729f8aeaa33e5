"""The published snapshot of each live listing that search reads.

Publishing a listing writes one ``ListingRecord`` (plus a row per location)
for the database backend and the same document to Elasticsearch; unpublishing
or deleting removes both. Search results and the API are served from these
snapshots, so a draft or an edit awaiting moderation is never searchable.
"""

from __future__ import annotations

from django.db import models, transaction

from directory import freshness
from directory.safety.records import checks_document


def _pipe(values) -> str:
    """'|a|b|': lets a plain LIKE match one slug exactly on SQLite and PostgreSQL."""
    values = [v for v in values if v]
    return "|" + "|".join(values) + "|" if values else ""


def _unpipe(text: str) -> list[str]:
    return [v for v in text.split("|") if v]


class ListingRecord(models.Model):
    listing_id = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=16, db_index=True)
    name = models.CharField(max_length=255)
    summary = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    taxonomy_text = models.TextField(blank=True)
    outcomes = models.CharField(max_length=1000, blank=True)
    categories = models.CharField(max_length=1000, blank=True)
    languages = models.CharField(max_length=500, blank=True)
    accessibility = models.CharField(max_length=500, blank=True)
    offers_backup_cover = models.BooleanField(default=False)
    price_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    price_unit = models.CharField(max_length=16, blank=True)
    places_available = models.PositiveIntegerField(null=True)
    last_confirmed = models.DateField(null=True)
    # "May be out of date": not confirmed for STALE_AFTER_DAYS (directory.freshness).
    # Ranks lower in both backends; past HIDDEN_AFTER_DAYS there is no record at all.
    stale = models.BooleanField(default=False)
    # Checks a moderator verified (directory.safety): the dates people see, and
    # what the "only checked providers" filter reads (insurance: still in date).
    cqc_checked_on = models.DateField(null=True)
    insurance_checked_on = models.DateField(null=True)
    insurance_valid_until = models.DateField(null=True)
    url_path = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["listing_id"]

    def __str__(self):
        return self.name

    @classmethod
    def from_document(cls, doc: dict) -> ListingRecord:
        return cls(
            listing_id=doc["id"],
            kind=doc["kind"],
            name=doc["name"],
            summary=doc["summary"],
            description=doc["description"],
            taxonomy_text=doc["taxonomy_text"],
            outcomes=_pipe(doc["outcomes"]),
            categories=_pipe(doc["categories"]),
            languages=_pipe(doc["languages"]),
            accessibility=_pipe(doc["accessibility"]),
            offers_backup_cover=doc["offers_backup_cover"],
            price_amount=doc["price_amount"],
            price_unit=doc["price_unit"],
            places_available=doc["places_available"],
            last_confirmed=doc["last_confirmed"],
            stale=doc.get("stale", False),
            cqc_checked_on=doc.get("cqc_checked_on"),
            insurance_checked_on=doc.get("insurance_checked_on"),
            insurance_valid_until=doc.get("insurance_valid_until"),
            url_path=doc["url_path"],
        )

    @property
    def outcome_list(self) -> list[str]:
        return _unpipe(self.outcomes)

    @property
    def category_list(self) -> list[str]:
        return _unpipe(self.categories)

    @property
    def language_list(self) -> list[str]:
        return _unpipe(self.languages)


class ListingRecordLocation(models.Model):
    record = models.ForeignKey(ListingRecord, on_delete=models.CASCADE, related_name="locations")
    position = models.PositiveSmallIntegerField(default=0)
    postcode = models.CharField(max_length=10)  # what may be shown: a sector for PAs
    lat = models.FloatField()
    lng = models.FloatField()

    class Meta:
        ordering = ["record_id", "position"]
        indexes = [models.Index(fields=["lat", "lng"], name="directory_recloc_latlng")]


def listing_document(page) -> dict:
    """Everything search needs about a live listing, as plain data (also the ES document)."""
    outcomes = list(page.outcomes.all())
    categories = list(page.categories.all())
    return {
        "id": page.pk,
        "kind": page.kind,
        "name": page.title,
        "summary": page.summary,
        "description": page.description,
        "taxonomy_text": " ".join(t.name for t in outcomes + categories),
        "outcomes": [t.slug for t in outcomes],
        "categories": [t.slug for t in categories],
        "languages": [t.slug for t in page.languages.all()],
        "accessibility": [t.slug for t in page.accessibility_features.all()],
        "offers_backup_cover": page.offers_backup_cover,
        "price_amount": str(page.price_amount) if page.price_amount is not None else None,
        "price_unit": page.price_unit,
        "places_available": page.places_available,
        "last_confirmed": page.last_confirmed.isoformat() if page.last_confirmed else None,
        "stale": freshness.is_stale(page.last_confirmed, page.reminded_at),
        **checks_document(page),
        "url_path": page.url or f"/directory/{page.slug}/",
        "locations": [
            {"postcode": loc.public_postcode, "lat": loc.lat, "lng": loc.lng}
            for loc in page.locations.all()
            if loc.lat is not None
        ],
    }


@transaction.atomic
def save_records(docs: list[dict]) -> None:
    """Write (or replace) the database snapshot for these documents, in bulk."""
    ids = [doc["id"] for doc in docs]
    ListingRecord.objects.filter(listing_id__in=ids).delete()
    records = ListingRecord.objects.bulk_create([ListingRecord.from_document(d) for d in docs])
    locations = [
        ListingRecordLocation(
            record=record, position=i, postcode=loc["postcode"], lat=loc["lat"], lng=loc["lng"]
        )
        for record, doc in zip(records, docs, strict=True)
        for i, loc in enumerate(doc["locations"])
    ]
    ListingRecordLocation.objects.bulk_create(locations, batch_size=2000)


def delete_records(listing_ids: list[int]) -> None:
    ListingRecord.objects.filter(listing_id__in=listing_ids).delete()
