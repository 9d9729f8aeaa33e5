"""The directory's public JSON API (contract: shared/DESIGN.md, "Public JSON API").

Listings are answered from search summaries (``ListingSummary``), never from
the pages themselves, so that with Elasticsearch configured a search needs no
page queries. Every error answers ``{"errors": {"field": ["message"]}}`` with
the query parameter's name as the field, so a client shows the message next
to what the person typed; bad input is a 400 or 404, never a 500.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import TooManyFieldsSent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, exception_handler

from directory import geo, taxonomy, vocab_cache
from directory.models import Category, ListingKind, Outcome, PriceUnit
from directory.search import (
    CHECK_FILTERS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RADIUS_KM,
    MAX_PAGE_SIZE,
    MAX_RADIUS_KM,
    ListingQuery,
    SearchPage,
    search,
)
from directory.search_log import log_search
from kith.throttling import AnonThrottle, UserThrottle

# Elasticsearch's default index.max_result_window: it refuses to page deeper.
# The database backend could, but both backends must answer the same way.
MAX_RESULT_WINDOW = 10_000

REPEATABLE_PARAMS = ("outcome", "category", "kind", "checked")
SINGLE_PARAMS = ("q", "postcode", "radius_km", "page", "page_size")
MAX_QUERY_CHARS = 200  # what the search log keeps; longer text is not a search phrase
_SHOW_CHARS = 40  # how much of a bad value an error message repeats back


def _show(value: str) -> str:
    return value if len(value) <= _SHOW_CHARS else value[: _SHOW_CHARS - 1] + "\u2026"


# --- Errors ------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages for people, keyed by the query parameter they are about "
        "(`detail` when they are about the request as a whole).",
    )


def api_exception_handler(exc, context):
    """DRF's handler, with every error body reshaped to {"errors": {field: [messages]}}."""
    if isinstance(exc, TooManyFieldsSent):
        # Django would answer a bare HTML 400 for a query string with over 1,000 fields.
        exc = exceptions.ValidationError({"detail": ["The query has too many parameters."]})
    response = exception_handler(exc, context)
    if response is not None:
        response.data = {"errors": _field_errors(response.data)}
    return response


def _field_errors(data) -> dict[str, list[str]]:
    if isinstance(data, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in data]}
    if isinstance(data, dict):
        return {
            str(field): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for field, messages in data.items()
        }
    return {"detail": [str(data)]}


class JSONOnly(BaseContentNegotiation):
    """The API speaks JSON only: answer it whatever Accept or ?format= asks for.

    DRF would answer a 404 to ``?format=xml`` and a 406 to ``Accept: text/csv``;
    neither helps a client, and ``format`` is not one of our parameters.
    """

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PublicAPIView(APIView):
    throttle_classes = [AnonThrottle, UserThrottle]
    content_negotiation_class = JSONOnly

    def get_exception_handler(self):
        return api_exception_handler


ERROR_RESPONSES = {
    429: OpenApiResponse(
        ErrorSerializer,
        description="Too many requests from this address; try again after `Retry-After` seconds.",
    ),
}


# --- Vocabularies ------------------------------------------------------------


class TermSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="Stable: filter listings with it.")
    name = serializers.CharField(help_text="For people; may be reworded.")


