"""The ORUK 3.0 API (/oruk/): every response validated against the shipped ORUK schemas."""

import math
from datetime import date

import pytest
from django.db import transaction
from django.test import TestCase

from directory.factories import make_listing
from directory.models import Category, ListingLocation, Outcome
from directory.oruk import ids
from directory.oruk.ids import Kind
from directory.oruk.schemas import errors_for

pytestmark = pytest.mark.django_db

POOLS = "Grand Central Pools"
PA = "Amina Hussain"
ART_CLUB = "Offerton Art Club"
SAILING = "Liverpool Waterfront Sailing"
DRAFT = "Draft Drama Group"


@pytest.fixture(scope="module")
def listings(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            made = {
                POOLS: make_listing(
                    "provider",
                    POOLS,
                    "SK1 3TA",
                    summary="Lane swimming and a gym in Stockport town centre.",
                    description="<p>Not HTML: shown as typed.</p>\n\nStep-free entrance.",
                    outcomes=["physical-health"],
                    categories=["swimming", "gym-membership"],
                    price="5.50",
                    price_unit="session",
                    last_confirmed=date(2026, 3, 14),
                    contact_name="Front desk",
                    contact_phone="0161 474 4444",
                    contact_email="pools@example.org",
                    website="https://pools.example.org/",
                    organisation_name="Stockport Leisure Trust",
                ),
                PA: make_listing(
                    "pa",
                    PA,
                    "SK4 4NB",
                    summary="Experienced PA: shopping, cooking and getting out and about.",
                    outcomes=["independent-living", "social-inclusion"],
                    categories=["personal-assistant"],
                    price="14.50",
                    price_unit="hour",
                ),
                ART_CLUB: make_listing(
                    "club",
                    ART_CLUB,
                    ["SK2 6PL", "SK1 3XE"],
                    summary="A friendly painting and drawing group, Tuesdays.",
                    outcomes=["mental-wellbeing"],
                    categories=["arts"],
                    price_unit="free",
                ),
                SAILING: make_listing(
                    "club",
                    SAILING,
                    "L1 8JQ",
                    summary="Sailing for everyone on the Mersey.",
                    categories=["sports-activities"],
                ),
                DRAFT: make_listing("club", DRAFT, "SK1 3XE", publish=False),
            }
            ListingLocation.objects.filter(listing=made[POOLS]).update(
                address="Mersey Way, Stockport"
            )
        yield made
        transaction.set_rollback(True)


def get_valid(client, url, schema, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    data = response.json()
    if status == 200:
        assert errors_for(schema, data) == [], data
        if "contents" in data:
            assert data["size"] == len(data["contents"])
            assert data["total_pages"] == math.ceil(
                data["total_items"] / int(params.get("per_page", 50))
            )
            assert data["empty"] == (not data["contents"])
            assert data["first_page"] == (data["page_number"] == 1)
            assert data["last_page"] == (data["page_number"] >= data["total_pages"])
            assert_no_empty_values(data)
    return data


def assert_no_empty_values(value, where="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("contents",) or isinstance(item, bool):
                if key == "contents":
                    assert_no_empty_values(item, f"{where}.{key}")
                continue
            assert item not in ("", None, [], {}), f"{where}.{key} is empty"
            assert_no_empty_values(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_no_empty_values(item, f"{where}[{i}]")


def names(data):
    return [item.get("name") or item["service"]["name"] for item in data["contents"]]


def test_api_details(client):
    data = get_valid(client, "/oruk/", "api_details")
    assert data["openapi_url"] == "http://testserver/oruk/openapi.json"
    spec = client.get("/oruk/openapi.json").json()
    assert "/services" in spec["paths"]
    assert spec["servers"] == [{"url": "http://testserver/oruk"}]


def test_services_lists_live_listings_only(client, listings):
    data = get_valid(client, "/oruk/services", "service_list")
    assert names(data) == sorted([POOLS, PA, ART_CLUB, SAILING])
    assert data["total_items"] == 4


@pytest.mark.parametrize("per_page", [1, 3, 4, 10])
def test_pagination_maths(client, listings, per_page):
    seen = []
    pages = math.ceil(4 / per_page)
    for page in range(1, pages + 2):
        data = get_valid(client, "/oruk/services", "service_list", page=page, per_page=per_page)
        assert data["total_items"] == 4 and data["page_number"] == page
        seen += names(data)
    assert sorted(seen) == sorted([POOLS, PA, ART_CLUB, SAILING])
    assert data["empty"] and data["last_page"]  # one page past the last: empty, not an error


def test_full_service_is_nested_and_valid(client, listings):
    pools = listings[POOLS]
    data = get_valid(client, f"/oruk/services/{ids.make(Kind.SERVICE, pools.pk)}", "service")
    assert data["name"] == POOLS
    assert data["organization"]["name"] == "Stockport Leisure Trust"
    assert data["assured_date"] == "2026-03-14"
    assert data["fees"] == "£5.50 a session"
    assert data["cost_options"][0]["amount"] == 5.5
    assert data["contacts"][0]["phones"][0]["number"] == "0161 474 4444"
    [sal] = data["service_at_locations"]
    [address] = sal["location"]["addresses"]
    assert address["postal_code"] == "SK1 3TA" and address["address_1"] == "Mersey Way"
    terms = {a["taxonomy_term"]["term"] for a in data["attributes"]}
    assert terms == {"physical-health", "swimming", "gym-membership", "provider"}
    assert_no_empty_values(data)


def test_pa_shows_only_a_postcode_sector(client, listings):
    pa = listings[PA]
    data = get_valid(client, f"/oruk/services/{ids.make(Kind.SERVICE, pa.pk)}", "service")
    [sal] = data["service_at_locations"]
    location = sal["location"]
    assert "addresses" not in location
    assert location["external_identifier"] == "SK4 4"
    assert "SK4 4NB" not in str(data)
    sal_list = get_valid(client, "/oruk/service_at_locations", "service_at_location_list")
    assert "SK4 4NB" not in str(sal_list)


def test_unknown_and_draft_ids_are_404(client, listings):
    draft = listings[DRAFT]
    for url in [
        f"/oruk/services/{ids.make(Kind.SERVICE, draft.pk)}",
        "/oruk/services/not-a-uuid",
        f"/oruk/services/{ids.make(Kind.LOCATION, listings[POOLS].pk)}",
        "/oruk/taxonomies/00000000-0000-4000-8000-000000000000",
        "/oruk/taxonomy_terms/nope",
        "/oruk/service_at_locations/nope",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "errors" in response.json()


def test_text_filter(client, listings):
    data = get_valid(client, "/oruk/services", "service_list", text="painting")
    assert names(data) == [ART_CLUB]
    data = get_valid(client, "/oruk/services", "service_list", search="SWIMMING gym")
    assert names(data) == [POOLS]


def test_taxonomy_filters(client, listings):
    arts = Category.objects.get(slug="arts")
    data = get_valid(
        client, "/oruk/services", "service_list", taxonomy_term_id=ids.make(Kind.CATEGORY, arts.pk)
    )
    assert names(data) == [ART_CLUB]
    social = Outcome.objects.get(slug="social-inclusion")
    data = get_valid(
        client,
        "/oruk/services",
        "service_list",
        taxonomy_term_id=ids.make(Kind.OUTCOME, social.pk),
    )
    assert names(data) == [PA]
    terms = get_valid(client, "/oruk/taxonomy_terms", "taxonomy_term_list", per_page=500)
    kind_pa = next(t for t in terms["contents"] if t["term"] == "pa")
    data = get_valid(client, "/oruk/services", "service_list", taxonomy_term_id=kind_pa["id"])
    assert names(data) == [PA]
    outcomes = ids.make(Kind.TAXONOMY, ids.OUTCOMES_TAXONOMY)
    data = get_valid(client, "/oruk/services", "service_list", taxonomy_id=outcomes)
    assert SAILING not in names(data) and len(names(data)) == 3


def test_postcode_and_proximity(client, listings):
    data = get_valid(client, "/oruk/services", "service_list", postcode="SK1 3XE", proximity="5000")
    assert names(data) == [POOLS, ART_CLUB, PA]  # nearest first, Liverpool is too far
    data = get_valid(
        client,
        "/oruk/service_at_locations",
        "service_at_location_list",
        postcode="SK1 3XE",
        proximity="2000",
    )
    # SK1 3TA and SK1 3XE share a sector centroid: the tie falls to the older location.
    assert [c["service"]["name"] for c in data["contents"]] == [POOLS, ART_CLUB, ART_CLUB]


def test_modified_after(client, listings):
    data = get_valid(
        client, "/oruk/services", "service_list", modified_after="2000-01-01T00:00:00Z"
    )
    assert data["total_items"] == 4
    data = get_valid(client, "/oruk/services", "service_list", modified_after="2999-01-01")
    assert data["total_items"] == 0 and data["total_pages"] == 0 and data["empty"]


def test_full_list(client, listings):
    data = get_valid(client, "/oruk/services", "service_list", full="true")
    assert all("attributes" in item for item in data["contents"])
    for item in data["contents"]:
        assert errors_for("service", item) == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "100000"}, "per_page"),
        ({"postcode": "ZZ99 9ZZ"}, "postcode"),
        ({"postcode": "SK1 3XE", "proximity": "-5"}, "proximity"),
        ({"postcode": "SK1 3XE", "proximity": "far"}, "proximity"),
        ({"proximity": "500"}, "proximity"),
        ({"modified_after": "last tuesday"}, "modified_after"),
        ({"taxonomy_term_id": "3f7b145d-84af-42d7-8fae-eaca714b02b2"}, "taxonomy_term_id"),
        ({"taxonomy_id": "nope"}, "taxonomy_id"),
        ({"organization_id": "nope"}, "organization_id"),
        ({"full": "perhaps"}, "full"),
        ({"format": "ndjson"}, "format"),
    ],
)
def test_bad_parameters_are_400(client, listings, params, field):
    response = client.get("/oruk/services", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_taxonomies(client, listings):
    data = get_valid(client, "/oruk/taxonomies", "taxonomy_list")
    assert [t["name"] for t in data["contents"]] == [
        "Kith outcomes",
        "Kith service categories",
        "Kith kinds of listing",
    ]
    for taxonomy in data["contents"]:
        full = get_valid(client, f"/oruk/taxonomies/{taxonomy['id']}", "taxonomy")
        assert full["taxonomy_terms"]
        for term in full["taxonomy_terms"]:
            assert errors_for("taxonomy_term", term) == []
    terms = get_valid(client, "/oruk/taxonomy_terms", "taxonomy_term_list", per_page=10)
    assert terms["total_items"] == Outcome.objects.count() + Category.objects.count() + 5
    one = get_valid(client, f"/oruk/taxonomy_terms/{terms['contents'][0]['id']}", "taxonomy_term")
    assert one == terms["contents"][0]
    swim = get_valid(client, "/oruk/taxonomy_terms", "taxonomy_term_list", text="swim")
    assert [t["term"] for t in swim["contents"]] == ["swimming"]


def test_service_at_locations(client, listings):
    data = get_valid(client, "/oruk/service_at_locations", "service_at_location_list")
    assert data["total_items"] == 5  # the art club has two places
    first = data["contents"][0]
    detail = get_valid(client, f"/oruk/service_at_locations/{first['id']}", "service_at_location")
    assert detail["id"] == first["id"]
