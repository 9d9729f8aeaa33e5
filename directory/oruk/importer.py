"""Other directories' services into Kith listings: ORUK 3.0 and 1.0-shaped feeds, and CSV.

    result = import_services(read_oruk("bristol.json"), source)

Readers turn each record into an ``ImportedService`` (or a reason to skip
it); ``import_services`` writes them. What it does with each record:

* **created**: a new live provider listing (or the kind the feed names, for
  a Kith feed), with no owner and marked unverified (``ListingProvenance``)
  until someone claims or checks it;
* **updated**: the source's record changed since the last import
  (``content_hash``) and nobody has claimed the listing;
* **unchanged**, or **skipped** with a reason: no id, no name, an id seen
  twice, withdrawn by the source, or already claimed by its owner.

Records are matched on (source, id in the source), so importing the same
feed again changes nothing. Run one import at a time: new pages take tree
positions after the directory's last child, a batch at a time.

New listings are written in bulk, table by table (COPY on PostgreSQL), with
their tree paths computed here instead of one Wagtail ``add_child`` each
(which saves the parent and each page, about a tenth of a second each), and
their search snapshots built from what is in memory (``benchmarks/import.py``).
Pages created this way have no revisions; the first edit in the admin or by
a claimant makes one. Run ``manage.py update_index`` afterwards if the
Wagtail admin's page search should find them (Kith's own directory search
is updated here).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from html import unescape
from html.parser import HTMLParser

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from wagtail.models import Page

from directory import elasticsearch, geo, ownership
from directory.factories import directory_index
from directory.models import (
    LISTING_PAGE_TYPES,
    Category,
    ListingKind,
    ListingLocation,
    ListingPage,
    ListingProvenance,
    ListingSource,
    Outcome,
    PriceUnit,
)
from directory.moderation import RESERVED_SLUGS
from directory.search.indexing import index_listings
from directory.search.records import ListingRecord, ListingRecordLocation, save_records

logger = logging.getLogger("directory.oruk")

SUMMARY_CHARS = 300


# --- What a record becomes ------------------------------------------------------


@dataclass
class ImportedLocation:
    postcode: str
    name: str = ""
    address: str = ""
    home_base: bool = False


@dataclass
class ImportedService:
    external_id: str
    name: str
    kind: str = ListingKind.PROVIDER
    summary: str = ""
    description: str = ""
    organisation: str = ""
    website: str = ""
    email: str = ""
    phone: str = ""
    contact_name: str = ""
    price_amount: str | None = None  # a decimal as text, for hashing
    price_unit: str = ""
    price_notes: str = ""
    outcomes: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    locations: list[ImportedLocation] = field(default_factory=list)
    assured: str | None = None  # ISO date the source last checked it
    modified: str | None = None  # RFC 3339 / ISO date the source last changed it

    def content_hash(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Skip:
    """A record not imported, and why (in words for the summary)."""

    external_id: str
    reason: str


# --- Cleaning -------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS and tag[0] != "h":  # headings: a line break after, only
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS and tag not in ("br", "li"):
            self.parts.append("\n\n" if tag in {"p", "div", "ul", "ol"} else "\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(value) -> str:
    """Plain text from a feed's HTML: tags dropped, entities decoded, paragraphs kept."""
    if not isinstance(value, str) or not value.strip():
        return ""
    if "<" not in value:
        text = unescape(value)
    else:
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        text = "".join(parser.parts)
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _text(value, limit: int | None = None) -> str:
    if not isinstance(value, str):
        return "" if value is None else str(value)
    value = " ".join(value.split())
    return value[:limit] if limit else value


_URL = URLValidator(schemes=["http", "https"])


def _url(value) -> str:
    """A web address the API can publish as a URI, or "" (feeds hold all sorts)."""
    value = _text(value, 200)
    if re.match(r"^https?:(?!//)", value, re.IGNORECASE):
        value = value.replace(":", "://", 1)  # "http:www.example.org"
    elif value and "://" not in value:
        value = "https://" + value  # "www.example.org", as councils often write it
    try:
        _URL(value)
    except ValidationError:
        return ""
    return value


