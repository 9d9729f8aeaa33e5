"""The invoice route, as the payer, the provider and the budget holder see it.

The payer (Stockport Direct Payments Support Service, who hold Sam's money
in a managed account) gets the invoice by email with the provider's bank
details and the reference, opens it by a signed link without an account, is
reminded when it is overdue and gets credit notes; the provider marks it
paid and sees the reminders; Sam's statement shows all of it.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from marketplace import reconcile
from marketplace.bookings import services as bookings
from marketplace.models import (
    CreditNote,
    CreditNoteCounter,
    Invoice,
    InvoiceChase,
    LedgerEntry,
    PaymentDetails,
    PaymentRoute,
    Pledge,
)
from marketplace.payments import invoices, ledger, payer
from marketplace.payments.forms import PaymentDetailsForm
from marketplace.payments.invoices import InvoiceError
from marketplace.tests.test_pools import make_world, settle_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stripe")]

MANAGED = PaymentRoute.MANAGED_ACCOUNT
PAYER_EMAIL = "accounts@example.org"
LINK = re.compile(r"https?://\S+/marketplace/invoices/pay/\S+/")


@pytest.fixture
def bank(market):
    return PaymentDetails.objects.create(
        owner=market.owner,
        payee_name="Grand Central Pools Ltd",
        sort_code="309457",
        account_number="00012345",
    )


@pytest.fixture
def invoiced(market, bank, django_capture_on_commit_callbacks):
    """Sam's swimming lessons delivered on his managed account: the invoice is emailed."""
    with django_capture_on_commit_callbacks(execute=True):
        booking = market.delivered(MANAGED)
    return Invoice.objects.get(booking=booking)


def to_payer():
    return [m for m in mail.outbox if m.to == [PAYER_EMAIL]]


def link_in(message) -> str:
    return LINK.search(message.body).group(0)


# --- The invoice reaches the payer ------------------------------------------------------


def test_the_payer_is_emailed_the_invoice_with_bank_details_reference_and_link(invoiced):
    [message] = to_payer()
    assert message.subject == f"Invoice {invoiced.number}: £45.00 for Sam Patel"
    body = message.body
    assert "Hello Stockport Direct Payments Support Service," in body
    assert "due by" in body and "£45.00" in body
    assert "Payee: Grand Central Pools Ltd" in body
    assert "Sort code: 30-94-57" in body
    assert "Account number: 00012345" in body
    assert f"Please quote {invoiced.number} as the payment reference." in body
    assert link_in(message)
    # No notification settings link: the payer has no account.
    assert "choose which ones Kith emails you about" not in body
    invoiced.refresh_from_db()
    assert invoiced.sent_at is not None
    assert "Sort code: 30-94-57" in invoiced.pay_to


def test_the_person_and_their_representative_are_told_it_was_sent(market, invoiced):
    told = Notification.objects.filter(event="invoice_issued")
    assert {n.user for n in told} == {market.person, market.representative}


def test_a_payer_with_a_kith_account_also_sees_it_in_my_notifications(
    market, bank, user_factory, django_capture_on_commit_callbacks
):
    # Its own address, so no other test's payer ever has an account.
    finance_email = "finance@stockport-dpss.example.org"
    finance = user_factory(display_name="Stockport DPSS finance", email=finance_email)
    with django_capture_on_commit_callbacks(execute=True):
        market.delivered(MANAGED, payer_email=finance_email)
    notification = Notification.objects.get(user=finance)
    assert notification.event == "invoice_issued"
    assert "/marketplace/invoices/pay/" in notification.url