class OutcomeListView(PublicAPIView, generics.ListAPIView):
    """Outcomes a person may want to achieve, in the order to show them."""

    queryset = Outcome.objects.order_by("sort_order", "name")
    serializer_class = TermSerializer
    pagination_class = None

    @extend_schema(
        operation_id="outcomes_list",
        tags=["directory"],
        summary="Outcomes",
        description="The outcomes listings are filed under; use a `slug` as "
        "`/api/v1/listings/?outcome=`.",
        responses={200: TermSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CategoryListView(PublicAPIView, generics.ListAPIView):
    """Kinds of service a budget may buy, in the order to show them."""

    queryset = Category.objects.order_by("sort_order", "name")
    serializer_class = TermSerializer
    pagination_class = None

    @extend_schema(
        operation_id="categories_list",
        tags=["directory"],
        summary="Service categories",
        description="What is bought (gym membership, personal assistant, respite...); "
        "use a `slug` as `/api/v1/listings/?category=`.",
        responses={200: TermSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Listings: what is asked -------------------------------------------------


class SlugListField(serializers.Field):
    """A repeatable query parameter of slugs (?outcome=a&outcome=b), checked against a vocabulary.

    Errors come out as one flat list of messages (DRF's ListField would key
    them by position), to keep the contract's {"field": ["message"]} shape.
    """

    def __init__(self, *, known_slugs, unknown_message: str, **kwargs):
        self.known_slugs = known_slugs
        self.unknown_message = unknown_message
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> tuple[str, ...]:
        slugs = tuple(dict.fromkeys(value.lower() for value in data))
        known = self.known_slugs()
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise serializers.ValidationError(
                [self.unknown_message.format(value=_show(slug)) for slug in unknown[:5]]
            )
        return slugs

    def to_representation(self, value):
        return list(value)


def _outcome_slugs():
    # From memory, not a query per request: see directory/vocab_cache.py.
    return vocab_cache.outcome_slugs()


def _category_slugs():
    return vocab_cache.category_slugs()


def _kind_slugs():
    return ListingKind.values


class ListingSearchParamsSerializer(serializers.Serializer):
    """The query parameters of GET /api/v1/listings/, checked against the vocabularies."""

    q = serializers.CharField(required=False, default="", max_length=MAX_QUERY_CHARS)
    outcome = SlugListField(
        known_slugs=_outcome_slugs,
        unknown_message="'{value}' is not an outcome. GET /api/v1/outcomes/ lists them.",
        required=False,
        default=(),
    )
    category = SlugListField(
        known_slugs=_category_slugs,
        unknown_message="'{value}' is not a category. GET /api/v1/categories/ lists them.",
        required=False,
        default=(),
    )
    kind = SlugListField(
        known_slugs=_kind_slugs,
        unknown_message="'{value}' is not a kind of listing. Choose from "
        + ", ".join(ListingKind.values)
        + ".",
        required=False,
        default=(),
    )
    checked = SlugListField(
        known_slugs=lambda: CHECK_FILTERS,
        unknown_message="'{value}' is not a check. Choose from " + ", ".join(CHECK_FILTERS) + ".",
        required=False,
        default=(),
    )
    postcode = serializers.CharField(required=False, default=None)
    radius_km = serializers.FloatField(required=False, default=DEFAULT_RADIUS_KM)
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    page_size = serializers.IntegerField(
        required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE
    )

    @classmethod
    def from_query_params(cls, params) -> ListingSearchParamsSerializer:
        """Read a QueryDict: empty values count as absent, as an unfilled form field sends them.

        A single-valued parameter given twice takes its last value, as Django's
        ``QueryDict.get`` does.
        """
        data = {}
        for name in REPEATABLE_PARAMS:
            values = [v.strip() for v in params.getlist(name) if v.strip()]
            if values:
                data[name] = values
        for name in SINGLE_PARAMS:
            values = [v.strip() for v in params.getlist(name) if v.strip()]
            if values:
                data[name] = values[-1]
        return cls(data=data)

    def validate_postcode(self, value: str | None) -> geo.Place | None:
        if value is None:
            return None
        try:
            return geo.locate(value)
        except geo.PostcodeError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_radius_km(self, value: float) -> float:
        if not 0 < value <= MAX_RADIUS_KM:
            raise serializers.ValidationError(
                f"Enter a distance in kilometres greater than 0 and no more than {MAX_RADIUS_KM:g}."
            )
        return value

    def listing_query(self) -> ListingQuery:
        data = self.validated_data
        place = data["postcode"]
        return ListingQuery(
            text=data["q"].strip(),
            outcomes=data["outcome"],
            categories=data["category"],
            kinds=data["kind"],
            checks=data["checked"],
            origin=place.point if place else None,
            radius_km=data["radius_km"],
            page=data["page"],
            page_size=data["page_size"],
        )


# --- Listings: what comes back -----------------------------------------------


class LocationSerializer(serializers.Serializer):
    postcode = serializers.CharField(
        help_text="The full postcode, or only the sector (e.g. `SK4 4`) for a personal "
        "assistant or anyone listing from home."
    )
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class PriceSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="Pounds, with two decimals, e.g. `5.50`.")
    unit = serializers.ChoiceField(choices=PriceUnit.choices)


def price_of(summary) -> dict | None:
    """{"amount": "5.50", "unit": "session"}, or None when there is no usable price.

    An amount without a unit (the listing form refuses one) cannot be compared
    or shown honestly, so it counts as no price.
    """
    amount = summary.price_amount
    if amount is None and summary.price_unit == PriceUnit.FREE:
        amount = 0
    if amount is None or not summary.price_unit:
        return None
    pounds = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"amount": f"{pounds:f}", "unit": summary.price_unit}


class ListingSerializer(serializers.Serializer):
    """One search result, from a ``ListingSummary``."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ListingKind.choices)
    summary = serializers.CharField()
    outcomes = serializers.ListField(child=serializers.SlugField())
    categories = serializers.ListField(child=serializers.SlugField())
    distance_km = serializers.FloatField(
        allow_null=True,
        help_text="From the postcode searched from to the listing's nearest location; "
        "null without a postcode.",
    )
    location = LocationSerializer(
        allow_null=True, help_text="The location nearest the postcode searched from."
    )
    price = serializers.SerializerMethodField()
    places_available = serializers.IntegerField(allow_null=True)
    last_confirmed = serializers.DateField(
        allow_null=True, help_text="When the owner last said these details are right."
    )
    cqc_checked_on = serializers.DateField(
        allow_null=True,
        help_text="When a Kith moderator checked the listing's CQC registration; null if never.",
    )
    insurance_checked_on = serializers.DateField(
        allow_null=True,
        help_text="When a Kith moderator checked the listing's insurance; null if never.",
    )
    insurance_valid_until = serializers.DateField(
        allow_null=True,
        help_text="The last day the checked insurance covers (in the past: expired).",
    )
    url = serializers.SerializerMethodField()

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_price(self, summary):
        return price_of(summary)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, summary):
        return self.context["request"].build_absolute_uri(summary.url_path)

    def to_representation(self, summary) -> dict:
        """The declared fields above, built directly rather than by DRF's field walk.

        The fields stay declared for the OpenAPI schema and the docs. DRF's
        generic walk over them took about 1 ms a page of 20, a large share of
        what the API adds around an Elasticsearch search (benchmarks/search.py);
        this takes about 0.2 ms. ``directory/tests/test_api_representation.py``
        holds it to DRF's own output for the same summaries.
        """
        location = summary.location
        last_confirmed = summary.last_confirmed
        if last_confirmed and not isinstance(last_confirmed, str):
            last_confirmed = last_confirmed.isoformat()
        return {
            "id": int(summary.id),
            "name": str(summary.name),
            "kind": str(summary.kind),
            "summary": str(summary.summary),
            "outcomes": [str(slug) for slug in summary.outcomes],
            "categories": [str(slug) for slug in summary.categories],
            "distance_km": None if summary.distance_km is None else float(summary.distance_km),
            "location": None
            if location is None
            else {
                "postcode": str(location.postcode),
                "lat": float(location.lat),
                "lng": float(location.lng),
            },
            "price": price_of(summary),
            "places_available": None
            if summary.places_available is None
            else int(summary.places_available),
            "last_confirmed": last_confirmed or None,
            "cqc_checked_on": summary.cqc_checked_on or None,
            "insurance_checked_on": summary.insurance_checked_on or None,
            "insurance_valid_until": summary.insurance_valid_until or None,
            "url": self.get_url(summary),
        }


class ListingSearchResultsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Listings matching, on every page.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ListingSerializer(many=True)


def _page_url(request, page_number: int) -> str:
    params = request.query_params.copy()
    params["page"] = str(page_number)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _page_past_the_end(page: int, num_pages: int) -> exceptions.NotFound:
    return exceptions.NotFound(
        {"page": [f"There is no page {_show(str(page))}: the last page is {num_pages}."]}
    )


def search_page(query: ListingQuery) -> SearchPage:
    """Search; a page past the end is a 404, a page beyond the result window a 400."""
    if query.offset + query.page_size > MAX_RESULT_WINDOW:
        total = search(replace(query, page=1, page_size=1)).count
        if query.offset >= total:
            num_pages = max(1, math.ceil(total / query.page_size))
            raise _page_past_the_end(query.page, num_pages)
        raise exceptions.ValidationError(
            {
                "page": [
                    f"Only the first {MAX_RESULT_WINDOW:,} results can be paged through: "
                    "add a postcode or filters to narrow the search."
                ]
            }
        )
    page = search(query)
    if query.page > page.num_pages:
        raise _page_past_the_end(query.page, page.num_pages)
    return page


# The postcode rules, stated in the OpenAPI schema for every postcode the API takes.
# "uk-postcode" is Kith's own format: a postcode of the shape ``pattern`` that the
# offline postcode data can place (Great Britain; not BT, GY, JE or IM).
POSTCODE_RULES = (
    "Any case, spaces optional (`sk13xe`). It must be in England, Scotland or Wales and "
    "known to our postcode data (Ordnance Survey Code-Point Open); anything else answers 400 "
    "with a message saying why."
)
POSTCODE_SCHEMA = {
    "type": "string",
    "format": "uk-postcode",
    # Empty (or only spaces) means no postcode: search anywhere.
    "pattern": r"^\s*$|" + geo.POSTCODE_PATTERN,
    "example": "SK1 3XE",
}
RADIUS_SCHEMA = {
    "type": "number",
    "minimum": 0,
    "exclusiveMinimum": True,
    "maximum": MAX_RADIUS_KM,
    "default": DEFAULT_RADIUS_KM,
}

KIND_DESCRIPTION = "; ".join(f"`{kind.value}`: {kind.label.lower()}" for kind in ListingKind)

LISTING_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_CHARS, "pattern": r"^[^\x00]*$"},
        description="Words to look for in the name, summary, description and taxonomy "
        f"(up to {MAX_QUERY_CHARS} characters). With text, results are ordered by relevance "
        "blended with distance.",
    ),
    OpenApiParameter(
        "outcome",
        str,
        many=True,
        explode=True,
        enum=[slug for slug, _ in taxonomy.OUTCOMES],
        description="Outcome slug (see /api/v1/outcomes/); repeat for any of several.",
    ),
    OpenApiParameter(
        "category",
        str,
        many=True,
        explode=True,
        enum=[slug for slug, _ in taxonomy.CATEGORIES],
        description="Category slug (see /api/v1/categories/); repeat for any of several.",
    ),
    OpenApiParameter(
        "kind",
        str,
        many=True,
        explode=True,
        enum=ListingKind.values,
        description=f"Kind of listing; repeat for any of several. {KIND_DESCRIPTION}.",
    ),
    OpenApiParameter(
        "checked",
        str,
        many=True,
        explode=True,
        enum=list(CHECK_FILTERS),
        description="Only listings with these checks verified by a Kith moderator; repeat for "
        "all of several. `cqc`: CQC registration checked; `insurance`: insurance checked and "
        "still in date.",
    ),
    OpenApiParameter(
        "postcode",
        POSTCODE_SCHEMA,
        description="A UK postcode (`SK1 3XE`), sector (`SK1 3`) or outward code (`SK1`) to "
        f"search around. {POSTCODE_RULES} Results then carry `distance_km`, none lies beyond "
        "`radius_km`, and without `q` they come nearest first.",
        examples=[OpenApiExample("Stockport", value="SK1 3XE")],
    ),
    OpenApiParameter(
        "radius_km",
        RADIUS_SCHEMA,
        description=f"How far from `postcode` to look, in km (default {DEFAULT_RADIUS_KM:g}, "
        "about 10 miles). Ignored without a postcode.",
    ),
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "default": 1},
        description="Page number; a page past the last answers 404.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
        description="Results a page.",
    ),
]


class ListingSearchView(PublicAPIView):
    """Search the directory's live listings."""

    @extend_schema(
        operation_id="listings_search",
        tags=["directory"],
        summary="Search listings",
        description="Live (moderator-approved) listings, filtered by outcome, category and kind "
        "(any of the values given for one parameter, all of the parameters given) and by "
        "distance from a postcode. A personal assistant's location is only ever their "
        "postcode sector.",
        parameters=LISTING_PARAMETERS,
        responses={
            200: ListingSearchResultsSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="A parameter is not valid: an unknown slug, a postcode we cannot "
                "place, a radius or page size out of range, a page that is not a number.",
                examples=[
                    OpenApiExample(
                        "Unknown outcome",
                        value={
                            "errors": {
                                "outcome": [
                                    "'fitness' is not an outcome. GET /api/v1/outcomes/ lists them."
                                ]
                            }
                        },
                    )
                ],
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="A page past the last one.",
                examples=[
                    OpenApiExample(
                        "Page past the end",
                        value={"errors": {"page": ["There is no page 9: the last page is 2."]}},
                    )
                ],
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        params = ListingSearchParamsSerializer.from_query_params(request.query_params)
        params.is_valid(raise_exception=True)
        query = params.listing_query()
        page = search_page(query)
        if query.page == 1:
            # Paging through results is one search, not several, for demand reports.
            place = params.validated_data["postcode"]
            log_search(
                query,
                page,
                source="api",
                origin_outward=place.outward if place else "",
                user=request.user,
            )
        results = ListingSearchResultsSerializer(
            {
                "count": page.count,
                "next": _page_url(request, page.page + 1) if page.has_next else None,
                "previous": _page_url(request, page.page - 1) if page.has_previous else None,
                "results": page.results,
            },
            context={"request": request},
        )
        return Response(results.data)
