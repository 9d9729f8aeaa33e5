"""Practitioners' tools: plans they are named on, matching and searching on a person's behalf,
shortlists shared with the person, and the access log the person reads.

Listings are published inside ``django_capture_on_commit_callbacks(execute=True)``
so their search records exist without the cost of transactional tests.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import Representation
from directory.factories import make_listing
from directory.models import Outcome, SearchLog
from matching import shortlists
from matching.models import Goal, PlanAccess, SavedSuggestion, Shortlist, ShortlistItem
from matching.plans import create_plan

pytestmark = pytest.mark.django_db

WHO = [
    "holder",
    "representative",
    "practitioner",
    "other_practitioner",
    "provider",
    "ulo_staff",
    "other_ulo_staff",
    "anonymous",
]


@pytest.fixture
def kith(user_factory, django_capture_on_commit_callbacks):
    """Sam in Stockport, his daughter Aisha, his social worker Priya, and the people around them."""
    holder = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    representative = user_factory(display_name="Aisha Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=holder,
        representative=representative,
        invited_email=representative.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    practitioner = user_factory(display_name="Priya Shah", roles=["practitioner"])
    other_practitioner = user_factory(display_name="Tom Hughes", roles=["practitioner"])
    provider = user_factory(display_name="Dave Lomas", roles=["provider"])
    ulo_staff = user_factory(display_name="Jo Birch", roles=["ulo_staff"])
    other_ulo_staff = user_factory(display_name="Kev Walsh", roles=["ulo_staff"])

    plan = create_plan(holder, postcode="SK1 3XE")
    plan.practitioner = practitioner
    plan.save()
    goal = Goal.objects.create(plan=plan, text="I want to go swimming again to get fitter")
    goal.outcomes.set(Outcome.objects.filter(slug="physical-health"))

    with django_capture_on_commit_callbacks(execute=True):
        pool = make_listing(
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            owner=provider,
            summary="Lane swimming and aquafit, with a pool hoist and quiet sessions.",
            outcomes=["physical-health"],
            categories=["swimming"],
            price="4.50",
            price_unit="session",
            places_available=12,
        )
        ulo = make_listing(
            "ulo",
            "Stockport Peer Brokers",
            "SK1 3TA",
            owner=ulo_staff,
            offers_peer_brokerage=True,
            offers_peer_support=True,
            accepts_referrals=True,
        )
        make_listing(  # another ULO, whose staff must not see this plan
            "ulo",
            "Tameside Peer Voices",
            "OL6 7SR",
            owner=other_ulo_staff,
            offers_peer_support=True,
            accepts_referrals=True,
        )
    return SimpleNamespace(
        holder=holder,
        representative=representative,
        practitioner=practitioner,
        other_practitioner=other_practitioner,
        provider=provider,
        ulo_staff=ulo_staff,
        other_ulo_staff=other_ulo_staff,
        anonymous=None,
        plan=plan,
        goal=goal,
        pool=pool,
        ulo=ulo,
    )


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def shared_shortlist(kith, goal=True):
    item, _ = shortlists.add_to_shortlist(
        kith.plan,
        kith.pool,
        kith.practitioner,
        goal=kith.goal if goal else None,
        note="Quiet sessions on Tuesday mornings",
    )
    return shortlists.share_shortlist(item.shortlist, kith.practitioner), item


def assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected, response.content[:500]


# --- Access matrix ------------------------------------------------------------

PRACTITIONER_ONLY = {
    "holder": 403,
    "representative": 403,
    "practitioner": 200,
    "other_practitioner": 404,
    "provider": 403,
    "ulo_staff": 403,
    "other_ulo_staff": 403,
    "anonymous": "login",
}


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 403),
        ("representative", 403),
        ("practitioner", 200),
        ("other_practitioner", 200),
        ("provider", 403),
        ("ulo_staff", 403),
        ("other_ulo_staff", 403),
        ("anonymous", "login"),
    ],
)
def test_practitioner_home_access(client, kith, who, expected):
    response = as_user(client, getattr(kith, who)).get(reverse("matching:practitioner_home"))
    assert_status(response, expected)
    if expected == 403:
        assert b"for practitioners" in response.content


@pytest.mark.parametrize("page", ["plan", "options", "search"])
@pytest.mark.parametrize("who", WHO)
def test_practitioner_plan_pages_access(client, kith, who, page):
    url = {
        "plan": reverse("matching:practitioner_plan", args=[kith.plan.pk]),
        "options": reverse("matching:practitioner_goal_options", args=[kith.plan.pk, kith.goal.pk]),
        "search": reverse("matching:practitioner_search", args=[kith.plan.pk]),
    }[page]
    response = as_user(client, getattr(kith, who)).get(url)
    assert_status(response, PRACTITIONER_ONLY[who])


@pytest.mark.parametrize("who", WHO)
def test_adding_to_a_shortlist_access(client, kith, who):
    response = as_user(client, getattr(kith, who)).post(
        reverse("matching:shortlist_add", args=[kith.plan.pk]), {"listing": kith.pool.pk}
    )
    expected = PRACTITIONER_ONLY[who]
    assert_status(response, 302 if expected == 200 else expected)
    assert ShortlistItem.objects.exists() == (who == "practitioner")


@pytest.mark.parametrize("who", WHO)
def test_sharing_a_shortlist_access(client, kith, who):
    item, _ = shortlists.add_to_shortlist(kith.plan, kith.pool, kith.practitioner)
    response = as_user(client, getattr(kith, who)).post(
        reverse("matching:shortlist_share", args=[item.shortlist.pk])
    )
    expected = PRACTITIONER_ONLY[who]
    assert_status(response, 302 if expected == 200 else expected)
    item.shortlist.refresh_from_db()
    assert (item.shortlist.shared_at is not None) == (who == "practitioner")


@pytest.mark.parametrize("who", WHO)
def test_recording_the_brokerage_route_access(client, kith, who):
    response = as_user(client, getattr(kith, who)).post(
        reverse("matching:practitioner_brokerage", args=[kith.plan.pk]),
        {"route": "peer_broker", "reason": "I want someone who has been through it"},
    )
    expected = PRACTITIONER_ONLY[who]
    assert_status(response, 302 if expected == 200 else expected)
    kith.plan.refresh_from_db()
    assert (kith.plan.brokerage_route == "peer_broker") == (who == "practitioner")


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 200),
        ("representative", 200),
        ("practitioner", 200),
        ("other_practitioner", 404),
        ("provider", 404),
        ("ulo_staff", 404),
        ("other_ulo_staff", 404),
        ("anonymous", "login"),
    ],
)
def test_shared_shortlist_access(client, kith, who, expected):
    shortlist, _ = shared_shortlist(kith)
    response = as_user(client, getattr(kith, who)).get(
        reverse("matching:shortlist_detail", args=[shortlist.pk])
    )
    assert_status(response, expected)
    if expected == 200:
        assert b"Grand Central Pools" in response.content


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 404),
        ("representative", 404),
        ("practitioner", 200),
        ("other_practitioner", 404),
        ("provider", 404),
        ("ulo_staff", 404),
        ("other_ulo_staff", 404),
        ("anonymous", "login"),
    ],
)
def test_unshared_shortlist_is_seen_only_by_the_practitioner(client, kith, who, expected):
    item, _ = shortlists.add_to_shortlist(kith.plan, kith.pool, kith.practitioner)
    response = as_user(client, getattr(kith, who)).get(
        reverse("matching:shortlist_detail", args=[item.shortlist.pk])
    )
    assert_status(response, expected)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 302),
        ("representative", 302),
        ("practitioner", 403),
        ("other_practitioner", 404),
        ("provider", 404),
        ("ulo_staff", 404),
        ("other_ulo_staff", 404),
        ("anonymous", "login"),
    ],
)
def test_accepting_a_shortlist_item_access(client, kith, who, expected):
    shortlist, item = shared_shortlist(kith)
    response = as_user(client, getattr(kith, who)).post(
        reverse("matching:shortlist_item_accept", args=[shortlist.pk, item.pk])
    )
    assert_status(response, expected)
    assert SavedSuggestion.objects.exists() == (expected == 302)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("holder", 200),
        ("representative", 200),
        ("practitioner", 403),
        ("other_practitioner", 404),
        ("provider", 404),
        ("ulo_staff", 404),
        ("other_ulo_staff", 404),
        ("anonymous", "login"),
    ],
)
def test_access_log_is_for_the_person_and_representatives(client, kith, who, expected):
    response = as_user(client, getattr(kith, who)).get(
        reverse("matching:access_log", args=[kith.plan.pk])
    )
    assert_status(response, expected)


def test_there_is_no_access_log_page_under_the_practitioners_plan_pages(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(f"/plan/practitioner/plans/{kith.plan.pk}/access-log/")
    assert response.status_code == 404


def test_unknown_plan_is_404_for_a_practitioner(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(reverse("matching:practitioner_plan", args=[kith.plan.pk + 999]))
    assert response.status_code == 404


# --- Practitioner home and plan page -----------------------------------------


def test_home_lists_the_plans_naming_the_practitioner_with_stage_and_days(client, kith):
    create_plan(kith.other_practitioner, postcode="M1 1AE")  # not Priya's
    client.force_login(kith.practitioner)
    response = client.get(reverse("matching:practitioner_home"))
    body = response.content.decode()
    assert "Sam Patel" in body
    assert "Assessment" in body
    assert "<td>0</td>" in body
    assert reverse("matching:practitioner_plan", args=[kith.plan.pk]) in body
    assert "Tom Hughes" not in body


def test_other_practitioners_home_does_not_list_someone_elses_plan(client, kith):
    client.force_login(kith.other_practitioner)
    response = client.get(reverse("matching:practitioner_home"))
    assert b"Sam Patel" not in response.content


def test_plan_page_shows_goals_search_form_prefilled_and_route_pros_and_cons(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(reverse("matching:practitioner_plan", args=[kith.plan.pk]))
    body = response.content.decode()
    assert "I want to go swimming again to get fitter" in body
    assert 'value="SK1 3XE"' in body
    assert "Someone who has used a personal budget themselves" in body  # a peer broker's pro
    assert "Paid for from your budget" in body  # an independent broker's con


def test_find_options_runs_the_engine_and_logs_matched(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(
        reverse("matching:practitioner_goal_options", args=[kith.plan.pk, kith.goal.pk])
    )
    assert response.status_code == 200
    assert b"Grand Central Pools" in response.content
    assert PlanAccess.objects.filter(
        plan=kith.plan, viewer=kith.practitioner, action="matched"
    ).exists()


def test_goal_of_another_plan_is_404(client, kith):
    other_plan = create_plan(kith.provider, postcode="M1 1AE")
    other_goal = Goal.objects.create(plan=other_plan, text="Learn to cook")
    client.force_login(kith.practitioner)
    response = client.get(
        reverse("matching:practitioner_goal_options", args=[kith.plan.pk, other_goal.pk])
    )
    assert response.status_code == 404


def test_search_on_behalf_finds_listings_offers_referral_and_is_logged(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(
        reverse("matching:practitioner_search", args=[kith.plan.pk]),
        {"postcode": "SK1 3XE", "miles": "10"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Grand Central Pools" in body
    assert "Stockport Peer Brokers" in body
    refer_url = reverse("matching:referral_new", args=[kith.ulo.pk]) + f"?for=plan-{kith.plan.pk}"
    assert refer_url in body
    assert SearchLog.objects.filter(source="practitioner", origin_outward="SK1").exists()
    assert PlanAccess.objects.filter(action="searched the directory").exists()


def test_search_filters_by_kind(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(
        reverse("matching:practitioner_search", args=[kith.plan.pk]),
        {"postcode": "SK1 3XE", "miles": "10", "kind": "ulo"},
    )
    assert b"Stockport Peer Brokers" in response.content
    assert b"Grand Central Pools" not in response.content


def test_search_with_a_bad_postcode_says_so(client, kith):
    client.force_login(kith.practitioner)
    response = client.get(
        reverse("matching:practitioner_search", args=[kith.plan.pk]),
        {"postcode": "NOT A POSTCODE", "miles": "10"},
    )
    assert response.status_code == 400
    assert b"There is a problem" in response.content


def test_adding_a_search_result_starts_a_shortlist_once_per_listing(client, kith):
    client.force_login(kith.practitioner)
    url = reverse("matching:shortlist_add", args=[kith.plan.pk])
    data = {"listing": kith.pool.pk, "goal": kith.goal.pk, "note": "Has a pool hoist"}
    client.post(url, data)
    client.post(url, data)
    assert Shortlist.objects.filter(plan=kith.plan).count() == 1
    item = ShortlistItem.objects.get()
    assert (item.goal, item.note, item.listing_id) == (kith.goal, "Has a pool hoist", kith.pool.pk)


def test_a_goal_from_another_plan_cannot_be_put_on_the_shortlist(kith):
    other_plan = create_plan(kith.provider, postcode="M1 1AE")
    other_goal = Goal.objects.create(plan=other_plan, text="Learn to cook")
    with pytest.raises(shortlists.ShortlistError):
        shortlists.add_to_shortlist(kith.plan, kith.pool, kith.practitioner, goal=other_goal)


def test_only_the_named_practitioner_can_add_to_a_shortlist(kith):
    with pytest.raises(shortlists.ShortlistError):
        shortlists.add_to_shortlist(kith.plan, kith.pool, kith.other_practitioner)


def test_after_sharing_new_options_go_on_a_new_shortlist(kith):
    shortlist, _ = shared_shortlist(kith)
    item, created = shortlists.add_to_shortlist(kith.plan, kith.ulo, kith.practitioner)
    assert created
    assert item.shortlist != shortlist
    assert shortlist.items.count() == 1


def test_an_empty_shortlist_cannot_be_shared(kith):
    shortlist = Shortlist.objects.create(plan=kith.plan, created_by=kith.practitioner)
    with pytest.raises(shortlists.ShortlistError):
        shortlists.share_shortlist(shortlist, kith.practitioner)


def test_sharing_twice_keeps_the_first_date(kith):
    shortlist, _ = shared_shortlist(kith)
    first = shortlist.shared_at
    assert shortlists.share_shortlist(shortlist, kith.practitioner).shared_at == first


def test_a_shared_shortlist_keeps_its_items(client, kith):
    shortlist, item = shared_shortlist(kith)
    client.force_login(kith.practitioner)
    client.post(reverse("matching:shortlist_item_remove", args=[shortlist.pk, item.pk]))
    assert ShortlistItem.objects.filter(pk=item.pk).exists()


def test_recording_the_brokerage_route(client, kith):
    client.force_login(kith.practitioner)
    client.post(
        reverse("matching:practitioner_brokerage", args=[kith.plan.pk]),
        {"route": "peer_broker", "reason": "I want someone who has been through it"},
    )
    kith.plan.refresh_from_db()
    assert kith.plan.brokerage_route == "peer_broker"
    assert kith.plan.brokerage_reason == "I want someone who has been through it"


def test_brokerage_route_must_be_chosen(client, kith):
    client.force_login(kith.practitioner)
    response = client.post(
        reverse("matching:practitioner_brokerage", args=[kith.plan.pk]), {"reason": "Not sure"}
    )
    assert response.status_code == 400
    assert b"Choose the route the person has chosen." in response.content


# --- The person's side: shared shortlists and the access log -----------------


def test_unshared_shortlist_is_hidden_from_the_person_until_shared(client, kith):
    item, _ = shortlists.add_to_shortlist(kith.plan, kith.pool, kith.practitioner)
    client.force_login(kith.holder)
    url = reverse("matching:shortlist_detail", args=[item.shortlist.pk])
    assert client.get(url).status_code == 404
    shortlists.share_shortlist(item.shortlist, kith.practitioner)
    assert client.get(url).status_code == 200


def test_accepting_a_shared_item_saves_it_to_the_goal(client, kith):
    shortlist, item = shared_shortlist(kith)
    client.force_login(kith.holder)
    page = client.get(reverse("matching:shortlist_detail", args=[shortlist.pk]))
    assert b"Add to my plan" in page.content
    client.post(reverse("matching:shortlist_item_accept", args=[shortlist.pk, item.pk]))
    saved = SavedSuggestion.objects.get()
    assert (saved.goal, saved.listing_id, saved.saved_by) == (kith.goal, kith.pool.pk, kith.holder)
    assert saved.note == "Quiet sessions on Tuesday mornings"
    item.refresh_from_db()
    assert item.accepted_at is not None


def test_accepting_twice_saves_once(kith):
    _, item = shared_shortlist(kith)
    shortlists.accept_item(item, kith.holder)
    shortlists.accept_item(item, kith.representative)
    assert SavedSuggestion.objects.count() == 1


def test_item_without_a_goal_asks_which_goal(client, kith):
    shortlist, item = shared_shortlist(kith, goal=False)
    client.force_login(kith.representative)
    response = client.post(reverse("matching:shortlist_item_accept", args=[shortlist.pk, item.pk]))
    assert response.status_code == 400
    assert b"Which goal" in response.content
    assert not SavedSuggestion.objects.exists()
    client.post(
        reverse("matching:shortlist_item_accept", args=[shortlist.pk, item.pk]),
        {"goal": kith.goal.pk},
    )
    assert SavedSuggestion.objects.get().goal == kith.goal
    item.refresh_from_db()
    assert item.goal == kith.goal


def test_the_practitioner_cannot_accept_for_the_person(kith):
    _, item = shared_shortlist(kith)
    with pytest.raises(shortlists.ShortlistError):
        shortlists.accept_item(item, kith.practitioner)


def test_practitioner_views_appear_on_the_persons_access_log(client, kith):
    client.force_login(kith.practitioner)
    client.get(reverse("matching:practitioner_plan", args=[kith.plan.pk]))
    client.get(reverse("matching:practitioner_goal_options", args=[kith.plan.pk, kith.goal.pk]))
    client.post(reverse("matching:shortlist_add", args=[kith.plan.pk]), {"listing": kith.pool.pk})
    actions = set(PlanAccess.objects.filter(plan=kith.plan).values_list("action", flat=True))
    assert {"viewed", "matched", "added to shortlist"} <= actions

    client.force_login(kith.holder)
    body = client.get(reverse("matching:access_log", args=[kith.plan.pk])).content.decode()
    assert "Priya Shah" in body
    assert "Matched" in body
    assert "Added to shortlist" in body
    assert body.count("<tr>") == PlanAccess.objects.filter(plan=kith.plan).count() + 1


def test_the_persons_own_visits_are_not_logged(client, kith):
    shortlist, _ = shared_shortlist(kith)
    before = PlanAccess.objects.count()
    client.force_login(kith.holder)
    client.get(reverse("matching:shortlist_detail", args=[shortlist.pk]))
    client.get(reverse("matching:access_log", args=[kith.plan.pk]))
    assert PlanAccess.objects.count() == before


def test_refused_visits_are_not_logged(client, kith):
    client.force_login(kith.other_practitioner)
    client.get(reverse("matching:practitioner_plan", args=[kith.plan.pk]))
    assert not PlanAccess.objects.exists()
