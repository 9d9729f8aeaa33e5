"""Invoices for the managed account and individual service fund routes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from marketplace.bookings import services as bookings
from marketplace.models import Booking, Invoice, InvoiceCounter, LedgerEntry, PaymentRoute
from marketplace.payments import invoices
from marketplace.payments.invoices import InvoiceError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stripe")]

MANAGED = PaymentRoute.MANAGED_ACCOUNT
ISF = PaymentRoute.INDIVIDUAL_SERVICE_FUND


def number(n):
    return f"KITH-{timezone.localdate().year}-{n:06d}"


def test_invoice_journey_for_a_managed_account(market):
    booking = market.accepted(MANAGED)
    booking = bookings.deliver(booking, by=market.owner)

    invoice = Invoice.objects.get(booking=booking)
    assert invoice.number == number(1)
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.payer_name == "Stockport Direct Payments Support Service"
    assert invoice.payer_email == "accounts@example.org"
    assert invoice.person == market.person
    assert invoice.amount == Decimal("45.00")
    assert invoice.description == "Six one-to-one swimming lessons from Grand Central Pools"
    assert invoice.due_on == timezone.localdate() + timedelta(days=28)
    assert booking.status == Booking.Status.DELIVERED
    assert booking.events.last().note == (
        f"Invoice {number(1)} sent to Stockport Direct Payments Support Service."
    )
    line = LedgerEntry.objects.get()
    assert (line.kind, line.reference, line.amount) == ("invoice", number(1), Decimal("45.00"))

    bookings.mark_paid(booking, by=market.owner)

    invoice.refresh_from_db()
    booking.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_at is not None
    assert booking.status == Booking.Status.PAID
    assert booking.events.last().note == f"Invoice {number(1)} paid."
    assert booking.events.last().by == market.owner
    # Paying an invoice adds nothing to the ledger: it was spent when invoiced.
    assert LedgerEntry.objects.count() == 1


def test_individual_service_fund_route_is_invoiced_too(market):
    booking = market.delivered(ISF, payer_name="Stockport Support Ltd (ISF)")
    assert Invoice.objects.get(booking=booking).payer_name == "Stockport Support Ltd (ISF)"


def test_marking_the_booking_paid_marks_its_invoice_paid(market):
    booking = bookings.mark_paid(market.delivered(MANAGED), by=market.owner)
    assert booking.status == Booking.Status.PAID
    assert Invoice.objects.get().status == Invoice.Status.PAID


def test_numbers_run_on_without_gaps(market):
    numbers = [Invoice.objects.get(booking=market.delivered(MANAGED)).number for _ in range(3)]
    assert numbers == [number(1), number(2), number(3)]
    assert InvoiceCounter.objects.get(year=timezone.localdate().year).last_number == 3


def test_each_year_starts_at_one(db):
    InvoiceCounter.objects.create(year=2026, last_number=41)
    assert invoices.next_invoice_number(2026) == "KITH-2026-000042"
    assert invoices.next_invoice_number(2027) == "KITH-2027-000001"


def test_issuing_twice_returns_the_same_invoice(market):
    booking = market.delivered(MANAGED)
    assert invoices.issue_invoice(booking).number == number(1)
    assert invoices.issue_invoice(booking).number == number(1)
    assert Invoice.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_card_bookings_have_no_invoice(market, stripe_api):
    with pytest.raises(InvoiceError, match="paid by card"):
        invoices.issue_invoice(market.request(PaymentRoute.CARD))


def test_marking_paid_twice_is_a_noop(market):
    booking = market.delivered(MANAGED)
    invoice = Invoice.objects.get()
    bookings.mark_paid(booking, by=market.owner)
    bookings.mark_paid(booking, by=market.owner)
    invoices.mark_invoice_paid(invoice, by=market.owner)
    assert booking.events.filter(to_status=Booking.Status.PAID).count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_voiding_posts_a_line_that_takes_it_back_off_and_a_new_invoice_gets_a_new_number(market):
    booking = market.delivered(MANAGED)
    invoice = Invoice.objects.get()

    invoices.void_invoice(invoice, by=market.owner)
    invoices.void_invoice(invoice, by=market.owner)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [
        ("invoice", Decimal("45.00")),
        ("invoice_void", Decimal("-45.00")),
    ]
    with pytest.raises(InvoiceError, match="was cancelled"):
        invoices.mark_invoice_paid(invoice, by=market.owner)
    assert invoices.issue_invoice(booking).number == number(2)


def test_a_paid_invoice_cannot_be_cancelled(market):
    market.delivered(MANAGED)
    invoice = invoices.mark_invoice_paid(Invoice.objects.get(), by=market.owner)
    with pytest.raises(InvoiceError, match="has been paid"):
        invoices.void_invoice(invoice, by=market.owner)


def test_cancelling_a_booking_before_payment_cancels_its_invoice(market):
    """A provider may invoice in advance; if the booking is then cancelled nothing is owed."""
    booking = market.accepted(MANAGED)
    invoice = invoices.issue_invoice(booking)

    bookings.cancel(booking, by=market.person, reason="Moved to Bolton")

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0


@pytest.mark.parametrize(
    "actor", ["person", "representative", "other_owner", "practitioner", "nobody", "anonymous"]
)
def test_only_the_supplier_records_payment_or_cancels_an_invoice(market, actor):
    market.delivered(MANAGED)
    invoice = Invoice.objects.get()
    by = market.actor(actor)
    with pytest.raises(PermissionDenied):
        invoices.mark_invoice_paid(invoice, by=by)
    with pytest.raises(PermissionDenied):
        invoices.void_invoice(invoice, by=by)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED


def test_overdue_invoices_are_the_unpaid_ones_past_their_due_date(market):
    late = Invoice.objects.get(booking=market.delivered(MANAGED))
    paid = Invoice.objects.get(booking=market.delivered(MANAGED))
    invoices.mark_invoice_paid(paid, by=market.owner)
    Invoice.objects.get(booking=market.delivered(MANAGED))  # due in 28 days
    assert list(invoices.overdue_invoices()) == []

    five_weeks_ago = timezone.localdate() - timedelta(weeks=5)
    Invoice.objects.filter(pk__in=[late.pk, paid.pk]).update(
        due_on=five_weeks_ago + timedelta(days=28)
    )

    assert list(invoices.overdue_invoices()) == [late]
