"""Who may open and change a support plan, page by page.

Support plans are health and care data: the person, the representatives they
named and their named practitioner may see and change them; everyone else
gets a 404 (so a plan's existence is not revealed) and anonymous visitors are
asked to sign in. Every look by the practitioner is logged for the person.
"""

import pytest

from accounts.factories import UserFactory
from accounts.representation import accept_invitation, invite_representative
from accounts.roles import Role
from directory.factories import make_listing
from matching.models import Goal, PlanAccess
from matching.plans import create_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Every test makes eight accounts; the real hasher would spend seconds on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _representative_of(holder, email):
    representative = UserFactory(email=email)
    invitation = invite_representative(holder, email, "daughter")
    accept_invitation(invitation.token, representative)
    return representative


@pytest.fixture
def world():
    """Maureen's plan in Stockport, with a goal, a listing to save, and everyone who might look."""
    owner = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )
    practitioner = UserFactory(
        email="sw.patel@stockport.example.org",
        display_name="Priya Patel",
        roles=[Role.PRACTITIONER],
    )
    plan = create_plan(owner, postcode="SK1 3XE")
    plan.practitioner = practitioner
    plan.save()
    goal = Goal.objects.create(plan=plan, text="I'd like to go swimming again and meet people")
    someone_else = UserFactory(
        email="derek@example.org", display_name="Derek", roles=[Role.BUDGET_HOLDER]
    )
    listing = make_listing(
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        outcomes=["physical-health"],
        categories=["swimming"],
        price="4.50",
        price_unit="session",
    )
    return {
        "plan": plan,
        "goal": goal,
        "listing": listing,
        "users": {
            "owner": owner,
            "representative": _representative_of(owner, "claire@example.org"),
            "named_practitioner": practitioner,
            "other_practitioner": UserFactory(
                email="j.okafor@salford.example.org", roles=[Role.PRACTITIONER]
            ),
            "provider": UserFactory(
                email="bookings@grandcentral.example.org", roles=[Role.PROVIDER]
            ),
            "ulo_staff": UserFactory(email="peer@breakthrough.example.org", roles=[Role.ULO_STAFF]),
            "representative_of_someone_else": _representative_of(
                someone_else, "derek.son@example.org"
            ),
        },
    }


def _goal_post(world):
    return {
        "text": "Swim on Saturday mornings",
        "priority": "1",
        "budget_amount": "300",
        "budget_period": "year",
    }


# (name, method, path, form data) for every plan page; paths and data are built from the world.
ENDPOINTS = [
    ("overview", "get", lambda w: f"/plan/{w['plan'].pk}/", None),
    ("stage", "post", lambda w: f"/plan/{w['plan'].pk}/stage/", lambda w: {"stage": "planning"}),
    ("brokerage", "get", lambda w: f"/plan/{w['plan'].pk}/brokerage/", None),
    (
        "brokerage",
        "post",
        lambda w: f"/plan/{w['plan'].pk}/brokerage/",
        lambda w: {"route": "peer_broker", "reason": "Someone who has been there"},
    ),
    ("details", "get", lambda w: f"/plan/{w['plan'].pk}/details/", None),
    (
        "details",
        "post",
        lambda w: f"/plan/{w['plan'].pk}/details/",
        lambda w: {"postcode": "SK4 4NB", "agreed_budget": "3394", "route_1": "direct_payment"},
    ),
    ("new goal", "get", lambda w: f"/plan/{w['plan'].pk}/goals/new/", None),
    ("new goal", "post", lambda w: f"/plan/{w['plan'].pk}/goals/new/", _goal_post),
    ("edit goal", "get", lambda w: f"/plan/{w['plan'].pk}/goals/{w['goal'].pk}/edit/", None),
    ("edit goal", "post", lambda w: f"/plan/{w['plan'].pk}/goals/{w['goal'].pk}/edit/", _goal_post),
    ("delete goal", "get", lambda w: f"/plan/{w['plan'].pk}/goals/{w['goal'].pk}/delete/", None),
    (
        "delete goal",
        "post",
        lambda w: f"/plan/{w['plan'].pk}/goals/{w['goal'].pk}/delete/",
        lambda w: {},
    ),
    (
        "suggestions",
        "get",
        lambda w: f"/plan/{w['plan'].pk}/goals/{w['goal'].pk}/suggestions/",
        None,
    ),
    (
        "save suggestion",
        "post",
        lambda w: f"/plan/{w['plan'].pk}/goals/{w['goal'].pk}/suggestions/save/",
        lambda w: {"listing": str(w["listing"].pk)},
    ),
]
ENDPOINT_IDS = [f"{method.upper()} {name}" for name, method, _, _ in ENDPOINTS]

