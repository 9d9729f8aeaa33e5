"""Pools: six budget holders in Stockport buy a weekly art class together, safely.

The rules in ``marketplace.pools`` are called directly. Card pledges talk to
localstripe (see conftest), so every hold, capture, release and refund is
checked against what the fake Stripe actually did.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Representation
from directory.factories import make_listing
from directory.models import Outcome
from marketplace.models import Invoice, LedgerEntry, Pledge, Pool, PoolEvent
from marketplace.payments import cards, ledger
from marketplace.pools import money
from marketplace.pools import services as pools
from marketplace.pools.services import PoolError
from matching.models import Goal
from matching.plans import create_plan

from .conftest import connect_payee, with_stripe_first

pytestmark = pytest.mark.django_db

PAYER = "Stockport Direct Payments Support Service"
# Real Stockport postcodes for the six members and the seventh who arrives too late.
MEMBERS = [
    ("Maureen Hughes", "SK1 3XE"),
    ("Sam Patel", "SK2 6PL"),
    ("Dev Mistry", "SK3 0AA"),
    ("Joan Riley", "SK4 1AA"),
    ("Terry Lowe", "SK5 6AA"),
    ("Aleksandra Nowak", "SK7 4AA"),
    ("Bernard Shaw", "SK6 1AA"),
]


@dataclass
class World:
    provider: object
    listing: object
    people: list
    goals: dict = field(default_factory=dict)
    other_provider: object = None

    def pool(self, *, days=3, places=6, minimum=6, price="45.00", **extra) -> Pool:
        return pools.open_pool(
            self.listing,
            by=self.provider,
            title="Thursday art class at the Stockport studio",
            description="A weekly art class for adults, 10 weeks, materials included.",
            outcomes=list(Outcome.objects.filter(slug__in=["mental-wellbeing"])),
            places=places,
            minimum_members=minimum,
            deadline=timezone.now() + timedelta(days=days, hours=1),
            price_per_place=Decimal(price) if price else None,
            **extra,
        )

    def propose(self, title="Saturday pottery for six", *, by=None, **price) -> Pool:
        """A budget holder's proposal, a draft until the provider opens it: £400 for the
        group unless ``price_per_place`` or ``total_price`` is given."""
        return pools.propose_pool(
            self.listing,
            by=by or self.people[0],
            title=title,
            description="Could we book a pottery course together?",
            outcomes=[Outcome.objects.get(slug="mental-wellbeing")],
            places=8,
            minimum_members=6,
            deadline=timezone.now() + timedelta(days=10),
            **(price or {"total_price": Decimal("400.00")}),
        )

    def join(self, pool, person, method="invoice", **kwargs):
        if method == "invoice":
            kwargs.setdefault("payer_name", PAYER)
            kwargs.setdefault("payer_email", "dp.support@example.org")
        else:
            kwargs.setdefault("payment_method", "pm_card_visa")
        return pools.pledge(
            pool,
            person,
            by=kwargs.pop("by", person),
            goal=kwargs.pop("goal", self.goals[person.pk]),
            method=method,
            **kwargs,
        )


def make_world(user_factory) -> World:
    provider = user_factory(display_name="Hannah Ward", roles=["provider"])
    other_provider = user_factory(display_name="Jo Birch", roles=["provider"])
    listing = make_listing(
        "provider",
        "Stockport Art Studio",
        "SK1 1QE",
        outcomes=["mental-wellbeing", "social-inclusion"],
        categories=["arts"],
        price="45.00",
        price_unit="session",
        owner=provider,
    )
    wellbeing = Outcome.objects.get(slug="mental-wellbeing")
    world = World(provider=provider, listing=listing, people=[], other_provider=other_provider)
    for name, postcode in MEMBERS:
        person = user_factory(display_name=name, roles=["budget_holder"])
        plan = create_plan(person, postcode=postcode)
        goal = Goal.objects.create(
            plan=plan,
            text="I want to do something creative every week to keep my mood up",
            budget_amount=Decimal("60.00"),
            budget_period="month",
        )
        goal.outcomes.add(wellbeing)
        world.people.append(person)
        world.goals[person.pk] = goal
    connect_payee(provider)
    return world


@pytest.fixture
def world(user_factory, request):
    with_stripe_first(request)
    return make_world(user_factory)


def card(pledge):
    """The pledge's latest card payment attempt."""
    return cards.current_payment(pledge)


