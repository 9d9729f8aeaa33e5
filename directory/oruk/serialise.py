"""Kith's live listings and vocabularies as Open Referral UK 3.0 objects.

A listing is an ORUK *service*; each of its places a *location* (with a
*service_at_location* linking the two); its outcomes, categories and kind are
*attributes* linking it to *taxonomy terms* of three Kith taxonomies.

Rules the schemas and Kith both set:

* an empty value is left out, never sent as ``""`` or null;
* ids are UUIDs from ``directory.oruk.ids``;
* a personal assistant, or anyone listing from home, appears only as a
  postcode sector and its centroid: no address, no full postcode (the
  coordinates Kith stores are sector centroids for everyone anyway);
* dates are RFC 3339 (``last_modified``) or ISO dates (``assured_date``).

Phone numbers go in ``contacts[].phones``, as in HSDS 3.0: the UK profile
has no other place for them and allows extra properties.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import F, Prefetch

from directory.models import Category, ListingKind, ListingLocation, ListingPage, Outcome, PriceUnit
from directory.oruk.ids import CATEGORIES_TAXONOMY, OUTCOMES_TAXONOMY, Kind, link, make

KINDS_TAXONOMY = 3

ORUK_VERSION = "HSDS-UK-3.0"
ORUK_PROFILE = "https://openreferraluk.org/"

# Postcode areas outside England (for an address's state_province).
_SCOTLAND = {
    "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE",
}  # fmt: skip
_WALES = {"CF", "LD", "LL", "NP", "SA", "SY"}


def base_url(request=None) -> str:
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _clean(obj: dict) -> dict:
    """Drop empty values ("" , None, [], {}): ORUK wants them left out."""
    return {k: v for k, v in obj.items() if v not in ("", None, [], {})}


_URL = URLValidator(schemes=["http", "https"])


def _uri(value: str) -> str:
    """An absolute http(s) URI, or "" (schemas check ``format: uri``)."""
    value = (value or "").strip()
    try:
        _URL(value)
    except ValidationError:
        return ""
    return value


def _email(value: str) -> str:
    value = (value or "").strip()
    return value if "@" in value else ""


def rfc3339(moment) -> str:
    return moment.isoformat(timespec="milliseconds") if moment else ""


def kind_term_pk(kind: str) -> int:
    return ListingKind.values.index(kind) + 1


def kind_from_term_pk(pk: int) -> str | None:
    values = ListingKind.values
    return values[pk - 1] if 1 <= pk <= len(values) else None


# --- Taxonomies ---------------------------------------------------------------


def taxonomies(request=None) -> list[dict]:
    root = base_url(request)
    return [
        {
            "id": make(Kind.TAXONOMY, OUTCOMES_TAXONOMY),
            "name": "Kith outcomes",
            "description": "What a person wants to achieve with their support, "
            "such as physical health or being part of community life.",
            "uri": f"{root}/api/v1/outcomes/",
            "version": "1",
        },
        {
            "id": make(Kind.TAXONOMY, CATEGORIES_TAXONOMY),
            "name": "Kith service categories",
            "description": "What a personal budget or direct payment buys, "
            "such as a personal assistant, gym membership or respite.",
            "uri": f"{root}/api/v1/categories/",
            "version": "1",
        },
        {
            "id": make(Kind.TAXONOMY, KINDS_TAXONOMY),
            "name": "Kith kinds of listing",
            "description": "Who or what is listed: a personal assistant, a provider, "
            "a club or group, a user-led organisation or a peer support group.",
            "version": "1",
        },
    ]


TAXONOMY_BY_KIND = {
    Kind.OUTCOME: OUTCOMES_TAXONOMY,
    Kind.CATEGORY: CATEGORIES_TAXONOMY,
}


def taxonomy_term(term, kind: Kind, request=None) -> dict:
    """An Outcome or Category as a taxonomy term; ``term`` is its slug."""
    taxonomy = taxonomies(request)[TAXONOMY_BY_KIND[kind] - 1]
    return _clean(
        {
            "id": make(kind, term.pk),
            "name": term.name,
            "description": term.description or term.name,
            "taxonomy": taxonomy["name"],
            "taxonomy_id": taxonomy["id"],
            "term": term.slug,
        }
    )


def kind_term(kind: str, request=None) -> dict:
    taxonomy = taxonomies(request)[KINDS_TAXONOMY - 1]
    label = ListingKind(kind).label
    return {
        "id": _kind_term_id(kind),
        "name": label,
        "description": label,
        "taxonomy": taxonomy["name"],
        "taxonomy_id": taxonomy["id"],
        "term": kind,
    }


def _kind_term_id(kind: str) -> str:
    # Kinds of listing have no table: their term ids use the TAXONOMY record
    # type with pk 0x1000 + position, clear of the three taxonomies' own ids.
    return make(Kind.TAXONOMY, 0x1000 + kind_term_pk(kind))


def all_taxonomy_terms(request=None) -> list[dict]:
    """Every term of the three taxonomies, outcomes first, in their display order."""
    terms = [taxonomy_term(t, Kind.OUTCOME, request) for t in Outcome.objects.all()]
    terms += [taxonomy_term(t, Kind.CATEGORY, request) for t in Category.objects.all()]
    terms += [kind_term(k, request) for k in ListingKind.values]
    return terms


# --- Services -----------------------------------------------------------------


def listings_for_oruk(queryset=None, *, full: bool):
    """Live listings with what serialising them needs, in as few queries as possible."""
    qs = queryset if queryset is not None else ListingPage.objects.live()
    qs = qs.annotate(organisation=F("providerpage__organisation_name")).select_related(
        "provenance__source"
    )
    if full:
        qs = qs.prefetch_related(
            "outcomes",
            "categories",
            Prefetch("locations", queryset=ListingLocation.objects.order_by("sort_order", "pk")),
        )
    return qs


def _price_text(page) -> str:
    if page.price_unit == PriceUnit.FREE:
        text = "Free"
    elif page.price_amount is not None and page.price_unit:
        text = f"£{page.price_amount:.2f} {PriceUnit(page.price_unit).label}"
    else:
        text = ""
    if page.price_notes:
        text = f"{text}. {page.price_notes}" if text else page.price_notes
    return text


def _organization(page) -> dict:
    name = getattr(page, "organisation", "") or page.title
    return _clean(
        {
            "id": make(Kind.ORGANIZATION, page.pk),
            "name": name,
            "description": page.summary or name,
            "email": _email(page.contact_email),
            "website": _uri(page.website),
        }
    )


def service_description(page) -> str:
    """The summary, then the longer description, as one text (the import splits them again)."""
    if page.description.strip():
        return f"{page.summary}\n\n{page.description.strip()}"
    return page.summary


def service_summary(page) -> dict:
    """The service's one-to-one fields: a list item of /services."""
    assured = page.last_confirmed.isoformat() if page.last_confirmed else ""
    return _clean(
        {
            "id": make(Kind.SERVICE, page.pk),
            "organization_id": make(Kind.ORGANIZATION, page.pk),
            "name": page.title,
            "description": service_description(page),
            "url": _uri(page.website),
            "email": _email(page.contact_email),
            "status": "active",
            "fees": _price_text(page),
            "assured_date": assured,
            "last_modified": rfc3339(page.last_published_at or page.first_published_at),
            "organization": _organization(page),
        }
    )


