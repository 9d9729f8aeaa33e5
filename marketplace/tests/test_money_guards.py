"""Money guards a budget holder relies on: overspend warnings by plan line and period
(counting bookings asked for and pool pledges), the statement's agreed budget and pledges,
no delivery before the start date, and the wording of the booking form."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory.models import Outcome
from marketplace.bookings import services as bookings
from marketplace.bookings.views import overspend_warning
from marketplace.models import Offer, PaymentRoute
from marketplace.payments import ledger
from marketplace.pools import services as pools
from marketplace.templatetags.when_tags import when

pytestmark = pytest.mark.django_db

MANAGED = PaymentRoute.MANAGED_ACCOUNT
JAN = date(2027, 1, 11)


def forty_a_month(market):
    market.goal.budget_amount = Decimal("40.00")
    market.goal.budget_period = "month"
    market.goal.save()
    return market.goal


def block(market, price="360.00", starts_on=JAN) -> Offer:
    return Offer.objects.create(
        listing=market.listing,
        kind=Offer.Kind.BLOCK,
        title="Ten swimming lessons",
        price=Decimal(price),
        sessions=10,
        starts_on=starts_on,
    )


def pool_pledge(market, deadline: datetime, share="30.00"):
    """Sam pledges a share of a group swim, on his swimming line, by invoice."""
    health = Outcome.objects.get(slug="physical-health")
    market.goal.outcomes.add(health)
    pool = pools.open_pool(
        market.listing,
        by=market.owner,
        title="Group hydrotherapy sessions",
        description="Six hydrotherapy sessions for a small group, with a physiotherapist.",
        outcomes=[health],
        places=6,
        minimum_members=2,
        deadline=deadline,
        price_per_place=Decimal(share),
    )
    return pools.pledge(
        pool,
        market.person,
        by=market.person,
        goal=market.goal,
        method="invoice",
        payer_name="Stockport Direct Payments Support Service",
        payer_email="accounts@example.org",
    )


# --- Overspend warnings by line and period ------------------------------------------------


def test_a_360_block_against_a_40_a_month_line_warns(market):
    goal = forty_a_month(market)
    check = ledger.check_line(goal, Decimal("360.00"), JAN)
    assert (check.budget, check.used, check.left, check.beyond) == (
        Decimal("40.00"),
        Decimal("0.00"),
        Decimal("40.00"),
        Decimal("320.00"),
    )
    assert check.over
    assert ledger.would_overspend(goal, Decimal("360.00"), JAN) == (True, Decimal("40.00"))
    assert overspend_warning(goal, Decimal("360.00"), JAN) == (
        "This would take your “I want to go swimming again to get fitter” line over its "
        "budget of £40.00 a month by £320.00. This booking is £360.00 for January 2027."
    )
    # £480 a year would have hidden it: the year is not the period.
    assert ledger.agreed_for_year(goal) == Decimal("480.00")


def test_the_booking_form_warns_for_the_360_block(client, market, no_stripe):
    forty_a_month(market)
    offer = block(market)
    client.force_login(market.person)
    response = client.post(
        reverse("marketplace:offer_book", args=[offer.pk]),
        {
            "quantity": "1",
            "goal": str(market.goal.pk),
            "payment_route": MANAGED,
            "payer_name": "Stockport Direct Payments Support Service",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "over its budget of £40.00 a month by £320.00" in text
    assert "I understand" in text
    assert not offer.bookings.exists()


def test_pending_bookings_count_in_their_own_month_only(market, no_stripe):
    goal = forty_a_month(market)
    lessons = block(market, price="30.00")
    bookings.request_booking(
        lessons,
        market.person,
        by=market.person,
        payment_route=MANAGED,
        goal=goal,
        payer_name="Stockport Direct Payments Support Service",
    )  # asked for, not yet accepted: £30 in January
    check = ledger.check_line(goal, Decimal("20.00"), JAN)
    assert (check.used, check.left, check.over) == (Decimal("30.00"), Decimal("10.00"), True)
    assert overspend_warning(goal, Decimal("20.00"), JAN).endswith(
        "over its budget of £40.00 a month by £10.00. In January 2027, £30.00 is already "
        "spent, promised or asked for, and this booking is £20.00."
    )
    assert not ledger.check_line(goal, Decimal("20.00"), date(2027, 2, 1)).over
    # A declined booking no longer counts.
    bookings.decline(lessons.bookings.get(), by=market.owner, reason="Full that month.")
    assert not ledger.check_line(goal, Decimal("20.00"), JAN).over


def test_held_pool_pledges_count_in_the_month_their_money_is_taken(market, no_stripe):
    goal = forty_a_month(market)
    deadline = timezone.now() + timedelta(days=5)
    pool_pledge(market, deadline, share="30.00")
    month = timezone.localdate(deadline)
    check = ledger.check_line(goal, Decimal("15.00"), month)
    assert (check.used, check.over) == (Decimal("30.00"), True)
    assert ledger.check_line(goal, Decimal("15.00"), month + timedelta(days=62)).used == 0


def test_spending_already_in_the_ledger_counts_by_its_date(market, no_stripe):
    goal = forty_a_month(market)
    market.delivered(MANAGED)  # £45 invoiced today
    today = timezone.localdate()
    check = ledger.check_line(goal, Decimal("1.00"), today)
    assert (check.used, check.left) == (Decimal("45.00"), Decimal("-5.00"))
    assert "already spent, promised or asked for" in overspend_warning(goal, Decimal("1"), today)
    assert ledger.check_line(goal, Decimal("1.00"), today + timedelta(days=40)).used == 0


def test_weekly_lines_are_checked_by_the_week_monday_to_sunday(market):
    goal = market.goal
    goal.budget_amount, goal.budget_period = Decimal("50.00"), "week"
    goal.save()
    check = ledger.check_line(goal, Decimal("60.00"), date(2027, 1, 6))  # a Wednesday
    assert check.period == (date(2027, 1, 4), date(2027, 1, 10))
    assert check.period_words == "the week of 4 January 2027"
    assert "£50.00 a week by £10.00" in overspend_warning(goal, Decimal("60"), date(2027, 1, 6))


def test_yearly_and_one_off_lines_are_checked_against_the_whole_budget(market, no_stripe):
    goal = market.goal
    goal.budget_amount, goal.budget_period = Decimal("400.00"), "year"
    goal.save()
    market.request(MANAGED, quantity=8)  # £360 asked for
    check = ledger.check_line(goal, Decimal("45.00"), JAN)
    assert (check.period, check.used, check.beyond) == (None, Decimal("360.00"), Decimal("5.00"))
    assert overspend_warning(goal, Decimal("45.00"), JAN).endswith(
        "over its budget of £400.00 a year by £5.00. £360.00 is already spent, promised or "
        "asked for, and this booking is £45.00."
    )


def test_the_pool_join_page_warns_before_anything_is_filled_in(client, market, no_stripe):
    goal = forty_a_month(market)
    deadline = timezone.now() + timedelta(days=5)
    pledge = pool_pledge(market, deadline, share="30.00")  # Sam's own £30 is held
    other = pools.open_pool(
        market.listing,
        by=market.owner,
        title="Aquafit for beginners",
        description="Eight aquafit sessions for beginners, in the small pool.",
        outcomes=list(pledge.pool.outcomes.all()),
        places=8,
        minimum_members=3,
        deadline=deadline,
        price_per_place=Decimal("25.00"),
    )
    client.force_login(market.person)
    text = client.get(reverse("marketplace:pool_join", args=[other.pk])).content.decode()
    month = f"{timezone.localdate(deadline):%B %Y}"
    assert (
        f"This would take your “{goal}” line over its budget of £40.00 a month by £15.00. "
        f"In {month}, £30.00 is already spent, promised or asked for, and your share is £25.00."
    ) in text


# --- The statement ------------------------------------------------------------------


def test_statement_uses_the_agreed_budget_and_includes_pool_pledges(client, market, no_stripe):
    market.plan.agreed_budget = Decimal("9100.00")
    market.plan.save()
    market.goal.budget_amount = Decimal("60.00")  # £720 a year
    market.goal.save()
    market.delivered(MANAGED)  # £45 spent (invoiced)
    market.accepted(MANAGED)  # £45 committed
    pool_pledge(market, timezone.now() + timedelta(days=5), share="30.00")  # £30 pledged

    statement = ledger.plan_statement(market.plan)
    assert statement.budget_is_agreed
    assert statement.total.agreed == Decimal("9100.00")  # not the £720 of the line
    assert statement.lines_agreed == Decimal("720.00")
    assert statement.not_in_lines == Decimal("8380.00")
    assert statement.pledged == Decimal("30.00")
    assert statement.total.committed == Decimal("75.00")  # £45 accepted + £30 pledged
    assert statement.total.spent == Decimal("45.00")
    assert statement.total.left == Decimal("8980.00")

    client.force_login(market.person)
    text = client.get(reverse("marketplace:statement", args=[market.plan.pk])).content.decode()
    assert "The budget agreed for the year is £9,100.00." in text
    assert "£8,380.00 of it is not given to a plan line yet." in text
    assert "Committed includes £30.00 pledged to group purchases (pools)" in text
    assert "£8,980.00" in text
    assert 'role="region" aria-labelledby="lines-caption" tabindex="0"' in text


def test_without_an_agreed_budget_the_lines_stand_in_and_it_says_so(client, market):
    statement = ledger.plan_statement(market.plan)
    assert not statement.budget_is_agreed
    assert statement.total.agreed == Decimal("720.00")
    client.force_login(market.person)
    text = client.get(reverse("marketplace:statement", args=[market.plan.pk])).content.decode()
    assert "No budget has been agreed for this plan yet" in text


# --- Delivery not before the start -----------------------------------------------------


def test_a_booking_cannot_be_delivered_before_it_starts(market, no_stripe):
    lessons = block(market, price="45.00", starts_on=date(2027, 1, 11))
    booking = bookings.request_booking(
        lessons,
        market.person,
        by=market.person,
        payment_route=MANAGED,
        payer_name="Stockport Direct Payments Support Service",
    )
    bookings.accept(booking, by=market.owner)
    with pytest.raises(bookings.BookingError, match="starts on 11 January 2027"):
        bookings.deliver(booking, by=market.owner, today=date(2027, 1, 10))
    # The provider's page says when instead of offering the button.
    client = Client()
    client.force_login(market.owner)
    page = client.get(reverse("marketplace:booking_requests")).content.decode()
    if timezone.localdate() < date(2027, 1, 11):
        assert "you can mark it as delivered from then" in page
        assert "Mark as delivered" not in page
    assert bookings.deliver(booking, by=market.owner, today=date(2027, 1, 11)).status == "delivered"


# --- Wording -----------------------------------------------------------------------------


def test_a_representative_sees_the_persons_name_not_my(client, market, no_stripe):
    client.force_login(market.representative)
    text = client.get(reverse("marketplace:offer_book", args=[market.offer.pk])).content.decode()
    assert "Invoice to Sam Patel’s managed account" in text
    assert "Invoice to Sam Patel’s individual service fund" in text
    assert "my managed account" not in text.lower()
    client.force_login(market.person)
    text = client.get(reverse("marketplace:offer_book", args=[market.offer.pk])).content.decode()
    assert "Invoice to your managed account" in text


def test_dates_hours_and_times_read_as_people_write_them(client, market, no_stripe):
    Offer.objects.filter(pk=market.offer.pk).update(
        kind=Offer.Kind.WEEKLY_HOURS, hours_per_week=Decimal("6.0"), weeks=4
    )
    client.force_login(market.person)
    text = client.get(reverse("marketplace:offer_book", args=[market.offer.pk])).content.decode()
    assert "<dd>6 for 4 weeks</dd>" in text and "6.0" not in text
    assert "Written as" not in text and "2027-01-06" not in text
    listing = Client().get(market.listing.url).content.decode()
    assert "for 6 hours a week over 4 weeks" in listing
    evening = timezone.make_aware(datetime(2027, 1, 6, 18, 0))
    assert when(evening) == "6pm on 6 January 2027"
    assert when(evening.replace(minute=30)) == "6:30pm on 6 January 2027"
    assert when(evening.replace(hour=12)) == "midday on 6 January 2027"
    assert when(evening.replace(hour=9, minute=5)) == "9:05am on 6 January 2027"


def test_a_date_box_is_filled_in_as_the_browser_reads_it(client, market, no_stripe):
    # A date box's value is year-month-day; "11/01/2027" would leave the picker empty.
    offer = block(market, price="45.00", starts_on=JAN)
    client.force_login(market.person)
    text = client.get(reverse("marketplace:offer_book", args=[offer.pk])).content.decode()
    assert 'type="date" name="starts_on" value="2027-01-11"' in text
    client.force_login(market.owner)
    text = client.get(reverse("marketplace:offer_edit", args=[offer.pk])).content.decode()
    assert 'value="2027-01-11"' in text and "11/01/2027" not in text