def intent_of(pledge) -> str:
    return card(pledge).stripe_payment_intent


def all_intents(stripe_api):
    return list(stripe_api.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())


def settle_now(pool):
    """Run the deadline command's rules as if the deadline has just passed."""
    return pools.process_deadlines(now=pool.deadline + timedelta(minutes=1))


# --- The story from "Done when" -------------------------------------------------------


@pytest.mark.usefixtures("stripe_test_settings")
def test_six_fund_the_art_class_the_seventh_is_refused_and_all_of_it_is_on_statements(
    world, stripe_api
):
    pool = world.pool()
    six, seventh = world.people[:6], world.people[6]
    pledges = [world.join(pool, p, "card" if i % 2 else "invoice") for i, p in enumerate(six)]
    assert all(p.status == Pledge.Status.HELD for p in pledges)
    assert pools.places_filled(pool) == 6

    with pytest.raises(PoolError) as refused:
        world.join(pool, seventh, "card")
    assert str(refused.value) == (
        "Sorry, this pool is full: all 6 places have been taken, so we have not taken or held "
        "any money. You can still book with the provider yourself, or look for another pool."
    )
    # The refused member's card was never touched.
    assert not Pledge.objects.filter(member=seventh).exists()

    assert settle_now(pool)["settled"] == 1
    pool.refresh_from_db()
    assert pool.status == Pool.Status.FUNDED
    for each in Pledge.objects.filter(pool=pool):
        assert each.status == Pledge.Status.CAPTURED
        if each.method == Pledge.Method.CARD_HOLD:
            intent = stripe_api.v1.payment_intents.retrieve(intent_of(each))
            assert intent.status == "succeeded"
            assert intent.amount == 4500
        else:
            assert each.invoice.status == Invoice.Status.ISSUED
        statement = list(ledger.statement_entries(each.goal.plan))
        assert [(e.kind, e.amount) for e in statement] == [("pool_share", Decimal("45.00"))]
        assert ledger.row_for(each.goal).spent == Decimal("45.00")
        # Each line says who paid and how, as bookings' lines do.
        assert statement[0].how_paid == (
            f"Paid by card by {each.member}"
            if each.method == Pledge.Method.CARD_HOLD
            else f"Invoiced to {PAYER}, not paid yet"
        )
    assert {m.to[0] for m in mail.outbox} == {p.email for p in six}
    assert all("going ahead" in m.subject for m in mail.outbox)


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_pool_that_misses_its_minimum_releases_every_pledge(world, stripe_api):
    pool = world.pool()
    pledges = [world.join(pool, p, "card") for p in world.people[:3]]
    pledges.append(world.join(pool, world.people[3], "invoice"))

    settle_now(pool)

    pool.refresh_from_db()
    assert pool.status == Pool.Status.FAILED
    assert pool.events.last().note == "4 pledged by the deadline; the minimum was 6"
    for each in pledges:
        each.refresh_from_db()
        assert each.status == Pledge.Status.RELEASED
        entries = LedgerEntry.objects.filter(person=each.member)
        assert [(e.kind, e.amount) for e in entries] == [("pool_share", Decimal("0.00"))]
        assert "released: nothing taken" in entries[0].description
    for each in pledges[:3]:
        assert stripe_api.v1.payment_intents.retrieve(intent_of(each)).status == ("canceled")
    assert pledges[3].invoice.status == Invoice.Status.VOID
    assert len(mail.outbox) == 4
    assert "did not get enough members" in mail.outbox[0].subject


# --- Pledging ---------------------------------------------------------------------------