ALLOWED = ["owner", "representative", "named_practitioner"]
REFUSED = ["other_practitioner", "provider", "ulo_staff", "representative_of_someone_else"]


def _request(client, world, endpoint):
    _name, method, path, data = endpoint
    if method == "get":
        return client.get(path(world))
    return client.post(path(world), data(world))


@pytest.mark.parametrize("who", ALLOWED)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_the_person_their_representative_and_named_practitioner_may_use_every_plan_page(
    client, world, endpoint, who
):
    user = world["users"][who]
    client.force_login(user)
    response = _request(client, world, endpoint)
    if endpoint[1] == "get":
        assert response.status_code == 200
    else:
        # A change that worked goes back to a page of the same plan.
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"].startswith(f"/plan/{world['plan'].pk}/")
    # Each use by someone other than the person (practitioner or representative) is logged
    # where the person can read it; the person's own visits are not.
    logged = list(PlanAccess.objects.values_list("plan", "viewer", flat=False))
    if who != "owner":
        assert logged == [(world["plan"].pk, user.pk)]
    else:
        assert logged == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_anyone_else_gets_not_found_and_changes_nothing(client, world, endpoint):
    plan = world["plan"]
    for who in REFUSED:
        client.force_login(world["users"][who])
        response = _request(client, world, endpoint)
        assert response.status_code == 404, who
    plan.refresh_from_db()
    assert plan.stage == "assessment"
    assert plan.brokerage_route == ""
    assert plan.postcode == "SK1 3XE"
    assert list(plan.goals.values_list("text", flat=True)) == [world["goal"].text]
    assert not world["goal"].saved.exists()
    assert not PlanAccess.objects.exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_visitors_are_asked_to_sign_in(client, world, endpoint):
    response = _request(client, world, endpoint)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_person_sees_when_their_practitioner_looked(client, world):
    client.force_login(world["users"]["named_practitioner"])
    client.get(f"/plan/{world['plan'].pk}/")
    client.force_login(world["users"]["owner"])
    html = client.get(f"/plan/{world['plan'].pk}/").content.decode()
    assert "When a practitioner looked at the plan" in html
    assert "Priya Patel" in html
    assert "Viewed plan" in html


def test_a_goal_of_another_plan_is_not_found_through_this_plan(client, world):
    other_plan = create_plan(UserFactory(roles=[Role.BUDGET_HOLDER]))
    other_goal = Goal.objects.create(plan=other_plan, text="Driving lessons")
    client.force_login(world["users"]["owner"])
    plan = world["plan"]
    for suffix in ("edit/", "delete/", "suggestions/"):
        assert client.get(f"/plan/{plan.pk}/goals/{other_goal.pk}/{suffix}").status_code == 404
    assert client.post(f"/plan/{plan.pk}/goals/{other_goal.pk}/delete/").status_code == 404
    assert Goal.objects.filter(pk=other_goal.pk).exists()


def test_a_plan_that_does_not_exist_is_not_found(client, world):
    client.force_login(world["users"]["owner"])
    assert client.get("/plan/999999/").status_code == 404


def test_my_plan_lists_only_the_plans_each_user_may_see(client, world):
    users = world["users"]
    for who in ALLOWED:
        client.force_login(users[who])
        assert f'href="/plan/{world["plan"].pk}/"' in client.get("/plan/").content.decode(), who
    for who in REFUSED:
        client.force_login(users[who])
        html = client.get("/plan/").content.decode()
        assert f'href="/plan/{world["plan"].pk}/"' not in html, who
        assert "Maureen" not in html, who


def test_my_plan_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/plan/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_named_practitioner_cannot_change_who_is_named(client, world):
    plan = world["plan"]
    client.force_login(world["users"]["named_practitioner"])
    page = client.get(f"/plan/{plan.pk}/details/").content.decode()
    assert 'name="practitioner_email"' not in page
    response = client.post(
        f"/plan/{plan.pk}/details/",
        {"postcode": "SK1 3XE", "practitioner_email": world["users"]["other_practitioner"].email},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.practitioner == world["users"]["named_practitioner"]


def test_a_representative_may_change_the_named_practitioner(client, world):
    plan = world["plan"]
    client.force_login(world["users"]["representative"])
    response = client.post(
        f"/plan/{plan.pk}/details/",
        {"postcode": "SK1 3XE", "practitioner_email": "J.Okafor@Salford.example.org"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.practitioner is None
    assert plan.practitioner_invited_email == "j.okafor@salford.example.org"
    client.force_login(world["users"]["other_practitioner"])
    client.post(f"/plan/practitioner/invitations/{plan.pk}/accept/")
    plan.refresh_from_db()
    assert plan.practitioner == world["users"]["other_practitioner"]
