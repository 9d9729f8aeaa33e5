"""Providers and PAs are paid: a connected Stripe account, a transfer once the booking is
delivered (pools: per pledge once settlement has finished), the same share taken back on a
refund, Kith's fee kept back, and a payouts page with CSV that only the payee sees.

Stripe here is Kith's fake (localstripe plus the Connect resources in kith.fakestripe).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from directory.factories import make_listing
from marketplace import reconcile
from marketplace.bookings import services as bookings
from marketplace.demo import finish_onboarding
from marketplace.models import (
    Booking,
    Offer,
    PaymentRoute,
    PayoutAccount,
    PayoutEntry,
    Pledge,
    Transfer,
    TransferReversal,
)
from marketplace.payments import cards, connect, payouts
from marketplace.pools import services as pools

from .conftest import accounts_for, connect_payee, make_event
from .test_pools import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_test_settings")]

CARD = PaymentRoute.CARD
RETURN = "http://testserver/marketplace/payouts/return/"
REFRESH = "http://testserver/marketplace/payouts/"


def at_stripe(stripe_api, subject) -> list:
    """The transfers Stripe has for one booking or pledge (its transfer group)."""
    group = payouts.subject_key(subject)
    found = stripe_api.v1.transfers.list(params={"limit": 100}).auto_paging_iter()
    return [t for t in found if t.transfer_group == group]


def net_at_stripe(stripe_api, subject) -> Decimal:
    """What the payee holds from Kith for this booking or pledge, in pounds."""
    pence = sum(t.amount - t.amount_reversed for t in at_stripe(stripe_api, subject))
    return Decimal(pence) / 100


def jo_listing(market):
    """A second provider's listing: Jo has not connected an account."""
    listing = make_listing(
        "provider",
        "Birch Yoga Stockport",
        "SK4 1AA",
        outcomes=["physical-health"],
        categories=["yoga"],
        price="12.00",
        price_unit="session",
        owner=market.other_owner,
    )
    offer = Offer.objects.create(
        listing=listing, kind=Offer.Kind.SESSION, title="Chair yoga", price=Decimal("12.00")
    )
    return listing, offer


# --- Connecting an account -------------------------------------------------------------------


def test_connecting_goes_from_not_connected_to_pending_to_able_to_receive_money(market, stripe_api):
    jo = market.other_owner
    assert connect.status_of(jo) == connect.NOT_CONNECTED
    url = connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH)
    # The account exists at Stripe, but nothing is switched on until Jo gives her details.
    assert connect.status_of(jo) == connect.PENDING
    assert finish_onboarding(url, "pending") == RETURN
    connect.refresh(jo)
    assert connect.status_of(jo) == connect.PENDING
    assert connect.STATUS_WORDS[connect.PENDING] == "Waiting for Stripe"

    # Continuing later uses the same account: one per person.
    account_id = PayoutAccount.objects.get(user=jo).stripe_account
    finish_onboarding(connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH))
    connect.refresh(jo)
    assert PayoutAccount.objects.get(user=jo).stripe_account == account_id
    assert connect.status_of(jo) == connect.ENABLED
    assert connect.STATUS_WORDS[connect.ENABLED] == "Able to receive money"
    made = accounts_for(stripe_api, jo)
    assert len(made) == 1 and made[0].type == "express"


def test_account_updated_webhook_reads_the_account_afresh(market, stripe_api, post_webhook):
    jo = market.other_owner
    url = connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH)
    finish_onboarding(url)  # finished at Stripe; Kith has not heard yet
    account_id = PayoutAccount.objects.get(user=jo).stripe_account
    stale = {"id": account_id, "object": "account", "charges_enabled": False}
    event = make_event("account.updated", stale)
    assert post_webhook(event).content == b"payout account enabled"
    assert post_webhook(event).content == b"already processed"
    # An older event arriving late does not switch the account back off.
    assert post_webhook(make_event("account.updated", stale)).status_code == 200
    assert connect.status_of(jo) == connect.ENABLED
    unknown = make_event("account.updated", {"id": "acct_someone_else", "object": "account"})
    assert post_webhook(unknown).content == b"ignored: unknown connected account"


# --- Card offered only when the payee can receive money --------------------------------------


