"""Direct payment holders pay by card, and a representative can pay for them.

A direct payment is often a prepaid card, so a plan funded by direct
payment is offered card first, on the booking and the pool forms. Aisha,
who acts for her father Sam, pays with his card: the Payment records her
as ``paid_by`` and Sam's statement says "Paid by card by Aisha Patel,
representative". Card tests run against the fake Stripe (localstripe).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Representation
from marketplace.bookings import services as bookings
from marketplace.models import Booking, Pledge
from marketplace.payments import ledger
from marketplace.tests.test_pools import make_world, settle_now
from matching.models import PaymentRoute as FundingRoute
from matching.models import PlanFunding

pytestmark = pytest.mark.django_db


def book_url(market):
    return reverse("marketplace:offer_book", args=[market.offer.pk])


def checked(page: str, name: str) -> str:
    """The value of the ticked radio button called ``name`` on a page."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return ""


@pytest.mark.usefixtures("stripe_test_settings")
@pytest.mark.parametrize(
    ("funding", "ticked"),
    [
        (FundingRoute.DIRECT_PAYMENT, "card"),
        (FundingRoute.SELF_FUNDED, "card"),
        (FundingRoute.MANAGED_ACCOUNT, "managed_account"),
        (FundingRoute.INDIVIDUAL_SERVICE_FUND, "individual_service_fund"),
    ],
)
def test_the_booking_form_offers_what_the_plan_is_funded_by(client, market, funding, ticked):
    PlanFunding.objects.create(plan=market.plan, route=funding)
    client.force_login(market.representative)
    page = client.get(book_url(market)).content.decode()
    assert checked(page, "payment_route") == ticked
    assert 'value="card"' in page  # card is always offered while it can be used
    assert "A direct payment card is paid with like any card" in page


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_representative_pays_by_card_for_a_direct_payment_holder(client, market):
    PlanFunding.objects.create(plan=market.plan, route=FundingRoute.DIRECT_PAYMENT)
    client.force_login(market.representative)
    response = client.post(
        book_url(market),
        {
            "quantity": "1",
            "goal": str(market.goal.pk),
            "payment_route": "card",
            "test_card": "pm_card_visa",
        },
    )
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert booking.person == market.person and booking.requested_by == market.representative
    bookings.deliver(bookings.accept(booking, by=market.owner), by=market.owner)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PAID
    payment = bookings.taken_payment(booking)
    assert (payment.person, payment.paid_by) == (market.person, market.representative)

    [line] = ledger.statement_entries(market.plan)
    assert line.how_paid == "Paid by card by Aisha Patel, representative"
    client.force_login(market.person)
    for name in ("statement", "statement_print"):
        text = client.get(reverse(f"marketplace:{name}", args=[market.plan.pk])).content.decode()
        assert "Paid by card by Aisha Patel, representative" in text, name
    csv = client.get(reverse("marketplace:statement_csv", args=[market.plan.pk])).content.decode()
    assert csv.strip().endswith('"Paid by card by Aisha Patel, representative"')


@pytest.mark.usefixtures("stripe_test_settings")
def test_the_person_paying_themselves_is_named_without_a_role(market):
    booking = market.delivered()  # Sam books and pays with his own direct payment card
    assert bookings.taken_payment(booking).paid_by == market.person
    lines = ledger.statement_entries(market.plan)
    assert [line.how_paid for line in lines] == ["Paid by card by Sam Patel"]
    bookings.refund(booking, by=market.owner, amount=Decimal("5.00"), request="r1")
    lines = ledger.statement_entries(market.plan)
    assert [line.how_paid for line in lines] == [
        "Paid by card by Sam Patel",
        "Refunded to the card",
    ]


@pytest.mark.usefixtures("stripe_test_settings")
def test_a_representative_pays_a_pool_share_by_card(client, user_factory):
    world = make_world(user_factory)
    member = world.people[1]  # Sam Patel in Stockport
    helper = user_factory(display_name="Ravi Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=member,
        representative=helper,
        invited_email=helper.email,
        relationship="son",
        status=Representation.Status.ACCEPTED,
    )
    goal = world.goals[member.pk]
    PlanFunding.objects.create(plan=goal.plan, route=FundingRoute.DIRECT_PAYMENT)
    pool = world.pool(minimum=1, places=2)
    client.force_login(helper)
    url = reverse("marketplace:pool_join", args=[pool.pk])
    page = client.get(url).content.decode()
    assert checked(page, "method") == "card"
    assert "Card (a direct payment card or your own)" in page
    response = client.post(url, {"goal": goal.pk, "method": "card", "test_card": "pm_card_visa"})
    assert response.status_code == 302, response.content.decode()
    pledge = Pledge.objects.get(member=member)
    assert pledge.pledged_by == helper
    settle_now(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    [line] = ledger.statement_entries(goal.plan)
    assert line.how_paid == "Paid by card by Ravi Patel, representative"
