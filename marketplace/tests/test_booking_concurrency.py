"""Under real concurrency (PostgreSQL row locks) the last places and invoice numbers stay right.

SQLite serialises every writer, so these tests only mean something on
PostgreSQL: run them with DATABASE_URL pointing at one
(``scripts/services/postgres.sh``).
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from conftest import require_service
from marketplace.bookings import services as bookings
from marketplace.bookings.services import BookingError
from marketplace.models import Booking, Invoice, PaymentRoute
from marketplace.payments import invoices

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_stripe")]

MANAGED = PaymentRoute.MANAGED_ACCOUNT


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
        thread.join(timeout=60)
    return results


def test_twenty_people_asking_for_the_last_three_places_get_three_bookings(market, user_factory):
    market.offer.places = 5
    market.offer.save()
    market.request(MANAGED, quantity=2)
    people = [user_factory(roles=["budget_holder"]) for _ in range(20)]

    def ask(person):
        return lambda: bookings.request_booking(
            market.offer,
            person,
            by=person,
            payment_route=MANAGED,
            payer_name="Stockport Direct Payments Support Service",
        )

    results = run_together([ask(person) for person in people])

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(booked) == 3
    assert len(refused) == 17
    assert {str(r) for r in refused} == {
        "Sorry, there are no places left on Six one-to-one swimming lessons."
    }
    assert bookings.places_left(market.offer) == 0
    assert Booking.objects.filter(offer=market.offer).count() == 4


def test_invoices_issued_at_once_get_consecutive_numbers(market):
    accepted = [market.accepted(MANAGED) for _ in range(10)]

    results = run_together([lambda b=b: invoices.issue_invoice(b) for b in accepted])

    assert all(isinstance(r, Invoice) for r in results), results
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    year = numbers[0].split("-")[1]
    assert numbers == [f"KITH-{year}-{n:06d}" for n in range(1, 11)]
    assert sum(r.amount for r in results) == Decimal("450.00")
