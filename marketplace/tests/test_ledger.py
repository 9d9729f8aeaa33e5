"""The spend ledger and the plan statement a budget holder shows an auditor."""

from decimal import Decimal

import pytest

from marketplace.bookings import services as bookings
from marketplace.models import LedgerEntry, Payment, PaymentRoute
from marketplace.payments import invoices, ledger
from matching.models import Goal

pytestmark = pytest.mark.django_db

MANAGED = PaymentRoute.MANAGED_ACCOUNT


@pytest.fixture
def captured(market):
    """A card payment as it stands once captured (the Stripe side is tested elsewhere)."""
    booking = market.request(MANAGED)
    return Payment.objects.create(
        booking=booking,
        person=market.person,
        amount=Decimal("45.00"),
        status=Payment.Status.CAPTURED,
        stripe_payment_intent="pi_test_ledger",
        idempotency_key="booking-test-ledger",
    )


def test_each_posting_is_made_once_however_often_it_is_called(market, captured):
    first, created = ledger.post_card_payment(captured)
    again, created_again = ledger.post_card_payment(captured)
    assert created and not created_again
    assert first.pk == again.pk

    ledger.post_refund(captured, Decimal("5.00"), "re_1")
    ledger.post_refund(captured, Decimal("5.00"), "re_1")
    ledger.post_refund(captured, Decimal("5.00"), "re_2")
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [
        ("card_payment", Decimal("45.00")),
        ("refund", Decimal("-5.00")),
        ("refund", Decimal("-5.00")),
    ]


def test_lines_are_traced_to_person_plan_goal_and_supplier(market, no_stripe):
    booking = market.delivered(MANAGED)
    entry = LedgerEntry.objects.get(booking=booking)
    assert entry.kind == LedgerEntry.Kind.INVOICE
    assert entry.person == market.person
    assert entry.goal == market.goal
    assert entry.plan == market.plan
    assert entry.supplier == "Grand Central Pools"
    assert entry.reference.startswith("KITH-")


def test_plan_statement_shows_agreed_committed_spent_and_left(market, no_stripe):
    # £60 a month for swimming: £720 over the plan year.
    holiday = Goal.objects.create(
        plan=market.plan,
        text="A short break in Blackpool",
        budget_amount=Decimal("300.00"),
        budget_period="one-off",
        priority=2,
    )
    Goal.objects.create(plan=market.plan, text="Meet people who like fishing", priority=3)

    bookings.mark_paid(market.delivered(MANAGED), by=market.owner)  # spent 45
    market.delivered(MANAGED)  # invoiced, not yet paid: spent 45 (the invoice), not committed
    market.accepted(MANAGED, quantity=2)  # committed 90
    market.request(MANAGED)  # only asked for: neither
    cancelled = market.accepted(MANAGED)
    bookings.cancel(cancelled, by=market.person)  # nothing

    statement = ledger.plan_statement(market.plan)

    swimming, blackpool, fishing = statement.rows
    assert swimming.goal == market.goal
    assert (swimming.agreed, swimming.committed, swimming.spent, swimming.left) == (
        Decimal("720.00"),
        Decimal("90.00"),
        Decimal("90.00"),
        Decimal("540.00"),
    )
    assert blackpool.goal == holiday
    assert (blackpool.agreed, blackpool.committed, blackpool.spent, blackpool.left) == (
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("300.00"),
    )
    assert fishing.agreed is None and fishing.left is None
    total = statement.total
    assert (total.agreed, total.committed, total.spent, total.left) == (
        Decimal("1020.00"),
        Decimal("90.00"),
        Decimal("90.00"),
        Decimal("840.00"),
    )


def test_weekly_budgets_count_52_weeks(market):
    market.goal.budget_amount = Decimal("25.50")
    market.goal.budget_period = "week"
    market.goal.save()
    assert ledger.agreed_for_year(market.goal) == Decimal("1326.00")


def test_a_cancelled_invoice_and_a_refund_come_off_what_was_spent(market, no_stripe, captured):
    ledger.post_card_payment(captured)
    ledger.post_refund(captured, Decimal("15.00"), "re_partial")
    invoice = invoices.issue_invoice(market.accepted(MANAGED))
    invoices.void_invoice(invoice, by=market.owner)

    row = ledger.plan_statement(market.plan).rows[0]
    assert row.spent == Decimal("30.00")
    # The accepted booking whose invoice was cancelled is still promised.
    assert row.committed == Decimal("45.00")


def test_would_overspend_warns_before_booking(market, no_stripe):
    market.goal.budget_amount = Decimal("100.00")
    market.goal.budget_period = "one-off"
    market.goal.save()
    assert ledger.would_overspend(market.goal, Decimal("45.00")) == (False, Decimal("100.00"))

    market.delivered(MANAGED)
    assert ledger.would_overspend(market.goal, Decimal("45.00")) == (False, Decimal("55.00"))
    assert ledger.would_overspend(market.goal, Decimal("55.01")) == (True, Decimal("55.00"))

    market.accepted(MANAGED)
    assert ledger.would_overspend(market.goal, Decimal("45.00")) == (True, Decimal("10.00"))


def test_a_goal_without_a_budget_never_warns(market):
    market.goal.budget_amount = None
    market.goal.save()
    assert ledger.would_overspend(market.goal, Decimal("10000")) == (False, None)


def test_statement_entries_list_the_plans_lines_in_order(market, no_stripe):
    first = market.delivered(MANAGED)
    second = market.delivered(MANAGED)
    entries = list(ledger.statement_entries(market.plan))
    assert [e.booking for e in entries] == [first, second]
