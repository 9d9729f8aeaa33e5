"""The Open Referral UK 3.0 read API, under /oruk/ (the paths and parameters of ORUK's OpenAPI).

Only live (moderator-approved) listings are published. Lists answer ORUK's
page envelope (``total_items``, ``total_pages``, ``page_number``, ``size``,
``first_page``, ``last_page``, ``empty``, ``contents``); a page past the last
is an empty page, as the envelope allows. Bad parameters answer 400 and
unknown ids 404, in Kith's error shape ``{"errors": {"parameter": [...]}}``.
The description of the API is at /oruk/openapi.json.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path

from django.db.models import Min, Q
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from directory import geo
from directory.api import PublicAPIView, _show
from directory.models import ListingLocation, ListingPage
from directory.oruk import ids, serialise
from directory.oruk.ids import Kind
from directory.search import DEFAULT_RADIUS_KM, MAX_RADIUS_KM
from directory.search.database import great_circle_km

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_TEXT_CHARS = 200
SCHEMA_DIR = Path(__file__).parent / "schemas"


class ORUKView(PublicAPIView):
    """Read-only, public, JSON; not in Kith's own schema (ORUK's OpenAPI describes it)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"  # open data, read-only, no cookies used
        return response


def _bad(param: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({param: [message]})


# --- Parameters ---------------------------------------------------------------


def _single(request, name: str) -> str:
    values = [v.strip() for v in request.query_params.getlist(name) if v.strip()]
    return values[-1] if values else ""


def _int_param(request, name: str, default: int, low: int, high: int | None) -> int:
    raw = _single(request, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, f"'{_show(raw)}' is not a whole number.") from None
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise _bad(name, f"Enter a number {limit}.")
    return value


def _bool_param(request, name: str) -> bool:
    raw = _single(request, name).lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise _bad(name, f"'{_show(raw)}' is not true or false.")


def _check_format(request) -> None:
    raw = _single(request, "format").lower()
    if raw and raw != "json":
        raise _bad("format", "Only json is offered. Use /oruk/export for the whole directory.")


def _paging(request) -> tuple[int, int]:
    _check_format(request)
    page = _int_param(request, "page", 1, 1, None)
    per_page = _int_param(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page, per_page


def envelope(total: int, page: int, per_page: int, contents: list) -> dict:
    """ORUK's page envelope; total_pages is 0 when nothing matches."""
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _text(request) -> str:
    text = _single(request, "text") or _single(request, "search")
    if len(text) > MAX_TEXT_CHARS:
        raise _bad("text", f"Use at most {MAX_TEXT_CHARS} characters.")
    return text


def _modified_after(request) -> datetime | None:
    raw = _single(request, "modified_after")
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))  # an unescaped + arrives as a space
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise _bad(
                "modified_after",
                f"'{_show(raw)}' is not a date and time. Use RFC 3339: 2026-03-01T09:00:00Z.",
            )
        moment = datetime.combine(day, time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _near(request) -> tuple[tuple[float, float], float] | None:
    """(origin, radius in km) from postcode and proximity (metres), or None."""
    raw = _single(request, "postcode")
    proximity = _single(request, "proximity")
    if not raw:
        if proximity:
            raise _bad("proximity", "Give a postcode to measure the proximity from.")
        return None
    try:
        place = geo.locate(raw)
    except geo.PostcodeError as exc:
        raise _bad("postcode", str(exc)) from None
    radius_km = DEFAULT_RADIUS_KM
    if proximity:
        try:
            metres = float(proximity)
        except ValueError:
            raise _bad("proximity", f"'{_show(proximity)}' is not a number of metres.") from None
        if not 0 < metres <= MAX_RADIUS_KM * 1000 or math.isnan(metres):
            raise _bad(
                "proximity",
                f"Enter a distance in metres greater than 0 and no more than "
                f"{MAX_RADIUS_KM * 1000:,.0f}.",
            )
        radius_km = metres / 1000
    return place.point, radius_km


def _term_filter(request) -> Q:
    q = Q()
    raw = _single(request, "taxonomy_term_id")
    if raw:
        term = ids.parse_term(raw)
        if term is not None:
            name, pk = term
            q &= Q(**{f"{'outcomes' if name == 'outcome' else 'categories'}__pk": pk})
        else:
            kind = _kind_of_term_id(raw)
            if kind is None:
                raise _bad(
                    "taxonomy_term_id",
                    f"'{_show(raw)}' is not one of Kith's taxonomy terms. "
                    "GET /oruk/taxonomy_terms lists them.",
                )
            q &= Q(kind=kind)
    raw = _single(request, "taxonomy_id")
    if raw:
        pk = ids.parse(raw, Kind.TAXONOMY)
        if pk == ids.OUTCOMES_TAXONOMY:
            q &= Q(outcomes__isnull=False)
        elif pk == ids.CATEGORIES_TAXONOMY:
            q &= Q(categories__isnull=False)
        elif pk != serialise.KINDS_TAXONOMY:  # every listing has a kind
            raise _bad(
                "taxonomy_id",
                f"'{_show(raw)}' is not one of Kith's taxonomies. GET /oruk/taxonomies lists them.",
            )
    return q


def _kind_of_term_id(raw: str) -> str | None:
    pk = ids.parse(raw, Kind.TAXONOMY)
    if pk is None or pk <= 0x1000:
        return None
    return serialise.kind_from_term_pk(pk - 0x1000)


def filtered_listings(request):
    """Live listings matching the request's filters (text, taxonomy, organisation, date)."""
    qs = ListingPage.objects.live()
    for word in _text(request).lower().split()[:10]:
        qs = qs.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
        )
    term_q = _term_filter(request)
    if term_q:
        qs = qs.filter(pk__in=ListingPage.objects.filter(term_q).values("pk"))
    raw = _single(request, "organization_id")
    if raw:
        pk = ids.parse(raw, Kind.ORGANIZATION)
        if pk is None:
            raise _bad("organization_id", f"'{_show(raw)}' is not one of Kith's organisations.")
        qs = qs.filter(pk=pk)
    moment = _modified_after(request)
    if moment is not None:
        qs = qs.filter(last_published_at__gte=moment)
    return qs


