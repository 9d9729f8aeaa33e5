"""The "My plan" pages as a budget holder (or their representative) uses them.

Starting a plan, seeing where it is and how long it waited, choosing a
brokerage route after seeing every route's pros and cons, writing goals in
one's own words, and getting explained suggestions for a goal near home.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import UserFactory
from accounts.representation import accept_invitation, invite_representative
from accounts.roles import Role
from directory.factories import make_listing
from matching import plans
from matching.models import Goal, PlanFunding, SavedSuggestion, StageEntry, SupportPlan
from matching.plans import BROKERAGE_ROUTES, create_plan

pytestmark = pytest.mark.django_db

# Listings must be in the search records for the engine to find them; those
# are written after commit, so these tests commit for real.
# ``serialized_rollback`` puts back the vocabularies the migrations seed.
commits = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SWIMMING_GOAL = "I'd like to go swimming again and meet people"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def maureen():
    return UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )


@pytest.fixture
def plan(maureen):
    return create_plan(maureen, postcode="SK1 3XE")


def _text(response) -> str:
    """The page's words without tags, with runs of white space made single."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Starting a plan -----------------------------------------------------------


def test_a_budget_holder_without_a_plan_can_start_one(client, maureen):
    client.force_login(maureen)
    page = client.get("/plan/")
    assert "Start your plan" in page.content.decode()

    response = client.post("/plan/start/", {"person": maureen.pk, "postcode": "sk1 3xe"})
    plan = SupportPlan.objects.get(person=maureen)
    assert response.status_code == 302
    assert response["Location"] == f"/plan/{plan.pk}/"
    assert plan.postcode == "SK1 3XE"
    assert plan.stage == "assessment"

    page = client.get("/plan/")
    assert "Your plan" in page.content.decode()
    assert "Start your plan" not in page.content.decode()


def test_a_person_keeps_one_plan_rather_than_starting_again(client, maureen, plan):
    client.force_login(maureen)
    response = client.post("/plan/start/", {"person": maureen.pk, "postcode": "SK1 3XE"})
    assert response.status_code == 400
    assert SupportPlan.objects.filter(person=maureen).count() == 1


