"""The public JSON API (/api/v1/), as a client of the contract in shared/DESIGN.md sees it.

The listings are built once for the module around Stockport and rolled back
after it: publishing a Wagtail page costs ~0.1 s, and every test here only reads.
"""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import TestCase
from drf_spectacular.validation import validate_schema
from rest_framework.throttling import AnonRateThrottle

from directory.factories import make_listing
from directory.models import SearchLog
from directory.search import SearchPage
from directory.search.query import ListingLocationSummary, ListingSummary

pytestmark = pytest.mark.django_db

LISTINGS = "/api/v1/listings/"
ORIGIN = "SK1 3XE"  # Stockport town centre

# The contract slugs of shared/domain/VOCABULARY.md, in the order it gives them.
OUTCOME_SLUGS = [
    "physical-health",
    "mental-wellbeing",
    "recovery",
    "staying-well",
    "social-inclusion",
    "confidence",
    "independent-living",
    "skills-and-learning",
    "employment",
    "family-and-relationships",
    "giving-back",
    "carer-break",
    "getting-around",
]
CATEGORY_SLUGS = [
    "personal-assistant",
    "support-worker",
    "domestic-help",
    "home-improvements",
    "gardening",
    "holiday-short-break",
    "days-out",
    "leisure-activities",
    "social-activities-support",
    "gym-membership",
    "sports-activities",
    "swimming",
    "wellness",
    "arts",
    "music",
    "fishing",
    "education-courses",
    "computing",
    "driving-lessons",
    "transport",
    "cycling",
    "specialist-clothing",
    "membership-fees",
    "childcare",
    "enterprise",
    "peer-support",
    "peer-brokerage",
    "independent-brokerage",
    "advocacy",
    "support-planning",
    "payroll-and-employment-support",
    "respite",
]
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
    # Checks a Kith moderator verified (directory.safety), dates or null.
    "cqc_checked_on",
    "insurance_checked_on",
    "insurance_valid_until",
    "url",
}

POOLS = "Grand Central Pools"
PA = "Amina Hussain"
ART_CLUB = "Offerton Art Club"
ULO = "Manchester Peer Brokerage Network"
HEARING_VOICES = "Tameside Hearing Voices Group"
SAILING = "Liverpool Waterfront Sailing"
LIVE = {POOLS, PA, ART_CLUB, ULO, HEARING_VOICES, SAILING}


