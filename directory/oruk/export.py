"""The whole directory out, and Kith's CSV template in.

* ``write_oruk(out)``: every live listing as one ORUK 3.0 page of fully
  nested services (``service_list`` envelope), which ``import_oruk`` reads;
* ``write_csv(out)`` / ``read_csv(path)``: the CSV template documented in
  docs/importing-listings.md, one listing a row.

Both write a chunk of listings at a time, so memory stays flat however big
the directory. Only what the public can see is exported: a personal
assistant's (or a home base's) place is its postcode sector.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from directory.models import ListingKind, ListingPage, PriceUnit
from directory.oruk import serialise
from directory.oruk.importer import (
    ImportedLocation,
    ImportedService,
    Skip,
    Vocabulary,
    _email,
    _iso_date,
    _text,
    _url,
)

CHUNK = 500

CSV_COLUMNS = [
    "id",
    "kind",
    "name",
    "summary",
    "description",
    "organisation",
    "website",
    "email",
    "phone",
    "contact_name",
    "price",
    "price_unit",
    "price_notes",
    "outcomes",
    "categories",
    "postcode",
    "address",
    "location_name",
    "more_postcodes",
    "last_confirmed",
]


def live_listings_in_chunks(full: bool = True) -> Iterator[list]:
    ids = list(ListingPage.objects.live().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        qs = ListingPage.objects.live().filter(pk__in=chunk).order_by("pk")
        yield list(serialise.listings_for_oruk(qs, full=full))


def write_oruk(out, request=None) -> int:
    """Write the directory to the text stream ``out`` as ORUK 3.0 JSON; return how many."""
    total = ListingPage.objects.live().count()
    head = {
        "total_items": total,
        "total_pages": 1 if total else 0,
        "page_number": 1,
        "size": total,
        "first_page": True,
        "last_page": True,
        "empty": total == 0,
    }
    out.write(json.dumps(head)[:-1] + ', "contents": [')
    written = 0
    for chunk in live_listings_in_chunks():
        for page in chunk:
            out.write((",\n" if written else "\n") + json.dumps(serialise.service(page, request)))
            written += 1
    out.write("\n]}\n")
    return written


def csv_row(page) -> dict:
    locations = [loc for loc in page.locations.all()]
    private = page.kind == ListingKind.PA
    first = locations[0] if locations else None
    home = first is not None and (private or first.is_home_base)
    return {
        "id": serialise.make_service_id(page.pk),
        "kind": page.kind,
        "name": page.title,
        "summary": page.summary,
        "description": page.description,
        "organisation": getattr(page, "organisation", "") or "",
        "website": page.website,
        "email": page.contact_email,
        "phone": page.contact_phone,
        "contact_name": page.contact_name,
        "price": "" if page.price_amount is None else f"{page.price_amount:.2f}",
        "price_unit": page.price_unit,
        "price_notes": page.price_notes,
        "outcomes": "; ".join(t.slug for t in page.outcomes.all()),
        "categories": "; ".join(t.slug for t in page.categories.all()),
        "postcode": first.public_postcode if first else "",
        "address": "" if (first is None or home) else first.address,
        "location_name": first.name if first else "",
        "more_postcodes": "; ".join(loc.public_postcode for loc in locations[1:]),
        "last_confirmed": page.last_confirmed.isoformat() if page.last_confirmed else "",
    }


def write_csv(out) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    written = 0
    for chunk in live_listings_in_chunks():
        for page in chunk:
            writer.writerow(csv_row(page))
            written += 1
    return written


def _slugs(value: str) -> list[str]:
    return [s.strip().lower() for s in (value or "").replace(",", ";").split(";") if s.strip()]


def service_from_csv(row: dict, vocabulary: Vocabulary) -> ImportedService | Skip:
    """One row of the CSV template, or why it cannot be imported."""
    external_id = _text(row.get("id"), 255)
    if not external_id:
        return Skip("", "no id")
    name = _text(row.get("name"), 255)
    if not name:
        return Skip(external_id, "no name")
    kind = _text(row.get("kind")).lower() or ListingKind.PROVIDER
    if kind not in ListingKind.values:
        return Skip(external_id, "kind is not one of " + ", ".join(ListingKind.values))
    summary = _text(row.get("summary"), 300)
    description = (row.get("description") or "").strip()
    if not summary:
        from directory.oruk.importer import split_summary

        summary, description = split_summary(description, name)
    home = kind == ListingKind.PA
    locations = []
    postcode = _text(row.get("postcode"))
    if postcode:
        locations.append(
            ImportedLocation(
                postcode,
                _text(row.get("location_name"), 120),
                "" if home else _text(row.get("address"), 255),
                home,
            )
        )
    locations += [
        ImportedLocation(pc, home_base=home) for pc in _slugs_raw(row.get("more_postcodes"))
    ]
    service = ImportedService(
        external_id=external_id,
        name=name,
        kind=kind,
        summary=summary,
        description=description,
        organisation=_text(row.get("organisation"), 200),
        website=_url(row.get("website")),
        email=_email(row.get("email")),
        phone=_text(row.get("phone"), 40),
        contact_name=_text(row.get("contact_name"), 120),
        price_notes=_text(row.get("price_notes"), 200),
        outcomes=[s for s in _slugs(row.get("outcomes")) if s in vocabulary.outcomes],
        categories=[s for s in _slugs(row.get("categories")) if s in vocabulary.categories],
        locations=locations,
        assured=_iso_date(row.get("last_confirmed")),
    )
    unit = _text(row.get("price_unit")).lower()
    price = _text(row.get("price")).lstrip("£")
    if unit == PriceUnit.FREE:
        service.price_amount, service.price_unit = "0.00", unit
    elif unit in PriceUnit.values and price:
        try:
            service.price_amount = f"{float(price):.2f}"
            service.price_unit = unit
        except ValueError:
            pass
    return service


def _slugs_raw(value) -> list[str]:
    return [s.strip() for s in (value or "").split(";") if s.strip()]


def read_csv(path: str, vocabulary: Vocabulary | None = None) -> Iterator[ImportedService | Skip]:
    vocabulary = vocabulary or Vocabulary()
    with open(path, newline="", encoding="utf-8-sig") as stream:
        for row in csv.DictReader(stream):
            yield service_from_csv(row, vocabulary)