def test_card_is_not_offered_when_the_payee_cannot_receive_money(market, client):
    listing, offer = jo_listing(market)
    with pytest.raises(bookings.BookingError, match="cannot take card payments through Kith yet"):
        bookings.request_booking(
            offer,
            market.person,
            by=market.person,
            payment_route=CARD,
            payment_method="pm_card_visa",
        )
    # Invoices still work.
    booking = bookings.request_booking(
        offer,
        market.person,
        by=market.person,
        payment_route=PaymentRoute.MANAGED_ACCOUNT,
        payer_name="Stockport Direct Payments Support Service",
    )
    assert booking.status == Booking.Status.REQUESTED

    client.force_login(market.person)
    page = client.get(reverse("marketplace:offer_book", args=[offer.pk])).content.decode()
    assert "Birch Yoga Stockport cannot take card payments through Kith yet" in page
    assert 'value="card"' not in page
    assert 'value="managed_account"' in page
    # Once Jo can receive money, card is offered.
    connect_payee(market.other_owner)
    page = client.get(reverse("marketplace:offer_book", args=[offer.pk])).content.decode()
    assert 'value="card"' in page


def test_a_pool_whose_provider_cannot_receive_money_takes_invoices_only(user_factory, client):
    world = make_world(user_factory)
    PayoutAccount.objects.filter(user=world.provider).update(payouts_enabled=False)
    pool = world.pool(minimum=1, places=3)
    with pytest.raises(pools.PoolError, match="cannot take card payments"):
        world.join(pool, world.people[0], "card")
    assert world.join(pool, world.people[0], "invoice").status == Pledge.Status.HELD
    client.force_login(world.people[1])
    page = client.get(reverse("marketplace:pool_join", args=[pool.pk])).content.decode()
    assert "cannot take card payments through Kith yet" in page
    assert 'value="card"' not in page


# --- Transfers and reversals -------------------------------------------------------------------


def test_the_provider_is_paid_once_the_booking_is_delivered_and_only_once(market, stripe_api):
    booking = market.accepted(CARD)
    assert payouts.transfer_of(booking) is None  # nothing before delivery
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID
    transfer = payouts.transfer_of(booking)
    assert transfer.status == Transfer.Status.DONE
    assert (transfer.amount, transfer.fee) == (Decimal("45.00"), Decimal("0.00"))
    [sent] = at_stripe(stripe_api, booking)
    account = PayoutAccount.objects.get(user=market.owner)
    assert sent.destination == account.stripe_account
    assert sent.amount == 4500 and sent.currency == "gbp"
    assert sent.source_transaction  # the card charge the money came from
    assert (
        sent.metadata.to_dict()["kith_key"]
        == transfer.key
        == (f"{payouts.subject_key(booking)}-transfer")
    )

    # Delivered again, marked paid, the scheduler twice, a repeated webhook: still one.
    bookings.deliver(booking, by=market.owner)
    bookings.mark_paid(booking, by=market.owner)
    reconcile.run()
    reconcile.run()
    assert len(at_stripe(stripe_api, booking)) == 1
    [line] = PayoutEntry.objects.filter(payee=market.owner)
    assert (line.amount, line.reference) == (Decimal("45.00"), sent.id)


@pytest.mark.parametrize(
    ("fee_percent", "kept", "first_back"),
    [("0", "0.00", "15.00"), ("10", "4.50", "13.50"), ("2.5", "1.13", "14.62")],
)
def test_refunds_take_back_the_same_share_and_a_full_refund_takes_back_all(
    market, stripe_api, settings, fee_percent, kept, first_back
):
    settings.KITH_PLATFORM_FEE_PERCENT = Decimal(fee_percent)
    booking = bookings.deliver(market.accepted(CARD), by=market.owner)
    transfer = payouts.transfer_of(booking)
    assert transfer.fee == Decimal(kept)
    assert net_at_stripe(stripe_api, booking) == Decimal("45.00") - Decimal(kept)

    bookings.refund(booking, by=market.owner, amount=Decimal("15.00"), request="form-1")
    bookings.refund(booking, by=market.owner, amount=Decimal("15.00"), request="form-1")  # twice
    [reversal] = transfer.reversals.all()
    assert reversal.status == TransferReversal.Status.DONE
    assert reversal.amount == Decimal(first_back)
    # Money in = transferred + refunded + held: Kith holds its fee on what was not refunded.
    held = Decimal("45.00") - Decimal("15.00") - net_at_stripe(stripe_api, booking)
    assert held == payouts.fee_for(Decimal("30.00"))

    bookings.refund(booking, by=market.owner, request="form-2")  # the rest
    assert net_at_stripe(stripe_api, booking) == Decimal("0.00")
    assert transfer.reversals.filter(status=TransferReversal.Status.DONE).count() == 2
    entries = PayoutEntry.objects.filter(payee=market.owner)
    assert sum(e.amount for e in entries) == Decimal("0.00")
    summary = payouts.summary_for(market.owner)
    assert summary.transferred == summary.reversed == Decimal("45.00") - Decimal(kept)


