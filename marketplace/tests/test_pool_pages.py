"""The pool pages: pools near me, a pool's page, joining, leaving, my pools, opening one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.factories import make_listing
from marketplace.models import Pledge, Pool
from marketplace.pools import services as pools
from marketplace.tests.conftest import with_stripe_first
from marketplace.tests.test_pools import PAYER, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(user_factory, request):
    with_stripe_first(request)
    return make_world(user_factory)


def join_page(client, pool, person, **data):
    client.force_login(person)
    return client.post(
        reverse("marketplace:pool_join", args=[pool.pk]),
        {"goal": "", "method": "invoice", "payer_name": PAYER, **data},
    )


def test_pools_near_me_by_distance_and_outcome(client, world):
    near = world.pool()
    wigan = make_listing(
        "provider", "Wigan Pottery", "WN1 1AA", outcomes=["mental-wellbeing"], owner=world.provider
    )
    far = world.pool()
    far.listing = wigan
    far.title = "Pottery in Wigan"
    far.save()
    url = reverse("marketplace:pool_list")

    page = client.get(url, {"postcode": "SK1 3XE", "radius": 5})
    assert page.status_code == 200
    assert near.title in page.content.decode()
    assert "Pottery in Wigan" not in page.content.decode()

    everywhere = client.get(url).content.decode()
    assert "Pottery in Wigan" in everywhere
    swimming = client.get(url, {"outcome": "physical-health"}).content.decode()
    assert near.title not in swimming
    assert client.get(url, {"postcode": "ZZ9 9ZZ"}).status_code == 400


def test_everyone_sees_counts_and_days_left_only_the_organiser_sees_names(client, world):
    pool = world.pool(days=3)
    for person in world.people[:4]:
        pools.pledge(
            pool,
            person,
            by=person,
            goal=world.goals[person.pk],
            method="invoice",
            payer_name=PAYER,
        )
    url = reverse("marketplace:pool_detail", args=[pool.pk])

    public = client.get(url).content.decode()
    assert "4 of 6 places filled" in public
    assert "It needs 6 to go ahead" in public
    assert "3 days left to join" in public
    assert '<progress id="pool-progress' in public
    assert "Maureen Hughes" not in public

    client.force_login(world.people[5])
    assert "Maureen Hughes" not in client.get(url).content.decode()

    client.force_login(world.provider)
    organiser = client.get(url).content.decode()
    assert "Maureen Hughes" in organiser and "Joan Riley" in organiser


def test_a_draft_is_hidden_from_everyone_but_its_managers(client, world):
    proposer = world.people[0]
    pool = pools.propose_pool(
        world.listing,
        by=proposer,
        title="Pottery together",
        description="Six weeks of pottery.",
        outcomes=list(world.pool().outcomes.all()),
        places=6,
        minimum_members=4,
        deadline=timezone.now() + timedelta(days=5),
        price_per_place="50.00",
    )
    url = reverse("marketplace:pool_detail", args=[pool.pk])
    assert client.get(url).status_code == 404
    client.force_login(proposer)
    assert client.get(url).status_code == 200
    # The provider opens it from its page.
    client.force_login(world.provider)
    client.post(reverse("marketplace:pool_publish", args=[pool.pk]))
    pool.refresh_from_db()
    assert pool.status == Pool.Status.OPEN


def test_joining_and_leaving_through_the_pages(client, world):
    pool = world.pool()
    person = world.people[0]
    response = join_page(client, pool, person, goal=world.goals[person.pk].pk)
    assert response.status_code == 302
    pledge = Pledge.objects.get(member=person)
    assert pledge.status == Pledge.Status.HELD
    assert pledge.invoice.payer_name == PAYER

    page = client.get(reverse("marketplace:pool_detail", args=[pool.pk])).content.decode()
    assert "Your pledge" in page and "Leave this pool" in page
    mine = client.get(reverse("marketplace:my_pools")).content.decode()
    assert pool.title in mine and "pledge of £45.00: held" in mine

    # Someone else cannot make them leave.
    client.force_login(world.people[1])
    leave_url = reverse("marketplace:pool_leave", args=[pool.pk, pledge.pk])
    assert client.post(leave_url).status_code == 404
    client.force_login(person)
    client.post(leave_url)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.LEFT


def test_the_seventh_is_refused_politely_on_the_page(client, world):
    pool = world.pool()
    for person in world.people[:6]:
        pools.pledge(
            pool, person, by=person, goal=world.goals[person.pk], method="invoice", payer_name=PAYER
        )
    seventh = world.people[6]
    client.force_login(seventh)
    assert (
        "Join this pool"
        not in client.get(reverse("marketplace:pool_detail", args=[pool.pk])).content.decode()
    )
    response = join_page(client, pool, seventh, goal=world.goals[seventh.pk].pk)
    assert response.status_code == 400
    assert "Sorry, this pool is full: all 6 places have been taken" in response.content.decode()


def test_joining_needs_a_goal_for_the_pools_outcomes(client, world, user_factory):
    pool = world.pool()
    newcomer = user_factory(display_name="Kath Doyle", roles=["budget_holder"])
    client.force_login(newcomer)
    response = client.get(reverse("marketplace:pool_join", args=[pool.pk]))
    assert response.status_code == 403
    assert "mood, stress and feeling well" in response.content.decode()
    client.force_login(world.provider)
    assert client.get(reverse("marketplace:pool_join", args=[pool.pk])).status_code == 403


def test_a_provider_opens_and_a_budget_holder_proposes(client, world):
    url = reverse("marketplace:pool_new", args=[world.listing.pk])
    data = {
        "title": "Thursday art class",
        "description": "Ten weeks of art, materials included.",
        "outcomes": [o.pk for o in world.listing.outcomes.all()][:1],
        "pricing": "total",
        "price": "270.00",
        "places": 8,
        "minimum_members": 6,
        "deadline": (timezone.localdate() + timedelta(days=10)).isoformat(),
    }
    client.force_login(world.provider)
    assert client.post(url, data).status_code == 302
    opened = Pool.objects.get()
    assert (opened.status, str(opened.price_per_place)) == (Pool.Status.OPEN, "45.00")

    client.force_login(world.people[0])
    assert client.post(url, data).status_code == 302
    assert Pool.objects.filter(status=Pool.Status.DRAFT, organiser=world.people[0]).exists()
    bad = client.post(url, {**data, "minimum_members": 9})
    assert bad.status_code == 400


def test_only_managers_cancel_or_deliver(client, world):
    pool = world.pool()
    client.force_login(world.people[0])
    assert client.post(reverse("marketplace:pool_cancel", args=[pool.pk])).status_code == 403
    client.force_login(world.provider)
    client.post(reverse("marketplace:pool_cancel", args=[pool.pk]))
    pool.refresh_from_db()
    assert pool.status == Pool.Status.CANCELLED


def test_join_needs_sign_in(client, world):
    pool = world.pool()
    response = client.get(reverse("marketplace:pool_join", args=[pool.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_join_form_names_whose_managed_account_a_representative_invoices(user_factory):
    from marketplace.pools.forms import JoinForm

    sam = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    aisha = user_factory(display_name="Aisha Patel", roles=["representative"])
    for_aisha = JoinForm(
        goals=[], several_people=False, card_enabled=False, user=aisha, people=[sam]
    )
    assert dict(for_aisha.fields["method"].choices)["invoice"] == (
        "Invoice to Sam Patel’s managed account"
    )
    for_sam = JoinForm(goals=[], several_people=False, card_enabled=False, user=sam, people=[sam])
    assert dict(for_sam.fields["method"].choices)["invoice"] == "Invoice to your managed account"
