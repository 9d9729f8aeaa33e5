"""A demo listing as plain data, before it becomes a Wagtail page.

Specs are built without touching the database, so the generator can be
tested quickly and the loader can tell which listings already exist (by slug)
before creating anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify


def slug_for(title: str) -> str:
    """The page slug a demo listing gets: how the loader knows it is already there."""
    return slugify(title)[:80].strip("-")


@dataclass(frozen=True)
class LocationSpec:
    postcode: str
    name: str = ""
    address: str = ""


@dataclass
class ListingSpec:
    kind: str
    title: str
    summary: str
    locations: list[LocationSpec]
    outcomes: list[str]
    categories: list[str]
    description: str = ""
    languages: list[str] = field(default_factory=lambda: ["en"])
    accessibility: list[str] = field(default_factory=list)
    accessibility_notes: str = ""
    price: Decimal | None = None
    price_unit: str = ""
    price_notes: str = ""
    capacity: int | None = None
    places_available: int | None = None
    availability: str = ""
    service_radius_km: Decimal | None = None
    offers_backup_cover: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    website: str = ""
    # Days before the load that the owner last confirmed the details; None: never.
    confirmed_days_ago: int | None = None
    # Key of the demo account that owns the listing (see directory.demo.accounts).
    owner: str | None = None
    # Fields only this kind of page has.
    extra: dict = field(default_factory=dict)
    # Date fields of this kind (e.g. dbs_verified_on), as days before the load.
    dates_days_ago: dict = field(default_factory=dict)
    # A PA whose checks a moderator has verified: the demo moderator signs them off.
    checks_verified: bool = False

    @property
    def slug(self) -> str:
        return slug_for(self.title)