def test_money_owed_to_a_provider_who_cannot_receive_it_yet_is_sent_when_they_can(
    market, stripe_api
):
    booking = market.accepted(CARD)
    # Stripe has switched the account off (it wants more details) since the booking was made.
    account = PayoutAccount.objects.get(user=market.owner).stripe_account
    stripe_api.v1.accounts.update(
        account, params={"capabilities": {"transfers": {"requested": False}}}
    )
    connect.refresh(market.owner)
    assert connect.status_of(market.owner) == connect.PENDING
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID  # the person's payment is not held up
    assert at_stripe(stripe_api, booking) == []
    [owed] = payouts.owed_to(market.owner)
    assert (owed.subject, owed.amount) == (booking, Decimal("45.00"))
    assert "connect an account" in owed.reason
    reconcile.run()
    assert at_stripe(stripe_api, booking) == []  # still waiting; nothing lost

    # They finish what Stripe asked for, and come back to Kith.
    finish_onboarding(connect.onboarding_link(market.owner, return_url=RETURN, refresh_url=REFRESH))
    connect.refresh(market.owner)
    assert payouts.pay_owed(market.owner) == 1
    assert net_at_stripe(stripe_api, booking) == Decimal("45.00")
    assert payouts.owed_to(market.owner) == []


def test_a_booking_refunded_in_full_before_its_transfer_is_never_sent(market, stripe_api):
    booking = market.accepted(CARD)
    PayoutAccount.objects.filter(user=market.owner).update(transfers_active=False)
    booking = bookings.deliver(booking, by=market.owner)
    bookings.refund(booking, by=market.owner, request="form-1")
    connect.refresh(market.owner)
    reconcile.run()
    assert at_stripe(stripe_api, booking) == []
    assert payouts.owed_to(market.owner) == []


def test_only_a_paid_card_booking_earns_its_provider_anything(market, stripe_api):
    """Money taken for a booking that was cancelled is owed back to the person, not to the
    provider; an accepted booking has earned nothing yet; an invoiced one is paid outside Kith."""
    accepted = market.accepted(CARD)
    assert payouts.earned(accepted) == Decimal("0.00")

    invoiced = bookings.deliver(market.accepted(PaymentRoute.MANAGED_ACCOUNT), by=market.owner)
    invoiced = bookings.mark_paid(invoiced, by=market.owner)
    assert invoiced.status == Booking.Status.PAID
    assert payouts.earned(invoiced) == Decimal("0.00")
    assert payouts.owed_to(market.owner) == []

    # Captured at Stripe after Kith had cancelled the booking (the dashboard, a late reply).
    payment = cards.current_payment(accepted)
    Booking.objects.filter(pk=accepted.pk).update(status=Booking.Status.CANCELLED)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)
    cards.sync(payment)
    accepted.refresh_from_db()
    assert payouts.money_in(accepted) == Decimal("45.00")
    assert payouts.earned(accepted) == Decimal("0.00")
    assert payouts.settle(accepted) is None
    reconcile.run()  # gives the money back to Sam; nothing goes to the provider
    assert at_stripe(stripe_api, accepted) == []
    assert payouts.summary_for(market.owner).transferred == Decimal("0.00")


def test_pool_shares_are_paid_per_pledge_once_settled_and_taken_back_if_called_off(
    user_factory, stripe_api
):
    world = make_world(user_factory)
    pool = world.pool(minimum=2, places=3)
    first = world.join(pool, world.people[0], "card")
    second = world.join(pool, world.people[1], "card")
    invoiced = world.join(pool, world.people[2], "invoice")
    assert payouts.transfer_of(first) is None  # nothing before settlement
    pools.process_deadlines(now=pool.deadline + timedelta(minutes=1))
    for pledge in (first, second):
        pledge.refresh_from_db()
        assert pledge.status == Pledge.Status.CAPTURED
        [sent] = at_stripe(stripe_api, pledge)
        assert sent.amount == 4500
        assert sent.metadata.to_dict()["pledge"] == str(pledge.pk)
    assert payouts.transfer_of(invoiced) is None  # paid by invoice, not through Kith
    reconcile.run()
    assert Transfer.objects.filter(pledge__pool=pool).count() == 2

    pools.cancel(pool, by=world.provider, reason="The tutor is ill")
    for pledge in (first, second):
        assert net_at_stripe(stripe_api, pledge) == Decimal("0.00")
    assert payouts.summary_for(world.provider).received == Decimal("0.00")


