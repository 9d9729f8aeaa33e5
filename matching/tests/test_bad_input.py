"""Odd or hostile input answers 4xx or is ignored, never a 500 (issue 14, item 7)."""

import json

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from accounts.roles import Role
from matching import plans
from matching.models import GOAL_TEXT_MAX_LENGTH, Goal
from matching.plans import create_plan

pytestmark = pytest.mark.django_db

MATCH_URL = "/api/v1/match/"


@pytest.fixture
def sam(user_factory):
    return user_factory(display_name="Sam Patel", roles=[Role.BUDGET_HOLDER])


@pytest.fixture
def plan(sam):
    plan = create_plan(sam, postcode="SK1 3XE")
    Goal.objects.create(plan=plan, text="I want to go swimming again to get fitter")
    return plan


@pytest.mark.parametrize("value", ["²", "٣", "1e5", "-1", "10^20", "9" * 40, " "])
def test_plan_page_for_an_odd_person_is_just_the_page(client, sam, value):
    client.force_login(sam)
    assert client.get("/plan/", {"for": value}).status_code == 200


@pytest.mark.parametrize("value", ["²", "9" * 40, "x", ""])
def test_saving_an_odd_listing_is_not_found(client, sam, plan, value):
    client.force_login(sam)
    goal = plan.goals.get()
    response = client.post(
        reverse("matching:save_suggestion", args=[plan.pk, goal.pk]),
        {"listing": value, "miles": "²"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["100000000000000000000", "10^20", "²", "-5", "0"])
def test_practitioner_search_with_an_odd_page(client, user_factory, sam, plan, page):
    practitioner = user_factory(roles=[Role.PRACTITIONER])
    plan.practitioner = practitioner
    plan.save()
    client.force_login(practitioner)
    response = client.get(
        reverse("matching:practitioner_search", args=[plan.pk]),
        {"postcode": "SK1 3XE", "miles": "10", "page": page},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("depth", [21, 100, 50_000])
def test_deeply_nested_json_is_a_400(client, depth):
    body = '{"goals": ' + "[" * depth + "]" * depth + "}"
    response = client.post(MATCH_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "errors" in response.json()


def test_json_nested_a_little_is_still_read(client):
    body = {"postcode": "SK1 3XE", "goals": [{"text": "swim", "outcomes": []}]}
    response = client.post(MATCH_URL, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400)
    assert "nested" not in response.content.decode()


def test_goal_text_is_limited_in_the_form(client, sam, plan):
    client.force_login(sam)
    response = client.post(
        reverse("matching:goal_new", args=[plan.pk]),
        {"text": "swim " * 300, "priority": "1"},
    )
    assert response.status_code == 400
    assert "Keep your goal to 1,000 characters or fewer." in response.content.decode()
    assert plan.goals.count() == 1
    page = client.get(reverse("matching:goal_new", args=[plan.pk])).content.decode()
    assert f'maxlength="{GOAL_TEXT_MAX_LENGTH}"' in page


def test_goal_text_is_limited_in_the_database(plan):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    goal = Goal(plan=plan, text="x" * (GOAL_TEXT_MAX_LENGTH + 1))
    with pytest.raises(ValidationError):
        goal.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        goal.save()
    Goal.objects.create(plan=plan, text="x" * GOAL_TEXT_MAX_LENGTH)


def test_goal_text_is_limited_in_the_api(client):
    body = {"postcode": "SK1 3XE", "goals": [{"text": "x" * (GOAL_TEXT_MAX_LENGTH + 1)}]}
    response = client.post(MATCH_URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["components"]["schemas"]["Goal"]["properties"]["text"]["maxLength"] == 1000


def test_a_goal_money_hangs_on_is_kept_with_an_explanation(client, sam, plan, monkeypatch):
    goal = plan.goals.get()

    def protected(self, *args, **kwargs):
        raise ProtectedError("A pledge refers to this goal.", set())

    monkeypatch.setattr(Goal, "delete", protected)
    with pytest.raises(plans.PlanError):
        plans.delete_goal(goal)
    client.force_login(sam)
    response = client.post(reverse("matching:goal_delete", args=[plan.pk, goal.pk]))
    assert response.status_code == 409
    assert "Withdraw the pledge" in response.content.decode()
