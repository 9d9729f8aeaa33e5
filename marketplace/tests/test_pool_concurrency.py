"""No oversell, no orphan money: 30+ people pledge at once for a pool with 10 places.

Only meaningful on PostgreSQL, where the pool's row lock really serialises
the place count (SQLite serialises every writer anyway). Run with
DATABASE_URL pointing at PostgreSQL (``scripts/services/postgres.sh``); the
cards go to localstripe, which is then asked what it holds.
"""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from conftest import require_service
from directory.factories import make_listing
from directory.models import Outcome
from marketplace.models import Pledge
from marketplace.payments import cards
from marketplace.pools import services as pools
from marketplace.pools.services import PoolError
from marketplace.tests.conftest import connect_payee
from matching.models import Goal
from matching.plans import create_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("stripe_test_settings"),
]

PEOPLE = 36
PLACES = 10


@pytest.fixture(autouse=True)
def postgresql_only():
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are only tested on PostgreSQL; DATABASE_URL is not PostgreSQL.")


def run_together(jobs):
    """Start every job at the same moment, each in its own thread (and database connection)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 – the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_thirty_six_card_pledges_for_ten_places_hold_exactly_ten_and_orphan_nothing(
    user_factory, stripe_api
):
    provider = user_factory(display_name="Hannah Ward", roles=["provider"])
    listing = make_listing(
        "provider", "Stockport Art Studio", "SK1 1QE", outcomes=["mental-wellbeing"], owner=provider
    )
    connect_payee(provider)  # card shares are offered only when the provider can be paid
    wellbeing = Outcome.objects.get(slug="mental-wellbeing")
    pool = pools.open_pool(
        listing,
        by=provider,
        title="Thursday art class",
        description="Weekly art class, ten places.",
        outcomes=[wellbeing],
        places=PLACES,
        minimum_members=6,
        deadline=timezone.now() + timedelta(days=3),
        price_per_place=Decimal("45.00"),
    )
    members = []
    for n in range(PEOPLE):
        person = user_factory(display_name=f"Member {n}", roles=["budget_holder"])
        goal = Goal.objects.create(plan=create_plan(person), text="Something creative weekly")
        goal.outcomes.add(wellbeing)
        members.append((person, goal))

    def join(person, goal):
        return lambda: pools.pledge(
            pool, person, by=person, goal=goal, method="card", payment_method="pm_card_visa"
        )

    results = run_together([join(person, goal) for person, goal in members])

    held = [r for r in results if isinstance(r, Pledge)]
    refused = [r for r in results if isinstance(r, PoolError)]
    others = [r for r in results if not isinstance(r, (Pledge, PoolError))]
    assert others == []
    assert len(held) == PLACES
    assert len(refused) == PEOPLE - PLACES
    assert all("Sorry, this pool is full: all 10 places" in str(r) for r in refused)
    assert Pledge.objects.filter(pool=pool, status=Pledge.Status.HELD).count() == PLACES
    # Refused pledges never reached the database, so they never reached Stripe.
    assert Pledge.objects.filter(pool=pool).count() == PLACES

    # What localstripe holds for this pool: exactly the ten held pledges' authorisations.
    intents = [
        intent
        for intent in stripe_api.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
        if intent.metadata.to_dict().get("pool") == str(pool.pk)
    ]
    authorised = {i.id for i in intents if i.status == "requires_capture"}
    held_ids = {
        cards.current_payment(p).stripe_payment_intent
        for p in Pledge.objects.filter(pool=pool, status="held")
    }
    assert authorised == held_ids
    assert len(authorised) == PLACES
    held_pledges = {str(p.pk) for p in held}
    orphaned = [
        i
        for i in intents
        if i.status == "requires_capture" and i.metadata.to_dict().get("pledge") not in held_pledges
    ]
    assert orphaned == []
