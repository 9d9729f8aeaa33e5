"""Property tests of the public API against the OpenAPI schema it publishes.

1. Whatever query string a client sends to /api/v1/listings/, it never gets a
   5xx. The parameter names, enums and types come from the schema, so a
   parameter added to the schema is fuzzed without touching this file. Values
   mix what the schema allows with what it does not: known and unknown slugs,
   real and impossible postcodes, huge, negative and non-finite numbers,
   arbitrary unicode, empty and repeated parameters, broken percent-escapes.
2. schemathesis reads /api/v1/schema/ and calls every operation in it through
   Kith's WSGI application: requests the schema allows must be answered (2xx,
   or 404 for a page past the end), requests it forbids must get a 400, and
   every answer must match the schema (status, content type, body). No
   Elasticsearch is needed: without ELASTICSEARCH_URL the database backend searches.
"""

import functools
import json
import re
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from django.core.cache import cache
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from directory import geo
from directory.factories import make_listing
from kith.models import RateLimit
from kith.wsgi import application

pytestmark = pytest.mark.django_db

LISTINGS = "/api/v1/listings/"
RESULT_KEYS = {
    "id",
    "name",
    "kind",
    "summary",
    "outcomes",
    "categories",
    "distance_km",
    "location",
    "price",
    "places_available",
    "last_confirmed",
    "cqc_checked_on",
    "insurance_checked_on",
    "insurance_valid_until",
    "url",
}

POSTCODES = [
    "SK1 3XE",
    "sk13xe",
    " SK4  4nb ",
    "M1 1AE",
    "OL6 7SR",
    "SK1",
    "SK1 3",
    "L1 8JQ",
    "EC1A 1BB",
    "\uff33\uff2b\uff11",  # full-width "SK1"
    "BT1 1AA",  # Northern Ireland: not covered
    "ZZ9 9ZZ",
    "GIR 0AA",
    "SK99 9ZZ",
    "SK1 3XEE",
    "12345",
    "SW1A 1AA; DROP TABLE",
]
NUMBER_WORDS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-0",
    "0.0",
    "1_000",
    "0x10",
    " 5 ",
    "5.",
    ".5",
    "1.0",
    "\u0661\u0660",  # Arabic-Indic "10"
    "9" * 1200,
]
UNKNOWN_NAMES = ["format", "foo", "page[0]", "outcome[]", "Outcome", "radius", ""]