def _locations_near(origin, radius_km: float, listing_qs=None):
    lat, lng = origin
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius_km)
    qs = ListingLocation.objects.filter(
        lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng
    )
    if listing_qs is not None:
        qs = qs.filter(listing_id__in=listing_qs.values("pk"))
    return qs.annotate(distance=great_circle_km(lat, lng)).filter(distance__lte=radius_km)


# --- Views --------------------------------------------------------------------


@cache
def _openapi_text() -> str:
    return (SCHEMA_DIR / "openapi.json").read_text()


@extend_schema(exclude=True)
class ApiDetailsView(ORUKView):
    def get(self, request):
        return Response(
            {
                "version": serialise.ORUK_VERSION,
                "profile": serialise.ORUK_PROFILE,
                "openapi_url": request.build_absolute_uri("/oruk/openapi.json"),
            }
        )


@extend_schema(exclude=True)
class OpenAPIView(ORUKView):
    """ORUK's own OpenAPI description, with this site as its server."""

    def get(self, request):
        spec = json.loads(_openapi_text())
        spec["servers"] = [{"url": request.build_absolute_uri("/oruk").rstrip("/")}]
        spec["info"] = {
            **spec.get("info", {}),
            "title": "Kith: Open Referral UK 3.0 API",
            "summary": "Kith's directory of support bought with personal budgets, as ORUK 3.0.",
            "description": "Live listings of Kith's directory as Open Referral UK 3.0 "
            "services. A personal assistant appears only as a postcode sector.",
            "contact": {"name": "Kith", "url": request.build_absolute_uri("/")},
        }
        return Response(spec)


@extend_schema(exclude=True)
class ServiceListView(ORUKView):
    def get(self, request):
        page, per_page = _paging(request)
        full = _bool_param(request, "full")
        _bool_param(request, "minimal")  # accepted; the list items are already minimal enough
        qs = filtered_listings(request)
        near = _near(request)
        offset = (page - 1) * per_page
        if near is None:
            total = qs.count()
            rows = list(
                serialise.listings_for_oruk(qs, full=full).order_by("title", "pk")[
                    offset : offset + per_page
                ]
            )
        else:
            origin, radius_km = near
            distances = dict(
                _locations_near(origin, radius_km, qs)
                .values("listing_id")
                .annotate(d=Min("distance"))
                .values_list("listing_id", "d")
            )
            ordered = sorted(distances, key=lambda pk: (distances[pk], pk))
            total = len(ordered)
            wanted = ordered[offset : offset + per_page]
            pages = serialise.listings_for_oruk(qs, full=full).in_bulk(wanted)
            rows = [pages[pk] for pk in wanted if pk in pages]
        if full:
            contents = [serialise.service(row, request) for row in rows]
        else:
            contents = [serialise.service_summary(row) for row in rows]
        return Response(envelope(total, page, per_page, contents))


