"""Stable ORUK identifiers (UUIDs) for Kith's records, computed from primary keys.

ORUK wants a UUID for every record. Rather than store one per row, an id is
built from a fixed prefix ("kith" in ASCII), a record type and the primary
key, laid out as a version 8 (custom) UUID:

    6b697468-0001-8000-8000-00000000002a   the service of listing 42

so ``/oruk/services/{id}`` finds its listing without a lookup table, and an
id never changes while the row exists. Primary keys are already public in
Kith's own API (``/api/v1/listings/``), so the ids reveal nothing new.
"""

from __future__ import annotations

import re
from enum import IntEnum

PREFIX = "6b697468"  # "kith"
_ID = re.compile(r"^6b697468-([0-9a-f]{4})-8000-8000-([0-9a-f]{12})$")


class Kind(IntEnum):
    SERVICE = 1  # a listing
    ORGANIZATION = 2  # the organisation behind a listing (one per listing)
    LOCATION = 3  # a ListingLocation
    SERVICE_AT_LOCATION = 4  # a ListingLocation, as the link of service and location
    ADDRESS = 5  # a ListingLocation's address
    TAXONOMY = 6  # 1: outcomes, 2: categories
    OUTCOME = 7  # an Outcome, as a taxonomy term
    CATEGORY = 8  # a Category, as a taxonomy term
    OUTCOME_LINK = 9  # listing x outcome (attribute): (listing << 16) | outcome
    CATEGORY_LINK = 10  # listing x category (attribute)
    CONTACT = 11  # a listing's contact
    PHONE = 12  # a listing's phone
    COST = 13  # a listing's price


OUTCOMES_TAXONOMY = 1
CATEGORIES_TAXONOMY = 2


def make(kind: Kind, pk: int) -> str:
    return f"{PREFIX}-{int(kind):04x}-8000-8000-{int(pk):012x}"


def link(kind: Kind, listing_pk: int, term_pk: int) -> str:
    return make(kind, (int(listing_pk) << 16) | (int(term_pk) & 0xFFFF))


def parse(value: str, kind: Kind) -> int | None:
    """The primary key in an id of this kind, or None if it is not one."""
    match = _ID.match((value or "").strip().lower())
    if not match or int(match.group(1), 16) != kind:
        return None
    return int(match.group(2), 16)


def parse_term(value: str) -> tuple[str, int] | None:
    """("outcome" | "category", pk) for a taxonomy term id, else None."""
    for kind, name in ((Kind.OUTCOME, "outcome"), (Kind.CATEGORY, "category")):
        pk = parse(value, kind)
        if pk is not None:
            return name, pk
    return None