def test_without_bank_details_the_payer_is_told_to_ask(market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        market.delivered(MANAGED)
    [message] = to_payer()
    assert "has not given bank details on Kith yet" in message.body


def test_bank_details_changed_later_do_not_change_an_invoice_already_sent(client, invoiced, bank):
    bank.sort_code, bank.account_number = "111111", "99999999"
    bank.save()
    text = client.get(payer.link_for(invoiced)).content.decode()
    assert "30-94-57" in text and "99999999" not in text


def test_no_email_address_means_no_email_and_the_provider_is_told(
    client, market, bank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = market.delivered(MANAGED, payer_email="")
    assert to_payer() == []
    invoice = Invoice.objects.get(booking=booking)
    client.force_login(market.owner)
    text = client.get(reverse("marketplace:invoice_detail", args=[invoice.pk])).content.decode()
    assert "so the invoice was not emailed" in text


# --- The signed link ------------------------------------------------------------------------


def test_the_link_opens_the_invoice_without_an_account(client, invoiced):
    response = client.get(payer.link_for(invoiced))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Invoice {invoiced.number}" in text
    assert "Sort code: 30-94-57" in text
    assert "Print or save as PDF" in text
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_link_in_the_email_is_the_payers_link(invoiced, settings):
    """The emailed address opens this invoice (its signature carries the second it was made,
    so it is compared by what it opens, not letter by letter)."""
    link = link_in(to_payer()[0])
    assert link.startswith(f"{settings.KITH_BASE_URL}/marketplace/invoices/pay/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert payer.invoice_from_token(token) == invoiced


def test_the_link_shows_that_invoice_and_nobody_elses_data(client, market, invoiced):
    other = Invoice.objects.get(booking=market.delivered(MANAGED))
    text = client.get(payer.link_for(invoiced)).content.decode()
    assert invoiced.number in text
    assert other.number not in text
    # Nothing of Sam's plan, goals or other bookings; no way into the parties' pages.
    assert market.goal.text not in text
    assert reverse("marketplace:booking_detail", args=[invoiced.booking_id]) not in text
    assert reverse("marketplace:invoice_action", args=[invoiced.pk, "mark-paid"]) not in text


def test_a_tampered_link_is_refused_plainly(client, invoiced):
    token = payer.token_for(invoiced)
    value, rest = token.split(":", 1)
    forged = signing.b64_encode(
        f'{{"invoice":{invoiced.pk + 1},"number":"{invoiced.number}"}}'.encode()
    ).decode()
    for bad in (forged + ":" + rest, token[:-3] + "abc", "not-a-real-token"):
        response = client.get(reverse("marketplace:invoice_for_payer", args=[bad]))
        assert response.status_code == 404
        assert "not complete or has been changed" in response.content.decode()
    with pytest.raises(payer.LinkRefused) as refused:
        payer.invoice_from_token(token[:-3] + "abc")
    assert str(refused.value) == (
        "This link to an invoice is not complete or has been changed. Copy the whole link "
        "from the email, or ask the provider who sent the invoice for it again."
    )


def test_bank_details_are_fixed_once_even_when_two_steps_read_the_invoice_at_once(
    market, bank, django_capture_on_commit_callbacks
):
    """Two emails for the same invoice built at once from copies read before either fixed the
    details: a change of bank details between them must not replace what was fixed first."""
    with django_capture_on_commit_callbacks(execute=True):
        booking = market.delivered(MANAGED, payer_email="")  # nothing fixed yet
    first, second = Invoice.objects.get(booking=booking), Invoice.objects.get(booking=booking)
    assert first.pay_to == ""
    fixed = payer.fix_pay_to(first)
    bank.sort_code, bank.account_number = "111111", "99999999"
    bank.save()
    payer.fix_pay_to(second)
    first.refresh_from_db()
    assert first.pay_to == fixed
    assert "30-94-57" in fixed and "99999999" not in fixed


def test_an_expired_link_is_refused_plainly(client, invoiced, monkeypatch):
    made = timezone.now() - payer.LINK_MAX_AGE - timedelta(days=1)
    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(int(made.timestamp())),
    )
    old = payer.link_for(invoiced)
    monkeypatch.undo()
    response = client.get(old)
    assert response.status_code == 410
    assert "This link to an invoice has expired" in response.content.decode()


def test_a_link_for_an_invoice_that_is_gone_is_refused(client, market, db):
    token = signing.dumps({"invoice": 999999, "number": "KITH-2026-999999"}, salt=payer.SALT)
    response = client.get(reverse("marketplace:invoice_for_payer", args=[token]))
    assert response.status_code == 404
    assert "no longer on Kith" in response.content.decode()


# --- Reminders -------------------------------------------------------------------------------


def day(invoice, days_after_due):
    """A moment ``days_after_due`` days after the invoice's due date, at noon."""
    return timezone.make_aware(
        datetime.combine(invoice.due_on + timedelta(days=days_after_due), time(12, 0))
    )


def chase(invoice, days_after_due, capture):
    with capture(execute=True):
        return reconcile.run(now=day(invoice, days_after_due))["chased"]


def reminders():
    return [m for m in to_payer() if m.subject.startswith("Reminder")]


def test_the_scheduler_chases_once_per_interval(invoiced, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert chase(invoiced, 1, capture) == 0  # due yesterday: not yet
    assert chase(invoiced, 7, capture) == 1
    assert chase(invoiced, 7, capture) == 0  # run again: nothing twice
    assert chase(invoiced, 20, capture) == 0  # still the first round
    assert chase(invoiced, 21, capture) == 1  # a fortnight on
    assert chase(invoiced, 21, capture) == 0
    assert [c.round for c in InvoiceChase.objects.all()] == [1, 2]
    [first, second] = reminders()
    assert first.subject == f"Reminder: invoice {invoiced.number} is overdue"
    assert "£45.00 is still to pay" in first.body
    assert "How to pay Grand Central Pools:\nPayee: Grand Central Pools Ltd" in first.body
    assert "Sort code: 30-94-57" in first.body
    assert f"Please quote {invoiced.number}" in first.body
    assert LINK.search(first.body)


def test_a_missed_round_is_not_sent_late_on_top_of_the_next(
    invoiced, django_capture_on_commit_callbacks
):
    # The scheduler was down for weeks: one reminder, for the round due now.
    assert chase(invoiced, 40, django_capture_on_commit_callbacks) == 1
    assert list(InvoiceChase.objects.values_list("round", flat=True)) == [3]


def test_paid_and_cancelled_invoices_are_never_chased(
    market, invoiced, django_capture_on_commit_callbacks
):
    bookings.mark_paid(invoiced.booking, by=market.owner)
    cancelled = Invoice.objects.get(booking=market.delivered(MANAGED))
    bookings.cancel(cancelled.booking, by=market.owner)  # written off: the invoice is void
    assert Invoice.objects.get(pk=cancelled.pk).status == Invoice.Status.VOID
    for days in (7, 7, 21, 60):
        assert chase(invoiced, days, django_capture_on_commit_callbacks) == 0
    assert reminders() == [] and not InvoiceChase.objects.exists()


def test_an_invoice_credited_in_full_is_not_chased(
    market, invoiced, django_capture_on_commit_callbacks
):
    bookings.refund(invoiced.booking, by=market.owner, request="all")
    assert chase(invoiced, 7, django_capture_on_commit_callbacks) == 0


def test_the_provider_sees_the_reminders(
    client, market, invoiced, django_capture_on_commit_callbacks
):
    chase(invoiced, 7, django_capture_on_commit_callbacks)
    client.force_login(market.owner)
    text = client.get(reverse("marketplace:invoice_detail", args=[invoiced.pk])).content.decode()
    assert f"Reminder 1 sent to {PAYER_EMAIL}" in text
    # Sam sees the invoice, not the provider's reminder log.
    client.force_login(market.person)
    text = client.get(reverse("marketplace:invoice_detail", args=[invoiced.pk])).content.decode()
    assert "Reminder 1 sent" not in text


def test_the_management_command_reports_reminders(invoiced):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("process_pool_deadlines", stdout=out)
    assert "overdue invoices chased: 0." in out.getvalue()


# --- Marking paid ---------------------------------------------------------------------------


def test_the_provider_marks_a_booking_invoice_paid_twice_safely(client, market, invoiced):
    client.force_login(market.owner)
    url = reverse("marketplace:invoice_action", args=[invoiced.pk, "mark-paid"])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    invoiced.refresh_from_db()
    invoiced.booking.refresh_from_db()
    assert invoiced.status == Invoice.Status.PAID
    assert invoiced.booking.status == "paid"
    assert invoiced.booking.events.filter(note__startswith="Invoice").count() == 2  # sent, paid
    [line] = ledger.statement_entries(market.plan)
    paid_on = f"{timezone.localtime(invoiced.paid_at):%-d %B %Y}"
    assert line.how_paid == (
        f"Invoiced to Stockport Direct Payments Support Service, paid {paid_on}"
    )


def test_another_provider_cannot_mark_it_paid_or_credit_it(client, market, invoiced):
    client.force_login(market.other_owner)
    for action in ("mark-paid", "credit"):
        url = reverse("marketplace:invoice_action", args=[invoiced.pk, action])
        assert client.post(url, {"amount": "10.00"}).status_code == 404
    assert client.get(reverse("marketplace:invoice_detail", args=[invoiced.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        invoices.issue_credit_note(invoiced, Decimal("10.00"), by=market.other_owner)
    invoiced.refresh_from_db()
    assert invoiced.status == Invoice.Status.ISSUED and not CreditNote.objects.exists()


@pytest.fixture
def pool_invoice(user_factory, django_capture_on_commit_callbacks):
    """A funded pool whose member pays by invoice: the invoice goes to the payer at funding."""
    world = make_world(user_factory)
    PaymentDetails.objects.create(owner=world.provider, instructions="Pay by BACS, ref first.")
    pool = world.pool(minimum=1, places=2)
    pledge = world.join(pool, world.people[0], "invoice")
    with django_capture_on_commit_callbacks(execute=True):
        settle_now(pool)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CAPTURED
    return world, pledge.invoice


def test_a_pool_share_invoice_is_emailed_at_funding_and_marked_paid_twice_safely(
    client, pool_invoice
):
    world, invoice = pool_invoice
    [message] = [m for m in mail.outbox if m.to == ["dp.support@example.org"]]
    assert invoice.number in message.subject and "Pay by BACS, ref first." in message.body
    client.force_login(world.provider)
    url = reverse("marketplace:invoice_action", args=[invoice.pk, "mark-paid"])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_an_overdue_pool_share_invoice_is_chased(pool_invoice, django_capture_on_commit_callbacks):
    _, invoice = pool_invoice
    assert chase(invoice, 7, django_capture_on_commit_callbacks) == 1
    assert chase(invoice, 7, django_capture_on_commit_callbacks) == 0


def test_a_pool_share_invoice_is_not_credited(pool_invoice):
    world, invoice = pool_invoice
    with pytest.raises(InvoiceError, match="cancelled, not credited"):
        invoices.issue_credit_note(invoice, Decimal("5.00"), by=world.provider)


# --- Credit notes ----------------------------------------------------------------------------


def cn(n):
    return f"CN-{timezone.localdate().year}-{n:04d}"


def test_a_refund_on_an_invoiced_booking_is_a_numbered_credit_note(
    market, invoiced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = bookings.refund(
            invoiced.booking, by=market.owner, amount=Decimal("15.00"), reason="One lesson missed"
        )
        second = bookings.refund(invoiced.booking, by=market.owner, amount=Decimal("7.50"))
    assert (first.number, second.number) == (cn(1), cn(2))
    assert first.invoice == invoiced and first.amount == Decimal("15.00")
    assert CreditNoteCounter.objects.get().last_number == 2
    assert payer.amount_due(invoiced) == Decimal("22.50")
    line = LedgerEntry.objects.get(reference=cn(1))
    assert (line.kind, line.amount, line.goal) == ("credit_note", Decimal("-15.00"), market.goal)
    assert ledger.row_for(market.goal).spent == Decimal("22.50")
    booking = invoiced.booking
    assert f"Credit note {cn(1)} for £15.00 sent to the payer." in [
        e.note for e in booking.events.all()
    ]
    emails = [m for m in to_payer() if m.subject.startswith("Credit note")]
    assert [m.subject for m in emails] == [
        f"Credit note {cn(1)}: £15.00 off invoice {invoiced.number}",
        f"Credit note {cn(2)}: £7.50 off invoice {invoiced.number}",
    ]
    assert "One lesson missed" in emails[0].body
    assert "£30.00 is now to pay" in emails[0].body


def test_a_credit_note_on_a_paid_invoice_tells_the_payer_money_is_owed_back(
    market, invoiced, django_capture_on_commit_callbacks
):
    bookings.mark_paid(invoiced.booking, by=market.owner)
    with django_capture_on_commit_callbacks(execute=True):
        note = bookings.refund(
            invoiced.booking, by=market.owner, amount=Decimal("15.00"), reason="One lesson missed"
        )
    [email] = [m for m in to_payer() if m.subject.startswith("Credit note")]
    assert (
        f"Grand Central Pools has issued credit note {note.number} for £15.00 against invoice "
        f"{invoiced.number} (support for Sam Patel): One lesson missed."
    ) in email.body
    assert (
        "The invoice was paid, so Grand Central Pools owes £15.00 back: they will arrange it "
        "with you."
    ) in email.body
    assert "is now to pay" not in email.body


def test_credit_notes_never_exceed_what_was_invoiced(market, invoiced):
    bookings.refund(invoiced.booking, by=market.owner, amount=Decimal("40.00"), request="a")
    with pytest.raises(InvoiceError, match="You can credit at most £5.00"):
        bookings.refund(invoiced.booking, by=market.owner, amount=Decimal("5.01"), request="b")
    rest = bookings.refund(invoiced.booking, by=market.owner, request="c")  # all that is left
    assert rest.amount == Decimal("5.00")
    with pytest.raises(InvoiceError):
        bookings.refund(invoiced.booking, by=market.owner, amount=Decimal("0.01"), request="d")
    assert sum(n.amount for n in CreditNote.objects.all()) == invoiced.amount


def test_the_same_refund_form_sent_twice_makes_one_credit_note(market, invoiced):
    for _ in range(2):
        note = bookings.refund(
            invoiced.booking, by=market.owner, amount=Decimal("10.00"), request="f" * 32
        )
    assert CreditNote.objects.count() == 1 and note.number == cn(1)
    assert invoiced.booking.events.filter(note__startswith="Credit note").count() == 1


def test_a_cancelled_invoice_cannot_be_credited_and_a_void_after_credit_is_not_counted_twice(
    market, bank
):
    booking = market.delivered(MANAGED)
    invoice = Invoice.objects.get(booking=booking)
    bookings.refund(booking, by=market.owner, amount=Decimal("10.00"), request="x")
    bookings.cancel(booking, by=market.owner)  # written off after delivery
    assert ledger.row_for(market.goal).spent == Decimal("0.00")
    with pytest.raises(InvoiceError, match="was cancelled"):
        invoices.issue_credit_note(invoice, Decimal("1.00"), by=market.owner, request="y")


def test_credit_notes_on_the_statement_and_the_invoice_page(client, market, invoiced):
    bookings.refund(invoiced.booking, by=market.owner, amount=Decimal("15.00"), reason="Missed")
    client.force_login(market.person)
    text = client.get(reverse("marketplace:statement", args=[market.plan.pk])).content.decode()
    assert cn(1) in text and "Credit note against invoice" in text
    assert (
        f"Credit note to Stockport Direct Payments Support Service on invoice {invoiced.number}"
        in text
    )
    text = client.get(reverse("marketplace:invoice_detail", args=[invoiced.pk])).content.decode()
    assert f"Credit note {cn(1)}" in text and "−£15.00" in text and "£30.00" in text
    text = client.get(payer.link_for(invoiced)).content.decode()
    assert f"Credit note {cn(1)}" in text


def test_the_provider_issues_a_credit_note_from_the_invoice_page(client, market, invoiced):
    client.force_login(market.owner)
    page = client.get(reverse("marketplace:invoice_detail", args=[invoiced.pk])).content.decode()
    assert "Issue a credit note (at most £45.00)" in page
    url = reverse("marketplace:invoice_action", args=[invoiced.pk, "credit"])
    form = {"amount": "12.00", "reason": "Pool closed one week", "request_id": "a" * 32}
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # sent twice: one note
    assert CreditNote.objects.get().amount == Decimal("12.00")
    too_much = {"amount": "40.00", "request_id": "b" * 32}
    response = client.post(url, too_much)
    assert response.status_code == 409
    assert "You can credit at most £33.00" in response.content.decode()
    # Sam can see the invoice but not credit it.
    client.force_login(market.person)
    assert client.post(url, {"amount": "1.00"}).status_code == 404


# --- Providers' payment details --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"payee_name": "GCP Ltd", "sort_code": "30-94-57", "account_number": "0001 2345"}, {}),
        ({"instructions": "Pay by cheque to Grand Central Pools."}, {}),
        (
            {"payee_name": "GCP Ltd", "sort_code": "30945", "account_number": "00012345"},
            {"sort_code": ["Enter a sort code of 6 digits, like 30-94-57."]},
        ),
        (
            {"payee_name": "GCP Ltd", "sort_code": "309457", "account_number": "1234567"},
            {"account_number": ["Enter an account number of 8 digits, like 00012345."]},
        ),
        (
            {"payee_name": "GCP Ltd", "sort_code": "ab-cd-ef", "account_number": "1234567a"},
            {
                "sort_code": ["Enter a sort code of 6 digits, like 30-94-57."],
                "account_number": ["Enter an account number of 8 digits, like 00012345."],
            },
        ),
        (
            {"sort_code": "309457"},
            {
                "payee_name": ["Enter the name on the bank account."],
                "account_number": ["Enter the account number."],
            },
        ),
        ({}, {"__all__": [PaymentDetailsForm.NOTHING]}),
    ],
)
def test_payment_details_are_checked(market, data, errors):
    form = PaymentDetailsForm(data, instance=PaymentDetails(owner=market.owner))
    assert form.errors == errors
    if not errors and "sort_code" in data:
        details = form.save()
        assert (details.sort_code, details.account_number) == ("309457", "00012345")


def test_a_provider_enters_payment_details_once(client, market):
    client.force_login(market.owner)
    url = reverse("marketplace:payment_details")
    assert client.get(url).status_code == 200
    data = {
        "payee_name": "Grand Central Pools Ltd",
        "sort_code": "30 94 57",
        "account_number": "00012345",
    }
    assert client.post(url, data).status_code == 302
    data["account_number"] = "87654321"
    assert client.post(url, data).status_code == 302
    details = PaymentDetails.objects.get(owner=market.owner)
    assert (details.sort_code, details.account_number) == ("309457", "87654321")
    assert client.post(url, {"sort_code": "1"}).status_code == 400


def test_only_listing_owners_have_payment_details(client, market):
    client.force_login(market.person)
    assert client.get(reverse("marketplace:payment_details")).status_code == 403
