"""POST /api/v1/match/ per the contract in shared/DESIGN.md."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/match/"


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_the_demo_budget_holders_three_goals_get_local_options_with_reasons(
    client, stockport_listings
):
    body = {
        "postcode": "SK1 3XE",
        "radius_km": 16,
        "goals": [
            {
                "text": "I'd like to go swimming again and meet people",
                "budget": {"amount": "300.00", "period": "year"},
            },
            {"text": "help with cleaning twice a week"},
            {"text": "a few days away at the seaside with my sister"},
        ],
    }
    response = post(client, body)
    assert response.status_code == 200, response.content
    goals = response.json()["goals"]
    assert [g["text"] for g in goals] == [g["text"] for g in body["goals"]]
    swim, cleaning, seaside = goals
    assert "physical-health" in swim["outcomes"] and "social-inclusion" in swim["outcomes"]
    assert cleaning["outcomes"] == ["independent-living"]
    for goal in goals:
        assert 1 <= len(goal["suggestions"]) <= 10
        scores = [s["score"] for s in goal["suggestions"]]
        assert all(0 <= score <= 1 for score in scores)
        for suggestion in goal["suggestions"]:
            listing = suggestion["listing"]
            assert suggestion["reasons"], listing["name"]
            assert listing["distance_km"] is None or listing["distance_km"] <= 16
            assert set(listing) >= {"id", "name", "kind", "summary", "price", "url", "location"}
    swim_names = [s["listing"]["name"] for s in swim["suggestions"]]
    assert "Grand Central Pools" in swim_names[:4]
    assert "Heatons Home Help" in [s["listing"]["name"] for s in cleaning["suggestions"]][:3]


def test_given_outcomes_are_used_as_they_are(client, stockport_listings):
    response = post(
        client,
        {
            "postcode": "SK1 3XE",
            "goals": [{"text": "something for me", "outcomes": ["physical-health"]}],
        },
    )
    assert response.status_code == 200
    goal = response.json()["goals"][0]
    assert goal["outcomes"] == ["physical-health"]
    assert goal["suggestions"]


def test_preferences_and_budget_shape_the_reasons(client, stockport_listings):
    response = post(
        client,
        {
            "postcode": "SK1 3XE",
            "goals": [
                {
                    "text": "help with housework",
                    "budget": {"amount": "20", "period": "week"},
                    "preferences": {"languages": ["ur"], "days": ["sat"], "backup_cover": True},
                }
            ],
        },
    )
    assert response.status_code == 200
    first = response.json()["goals"][0]["suggestions"][0]
    assert first["listing"]["name"] == "Heatons Home Help"
    assert "Offers back-up cover" in first["reasons"]


def test_without_a_postcode_distance_is_unknown_but_matching_works(client, stockport_listings):
    response = post(client, {"goals": [{"text": "go fishing again"}]})
    assert response.status_code == 200
    suggestion = response.json()["goals"][0]["suggestions"][0]
    assert suggestion["listing"]["name"] == "Stockport Angling Society"
    assert suggestion["listing"]["distance_km"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"postcode": "SK1 3XE"}, "goals"),
        ({"postcode": "SK1 3XE", "goals": []}, "goals"),
        ({"goals": [{"text": f"goal {i}"} for i in range(21)]}, "goals"),
        ({"postcode": "NOT A POSTCODE", "goals": [{"text": "swim"}]}, "postcode"),
        ({"postcode": "ZZ9 9ZZ", "goals": [{"text": "swim"}]}, "postcode"),
        ({"radius_km": 500, "goals": [{"text": "swim"}]}, "radius_km"),
        ({"radius_km": "far", "goals": [{"text": "swim"}]}, "radius_km"),
        (
            {"goals": [{"text": "swim", "budget": {"amount": "-5", "period": "year"}}]},
            "goals[0].budget.amount",
        ),
        ({"goals": [{"text": "swim", "budget": {"amount": "lots"}}]}, "goals[0].budget.amount"),
        (
            {"goals": [{"text": "swim", "budget": {"amount": "5", "period": "fortnight"}}]},
            "goals[0].budget.period",
        ),
        ({"goals": [{"text": "swim", "outcomes": ["flying"]}]}, "goals[0].outcomes"),
        (
            {"goals": [{"text": "swim", "preferences": {"languages": ["xx"]}}]},
            "goals[0].preferences.languages",
        ),
        (
            {"goals": [{"text": "swim", "preferences": {"days": ["someday"]}}]},
            "goals[0].preferences.days[0]",
        ),
        ({"goals": [{"outcomes": ["recovery"]}]}, "goals[0].text"),
        ({"goals": "swim"}, "goals"),
        # Each value as the JSON type the schema states (issue 14: what the schema
        # allows is answered, anything else is a 400).
        ({"radius_km": "16", "goals": [{"text": "swim"}]}, "radius_km"),
        ({"radius_km": True, "goals": [{"text": "swim"}]}, "radius_km"),
        ({"postcode": 1, "goals": [{"text": "swim"}]}, "postcode"),
        ({"goals": [{"text": 5}]}, "goals[0].text"),
        ({"goals": [{"text": "swim\u0000"}]}, "goals[0].text"),
        ({"goals": [{"text": "swim", "budget": {"amount": 12.5}}]}, "goals[0].budget.amount"),
        ({"goals": [{"text": "swim", "budget": {"amount": " 5"}}]}, "goals[0].budget.amount"),
        (
            {"goals": [{"text": "swim", "preferences": {"backup_cover": 1}}]},
            "goals[0].preferences.backup_cover",
        ),
        (
            {"goals": [{"text": "swim", "preferences": {"keep": [2**63]}}]},
            "goals[0].preferences.keep[0]",
        ),
    ],
)
def test_bad_bodies_are_a_400_naming_the_field(client, body, field):
    response = post(client, body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert all(isinstance(m, str) for m in errors[field])


@pytest.mark.parametrize("raw", ["", "not json", "[1, 2]", '"text"', "null", "{"])
def test_malformed_json_is_a_400_not_a_500(client, raw):
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert "errors" in response.json()


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


def test_match_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/match/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/match/"]


def test_the_body_must_be_json(client, stockport_listings):
    response = client.post(URL, {"goals": "swim"})  # a form, as a browser would send it
    assert response.status_code == 400
    assert response.json()["errors"]["detail"][0].startswith("JSON parse error")


def test_whole_pounds_and_text_amounts_are_both_accepted(client, stockport_listings):
    for amount in (300, "300", "300.00"):
        body = {"goals": [{"text": "swim", "budget": {"amount": amount, "period": "year"}}]}
        assert post(client, body).status_code == 200, amount