def test_no_pool_money_is_sent_while_a_share_is_still_being_taken(user_factory, stripe_api):
    """A declined card is retried on the next runs; the pool could still fall below its
    minimum, so nobody's share is sent until every share is taken or given up."""
    world = make_world(user_factory)
    pool = world.pool(days=14, minimum=1, places=3)  # cards saved, charged at the deadline
    paid = world.join(pool, world.people[0], "card")
    declined = world.join(
        pool, world.people[1], "card", payment_method="pm_card_chargeCustomerFail"
    )
    pools.process_deadlines(now=pool.deadline + timedelta(minutes=1))
    paid.refresh_from_db()
    declined.refresh_from_db()
    assert paid.status == Pledge.Status.CAPTURED
    assert declined.status == Pledge.Status.HELD  # to be tried again
    reconcile.run()
    assert at_stripe(stripe_api, paid) == []
    for minutes in (16, 31, 46):
        pools.process_deadlines(now=pool.deadline + timedelta(minutes=minutes))
    declined.refresh_from_db()
    assert declined.status == Pledge.Status.FAILED
    reconcile.run()
    assert net_at_stripe(stripe_api, paid) == Decimal("45.00")
    assert at_stripe(stripe_api, declined) == []


# --- The payouts page ---------------------------------------------------------------------------


def test_payouts_page_shows_what_is_owed_transferred_and_taken_back(market, client):
    booking = bookings.deliver(market.accepted(CARD), by=market.owner)
    bookings.refund(booking, by=market.owner, amount=Decimal("5.00"), request="form-1")
    client.force_login(market.owner)
    page = client.get(reverse("marketplace:payouts")).content.decode()
    assert "Able to receive money" in page
    assert "Transferred to you</dt><dd>£45.00" in page
    assert "Taken back for refunds</dt><dd>£5.00" in page
    assert "Received, after refunds</dt><dd>£40.00" in page
    assert f"Booking {booking.pk}: Six one-to-one swimming lessons" in page
    assert "Kith takes no fee" in page

    listings = client.get(reverse("directory:my_listings")).content.decode()
    assert reverse("marketplace:payouts") in listings
    assert "Able to receive money" in listings


def test_payouts_csv_lists_transfers_reversals_and_what_is_owed(market, client):
    booking = bookings.deliver(market.accepted(CARD), by=market.owner)
    bookings.refund(booking, by=market.owner, amount=Decimal("5.00"), request="form-1")
    client.force_login(market.owner)
    response = client.get(reverse("marketplace:payouts_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = [line.split(",") for line in response.content.decode().strip().splitlines()]
    assert rows[0] == ["date", "kind", "description", "reference", "paid_in", "kith_fee", "amount"]
    kinds = {row[1]: row for row in rows[1:]}
    assert kinds["transfer"][4:] == ["45.00", "0.00", "45.00"]
    assert kinds["reversal"][-1] == "-5.00"


def test_connect_button_sends_the_provider_to_stripe_and_back(market, client):
    jo = market.other_owner
    client.force_login(jo)
    page = client.get(reverse("marketplace:payouts")).content.decode()
    assert "Not connected" in page and "Connect a Stripe account" in page
    response = client.post(reverse("marketplace:payouts_connect"))
    assert response.status_code == 302
    back = finish_onboarding(response["Location"])
    assert urlsplit(back).path == reverse("marketplace:payouts_return")
    assert client.get(urlsplit(back).path).status_code == 302
    assert connect.status_of(jo) == connect.ENABLED
    page = client.get(reverse("marketplace:payouts")).content.decode()
    assert "Able to receive money" in page and "Connect a Stripe account" not in page


@pytest.mark.parametrize("who", ["anonymous", "person", "representative", "practitioner"])
def test_only_providers_and_pas_have_a_payouts_page(market, client, who):
    bookings.deliver(market.accepted(CARD), by=market.owner)
    if who != "anonymous":
        client.force_login(getattr(market, who))
    for name in ("payouts", "payouts_csv", "payouts_return"):
        response = client.get(reverse(f"marketplace:{name}"))
        assert response.status_code == (302 if who == "anonymous" else 403)
        assert b"45.00" not in response.content
    response = client.post(reverse("marketplace:payouts_connect"))
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert not PayoutAccount.objects.filter(user__in=[market.person]).exists()


def test_another_provider_sees_only_their_own_payouts(market, client):
    bookings.deliver(market.accepted(CARD), by=market.owner)
    client.force_login(market.other_owner)
    page = client.get(reverse("marketplace:payouts")).content.decode()
    assert "Six one-to-one swimming lessons" not in page
    assert "Transferred to you</dt><dd>£0.00" in page
    csv_rows = client.get(reverse("marketplace:payouts_csv")).content.decode().splitlines()
    assert len(csv_rows) == 1