@pytest.fixture(scope="module")
def stockport(django_db_setup, django_db_blocker):
    """Live listings around Stockport, plus a draft and a withdrawn one that must never show.

    Distances from SK1 3XE (sector centroids): SK1 3TA 0 km, SK2 6PL 1.1 km,
    SK4 4NB 2.8 km, OL6 7SR 9.9 km, M1 1AE 10.1 km, L1 8JQ 55 km.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            listings = {
                POOLS: make_listing(
                    "provider",
                    POOLS,
                    "SK1 3TA",
                    summary="Lane swimming and a gym in Stockport town centre.",
                    outcomes=["physical-health"],
                    categories=["swimming", "gym-membership"],
                    price="5.50",
                    price_unit="session",
                    places_available=12,
                    last_confirmed=date(2025, 3, 14),
                ),
                PA: make_listing(
                    "pa",
                    PA,
                    "SK4 4NB",
                    summary="Experienced PA: shopping, cooking and getting out and about.",
                    outcomes=["independent-living", "social-inclusion"],
                    categories=["personal-assistant", "social-activities-support"],
                    price="14.50",
                    price_unit="hour",
                    places_available=1,
                ),
                ART_CLUB: make_listing(
                    "club",
                    ART_CLUB,
                    "SK2 6PL",
                    summary="A friendly painting and drawing group, Tuesdays.",
                    outcomes=["mental-wellbeing", "social-inclusion"],
                    categories=["arts"],
                    price="3.00",
                    price_unit="session",
                ),
                ULO: make_listing(
                    "ulo",
                    ULO,
                    "M1 1AE",
                    summary="Disabled people helping each other plan and arrange support.",
                    outcomes=["independent-living", "employment"],
                    categories=["peer-brokerage", "support-planning"],
                    price_unit="free",
                ),
                HEARING_VOICES: make_listing(
                    "peer_group",
                    HEARING_VOICES,
                    "OL6 7SR",
                    summary="A peer support group for people who hear voices.",
                    outcomes=["recovery", "mental-wellbeing"],
                    categories=["peer-support"],
                    price_unit="free",
                ),
                SAILING: make_listing(
                    "provider",
                    SAILING,
                    "L1 8JQ",
                    summary="Adapted sailing on the Mersey.",
                    outcomes=["physical-health", "confidence"],
                    categories=["sports-activities"],
                    price="25.00",
                    price_unit="session",
                ),
            }
            make_listing(
                "provider",
                "Hazel Grove Boxing Gym",
                "SK7 5BX",
                outcomes=["physical-health"],
                categories=["gym-membership"],
                publish=False,
            )
            withdrawn = make_listing(
                "club",
                "Reddish Walking Football",
                "SK2 6PL",
                outcomes=["physical-health", "social-inclusion"],
                categories=["sports-activities"],
            )
            withdrawn.unpublish()
        yield listings
        transaction.set_rollback(True)


def get(client, **params):
    response = client.get(LISTINGS, params)
    assert response["Content-Type"] == "application/json"
    return response


def names(response) -> list[str]:
    return [result["name"] for result in response.json()["results"]]


# --- Filtering ---------------------------------------------------------------


def test_every_live_listing_is_listed_and_drafts_and_withdrawn_ones_are_not(client, stockport):
    response = get(client)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(LIVE)
    assert set(names(response)) == LIVE
    assert all(result["distance_km"] is None for result in body["results"])
    assert "Hazel Grove Boxing Gym" not in response.content.decode()
    assert "Reddish Walking Football" not in response.content.decode()


def test_a_result_has_exactly_the_contract_fields(client, stockport):
    response = get(client, q="swimming", postcode=ORIGIN)
    [pools] = response.json()["results"]
    assert set(pools) == RESULT_KEYS
    assert pools == {
        "id": stockport[POOLS].pk,
        "name": POOLS,
        "kind": "provider",
        "summary": "Lane swimming and a gym in Stockport town centre.",
        "outcomes": ["physical-health"],
        "categories": ["gym-membership", "swimming"],  # vocabulary order
        "distance_km": 0.0,
        "location": {
            "postcode": "SK1 3TA",
            "lat": pools["location"]["lat"],
            "lng": pools["location"]["lng"],
        },
        "price": {"amount": "5.50", "unit": "session"},
        "places_available": 12,
        "last_confirmed": "2025-03-14",
        "cqc_checked_on": None,
        "insurance_checked_on": None,
        "insurance_valid_until": None,
        "url": "http://testserver/directory/grand-central-pools/",
    }
    assert pools["location"]["lat"] == pytest.approx(53.405, abs=0.01)
    assert pools["location"]["lng"] == pytest.approx(-2.155, abs=0.01)


def test_free_listings_show_a_zero_price_and_unpriced_ones_null(client, stockport):
    results = {r["name"]: r for r in get(client).json()["results"]}
    assert results[ULO]["price"] == {"amount": "0.00", "unit": "free"}
    assert results[PA]["price"] == {"amount": "14.50", "unit": "hour"}
    assert results[ART_CLUB]["price"] == {"amount": "3.00", "unit": "session"}


def test_filter_by_outcome(client, stockport):
    assert set(names(get(client, outcome="physical-health"))) == {POOLS, SAILING}


def test_filter_by_category(client, stockport):
    assert set(names(get(client, category="peer-brokerage"))) == {ULO}


def test_filter_by_kind(client, stockport):
    assert names(get(client, kind="pa")) == [PA]
    assert set(names(get(client, kind=["club", "peer_group"]))) == {ART_CLUB, HEARING_VOICES}


def test_values_of_one_filter_are_ored_and_filters_are_anded(client, stockport):
    either = get(client, outcome=["physical-health", "recovery"])
    assert set(names(either)) == {POOLS, SAILING, HEARING_VOICES}
    both = get(client, outcome=["physical-health", "recovery"], category="peer-support")
    assert names(both) == [HEARING_VOICES]
    three = get(client, outcome="social-inclusion", kind=["pa", "provider"], category="arts")
    assert three.json()["count"] == 0


def test_slugs_are_matched_whatever_their_case(client, stockport):
    assert names(get(client, kind="PA", outcome="Independent-Living")) == [PA]


def test_text_search(client, stockport):
    assert names(get(client, q="hear voices")) == [HEARING_VOICES]


# --- Distance ----------------------------------------------------------------


def test_with_a_postcode_results_are_nearest_first_within_the_default_16_km(client, stockport):
    response = get(client, postcode=ORIGIN)
    assert names(response) == [POOLS, ART_CLUB, PA, HEARING_VOICES, ULO]
    distances = [r["distance_km"] for r in response.json()["results"]]
    assert distances == sorted(distances)
    assert all(d <= 16 for d in distances)


def test_distances_are_plausible(client, stockport):
    results = {r["name"]: r["distance_km"] for r in get(client, postcode=ORIGIN).json()["results"]}
    assert results[POOLS] == 0.0  # the same postcode sector
    assert results[ART_CLUB] == pytest.approx(1.1, abs=0.3)
    assert results[PA] == pytest.approx(2.8, abs=0.3)
    assert results[ULO] == pytest.approx(10.1, abs=0.3)  # Stockport to Manchester Piccadilly


def test_radius_limits_the_results(client, stockport):
    assert names(get(client, postcode=ORIGIN, radius_km="5")) == [POOLS, ART_CLUB, PA]
    assert names(get(client, postcode=ORIGIN, radius_km="0.5")) == [POOLS]
    wide = get(client, postcode=ORIGIN, radius_km="200")
    assert names(wide)[-1] == SAILING
    assert wide.json()["results"][-1]["distance_km"] == pytest.approx(55, abs=2)


def test_an_outward_code_or_a_sector_works_as_a_postcode(client, stockport):
    assert names(get(client, postcode="sk1 3", radius_km=1)) == [POOLS]
    assert POOLS in names(get(client, postcode="SK1"))


def test_a_personal_assistant_is_only_ever_placed_by_postcode_sector(client, stockport):
    for params in [{}, {"kind": "pa"}, {"postcode": ORIGIN}, {"q": "Amina"}]:
        response = get(client, **params)
        [pa] = [r for r in response.json()["results"] if r["kind"] == "pa"]
        assert pa["location"]["postcode"] == "SK4 4"
        assert "4NB" not in response.content.decode()


# --- Pages -------------------------------------------------------------------


def test_pages_link_to_each_other_with_absolute_urls_keeping_the_query(client, stockport):
    first = get(client, outcome=["physical-health", "social-inclusion"], page_size=2).json()
    assert first["count"] == 4 and first["previous"] is None
    next_url = urlsplit(first["next"])
    assert (next_url.scheme, next_url.netloc, next_url.path) == ("http", "testserver", LISTINGS)
    assert parse_qs(next_url.query) == {
        "outcome": ["physical-health", "social-inclusion"],
        "page_size": ["2"],
        "page": ["2"],
    }
    second = client.get(first["next"]).json()
    assert second["next"] is None
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    seen = [r["name"] for r in first["results"] + second["results"]]
    assert sorted(seen) == sorted({POOLS, SAILING, PA, ART_CLUB})


def test_a_page_past_the_end_is_not_found(client, stockport):
    response = get(client, page_size=2, page=4)
    assert response.status_code == 404
    assert list(response.json()) == ["errors"]
    assert response.json()["errors"]["page"] == ["There is no page 4: the last page is 3."]
    assert get(client, page=10**30).status_code == 404


def test_the_first_page_of_nothing_is_an_empty_page(client, stockport):
    response = get(client, outcome="carer-break")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert get(client, outcome="carer-break", page=2).status_code == 404


def test_pages_beyond_the_result_window_are_refused(client, stockport, monkeypatch):
    monkeypatch.setattr("directory.api.MAX_RESULT_WINDOW", 4)
    response = get(client, page_size=2, page=3)
    assert response.status_code == 400
    assert "Only the first 4 results" in response.json()["errors"]["page"][0]
    assert get(client, page_size=2, page=5).status_code == 404


# --- Bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"outcome": "fitness"}, "outcome", "'fitness' is not an outcome."),
        ({"outcome": ["physical-health", "gym"]}, "outcome", "'gym' is not an outcome."),
        ({"category": "gym"}, "category", "'gym' is not a category."),
        ({"kind": "charity"}, "kind", "'charity' is not a kind of listing."),
        ({"postcode": "NOT A POSTCODE"}, "postcode", "is not a UK postcode"),
        ({"postcode": "BT1 1AA"}, "postcode", "not Northern Ireland"),
        ({"postcode": "ZZ9 9ZZ"}, "postcode", "We could not find the postcode 'ZZ9 9ZZ'"),
        ({"postcode": "SK1\x003XE"}, "postcode", ""),
        ({"radius_km": "0"}, "radius_km", "greater than 0 and no more than 200"),
        ({"radius_km": "-5"}, "radius_km", "greater than 0"),
        ({"radius_km": "200.01"}, "radius_km", "no more than 200"),
        ({"radius_km": "ten"}, "radius_km", "valid number"),
        ({"radius_km": "nan"}, "radius_km", "valid number"),
        ({"radius_km": "inf"}, "radius_km", "valid number"),
        ({"radius_km": "-Infinity"}, "radius_km", "valid number"),
        ({"radius_km": "1e400"}, "radius_km", "valid number"),
        ({"radius_km": "9" * 5000}, "radius_km", ""),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page": "-1"}, "page", "greater than or equal to 1"),
        ({"page": "two"}, "page", "valid integer"),
        ({"page": "1.5"}, "page", "valid integer"),
        ({"page_size": "0"}, "page_size", "greater than or equal to 1"),
        ({"page_size": "101"}, "page_size", "less than or equal to 100"),
        ({"page_size": str(10**30)}, "page_size", "less than or equal to 100"),
        ({"page_size": "ten"}, "page_size", "valid integer"),
        ({"q": "gym " * 51}, "q", "no more than 200 characters"),
        ({"q": "gym\x00"}, "q", "Null characters"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, stockport, params, field, message):
    response = get(client, **params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["errors"] and list(body["errors"]) == [field]
    messages = body["errors"][field]
    assert messages and all(isinstance(m, str) for m in messages)
    assert message in messages[0]


def test_every_bad_parameter_is_reported_at_once(client, stockport):
    response = get(client, outcome="fitness", postcode="nowhere", radius_km="far", page="x")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"outcome", "postcode", "radius_km", "page"}


def test_empty_values_count_as_absent(client, stockport):
    response = get(client, q="", postcode="", radius_km="", page="", page_size=" ", outcome="")
    assert response.status_code == 200
    assert response.json()["count"] == len(LIVE)


@pytest.mark.parametrize(
    "query",
    [
        "page=2&page=1",  # a repeated single parameter takes the last value
        "postcode=SK1+3XE&postcode=",
        "q=caf%C3%A9+%E2%98%95&postcode=%EF%BC%B3%EF%BC%AB%EF%BC%91",  # full-width "ＳＫ１"
        "q=%FF%FE&outcome=physical-health",  # not UTF-8
        "kind=pa&kind=pa&kind=PA",
        "radius_km=1_0&postcode=SK1",
        "format=xml",
        "unknown=1&page_size=100",
    ],
)
def test_odd_but_harmless_queries_answer_200(client, stockport, query):
    response = client.get(f"{LISTINGS}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_a_query_with_too_many_parameters_is_a_400(client, stockport):
    response = client.get(LISTINGS + "?" + "&".join(f"p{i}=1" for i in range(1500)))
    assert response.status_code == 400
    assert response.json() == {"errors": {"detail": ["The query has too many parameters."]}}


def test_json_is_the_only_answer_whatever_is_asked_for(client, stockport):
    response = client.get(LISTINGS, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_only_get_is_allowed(client, stockport):
    response = client.post(LISTINGS, {})
    assert response.status_code == 405
    assert list(response.json()["errors"]) == ["detail"]


# --- Where results come from, and what is logged -----------------------------


def test_results_come_from_search_summaries_not_from_pages(client, stockport, monkeypatch):
    """So the Elasticsearch backend can answer without the page tables."""

    class OneResult:
        name = "stub"

        def search(self, query):
            summary = ListingSummary(
                id=999_999,
                name="Only in the search index",
                kind="club",
                summary="Not a page in the database.",
                url_path="/directory/only-in-the-index/",
                outcomes=["social-inclusion"],
                price_amount=Decimal("2.5"),
                price_unit="session",
                location=ListingLocationSummary("SK1 3", 53.4, -2.15),
                distance_km=1.234,
            )
            return SearchPage(count=1, results=[summary], page=1, page_size=20, backend="stub")

    monkeypatch.setattr("directory.search.get_backend", OneResult)
    [result] = get(client, postcode=ORIGIN).json()["results"]
    assert result["id"] == 999_999
    assert result["price"] == {"amount": "2.50", "unit": "session"}
    assert result["distance_km"] == 1.234
    assert result["url"] == "http://testserver/directory/only-in-the-index/"


def test_a_search_is_logged_without_who_made_it(client, stockport, user_factory):
    user = user_factory(email="practitioner@stockport.gov.uk", roles=["practitioner"])
    client.force_login(user)
    SearchLog.objects.all().delete()
    get(client, q="swim", outcome="physical-health", kind="provider", postcode="sk1 3xe")
    [log] = SearchLog.objects.all()
    assert log.source == "api"
    assert log.query_text == "swim"
    assert log.outcomes == "physical-health"
    assert log.kinds == "provider"
    assert log.origin_outward == "SK1"
    assert log.radius_km == 16.0
    assert log.result_count == 1
    fields = {f.name for f in SearchLog._meta.get_fields()}
    assert not any("user" in f or "account" in f or "email" in f for f in fields)
    assert str(user.pk) not in {log.query_text, log.outcomes, log.categories, log.kinds}


def test_paging_through_results_logs_one_search(client, stockport):
    SearchLog.objects.all().delete()
    first = get(client, page_size=2).json()
    client.get(first["next"])
    assert SearchLog.objects.count() == 1


def test_bad_input_is_not_logged(client, stockport):
    SearchLog.objects.all().delete()
    get(client, outcome="fitness")
    assert not SearchLog.objects.exists()


# --- Vocabularies ------------------------------------------------------------


def test_outcomes_are_the_13_contract_slugs_in_order(client):
    response = client.get("/api/v1/outcomes/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert [term["slug"] for term in body] == OUTCOME_SLUGS
    assert all(set(term) == {"slug", "name"} and term["name"] for term in body)
    assert body[0] == {"slug": "physical-health", "name": "Physical health and fitness"}


def test_categories_are_the_32_contract_slugs_in_order(client):
    response = client.get("/api/v1/categories/")
    assert response.status_code == 200
    body = response.json()
    assert [term["slug"] for term in body] == CATEGORY_SLUGS
    assert all(set(term) == {"slug", "name"} and term["name"] for term in body)


# --- Schema and throttling ---------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"path": "/api/v1/schema/?format=json"},
        {"path": "/api/v1/schema/", "HTTP_ACCEPT": "application/json"},
    ],
)
def test_the_openapi_schema_documents_the_directory_endpoints_and_validates(client, request_kwargs):
    response = client.get(**request_kwargs)
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    schema = response.json()
    validate_schema(schema)
    assert {"/api/v1/listings/", "/api/v1/outcomes/", "/api/v1/categories/"} <= set(schema["paths"])
    listings = schema["paths"]["/api/v1/listings/"]["get"]
    params = {p["name"]: p for p in listings["parameters"]}
    assert set(params) == {
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
    assert set(params["kind"]["schema"]["items"]["enum"]) == {
        "pa",
        "provider",
        "club",
        "ulo",
        "peer_group",
    }
    assert set(params["outcome"]["schema"]["items"]["enum"]) == set(OUTCOME_SLUGS)
    assert params["radius_km"]["schema"]["maximum"] == 200
    assert all(p["description"] for p in params.values())
    assert {"200", "400", "404", "429"} <= set(listings["responses"])
    error = listings["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert error == "#/components/schemas/Error"
    listing = schema["components"]["schemas"]["Listing"]
    assert set(listing["properties"]) == RESULT_KEYS


def test_anonymous_clients_are_rate_limited(client, stockport, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [client.get("/api/v1/outcomes/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = get(client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert list(response.json()["errors"]) == ["detail"]


def test_an_anonymous_request_is_counted_once_and_signed_in_ones_per_account(
    client, stockport, monkeypatch, django_user_model
):
    from rest_framework.throttling import UserRateThrottle

    from kith.models import RateLimit

    client.get("/api/v1/outcomes/")
    # One count for the address, none a second time as a "user".
    assert list(RateLimit.objects.values_list("key", "hits")) == [("throttle_anon_127.0.0.1", 1)]

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    user = django_user_model.objects.create_user(email="api@example.org", password="x")
    client.force_login(user)
    statuses = [client.get("/api/v1/outcomes/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