def _listing_or_404(raw_id: str, kind: Kind, full: bool = True):
    pk = ids.parse(raw_id, kind)
    listing = None
    if pk is not None:
        listing = (
            serialise.listings_for_oruk(ListingPage.objects.live().filter(pk=pk), full=full)
            .order_by()
            .first()
        )
    if listing is None:
        raise exceptions.NotFound({"id": [f"There is no service with id '{_show(raw_id)}'."]})
    return listing


@extend_schema(exclude=True)
class ServiceDetailView(ORUKView):
    def get(self, request, pk: str):
        return Response(serialise.service(_listing_or_404(pk, Kind.SERVICE), request))


@extend_schema(exclude=True)
class TaxonomyListView(ORUKView):
    def get(self, request):
        page, per_page = _paging(request)
        text = _text(request).lower()
        items = [t for t in serialise.taxonomies(request) if text in t["name"].lower()]
        offset = (page - 1) * per_page
        return Response(envelope(len(items), page, per_page, items[offset : offset + per_page]))


@extend_schema(exclude=True)
class TaxonomyDetailView(ORUKView):
    def get(self, request, pk: str):
        number = ids.parse(pk, Kind.TAXONOMY)
        found = [t for t in serialise.taxonomies(request) if t["id"] == pk.strip().lower()]
        if number is None or not found:
            raise exceptions.NotFound({"id": [f"There is no taxonomy with id '{_show(pk)}'."]})
        taxonomy = dict(found[0])
        taxonomy["taxonomy_terms"] = [
            t for t in serialise.all_taxonomy_terms(request) if t["taxonomy_id"] == taxonomy["id"]
        ]
        return Response(taxonomy)


@extend_schema(exclude=True)
class TaxonomyTermListView(ORUKView):
    def get(self, request):
        page, per_page = _paging(request)
        text = _text(request).lower()
        _bool_param(request, "top_only")  # every Kith term is a top-level term
        terms = serialise.all_taxonomy_terms(request)
        if text:
            terms = [t for t in terms if text in t["name"].lower() or text in t["term"]]
        taxonomy_id = _single(request, "taxonomy_id").lower()
        if taxonomy_id:
            terms = [t for t in terms if t["taxonomy_id"] == taxonomy_id]
        if _single(request, "parent_id"):
            terms = []  # no term has a parent
        offset = (page - 1) * per_page
        return Response(envelope(len(terms), page, per_page, terms[offset : offset + per_page]))


@extend_schema(exclude=True)
class TaxonomyTermDetailView(ORUKView):
    def get(self, request, pk: str):
        wanted = pk.strip().lower()
        for term in serialise.all_taxonomy_terms(request):
            if term["id"] == wanted:
                return Response(term)
        raise exceptions.NotFound({"id": [f"There is no taxonomy term with id '{_show(pk)}'."]})


@extend_schema(exclude=True)
class ServiceAtLocationListView(ORUKView):
    def get(self, request):
        page, per_page = _paging(request)
        _bool_param(request, "full")  # each item carries its location and service anyway
        listings = filtered_listings(request)
        near = _near(request)
        if near is None:
            locations = ListingLocation.objects.filter(
                listing_id__in=listings.values("pk"), lat__isnull=False
            ).order_by("listing_id", "sort_order", "pk")
        else:
            origin, radius_km = near
            locations = _locations_near(origin, radius_km, listings).order_by("distance", "pk")
        total = locations.count()
        offset = (page - 1) * per_page
        rows = list(locations[offset : offset + per_page])
        pages = serialise.listings_for_oruk(ListingPage.objects.all(), full=False).in_bulk(
            {loc.listing_id for loc in rows}
        )
        contents = [
            serialise.service_at_location(loc, pages[loc.listing_id], with_service=True)
            for loc in rows
        ]
        return Response(envelope(total, page, per_page, contents))


@extend_schema(exclude=True)
class ServiceAtLocationDetailView(ORUKView):
    def get(self, request, pk: str):
        number = ids.parse(pk, Kind.SERVICE_AT_LOCATION)
        loc = None
        if number is not None:
            loc = ListingLocation.objects.filter(
                pk=number, listing__live=True, lat__isnull=False
            ).first()
        if loc is None:
            raise exceptions.NotFound(
                {"id": [f"There is no service at location with id '{_show(pk)}'."]}
            )
        listing = _listing_or_404(ids.make(Kind.SERVICE, loc.listing_id), Kind.SERVICE)
        return Response(serialise.service_at_location(loc, listing, with_service=True))