def _state_province(postcode: str) -> str:
    area = "".join(ch for ch in postcode[:2] if ch.isalpha())
    if area in _SCOTLAND:
        return "Scotland"
    if area in _WALES:
        return "Wales"
    if area == "BT":
        return "Northern Ireland"
    return "England"


def location(loc, page) -> dict:
    """A place a listing operates from; only the postcode sector for a home base or a PA."""
    private = loc.is_home_base or page.kind == ListingKind.PA
    name = loc.name or (f"{loc.public_postcode} area" if private else loc.public_postcode)
    obj = {
        "id": make(Kind.LOCATION, loc.pk),
        "location_type": "physical",
        "name": name,
        "latitude": round(loc.lat, 5) if loc.lat is not None else None,
        "longitude": round(loc.lng, 5) if loc.lng is not None else None,
        "external_identifier": loc.public_postcode,
        "external_identifier_type": "postcode_sector" if private else "postcode",
    }
    if not private and loc.address.strip():
        parts = [p.strip() for p in loc.address.split(",") if p.strip()]
        city = parts[-1] if len(parts) > 1 else loc.public_postcode.split(" ")[0]
        obj["addresses"] = [
            {
                "id": make(Kind.ADDRESS, loc.pk),
                "location_id": make(Kind.LOCATION, loc.pk),
                "address_1": ", ".join(parts[:-1]) if len(parts) > 1 else parts[0],
                "city": city,
                "state_province": _state_province(loc.public_postcode),
                "postal_code": loc.public_postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ]
    return _clean(obj)


def service_at_location(loc, page, *, with_service: bool = False) -> dict:
    obj = {
        "id": make(Kind.SERVICE_AT_LOCATION, loc.pk),
        "service_id": make(Kind.SERVICE, page.pk),
        "location_id": make(Kind.LOCATION, loc.pk),
        "location": location(loc, page),
    }
    if with_service:
        obj["service"] = service_summary(page)
    return obj


def _attributes(page, request=None) -> list[dict]:
    service_id = make(Kind.SERVICE, page.pk)
    attributes = []
    for term in page.outcomes.all():
        attributes.append(
            {
                "id": link(Kind.OUTCOME_LINK, page.pk, term.pk),
                "link_id": service_id,
                "link_type": "outcome",
                "taxonomy_term_id": make(Kind.OUTCOME, term.pk),
                "taxonomy_term": taxonomy_term(term, Kind.OUTCOME, request),
            }
        )
    for term in page.categories.all():
        attributes.append(
            {
                "id": link(Kind.CATEGORY_LINK, page.pk, term.pk),
                "link_id": service_id,
                "link_type": "category",
                "taxonomy_term_id": make(Kind.CATEGORY, term.pk),
                "taxonomy_term": taxonomy_term(term, Kind.CATEGORY, request),
            }
        )
    if page.kind:
        term = kind_term(page.kind, request)
        attributes.append(
            {
                "id": link(Kind.CATEGORY_LINK, page.pk, 0xFF00 + kind_term_pk(page.kind)),
                "link_id": service_id,
                "link_type": "kind",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            }
        )
    return attributes


def _contacts(page) -> list[dict]:
    if not (page.contact_name or page.contact_phone):
        return []
    contact = {
        "id": make(Kind.CONTACT, page.pk),
        "service_id": make(Kind.SERVICE, page.pk),
        "name": page.contact_name,
    }
    if page.contact_phone:
        contact["phones"] = [
            {
                "id": make(Kind.PHONE, page.pk),
                "contact_id": make(Kind.CONTACT, page.pk),
                "number": page.contact_phone,
            }
        ]
    return [_clean(contact)]


def _cost_options(page) -> list[dict]:
    amount = page.price_amount
    if page.price_unit == PriceUnit.FREE:
        amount = Decimal(0)
    if amount is None or not page.price_unit:
        return []
    return [
        _clean(
            {
                "id": make(Kind.COST, page.pk),
                "service_id": make(Kind.SERVICE, page.pk),
                "option": page.price_unit,
                "amount": float(amount),
                "amount_description": page.price_notes,
            }
        )
    ]


def service(page, request=None) -> dict:
    """A fully nested service: /services/{id}, and each service of an export."""
    obj = service_summary(page)
    obj.update(
        _clean(
            {
                "service_at_locations": [
                    service_at_location(loc, page)
                    for loc in page.locations.all()
                    if loc.lat is not None
                ],
                "contacts": _contacts(page),
                "cost_options": _cost_options(page),
                "attributes": _attributes(page, request),
            }
        )
    )
    provenance = getattr(page, "provenance", None) if _has_provenance(page) else None
    if provenance is not None:
        # Where an imported listing came from (not an ORUK field: extra properties are allowed).
        obj["kith_source"] = _clean({"name": provenance.source.name, "id": provenance.external_id})
    return obj


def _has_provenance(page) -> bool:
    try:
        page.provenance  # noqa: B018
    except ListingPage.provenance.RelatedObjectDoesNotExist:
        return False
    return True


def make_service_id(pk: int) -> str:
    return make(Kind.SERVICE, pk)