@pytest.mark.usefixtures("stripe_test_settings")
def test_leaving_before_funding_releases_the_authorisation_and_frees_the_place(world, stripe_api):
    pool = world.pool()
    first = world.join(pool, world.people[0], "card")
    assert first.method == Pledge.Method.CARD_HOLD
    intent = stripe_api.v1.payment_intents.retrieve(intent_of(first))
    assert intent.status == "requires_capture"
    assert intent.capture_method == "manual"

    left = pools.leave(first, by=world.people[0])

    assert left.status == Pledge.Status.LEFT
    assert stripe_api.v1.payment_intents.retrieve(intent.id).status == "canceled"
    assert pools.places_filled(pool) == 0
    assert LedgerEntry.objects.get(person=world.people[0]).amount == Decimal("0.00")
    # Leaving twice changes nothing; the member can join again later.
    assert pools.leave(first, by=world.people[0]).status == Pledge.Status.LEFT
    assert LedgerEntry.objects.filter(person=world.people[0]).count() == 1
    again = world.join(pool, world.people[0], "invoice")
    assert again.status == Pledge.Status.HELD


@pytest.mark.usefixtures("stripe_test_settings")
def test_leaving_while_the_card_is_being_held_cancels_the_fresh_authorisation(world, stripe_api):
    pool = world.pool()
    person = world.people[0]
    before = {i.id for i in all_intents(stripe_api)}
    # The place is reserved, then the member leaves before Stripe has answered.
    reserved = pools._reserve(
        pool,
        person,
        person,
        world.goals[person.pk],
        Pledge.Method.CARD_HOLD,
        "",
        "",
        timezone.now(),
    )
    pools.leave(reserved, by=person)
    with pytest.raises(PoolError, match="withdrawn"):
        money.promise_card(reserved, "pm_card_visa", by=person, hold=True)
    # Primary keys repeat between tests on SQLite, so look only at intents made just now.
    intents = [i for i in all_intents(stripe_api) if i.id not in before]
    assert [intent.status for intent in intents] == ["canceled"]


def test_a_member_cannot_leave_after_funding(world):
    pool = world.pool(minimum=2)
    pledge = world.join(pool, world.people[0])
    world.join(pool, world.people[1])
    settle_now(pool)
    with pytest.raises(PoolError, match="can no longer leave"):
        pools.leave(pledge, by=world.people[0])


def test_the_share_must_trace_to_one_of_the_members_outcomes(world):
    pool = world.pool()
    person = world.people[0]
    swimming = Goal.objects.create(plan=world.goals[person.pk].plan, text="Swim twice a week")
    swimming.outcomes.add(Outcome.objects.get(slug="physical-health"))
    with pytest.raises(PoolError, match="This pool is for mood, stress and feeling well"):
        world.join(pool, person, goal=swimming)
    # Someone else's goal cannot carry my share either.
    with pytest.raises(PoolError, match="your own support plan"):
        world.join(pool, person, goal=world.goals[world.people[1].pk])
    assert not Pledge.objects.exists()
    assert list(pools.matching_goals(pool, person)) == [world.goals[person.pk]]