@functools.cache
def listing_parameters() -> dict[str, dict]:
    """The query parameters of GET /api/v1/listings/ in the published schema, by name."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][LISTINGS]["get"]
    return {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}


def junk_text():
    return st.text(max_size=30)


def numbers():
    return st.one_of(
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.sampled_from(NUMBER_WORDS),
    )


def values_for(name: str, schema: dict):
    """Values a client might send for one parameter: valid ones and plausible mistakes."""
    choices = [junk_text(), st.just("")]
    enum = schema.get("items", schema).get("enum")
    if enum:
        known = st.sampled_from(enum)
        choices += [known, known.map(str.upper), known.map(lambda s: s + "s")]
        choices.append(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_", min_size=1, max_size=24))
    if schema.get("type") in ("integer", "number"):
        choices += [numbers(), st.integers(min_value=0, max_value=250).map(str)]
    if name == "postcode":
        choices += [st.sampled_from(POSTCODES)]
    return st.one_of(choices)


@st.composite
def query_strings(draw) -> str:
    parameters = listing_parameters()
    names = st.one_of(st.sampled_from(sorted(parameters)), st.sampled_from(UNKNOWN_NAMES))
    pairs = []
    for name in draw(st.lists(names, max_size=6)):
        schema = parameters.get(name, {"type": "string"})
        pairs.append((name, draw(values_for(name, schema))))
    query = urlencode(pairs, quote_via=quote)
    if draw(st.integers(0, 9)) == 0:
        # Raw bytes a browser would never send: broken escapes, invalid UTF-8, NULs.
        query += draw(st.sampled_from(["&", "&&=", "%", "%ZZ", "%FF%FE", "%00", "=x", "&page"]))
    return query


@pytest.fixture
def listings(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_listing(
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="5.50",
            price_unit="session",
        )
        make_listing(
            "pa",
            "Amina Hussain",
            "SK4 4NB",
            outcomes=["independent-living"],
            categories=["personal-assistant"],
            price="14.50",
            price_unit="hour",
        )
        make_listing(
            "peer_group",
            "Tameside Hearing Voices Group",
            "OL6 7SR",
            outcomes=["recovery"],
            categories=["peer-support"],
            price_unit="free",
        )


def assert_error_shape(body: dict):
    assert list(body) == ["errors"], body
    errors = body["errors"]
    assert errors and isinstance(errors, dict), body
    for field, messages in errors.items():
        assert field in listing_parameters() or field == "detail", body
        assert messages and all(isinstance(m, str) and m for m in messages), body


# The fixtures only create data the examples read, so sharing them across
# examples is safe; the cache and the rate-limit counts are cleared per example.
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=query_strings())
def test_any_query_string_answers_200_400_or_404_never_5xx(listings, query):
    cache.clear()
    RateLimit.objects.all().delete()
    response = Client().get(f"{LISTINGS}?{query}")
    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: is 200 reached?
    assert response.status_code in (200, 400, 404), (query, response.status_code)
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    if response.status_code == 200:
        assert set(body) == {"count", "next", "previous", "results"}
        assert 0 <= len(body["results"]) <= min(body["count"], 100)
        for result in body["results"]:
            assert set(result) == RESULT_KEYS
            assert result["distance_km"] is None or 0 <= result["distance_km"] <= 200
            if result["kind"] == "pa":
                assert result["location"]["postcode"] == "SK4 4"
    else:
        assert_error_shape(body)


def test_the_fuzzed_parameters_are_the_documented_ones():
    """Guards the property above against fuzzing nothing if the schema lost its parameters."""
    assert set(listing_parameters()) == {
        "q",
        "outcome",
        "category",
        "kind",
        "checked",
        "postcode",
        "radius_km",
        "page",
        "page_size",
    }


# --- schemathesis: every operation in /api/v1/schema/ --------------------------

API_SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
GREATER_MANCHESTER = re.compile(r"(M|SK|OL|BL|WN)[0-9]")


@functools.cache
def greater_manchester_places() -> list[str]:
    """Outward codes and sectors in Greater Manchester that the postcode data knows."""
    outwards = sorted(o for o in geo.outcodes() if GREATER_MANCHESTER.match(o))
    sectors = sorted(s for s in geo.sectors() if s.split()[0] in set(outwards))
    return outwards + sectors


@st.composite
def uk_postcodes(draw) -> str:
    """Kith's "uk-postcode" format: an outward code, sector or full postcode the data
    places, as people type them (any case, with or without the space)."""
    place = draw(st.sampled_from(greater_manchester_places()))
    if " " in place and draw(st.booleans()):
        place += draw(st.text(alphabet="ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2))
        if draw(st.booleans()):
            place = place.replace(" ", "")
    return draw(st.sampled_from([place, place.lower()]))


schemathesis.openapi.format("uk-postcode", uk_postcodes())


@pytest.fixture
def wsgi_keeps_the_test_transaction():
    """Kith's WSGI application closes the database connection around each request, as it
    must in production; the test's data lives in a transaction on that connection, so,
    as Django's test client does, the two signal handlers are disconnected meanwhile."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@API_SCHEMA.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms_to_the_published_schema(
    case, listings, wsgi_keeps_the_test_transaction
):
    RateLimit.objects.all().delete()  # rate limits: no 429 half way through
    case.call_and_validate()


def test_schemathesis_covers_every_operation_in_the_schema():
    """The schema lists the four public operations, so the test above calls all four."""
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in API_SCHEMA.get_all_operations()
    }
    assert operations == {
        ("GET", "/api/v1/listings/"),
        ("GET", "/api/v1/outcomes/"),
        ("GET", "/api/v1/categories/"),
        ("POST", "/api/v1/match/"),
    }