def test_a_bad_postcode_is_explained_when_starting_a_plan(client, maureen):
    client.force_login(maureen)
    response = client.post("/plan/start/", {"person": maureen.pk, "postcode": "not a postcode"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not SupportPlan.objects.exists()


def test_a_representative_can_start_a_plan_for_someone_they_act_for(client, maureen):
    claire = UserFactory(email="claire@example.org", display_name="Claire")
    accept_invitation(invite_representative(maureen, "claire@example.org").token, claire)
    client.force_login(claire)
    page = client.get("/plan/").content.decode()
    assert "Start a plan" in page
    assert "Maureen" in page

    response = client.post("/plan/start/", {"person": maureen.pk, "postcode": "SK4 4NB"})
    plan = SupportPlan.objects.get(person=maureen)
    assert response.status_code == 302
    assert StageEntry.objects.get(plan=plan).entered_by == claire
    page = client.get("/plan/").content.decode()
    assert "People you act for" in page
    assert "Maureen’s support plan" in page


def test_a_representative_cannot_start_a_plan_for_someone_who_did_not_name_them(client, maureen):
    stranger = UserFactory(email="stranger@example.org", roles=[Role.REPRESENTATIVE])
    client.force_login(stranger)
    response = client.post("/plan/start/", {"person": maureen.pk})
    assert response.status_code == 400
    assert not SupportPlan.objects.exists()


def test_a_provider_is_told_plainly_what_plans_are_for(client):
    provider = UserFactory(email="bookings@grandcentral.example.org", roles=[Role.PROVIDER])
    client.force_login(provider)
    response = client.get("/plan/")
    assert response.status_code == 200
    text = _text(response)
    assert "Support plans are for people with a personal budget" in text
    assert "<form" not in response.content.decode().split("<main", 1)[1]


# --- Stages ---------------------------------------------------------------------


def test_moving_a_stage_is_recorded_and_the_waits_are_shown(client, maureen, plan):
    StageEntry.objects.filter(plan=plan).update(entered_at=timezone.now() - timedelta(days=30))
    client.force_login(maureen)

    response = client.post(f"/plan/{plan.pk}/stage/", {"stage": "indicative_budget"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.stage == "indicative_budget"
    assert [e.stage for e in plan.stage_history.all()] == ["assessment", "indicative_budget"]
    assert plan.stage_history.last().entered_by == maureen

    html = client.get(f"/plan/{plan.pk}/").content.decode()
    tracker = html.split('<ol class="stage-tracker">', 1)[1].split("</ol>", 1)[0]
    labels = re.findall(r'<span class="stage-tracker__name">([^<]+)</span>', tracker)
    assert labels == [
        "Assessment",
        "Indicative budget",
        "Planning",
        "Sign-off",
        "Approved",
        "First payment",
        "Active",
        "Review",
    ]
    current = re.findall(r'<li class="stage-tracker--(\w+)"( aria-current="step")?>', tracker)
    assert current[0] == ("done", "")
    assert current[1] == ("current", ' aria-current="step"')
    assert all(status == "to_come" and not aria for status, aria in current[2:])
    assert "waited 30 days" in tracker
    assert "waited 0 days so far" in tracker


def test_an_unknown_stage_changes_nothing(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(f"/plan/{plan.pk}/stage/", {"stage": "approved-by-magic"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.stage == "assessment"
    assert plan.stage_history.count() == 1


# --- Brokerage ------------------------------------------------------------------


def test_every_brokerage_route_is_shown_with_pros_and_cons_before_choosing(client, maureen, plan):
    client.force_login(maureen)
    html = client.get(f"/plan/{plan.pk}/brokerage/").content.decode()
    before_button = html.split('<button type="submit"', 1)[0]
    radios = re.findall(r'<input type="radio" name="route"[^>]*>', before_button)
    assert len(radios) == 6
    assert not any("checked" in radio for radio in radios), "no route is chosen for the person"
    for route, points in BROKERAGE_ROUTES.items():
        assert route.label in before_button
        for point in points["pros"] + points["cons"]:
            assert point.replace("'", "&#x27;") in before_button
    # The pros and cons of each route come before the question about why.
    assert before_button.index("Fewer options considered") < before_button.index("Why this route?")


def test_choosing_a_brokerage_route_saves_the_reason_in_the_persons_words(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(
        f"/plan/{plan.pk}/brokerage/",
        {
            "route": "peer_broker",
            "reason": "Someone who has been through it, from Disability Stockport",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.brokerage_route == "peer_broker"
    assert plan.brokerage_reason == "Someone who has been through it, from Disability Stockport"
    text = _text(client.get(f"/plan/{plan.pk}/"))
    assert "A peer broker from a user-led organisation" in text
    assert "Someone who has been through it" in text


def test_choosing_no_brokerage_route_asks_again(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(f"/plan/{plan.pk}/brokerage/", {"reason": "not sure"})
    assert response.status_code == 400
    assert "Choose who will help you" in response.content.decode()
    plan.refresh_from_db()
    assert plan.brokerage_route == ""


# --- Details: budget, payment routes, named practitioner -------------------------


def test_budget_review_date_and_payment_routes_are_saved_and_shown(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(
        f"/plan/{plan.pk}/details/",
        {
            "postcode": "SK4 4NB",
            "indicative_budget": "3394",
            "agreed_budget": "5813.50",
            "review_date": "27/03/2027",
            "route_1": "direct_payment",
            "amount_1": "4000",
            "route_2": "managed_account",
            "amount_2": "1813.50",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.postcode == "SK4 4NB"
    assert plan.agreed_budget == Decimal("5813.50")
    assert plan.review_date.isoformat() == "2027-03-27"
    assert list(plan.funding.values_list("route", "amount")) == [
        ("direct_payment", Decimal("4000.00")),
        ("managed_account", Decimal("1813.50")),
    ]
    text = _text(client.get(f"/plan/{plan.pk}/"))
    assert "£3,394 a year" in text
    assert "£5,813.50 a year" in text
    assert "Direct payment: £4,000" in text
    assert "Managed account: £1,813.50" in text
    assert "27 March 2027" in text


def test_payment_rows_are_replaced_not_added_to(client, maureen, plan):
    PlanFunding.objects.create(plan=plan, route="council_managed")
    client.force_login(maureen)
    client.post(f"/plan/{plan.pk}/details/", {"postcode": "SK1 3XE", "route_1": "direct_payment"})
    assert list(plan.funding.values_list("route", flat=True)) == ["direct_payment"]


def test_an_amount_without_a_payment_route_is_explained(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(
        f"/plan/{plan.pk}/details/",
        {
            "postcode": "SK1 3XE",
            "amount_1": "200",
            "route_2": "direct_payment",
            "route_3": "direct_payment",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the payment route this amount is held in." in html
    assert "Each payment route can be given once." in html
    assert not plan.funding.exists()


def test_naming_a_practitioner_asks_them_to_accept(client, maureen, plan, mailoutbox):
    priya = UserFactory(
        email="priya.patel@stockport.example.org",
        display_name="Priya Patel",
        roles=[Role.PRACTITIONER],
    )
    client.force_login(maureen)
    response = client.post(
        f"/plan/{plan.pk}/details/",
        {"postcode": "SK1 3XE", "practitioner_email": " Priya.Patel@Stockport.example.org "},
        follow=True,
    )
    assert "If priya.patel@stockport.example.org has a practitioner account on Kith, they " in (
        _text(response)
    )
    plan.refresh_from_db()
    assert plan.practitioner is None
    assert plan.practitioner_invited_email == "priya.patel@stockport.example.org"
    assert [m.to for m in mailoutbox] == [["priya.patel@stockport.example.org"]]
    # Priya sees the plan only once she accepts.
    client.force_login(priya)
    assert f'href="/plan/{plan.pk}/"' not in client.get("/plan/").content.decode()
    assert client.get(f"/plan/{plan.pk}/").status_code == 404
    home = client.get("/plan/practitioner/").content.decode()
    assert "Maureen" in home or str(maureen) in home
    accepted = client.post(f"/plan/practitioner/invitations/{plan.pk}/accept/")
    assert accepted.status_code == 302
    plan.refresh_from_db()
    assert plan.practitioner == priya and plan.practitioner_invited_email == ""
    assert f'href="/plan/{plan.pk}/"' in client.get("/plan/").content.decode()
    client.force_login(maureen)
    assert "Priya Patel" in _text(client.get(f"/plan/{plan.pk}/"))


@pytest.mark.parametrize(
    "email, roles",
    [
        ("nobody@stockport.example.org", None),
        ("bookings@grandcentral.example.org", [Role.PROVIDER]),
        ("tom.hughes@stockport.example.org", [Role.PRACTITIONER]),
    ],
)
def test_naming_a_practitioner_does_not_tell_who_has_an_account(
    client, maureen, plan, email, roles, mailoutbox
):
    if roles is not None:
        UserFactory(email=email, roles=roles)
    client.force_login(maureen)
    response = client.post(
        f"/plan/{plan.pk}/details/", {"postcode": "SK1 3XE", "practitioner_email": email}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"If {email} has a practitioner account on Kith, they will be asked to accept." in page
    assert "not signed up" not in page and "has a Kith account" not in page
    plan.refresh_from_db()
    assert plan.practitioner is None
    # Only a real practitioner is emailed; the person cannot tell the difference.
    assert len(mailoutbox) == (1 if roles == [Role.PRACTITIONER] else 0)


def test_someone_who_is_not_a_practitioner_cannot_accept(client, maureen, plan):
    provider = UserFactory(email="bookings@grandcentral.example.org", roles=[Role.PROVIDER])
    plans.name_practitioner(plan, provider.email)
    client.force_login(provider)
    response = client.post(f"/plan/practitioner/invitations/{plan.pk}/accept/")
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.practitioner is None


def test_naming_a_new_practitioner_ends_the_old_ones_access_at_once(maureen, plan):
    old = UserFactory(roles=[Role.PRACTITIONER])
    plan.practitioner = old
    plan.save()
    plans.name_practitioner(plan, "someone.else@salford.example.org")
    plan.refresh_from_db()
    assert plan.practitioner is None
    plans.name_practitioner(plan, "")
    plan.refresh_from_db()
    assert plan.practitioner_invited_email == ""


def test_clearing_the_email_names_no_practitioner(client, maureen, plan):
    plan.practitioner = UserFactory(roles=[Role.PRACTITIONER])
    plan.save()
    client.force_login(maureen)
    client.post(f"/plan/{plan.pk}/details/", {"postcode": "SK1 3XE", "practitioner_email": ""})
    plan.refresh_from_db()
    assert plan.practitioner is None


# --- Goals ----------------------------------------------------------------------


def _add_swimming_goal(client, plan, **extra):
    data = {
        "text": SWIMMING_GOAL,
        "why_it_matters": "I used to swim every week and felt better for it.",
        "priority": "1",
        "budget_amount": "300",
        "budget_period": "year",
        "days": ["sat", "mon"],
        "times": "mornings",
        **extra,
    }
    response = client.post(f"/plan/{plan.pk}/goals/new/", data)
    assert response.status_code == 302, response.content.decode()
    return plan.goals.get()


def test_adding_a_goal_in_your_own_words(client, maureen, plan):
    client.force_login(maureen)
    goal = _add_swimming_goal(client, plan)
    assert goal.text == SWIMMING_GOAL
    assert goal.budget_amount == Decimal("300")
    assert goal.budget_period == "year"
    assert goal.days == "mon,sat"
    # Outcomes left empty are ticked from the words and stored, so the person can untick them.
    assert set(goal.outcomes.values_list("slug", flat=True)) == {
        "physical-health",
        "social-inclusion",
    }
    assert goal.outcomes_from_words

    text = _text(client.get(f"/plan/{plan.pk}/"))
    assert "I&#x27;d like to go swimming again and meet people" in text
    assert "£300 a year" in text
    # Outcomes left empty are worked out from the words, and the page says so.
    assert "Physical health and fitness" in text
    assert "Being part of community life" in text
    assert "worked out from your words" in text
    assert "See suggestions" in text


def test_a_budget_without_how_often_is_explained(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(
        f"/plan/{plan.pk}/goals/new/",
        {"text": SWIMMING_GOAL, "priority": "1", "budget_amount": "300"},
    )
    assert response.status_code == 400
    assert "Choose how often" in response.content.decode()
    assert not Goal.objects.exists()


def test_a_goal_needs_words(client, maureen, plan):
    client.force_login(maureen)
    response = client.post(f"/plan/{plan.pk}/goals/new/", {"text": "   ", "priority": "1"})
    assert response.status_code == 400
    assert "Tell us about your goal in your own words." in response.content.decode()


def test_editing_a_goal_keeps_its_preferences(client, maureen, plan):
    client.force_login(maureen)
    goal = _add_swimming_goal(client, plan, languages=["ur"], pa_gender="woman")
    form = client.get(f"/plan/{plan.pk}/goals/{goal.pk}/edit/").content.decode()
    assert re.search(r'value="sat"[^>]*checked', form)
    assert re.search(r'value="ur"[^>]*checked', form)
    response = client.post(
        f"/plan/{plan.pk}/goals/{goal.pk}/edit/",
        {"text": "Swim on Saturday mornings", "priority": "2", "outcomes": ["physical-health"]},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.text == "Swim on Saturday mornings"
    assert goal.priority == 2
    assert goal.days == ""
    assert list(goal.outcomes.values_list("slug", flat=True)) == ["physical-health"]


def test_deleting_a_goal_asks_first(client, maureen, plan):
    client.force_login(maureen)
    goal = _add_swimming_goal(client, plan)
    confirm = client.get(f"/plan/{plan.pk}/goals/{goal.pk}/delete/")
    assert "Are you sure you want to delete this goal?" in confirm.content.decode()
    assert Goal.objects.filter(pk=goal.pk).exists()
    response = client.post(f"/plan/{plan.pk}/goals/{goal.pk}/delete/")
    assert response.status_code == 302
    assert not Goal.objects.filter(pk=goal.pk).exists()


def test_what_people_type_is_shown_as_text_not_run_as_code(client, maureen, plan):
    client.force_login(maureen)
    nasty = '<script>alert("x")</script><b>bold</b>'
    client.post(f"/plan/{plan.pk}/brokerage/", {"route": "self", "reason": nasty})
    goal = Goal.objects.create(plan=plan, text=nasty, why_it_matters=nasty)
    for path in (
        f"/plan/{plan.pk}/",
        f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/",
        f"/plan/{plan.pk}/goals/{goal.pk}/delete/",
        f"/plan/{plan.pk}/goals/{goal.pk}/edit/",
    ):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html, path
        assert "<b>bold</b>" not in html, path
        assert "&lt;script&gt;" in html, path


# --- Suggestions ----------------------------------------------------------------


@pytest.fixture
def stockport_listings():
    """Options around Stockport town centre (SK1 3XE), and a pool in Wigan, 22 miles away."""
    return {
        "pool": make_listing(
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            summary="Lane swimming and aquafit, with a pool hoist and quiet sessions.",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="4.50",
            price_unit="session",
            places_available=12,
        ),
        "club": make_listing(
            "club",
            "Heaton Moor Walking and Social Club",
            "SK4 4NB",
            summary="Friendly weekly walks followed by a cuppa.",
            outcomes=["social-inclusion", "physical-health"],
            categories=["social-activities-support", "leisure-activities"],
            price_unit="free",
            places_available=20,
        ),
        "far": make_listing(
            "provider",
            "Robin Park Aquatic Centre",
            "WN5 0UH",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="5.20",
            price_unit="session",
        ),
    }


@commits
def test_suggestions_for_a_swimming_goal_list_a_pool_near_home_with_reasons(
    client, stockport_listings
):
    maureen = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )
    plan = create_plan(maureen, postcode="SK1 3XE")
    client.force_login(maureen)
    goal = _add_swimming_goal(client, plan)

    response = client.get(f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(response)
    assert "These are suggestions, not decisions." in text
    assert re.search(r"We looked for: [^.]*Physical health and fitness[^.]*Swimming", text)

    pool = stockport_listings["pool"]
    card = html.split(f'<a href="{pool.url}">Grand Central Pools</a>', 1)[1].split(
        "</li>\n  \n", 1
    )[0]
    assert "Provider" in card
    # Distance, price and places are said once, beside the listing, not again as reasons.
    facts = re.findall(r"<li>([^<]+)</li>", card.split('class="suggestion__facts"', 1)[1])[:3]
    assert facts == [
        "Less than a mile from you",
        "£4.50 a session: within your budget of £300.00 a year",
        "12 places left",
    ]
    assert card.count("£4.50 a session") == 1
    assert card.count("12 places left") == 1
    reasons = re.findall(r"<li>([^<]+)</li>", card.split('class="suggestion__reasons"', 1)[1])
    assert "Offers swimming" in reasons
    assert "Less than a mile from you" not in reasons
    assert "Save to my plan" in card
    assert f'href="{pool.url}">Ask about this' in card
    # Ten miles by default: the pool in Wigan is too far.
    assert "Robin Park Aquatic Centre" not in html

    wider = client.get(f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/?miles=25")
    assert "Robin Park Aquatic Centre" in wider.content.decode()


@commits
def test_a_saved_suggestion_appears_on_the_plan(client, stockport_listings):
    maureen = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )
    plan = create_plan(maureen, postcode="SK1 3XE")
    client.force_login(maureen)
    goal = _add_swimming_goal(client, plan)
    pool = stockport_listings["pool"]

    response = client.post(
        f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/save/", {"listing": pool.pk, "miles": "5"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/?miles=5"
    saved = SavedSuggestion.objects.get()
    assert (saved.goal, saved.listing_id, saved.saved_by) == (goal, pool.pk, maureen)

    # Saving twice keeps one.
    client.post(f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/save/", {"listing": pool.pk})
    assert SavedSuggestion.objects.count() == 1

    suggestions = client.get(response["Location"]).content.decode()
    assert "Saved to your plan" in suggestions
    page = client.get(f"/plan/{plan.pk}/").content.decode()
    saved_block = page.split("Saved options", 1)[1].split("</dd>", 1)[0]
    assert "Grand Central Pools" in saved_block


def test_saving_a_listing_that_does_not_exist_is_not_found(client, maureen, plan):
    client.force_login(maureen)
    goal = Goal.objects.create(plan=plan, text=SWIMMING_GOAL)
    response = client.post(
        f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/save/", {"listing": "999999"}
    )
    assert response.status_code == 404
    assert not SavedSuggestion.objects.exists()


def test_without_a_postcode_the_suggestions_page_says_distance_is_unknown(client, maureen):
    plan = create_plan(maureen)
    goal = Goal.objects.create(plan=plan, text=SWIMMING_GOAL)
    client.force_login(maureen)
    response = client.get(f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "distance is unknown" in html
    assert f'href="/plan/{plan.pk}/details/"' in html


@commits
def test_over_budget_options_come_below_and_more_suggestions_are_on_a_next_page(client):
    for i in range(12):
        make_listing(
            "provider",
            f"Pool {i:02d}",
            "SK1 3TA",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="4.00",
            price_unit="session",
        )
    make_listing(
        "provider",
        "Luxury Spa Pool",
        "SK1 3TA",
        outcomes=["physical-health"],
        categories=["swimming"],
        price="90.00",
        price_unit="session",
    )
    maureen = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )
    plan = create_plan(maureen, postcode="SK1 3XE")
    client.force_login(maureen)
    goal = _add_swimming_goal(client, plan)
    url = f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/"

    first = _text(client.get(url))
    assert "More suggestions" in first
    assert "Luxury Spa Pool" not in first  # over budget: below all twelve within it
    second = client.get(url + "?miles=10&page=2")
    text = _text(second)
    assert "Suggestions 11 to" in text
    assert "These may cost more than your budget for this goal" in text
    assert text.index("Pool 1") < text.index("may cost more than your budget for this goal")
    assert text.index("may cost more than your budget for this goal") < text.index(
        "Luxury Spa Pool"
    )
    assert "Previous suggestions" in text


@commits
def test_a_goal_no_phrase_knows_says_its_matches_are_weak(client, stockport_listings):
    maureen = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )
    plan = create_plan(maureen, postcode="SK1 3XE")
    client.force_login(maureen)
    goal = Goal.objects.create(plan=plan, text="a cuppa and a natter")
    text = _text(client.get(f"/plan/{plan.pk}/goals/{goal.pk}/suggestions/"))
    assert "These are weak matches." in text
    assert "Heaton Moor Walking and Social Club" in text