def test_one_held_pledge_per_member_and_only_while_open(world):
    pool = world.pool()
    world.join(pool, world.people[0])
    with pytest.raises(PoolError, match="already pledged"):
        world.join(pool, world.people[0])
    pools.cancel(pool, by=world.provider)
    with pytest.raises(PoolError, match="cancelled, so it is not taking pledges"):
        world.join(pool, world.people[1])


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_declined_card_gives_the_place_back(world):
    pool = world.pool(places=2, minimum=2)
    with pytest.raises(PoolError, match="did not go through"):
        world.join(pool, world.people[0], "card", payment_method="pm_card_chargeCustomerFail")
    assert Pledge.objects.get().status == Pledge.Status.FAILED
    assert pools.places_filled(pool) == 0
    world.join(pool, world.people[1], "card")
    world.join(pool, world.people[2], "card")
    assert pools.places_filled(pool) == 2


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_far_deadline_saves_the_card_and_charges_it_off_session_at_funding(world, stripe_api):
    pool = world.pool(days=14, minimum=1)
    pledge = world.join(pool, world.people[0], "card")

    assert pledge.method == Pledge.Method.CARD_SAVED
    assert intent_of(pledge) is None
    setup = stripe_api.v1.setup_intents.retrieve(card(pledge).stripe_setup_intent)
    assert setup.status == "succeeded"
    assert setup.usage == "off_session"
    assert setup.customer == card(pledge).stripe_customer

    settle_now(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    intent = stripe_api.v1.payment_intents.retrieve(intent_of(pledge))
    assert intent.status == "succeeded"
    assert intent.customer == card(pledge).stripe_customer
    assert LedgerEntry.objects.get(person=pledge.member).amount == Decimal("45.00")


def test_six_days_or_less_holds_the_card(world):
    assert pools.card_method_for(world.pool(days=5)) == Pledge.Method.CARD_HOLD
    assert pools.card_method_for(world.pool(days=7)) == Pledge.Method.CARD_SAVED


# --- Settlement ------------------------------------------------------------------------


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_failed_capture_is_retried_then_the_member_told_and_the_pool_rechecked(world, stripe_api):
    pool = world.pool(days=14)
    unlucky = world.people[0]
    world.join(pool, unlucky, "card", payment_method="pm_card_chargeCustomerFail")
    for person in world.people[1:6]:
        world.join(pool, person, "card")

    deadline = pool.deadline
    pools.process_deadlines(now=deadline)
    pool.refresh_from_db()
    assert pool.status == Pool.Status.FUNDED
    failing = Pledge.objects.get(member=unlucky)
    assert (failing.status, failing.capture_attempts) == (Pledge.Status.HELD, 1)
    assert "did not go through" in failing.failure_message
    assert Pledge.objects.filter(status=Pledge.Status.CAPTURED).count() == 5

    # Each scheduler run tries once more.
    pools.process_deadlines(now=deadline + timedelta(minutes=15))
    failing.refresh_from_db()
    assert (failing.status, failing.capture_attempts) == (Pledge.Status.HELD, 2)
    mail.outbox.clear()
    pools.process_deadlines(now=deadline + timedelta(minutes=30))

    failing.refresh_from_db()
    assert (failing.status, failing.capture_attempts) == (Pledge.Status.FAILED, 3)
    told = [m for m in mail.outbox if m.to == [unlucky.email]]
    assert any("could not take your share" in m.subject for m in told)
    # Five is below the minimum of six: the pool fails after all and everyone is refunded.
    pool.refresh_from_db()
    assert pool.status == Pool.Status.FAILED
    assert "leaving 5 of the 6 members needed" in pool.events.last().note
    for each in Pledge.objects.filter(pool=pool).exclude(member=unlucky):
        assert each.status == Pledge.Status.REFUNDED
        intent = stripe_api.v1.payment_intents.retrieve(intent_of(each))
        charge = intent.latest_charge  # localstripe expands it
        assert charge.amount_refunded == 4500
        assert sorted(e.amount for e in LedgerEntry.objects.filter(person=each.member)) == [
            Decimal("-45.00"),
            Decimal("45.00"),
        ]
    assert not LedgerEntry.objects.filter(person=unlucky).exists()
    # Nothing more to do afterwards.
    assert pools.process_deadlines(now=deadline + timedelta(hours=1)) == {
        "settled": 0,
        "retried": 0,
        "released": 0,
        "resolved": 0,
    }


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_failed_capture_above_the_minimum_leaves_the_pool_funded(world):
    pool = world.pool(days=14, minimum=3)
    world.join(pool, world.people[0], "card", payment_method="pm_card_chargeCustomerFail")
    for person in world.people[1:4]:
        world.join(pool, person, "card")
    for minutes in (0, 15, 30):
        pools.process_deadlines(now=pool.deadline + timedelta(minutes=minutes))
    pool.refresh_from_db()
    assert pool.status == Pool.Status.FUNDED
    assert Pledge.objects.filter(status=Pledge.Status.CAPTURED).count() == 3


def test_processing_deadlines_is_idempotent(world):
    funded = world.pool(minimum=2)
    failed = world.pool(minimum=3)
    still_open = world.pool(days=20)
    for person in world.people[:2]:
        world.join(funded, person)
        world.join(failed, person)

    first = pools.process_deadlines(now=funded.deadline + timedelta(minutes=1))
    entries = LedgerEntry.objects.count()
    events = PoolEvent.objects.count()
    second = pools.process_deadlines(now=funded.deadline + timedelta(minutes=16))

    assert first["settled"] == 2
    assert second == {"settled": 0, "retried": 0, "released": 0, "resolved": 0}
    assert (LedgerEntry.objects.count(), PoolEvent.objects.count()) == (entries, events)
    statuses = {p.pk: p.status for p in Pool.objects.all()}
    assert statuses == {
        funded.pk: Pool.Status.FUNDED,
        failed.pk: Pool.Status.FAILED,
        still_open.pk: Pool.Status.OPEN,
    }
    # Settling a pool directly again is also a no-op.
    assert pools.settle(funded, now=funded.deadline).status == Pool.Status.FUNDED
    assert LedgerEntry.objects.count() == entries


def test_a_run_after_every_card_share_was_taken_has_nothing_to_put_right(world, stripe_api):
    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "card")
    settle_now(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    second = pools.process_deadlines(now=pool.deadline + timedelta(minutes=16))
    assert second == {"settled": 0, "retried": 0, "released": 0, "resolved": 0}


def test_the_management_command_settles_due_pools(world):
    from django.core.management import call_command

    pool = world.pool(minimum=1)
    world.join(pool, world.people[0])
    Pool.objects.filter(pk=pool.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    call_command("process_pool_deadlines")
    call_command("process_pool_deadlines")
    pool.refresh_from_db()
    assert pool.status == Pool.Status.FUNDED
    assert pool.events.filter(to_status=Pool.Status.FUNDED).count() == 1


def test_every_transition_is_recorded(world):
    pool = world.pool(minimum=1)
    world.join(pool, world.people[0])
    settle_now(pool)
    pools.deliver(pool, by=world.provider)
    pools.deliver(pool, by=world.provider)
    assert list(pool.events.values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "open"),
        ("open", "funded"),
        ("funded", "delivered"),
    ]


# --- Opening, proposing and permissions ------------------------------------------------


def test_a_budget_holder_proposes_and_the_provider_opens_it(world):
    proposer = world.people[0]
    pool = world.propose(by=proposer)
    assert pool.status == Pool.Status.DRAFT
    pool.refresh_from_db()
    assert pool.title == "Saturday pottery for six"
    [created] = pool.events.all()
    assert (created.to_status, created.by, created.note) == (
        Pool.Status.DRAFT,
        proposer,
        "Created",
    )
    # £400 shared by the six it needs, rounded up to the penny.
    assert pool.price_per_place == Decimal("66.67")
    with pytest.raises(PermissionDenied):
        pools.publish(pool, by=proposer)
    with pytest.raises(PoolError, match="draft, so it is not taking"):
        world.join(pool, world.people[1])
    assert pools.publish(pool, by=world.provider).status == Pool.Status.OPEN
    assert pools.publish(pool, by=world.provider).status == Pool.Status.OPEN


def test_a_proposal_nobody_opened_is_cancelled_at_its_deadline(world):
    pool = world.propose()
    settle_now(pool)
    pool.refresh_from_db()
    assert pool.status == Pool.Status.CANCELLED
    ended = pool.events.get(to_status=Pool.Status.CANCELLED)
    assert (ended.from_status, ended.by, ended.note) == (
        Pool.Status.DRAFT,
        None,
        "Never opened before its deadline",
    )


def test_permissions(world, user_factory):
    with pytest.raises(PermissionDenied):
        pools.open_pool(
            world.listing,
            by=world.other_provider,
            title="Not mine",
            description="",
            outcomes=[],
            places=6,
            minimum_members=6,
            deadline=timezone.now() + timedelta(days=3),
            price_per_place=Decimal("10.00"),
        )
    with pytest.raises(PermissionDenied):
        pools.propose_pool(world.listing, by=world.other_provider, title="x")
    pool = world.pool()
    stranger = world.people[6]
    # Nobody can pledge for someone they do not act for.
    with pytest.raises(PermissionDenied):
        world.join(pool, world.people[0], by=stranger)
    # A representative the person invited can.
    daughter = user_factory(display_name="Priya Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=world.people[0],
        representative=daughter,
        invited_email=daughter.email,
        status=Representation.Status.ACCEPTED,
    )
    pledge = world.join(pool, world.people[0], by=daughter)
    assert pledge.pledged_by == daughter
    with pytest.raises(PermissionDenied):
        pools.leave(pledge, by=stranger)
    for someone in (stranger, world.other_provider, None):
        with pytest.raises(PermissionDenied):
            pools.cancel(pool, by=someone)
        with pytest.raises(PermissionDenied):
            pools.deliver(pool, by=someone)
    # A provider without a personal budget cannot join.
    with pytest.raises(PoolError, match="personal budget"):
        pools.pledge(
            pool, world.provider, by=world.provider, goal=world.goals[stranger.pk], method="invoice"
        )


def test_opening_checks_the_details(world):
    with pytest.raises(PoolError, match="between 1 and the places"):
        world.pool(places=4, minimum=5)
    with pytest.raises(PoolError, match="at least one outcome"):
        pools.open_pool(
            world.listing,
            by=world.provider,
            title="No outcome",
            description="",
            outcomes=[],
            places=6,
            minimum_members=6,
            deadline=timezone.now() + timedelta(days=3),
            price_per_place=Decimal("10.00"),
        )
    with pytest.raises(PoolError, match="deadline must be in the future"):
        world.pool(days=-2)


@pytest.mark.usefixtures("stripe_test_settings")
def test_cancelling_a_funded_pool_refunds_everyone(world, stripe_api):
    pool = world.pool(minimum=2)
    card = world.join(pool, world.people[0], "card")
    invoice = world.join(pool, world.people[1], "invoice")
    settle_now(pool)
    pools.cancel(pool, by=world.provider, reason="The tutor is ill")
    cancelled = pool.events.get(to_status=Pool.Status.CANCELLED)
    assert (cancelled.by, cancelled.note) == (world.provider, "The tutor is ill")
    card.refresh_from_db()
    invoice.refresh_from_db()
    assert (card.status, invoice.status) == (Pledge.Status.REFUNDED, Pledge.Status.REFUNDED)
    assert invoice.invoice.status == Invoice.Status.VOID
    for each in (card, invoice):
        assert sum(e.amount for e in LedgerEntry.objects.filter(person=each.member)) == 0
    number = invoice.invoice.number
    assert [line.how_paid for line in ledger.statement_entries(invoice.goal.plan)] == [
        f"Invoiced to {PAYER}, cancelled",
        f"No longer owed: taken off invoice {number} to {PAYER}",
    ]
    assert pools.cancel(pool, by=world.provider).status == Pool.Status.CANCELLED


# --- Reading pools: near me, mine, places and days left ------------------------------------


def _pool_at(world, name, postcode, *, outcome="mental-wellbeing", days=3):
    listing = make_listing(
        "provider",
        name,
        postcode,
        outcomes=[outcome],
        categories=["arts"],
        price="30.00",
        price_unit="session",
        owner=world.provider,
    )
    return pools.open_pool(
        listing,
        by=world.provider,
        title=f"A group at {name}",
        description="A weekly group for adults.",
        outcomes=list(Outcome.objects.filter(slug=outcome)),
        places=8,
        minimum_members=4,
        deadline=timezone.now() + timedelta(days=days, hours=1),
        price_per_place=Decimal("30.00"),
    )


def test_pools_near_me_are_open_within_the_radius_nearest_first(world):
    from directory import geo
    from marketplace.pools import records

    studio = world.pool()  # Stockport, SK1 1QE
    oldham = _pool_at(world, "Oldham Art Group", "OL8 1AA")
    bristol = _pool_at(world, "Bristol Art Group", "BS1 5TR")
    social = _pool_at(world, "Stockport Social Club", "SK4 1AA", outcome="social-inclusion")
    closed = _pool_at(world, "Hazel Grove Art Group", "SK7 4AA")
    pools.cancel(closed, by=world.provider)

    stockport = geo.locate("SK2 6PL")
    origin = (stockport.lat, stockport.lng)
    near = records.open_pools_near(origin, radius_miles=10)
    assert [row.pool for row in near] == [studio, social, oldham]
    distances = [row.distance_km for row in near]
    assert distances == sorted(distances)
    assert 0 < distances[0] < 5 and 8 < distances[-1] < geo.miles_to_km(10)

    assert [row.pool for row in records.open_pools_near(origin, radius_miles=3)] == [
        studio,
        social,
    ]
    wellbeing = Outcome.objects.get(slug="mental-wellbeing")
    assert [row.pool for row in records.open_pools_near(origin, 10, outcome=wellbeing)] == [
        studio,
        oldham,
    ]
    everywhere = records.open_pools_near()
    assert {row.pool for row in everywhere} == {studio, oldham, bristol, social}
    assert all(row.distance_km is None for row in everywhere)


def test_a_pool_past_its_deadline_is_not_offered_to_join(world):
    from marketplace.pools import records

    pool = world.pool()
    Pool.objects.filter(pk=pool.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert records.open_pools_near() == []


def test_my_pools_are_those_i_run_organise_or_pledged_to_or_act_for(world, user_factory):
    from marketplace.pools import records

    pool = world.pool()
    other = _pool_at(world, "Oldham Art Group", "OL8 1AA")
    member, outsider = world.people[0], world.people[1]
    world.join(pool, member)
    daughter = user_factory(display_name="Kerry Hughes", roles=["representative"])
    Representation.objects.create(
        budget_holder=member,
        representative=daughter,
        invited_email=daughter.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    assert set(records.pools_for(world.provider)) == {pool, other}
    assert list(records.pools_for(member)) == [pool]
    assert list(records.pools_for(daughter)) == [pool]
    assert list(records.pools_for(outsider)) == []
    assert list(records.pools_for(world.other_provider)) == []


def test_places_and_days_left_are_counted_from_held_and_taken_pledges(world):
    from marketplace.pools import records

    pool = world.pool(places=6, minimum=2, days=3)
    first, second, third = world.people[:3]
    world.join(pool, first)
    world.join(pool, second)
    pledge = world.join(pool, third)
    pools.leave(pledge, by=third)
    assert records.places_filled(pool) == 2
    assert records.places_left(pool) == 4
    Pool.objects.filter(pk=pool.pk).update(places=2, minimum_members=1)
    pool.refresh_from_db()
    assert records.places_left(pool) == 0
    assert records.days_left(pool, now=pool.deadline - timedelta(days=3, hours=1)) == 3
    assert records.days_left(pool, now=pool.deadline - timedelta(hours=23)) == 0
    assert records.days_left(pool, now=pool.deadline + timedelta(days=2)) == 0


def test_a_members_held_pledge_is_found_and_a_left_one_is_not(world):
    from marketplace.pools import records

    pool = world.pool()
    first, second = world.people[:2]
    held = world.join(pool, first)
    assert records.held_pledge(pool, first) == held
    assert records.held_pledge(pool, second) is None
    pools.leave(held, by=first)
    assert records.held_pledge(pool, first) is None


def test_a_refusal_names_the_pool_state_in_words(world):
    from marketplace.pools import records

    pool = world.pool()
    pools.cancel(pool, by=world.provider)
    pool.refresh_from_db()
    error = records.refuse(pool, "joined")
    assert isinstance(error, PoolError)
    assert str(error) == "This pool is cancelled, so it cannot be joined."


def test_only_the_member_or_someone_acting_for_them_may_leave(world):
    pool = world.pool()
    pledge = world.join(pool, world.people[0])
    with pytest.raises(PermissionDenied) as caught:
        pools.leave(pledge, by=world.people[1])
    assert str(caught.value) == "Only the member, or someone who acts for them, can leave a pool."


# --- Reconciling a pledge's money with its story (the scheduler's money round) -------------


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_share_taken_at_stripe_while_the_pledge_still_says_held_is_recorded_as_taken(world):
    """The capture went through but Kith never heard: the next round records what was taken."""
    pool = world.pool(places=6, minimum=1, days=3)
    pledge = world.join(pool, world.people[0], method="card")
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.FUNDED)
    cards.take(card(pledge), amount=Decimal("40.00"))
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.HELD

    money.reconcile(pledge)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    assert pledge.amount == Decimal("40.00")
    money.reconcile(pledge)
    pledge.refresh_from_db()
    assert (pledge.status, pledge.amount) == (Pledge.Status.CAPTURED, Decimal("40.00"))


@pytest.mark.usefixtures("stripe_test_settings")
def test_an_open_pools_held_share_is_left_alone(world, stripe_api):
    pool = world.pool(places=6, minimum=2, days=3)
    pledge = world.join(pool, world.people[0], method="card")
    money.reconcile(pledge)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.HELD
    assert stripe_api.v1.payment_intents.retrieve(intent_of(pledge)).status == "requires_capture"


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_failed_pools_held_share_is_released_with_a_zero_line(world, stripe_api):
    pool = world.pool(places=6, minimum=2, days=3)
    pledge = world.join(pool, world.people[0], method="card")
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.FAILED)
    money.reconcile(pledge)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.RELEASED
    assert stripe_api.v1.payment_intents.retrieve(intent_of(pledge)).status == "canceled"
    line = LedgerEntry.objects.get(reference=ledger.release_reference(pledge))
    assert line.amount == Decimal("0.00")
    assert line.description == (f"Pledge of £45.00 to {pool.title} released: nothing taken")
    money.reconcile(pledge)
    assert LedgerEntry.objects.filter(reference=ledger.release_reference(pledge)).count() == 1


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_cancelled_pools_taken_share_is_refunded_in_full(world, stripe_api):
    pool = world.pool(places=6, minimum=1, days=3)
    pledge = world.join(pool, world.people[0], method="card")
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.FUNDED)
    money.take_share(pledge)
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.CANCELLED)
    money.reconcile(pledge)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.REFUNDED
    payment = card(pledge)
    assert payment.refunded_amount == Decimal("45.00")
    charge = stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent)
    assert charge.status == "succeeded"
    refunds = stripe_api.v1.refunds.list(params={"payment_intent": charge.id}).data
    assert sum(refund.amount for refund in refunds) == 4500