def _email(value) -> str:
    value = _text(value, 254)
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def split_summary(text: str, name: str) -> tuple[str, str]:
    """(summary, description): the first paragraph if it fits in a summary, else its start."""
    if not text:
        return f"{name}."[:SUMMARY_CHARS], ""
    first, _, rest = text.partition("\n\n")
    first = " ".join(first.split())  # lines of one paragraph (often headings) run on
    if len(first) <= SUMMARY_CHARS:
        return first, rest.strip()
    cut = first[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…", text


def _iso_date(value) -> str | None:
    text = _text(value)
    if not text:
        return None
    moment = parse_datetime(text)
    day = moment.date() if moment else parse_date(text[:10])
    return day.isoformat() if day else None


# --- Vocabulary -----------------------------------------------------------------


class Vocabulary:
    """Kith's outcomes and categories by slug and by name, to match a feed's terms."""

    def __init__(self):
        self.outcomes = {t.slug: t.pk for t in Outcome.objects.all()}
        self.categories = {t.slug: t.pk for t in Category.objects.all()}
        self.by_name = {}
        for model, kind in ((Outcome, "outcome"), (Category, "category")):
            for term in model.objects.all():
                self.by_name[term.name.lower()] = (kind, term.slug)
                self.by_name[term.slug] = (kind, term.slug)

    def match(self, term: dict) -> tuple[str, str] | None:
        for key in (term.get("term"), term.get("code"), term.get("name")):
            if isinstance(key, str) and key.strip().lower() in self.by_name:
                return self.by_name[key.strip().lower()]
        return None


# --- ORUK records -----------------------------------------------------------------


def _first(items):
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _locations(item: dict) -> list[ImportedLocation]:
    found = []
    for sal in item.get("service_at_locations") or []:
        loc = (sal or {}).get("location") or {}
        address = _first(loc.get("addresses"))
        postcode = _text(address.get("postal_code"))
        id_type = _text(loc.get("external_identifier_type"))
        home = id_type == "postcode_sector"
        if not postcode and id_type.startswith("postcode"):
            postcode = _text(loc.get("external_identifier"))
        if not postcode:
            continue
        line = ", ".join(
            part for part in (_text(address.get("address_1")), _text(address.get("city"))) if part
        )
        name = _text(loc.get("name"), 120)
        if home and name == f"{postcode} area":
            name = ""
        if not home and name == postcode:
            name = ""
        found.append(ImportedLocation(postcode, name, "" if home else line[:255], home))
    return found


def service_from_oruk(item, vocabulary: Vocabulary) -> ImportedService | Skip:
    """One ORUK 3.0 service or 1.0-style list item, or why it cannot be imported."""
    if not isinstance(item, dict):
        return Skip("", "not a service object")
    external_id = _text(item.get("id"), 255)
    if not external_id:
        return Skip("", "no id")
    name = _text(item.get("name"), 255)
    if not name:
        return Skip(external_id, "no name")
    status = _text(item.get("status")).lower()
    if status in ("inactive", "defunct"):
        return Skip(external_id, f"the source marks it {status}")
    summary, description = split_summary(html_to_text(item.get("description")), name)
    organisation = item.get("organization") if isinstance(item.get("organization"), dict) else {}
    contact = _first(item.get("contacts"))
    phone = _first(contact.get("phones")) or _first(item.get("phones"))
    service = ImportedService(
        external_id=external_id,
        name=name,
        summary=summary,
        description=description,
        organisation=_text(organisation.get("name"), 200),
        website=_url(item.get("url")),
        email=_email(item.get("email")),
        phone=_text(phone.get("number"), 40),
        contact_name=_text(contact.get("name"), 120),
        locations=_locations(item),
        assured=_iso_date(item.get("assured_date"))
        or _iso_date((item.get("pc_metadata") or {}).get("date_assured")),
        modified=_text(item.get("last_modified"))
        or _text((item.get("pc_metadata") or {}).get("date_modified"))
        or None,
    )
    if service.organisation == name:
        service.organisation = ""
    cost = _first(item.get("cost_options"))
    unit = _text(cost.get("option")).lower()
    if unit in PriceUnit.values:
        try:
            service.price_amount = str(Decimal(str(cost.get("amount"))).quantize(Decimal("0.01")))
            service.price_unit = unit
            service.price_notes = _text(cost.get("amount_description"), 200)
        except (InvalidOperation, ValueError):
            pass
    if not service.price_unit:
        service.price_notes = _text(html_to_text(item.get("fees")), 200)
    for attribute in item.get("attributes") or []:
        term = (attribute or {}).get("taxonomy_term") or {}
        if _text(attribute.get("link_type")) == "kind" and term.get("term") in ListingKind.values:
            service.kind = term["term"]
            continue
        matched = vocabulary.match(term)
        if matched:
            kind, slug = matched
            (service.outcomes if kind == "outcome" else service.categories).append(slug)
    if service.kind == ListingKind.PA:
        for location in service.locations:
            location.home_base, location.address = True, ""
    return service


# --- Reading feeds ----------------------------------------------------------------


def _open(source: str):
    """A binary stream of a file or URL."""
    if re.match(r"^https?://", source):
        from urllib.request import Request, urlopen

        return urlopen(Request(source, headers={"Accept": "application/json"}), timeout=60)
    return open(source, "rb")


def iter_oruk_items(stream) -> Iterator[dict]:
    """Each service of a feed, streamed: a JSON array of services (the 1.0 shape) or
    an ORUK page (``{"contents": [...]}``, as /services and Kith's export answer)."""
    import ijson

    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)
    head = stream.peek(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    prefix = "item" if head == b"[" else "contents.item"
    yield from ijson.items(stream, prefix, use_float=True)


def read_oruk(
    source: str, vocabulary: Vocabulary | None = None
) -> Iterator[ImportedService | Skip]:
    vocabulary = vocabulary or Vocabulary()
    with _open(source) as stream:
        for item in iter_oruk_items(stream):
            yield service_from_oruk(item, vocabulary)


# --- Writing --------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + sum(self.skipped.values())

    def lines(self) -> list[str]:
        out = [
            f"Read {self.read:,} records in {self.seconds:.1f} s: created {self.created:,}, "
            f"updated {self.updated:,}, unchanged {self.unchanged:,}, "
            f"skipped {sum(self.skipped.values()):,}."
        ]
        out += [f"  skipped {n:,}: {reason}" for reason, n in self.skipped.most_common()]
        out += [f"  note {n:,}: {what}" for what, n in self.warnings.most_common()]
        return out


class Progress:
    """A progress bar on a terminal; otherwise a log line every few seconds."""

    def __init__(self, *, enabled: bool = True, every_seconds: float = 5.0, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.every = every_seconds
        self.count = 0
        self.started = self.last = time.monotonic()
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(unit=" services", desc="Importing", file=self.stream)

    def update(self, n: int) -> None:
        self.count += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.enabled and now - self.last >= self.every:
            self.last = now
            rate = self.count / max(now - self.started, 1e-9)
            logger.info(
                "Imported %s services so far (%s a second)", f"{self.count:,}", f"{rate:,.0f}"
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def get_source(name: str, url: str = "", slug: str = "") -> ListingSource:
    slug = slug or slugify(name)[:64] or "source"
    source, created = ListingSource.objects.get_or_create(
        slug=slug, defaults={"name": name, "url": url[:500]}
    )
    if not created and (source.name != name or (url and source.url != url[:500])):
        source.name, source.url = name, url[:500] or source.url
        source.save(update_fields=["name", "url"])
    return source


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(model, objs, *, returning: bool = False):
    """INSERT objs into ``model``'s own table only (one level of the inheritance at a time)."""
    opts = model._meta
    fields = list(opts.local_concrete_fields)
    if returning:  # the database numbers the rows (Page's id)
        fields = [f for f in fields if f is not opts.pk]
    return model._base_manager._insert(
        objs,
        fields=fields,
        returning_fields=opts.db_returning_fields if returning else None,
        using=connection.alias,
    )


class _Row:
    """A page's columns as plain attributes: building 1,000 Wagtail page instances a
    batch (their __init__ walks some 60 fields) cost more than writing them."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.kind_model = LISTING_PAGE_TYPES[values["kind"]]

    @property
    def pk(self):
        return self.id


@cache
def _defaults(model) -> dict:
    """Every column's default for a new ``model`` row (all tables up the inheritance)."""
    template = model()
    return {f.attname: getattr(template, f.attname) for f in model._meta.concrete_fields}


def _copy(model, objs, attnames: list[str]) -> None:
    """PostgreSQL COPY of these attributes of objs into ``model``'s own table."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(_column(model, a)) for a in attnames)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([getattr(obj, a) for a in attnames])


def _column(model, attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.column
    raise KeyError(attname)


def _write(model, objs) -> None:
    """Insert new rows (model instances) without their ids: COPY on PostgreSQL."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    attnames = [f.attname for f in model._meta.local_concrete_fields if not f.primary_key]
    _copy(model, objs, attnames)


def _write_pages(pages: list[_Row]) -> None:
    """Insert new listing pages table by table: Page, ListingPage, then each kind's table."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Page._meta.db_table, len(pages)],
            )
            for (pk,), page in zip(cursor.fetchall(), pages, strict=True):
                page.id = page.page_ptr_id = page.listingpage_ptr_id = pk
        tables = [Page, ListingPage] + list(dict.fromkeys(p.kind_model for p in pages))
        for model in tables:
            rows = [p for p in pages if model in (Page, ListingPage) or p.kind_model is model]
            _copy(model, rows, [f.attname for f in model._meta.local_concrete_fields])
        return
    instances = []
    for page in pages:
        values = {k: v for k, v in page.__dict__.items() if k != "kind_model"}
        instances.append(page.kind_model(**values))
    for (pk,), page, instance in zip(
        _insert(Page, instances, returning=True), pages, instances, strict=True
    ):
        page.id = page.page_ptr_id = page.listingpage_ptr_id = pk
        instance.id = instance.page_ptr_id = instance.listingpage_ptr_id = pk
    _insert(ListingPage, instances)
    for model in dict.fromkeys(p.kind_model for p in pages):
        _insert(model, [i for i in instances if type(i) is model])


def _save_new_records(docs: list[dict], now) -> None:
    """``records.save_records`` for listings that have no snapshot yet, by COPY on PostgreSQL."""
    if connection.vendor != "postgresql":
        save_records(docs)
        return
    records = [ListingRecord.from_document(doc) for doc in docs]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [ListingRecord._meta.db_table, len(records)],
        )
        for (pk,), record in zip(cursor.fetchall(), records, strict=True):
            record.id, record.updated_at = pk, now
    _copy(ListingRecord, records, [f.attname for f in ListingRecord._meta.local_concrete_fields])
    locations = [
        ListingRecordLocation(
            record_id=record.id,
            position=i,
            postcode=loc["postcode"],
            lat=loc["lat"],
            lng=loc["lng"],
        )
        for record, doc in zip(records, docs, strict=True)
        for i, loc in enumerate(doc["locations"])
    ]
    _write(ListingRecordLocation, locations)


class Writer:
    """Writes batches of ImportedService for one source (see the module doc)."""

    def __init__(self, source: ListingSource, result: ImportResult):
        self.source = source
        self.result = result
        self.parent = directory_index()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.vocabulary = {
            "outcome": {t.slug: t.pk for t in Outcome.objects.all()},
            "category": {t.slug: t.pk for t in Category.objects.all()},
        }
        known = ListingProvenance.objects.filter(source=source).values_list(
            "external_id", "listing_id", "content_hash"
        )
        claimed = set(
            ownership.managed_listing_ids(
                ListingProvenance.objects.filter(source=source).values("listing_id")
            )
        )
        # (listing id, content hash, whether someone claimed it) by id in the source.
        self.existing = {
            ext: (listing_id, digest, listing_id in claimed) for ext, listing_id, digest in known
        }
        self.seen: set[str] = set()
        self.slugs = set(self.parent.get_children().values_list("slug", flat=True))
        self.slugs |= RESERVED_SLUGS
        self.content_types = {
            kind: ContentType.objects.get_for_model(model).pk
            for kind, model in LISTING_PAGE_TYPES.items()
        }
        last = self.parent.get_last_child()
        self.last_pos = last._get_lastpos_in_path() if last else 0
        self.places: dict[str, geo.Place | None] = {}
        self.term_names = {
            "outcome": dict(Outcome.objects.values_list("slug", "name")),
            "category": dict(Category.objects.values_list("slug", "name")),
        }
        self.url_prefix = self.parent.url or "/directory/"
        self.documents: list[dict] = []

    # -- helpers

    def _slug(self, title: str) -> str:
        base = slugify(title)[:70].strip("-") or "listing"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug

    def _place(self, postcode: str) -> geo.Place | None:
        if postcode not in self.places:
            try:
                self.places[postcode] = geo.locate(postcode)
            except geo.PostcodeError:
                self.places[postcode] = None
        return self.places[postcode]

    def _locations(self, service: ImportedService, listing_id: int) -> list[ListingLocation]:
        rows = []
        for position, loc in enumerate(service.locations):
            place = self._place(loc.postcode)
            if place is None:
                self.result.warnings["a postcode Kith cannot place was left out"] += 1
                continue
            private = loc.home_base or service.kind == ListingKind.PA
            rows.append(
                ListingLocation(
                    listing_id=listing_id,
                    sort_order=position,
                    name=loc.name[:120],
                    address="" if private else loc.address[:255],
                    postcode=place.postcode,
                    is_home_base=private,
                    public_postcode=place.public_area if private else place.postcode,
                    lat=place.lat,
                    lng=place.lng,
                )
            )
        return rows

    def _terms(self, service: ImportedService, listing_id: int):
        through_o = ListingPage.outcomes.through
        through_c = ListingPage.categories.through
        outcomes = [
            through_o(listingpage_id=listing_id, outcome_id=self.vocabulary["outcome"][slug])
            for slug in dict.fromkeys(service.outcomes)
            if slug in self.vocabulary["outcome"]
        ]
        categories = [
            through_c(listingpage_id=listing_id, category_id=self.vocabulary["category"][slug])
            for slug in dict.fromkeys(service.categories)
            if slug in self.vocabulary["category"]
        ]
        return outcomes, categories

    def _fields(self, service: ImportedService) -> dict:
        assured = parse_date(service.assured) if service.assured else None
        return {
            "summary": service.summary[:300],
            "description": service.description,
            "website": service.website,
            "contact_email": service.email,
            "contact_phone": service.phone,
            "contact_name": service.contact_name,
            "price_amount": Decimal(service.price_amount) if service.price_amount else None,
            "price_unit": service.price_unit,
            "price_notes": service.price_notes,
            "last_confirmed": min(assured, self.today) if assured else self.today,
        }

    def _modified(self, service: ImportedService) -> datetime | None:
        if not service.modified:
            return None
        moment = parse_datetime(service.modified)
        if moment is None:
            day = parse_date(service.modified[:10])
            moment = datetime(day.year, day.month, day.day) if day else None
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment

    # -- writing

    def write(self, batch: list[ImportedService | Skip]) -> list[int]:
        """Write one batch; return the listing ids whose search snapshots need writing."""
        new, changed = [], []
        for item in batch:
            if isinstance(item, Skip):
                self.result.skipped[item.reason] += 1
                continue
            if item.external_id in self.seen:
                self.result.skipped["the same id appears more than once in the feed"] += 1
                continue
            self.seen.add(item.external_id)
            digest = item.content_hash()
            known = self.existing.get(item.external_id)
            if known is None:
                new.append((item, digest))
            elif known[1] == digest:
                self.result.unchanged += 1
            elif known[2]:
                self.result.skipped["claimed by its owner, so the feed no longer changes it"] += 1
            else:
                changed.append((item, digest, known[0]))
        self.documents = []
        with transaction.atomic():
            ids = [self._update(*args) for args in changed]
            self._create(new)
            if self.documents:
                _save_new_records(self.documents, self.now)
        if self.documents and elasticsearch.is_configured():
            from directory.search import elastic

            try:
                elastic.index_documents(self.documents)
            except Exception:
                logger.exception("Could not send imported listings to Elasticsearch")
        return ids

    def _create(self, new: list[tuple[ImportedService, str]]) -> list[int]:
        if not new:
            return []
        pages = []
        parent = self.parent
        # A listing an owner created since the last batch takes the next tree position.
        last = parent.get_last_child()
        self.last_pos = max(self.last_pos, last._get_lastpos_in_path() if last else 0)
        for service, _ in new:
            self.last_pos += 1
            slug = self._slug(service.name)
            row = dict(_defaults(LISTING_PAGE_TYPES[service.kind]))
            row.update(
                title=service.name,
                draft_title=service.name,
                slug=slug,
                content_type_id=self.content_types[service.kind],
                path=Page._get_path(parent.path, parent.depth + 1, self.last_pos),
                depth=parent.depth + 1,
                numchild=0,
                url_path=f"{parent.url_path}{slug}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=self.now,
                last_published_at=self.now,
                locale_id=parent.locale_id,
                translation_key=uuid.uuid4(),
                kind=service.kind,
                **self._fields(service),
            )
            if service.kind == ListingKind.PROVIDER:
                row["organisation_name"] = service.organisation
            pages.append(_Row(row))
        _write_pages(pages)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
        locations, outcomes, categories, provenance = [], [], [], []
        for (service, digest), page in zip(new, pages, strict=True):
            locations += self._locations(service, page.pk)
            o, c = self._terms(service, page.pk)
            outcomes += o
            categories += c
            provenance.append(
                ListingProvenance(
                    listing_id=page.pk,
                    source=self.source,
                    external_id=service.external_id,
                    source_modified=self._modified(service),
                    content_hash=digest,
                    imported_at=self.now,
                )
            )
        for model, objs in (
            (ListingLocation, locations),
            (ListingPage.outcomes.through, outcomes),
            (ListingPage.categories.through, categories),
            (ListingProvenance, provenance),
        ):
            _write(model, objs)
        for (service, digest), page in zip(new, pages, strict=True):
            self.existing[service.external_id] = (page.pk, digest, None)
        self.result.created += len(pages)
        self.documents += self._documents(new, pages, locations)
        return []

    def _documents(self, new, pages, locations) -> list[dict]:
        """The search documents of new listings, from what is in memory.

        The same dict as ``records.listing_document(page)`` (which would query
        each listing's vocabularies and places again); an imported listing is
        fresh and has no languages, access features or places count.
        """
        names = self.term_names
        by_listing: dict[int, list] = {}
        for loc in locations:
            by_listing.setdefault(loc.listing_id, []).append(loc)
        docs = []
        for (service, _), page in zip(new, pages, strict=True):
            outcomes = [s for s in dict.fromkeys(service.outcomes) if s in names["outcome"]]
            categories = [s for s in dict.fromkeys(service.categories) if s in names["category"]]
            docs.append(
                {
                    "id": page.pk,
                    "kind": page.kind,
                    "name": page.title,
                    "summary": page.summary,
                    "description": page.description,
                    "taxonomy_text": " ".join(
                        [names["outcome"][s] for s in outcomes]
                        + [names["category"][s] for s in categories]
                    ),
                    "outcomes": outcomes,
                    "categories": categories,
                    "languages": [],
                    "accessibility": [],
                    "offers_backup_cover": False,
                    "price_amount": str(page.price_amount)
                    if page.price_amount is not None
                    else None,
                    "price_unit": page.price_unit,
                    "places_available": None,
                    "last_confirmed": page.last_confirmed.isoformat(),
                    "stale": False,
                    "url_path": f"{self.url_prefix}{page.slug}/",
                    "locations": [
                        {"postcode": loc.public_postcode, "lat": loc.lat, "lng": loc.lng}
                        for loc in by_listing.get(page.pk, [])
                    ],
                }
            )
        return docs

    def _update(self, service: ImportedService, digest: str, listing_id: int) -> int:
        fields = self._fields(service)
        ListingPage.objects.filter(pk=listing_id).update(
            title=service.name, draft_title=service.name, **fields
        )
        kind = ListingPage.objects.filter(pk=listing_id).values_list("kind", flat=True).first()
        if kind == ListingKind.PROVIDER:
            LISTING_PAGE_TYPES[kind].objects.filter(pk=listing_id).update(
                organisation_name=service.organisation
            )
        service.kind = kind or service.kind
        ListingLocation.objects.filter(listing_id=listing_id).delete()
        ListingLocation.objects.bulk_create(self._locations(service, listing_id))
        outcomes, categories = self._terms(service, listing_id)
        ListingPage.outcomes.through.objects.filter(listingpage_id=listing_id).delete()
        ListingPage.categories.through.objects.filter(listingpage_id=listing_id).delete()
        ListingPage.outcomes.through.objects.bulk_create(outcomes)
        ListingPage.categories.through.objects.bulk_create(categories)
        ListingProvenance.objects.filter(
            source=self.source, external_id=service.external_id
        ).update(content_hash=digest, source_modified=self._modified(service), imported_at=self.now)
        self.existing[service.external_id] = (listing_id, digest, None)
        self.result.updated += 1
        return listing_id


def import_services(
    records: Iterable[ImportedService | Skip],
    source: ListingSource,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> ImportResult:
    """Write every record (see the module doc); safe to run again on the same feed."""
    result = ImportResult()
    started = time.monotonic()
    writer = Writer(source, result)
    progress = progress or Progress(enabled=False)
    try:
        for batch in _batches(records, batch_size):
            ids = writer.write(batch)
            if ids:
                index_listings(ids)
            progress.update(len(batch))
    finally:
        progress.close()
    result.seconds = time.monotonic() - started
    logger.info("Import from %s: %s", source.name, " ".join(result.lines()))
    return result