def test_an_invoice_share_of_a_pool_that_failed_is_cancelled_not_chased(world):
    pool = world.pool(places=6, minimum=2, days=3)
    pledge = world.join(pool, world.people[0])
    Pool.objects.filter(pk=pool.pk).update(status=Pool.Status.FAILED)
    money.reconcile(pledge)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.RELEASED
    if pledge.invoice_id:
        assert pledge.invoice.status == Invoice.Status.VOID


def test_a_suspended_listing_takes_no_new_pool_opening_or_member_until_lifted(
    world, user_factory, django_capture_on_commit_callbacks
):
    from directory.safety import services as safety

    moderator = user_factory(display_name="Mo Ahmed", roles=["moderator"])

    def propose(title):
        return world.propose(title, price_per_place=Decimal("40.00"))

    open_pool = world.pool()
    draft = propose("Saturday pottery for six")
    already = world.join(open_pool, world.people[1])
    with django_capture_on_commit_callbacks(execute=True):
        safety.suspend(world.listing, moderator, "Two missed classes reported; checking.")

    refused = "Stockport Art Studio cannot take part in pools at the moment"
    with pytest.raises(PoolError, match=refused):
        world.pool()
    with pytest.raises(PoolError, match=refused):
        propose("Sunday pottery for six")
    with pytest.raises(PoolError, match=refused):
        pools.publish(draft, by=world.provider)
    with pytest.raises(PoolError, match=refused):
        world.join(open_pool, world.people[2])
    assert Pledge.objects.filter(pool=open_pool).count() == 1  # the member already in stays
    already.refresh_from_db()
    assert already.status == Pledge.Status.HELD

    with django_capture_on_commit_callbacks(execute=True):
        safety.lift(world.listing, moderator, "Classes checked with the studio.")
    assert world.join(open_pool, world.people[2]).status == Pledge.Status.HELD
    assert pools.publish(draft, by=world.provider).status == Pool.Status.OPEN
