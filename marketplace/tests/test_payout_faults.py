"""Fault injection at every payout call site: creating a provider's account, making an
onboarding link, transferring their share, taking part of it back for a refund. The request
never arrived, Stripe did the work but the reply was lost (and the first lookup failed too),
or Stripe answered 500. After the scheduler: one transfer, never two; nothing owed kept.

The fake Stripe ignores idempotency keys, so a retry that relied on the key alone would pay
twice: these tests show Kith looks before it resends. Webhooks arriving twice or out of
order are here too.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace import reconcile
from marketplace.bookings import services as bookings
from marketplace.demo import finish_onboarding
from marketplace.models import (
    Booking,
    PayoutAccount,
    PayoutEntry,
    StripeCall,
    Transfer,
    TransferReversal,
)
from marketplace.payments import cards, connect, payouts
from marketplace.payments.gateway import PaymentError
from marketplace.pools import services as pools

from .conftest import accounts_for, make_event
from .test_payouts import REFRESH, RETURN, at_stripe, net_at_stripe
from .test_pools import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("faulty_stripe")]

CARD = "card"
ACCOUNTS = r"accounts"
ACCOUNT_LINKS = r"account_links"
TRANSFERS = r"transfers"
REVERSALS = r"transfers/[^/]+/reversals"


def unresolved():
    return StripeCall.objects.filter(state__in=(StripeCall.State.UNKNOWN, StripeCall.State.SENT))


# --- Connecting ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_creating_the_account(market, faulty_stripe, stripe_api, mode):
    jo = market.other_owner
    faulty_stripe.inject("post", ACCOUNTS, mode)
    faulty_stripe.inject("get", ACCOUNTS, "fail")  # the lookup straight after fails too
    with pytest.raises(PaymentError):
        connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH)
    reconcile.run()
    assert not unresolved().exists()
    if mode == "lost":  # the scheduler found the account Stripe made
        assert connect.status_of(jo) == connect.PENDING
    # Jo presses the button again: one account, whatever happened before.
    finish_onboarding(connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH))
    connect.refresh(jo)
    assert connect.status_of(jo) == connect.ENABLED
    assert len(accounts_for(stripe_api, jo)) == 1


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_making_the_onboarding_link(market, faulty_stripe, mode):
    jo = market.other_owner
    faulty_stripe.inject("post", ACCOUNT_LINKS, mode)
    with pytest.raises(PaymentError):
        connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH)
    reconcile.run()
    assert not unresolved().exists()  # a lost link moves no money: it is simply dropped
    finish_onboarding(connect.onboarding_link(jo, return_url=RETURN, refresh_url=REFRESH))
    connect.refresh(jo)
    assert connect.status_of(jo) == connect.ENABLED


# --- Transfers -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_transferring_after_delivery(market, faulty_stripe, stripe_api, mode):
    booking = market.accepted(CARD)
    faulty_stripe.inject("post", TRANSFERS, mode)
    faulty_stripe.inject("get", TRANSFERS, "fail")  # and the first lookup
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID  # a payout never undoes a delivery
    assert payouts.transfer_of(booking).status == Transfer.Status.PENDING

    reconcile.run()
    reconcile.run()
    assert len(at_stripe(stripe_api, booking)) == 1
    assert net_at_stripe(stripe_api, booking) == Decimal("45.00")
    assert payouts.transfer_of(booking).status == Transfer.Status.DONE
    assert PayoutEntry.objects.filter(payee=market.owner).count() == 1
    assert not unresolved().exists()


def test_a_lost_transfer_reply_is_found_at_once_when_stripe_answers_the_lookup(
    market, faulty_stripe, stripe_api
):
    booking = market.accepted(CARD)
    faulty_stripe.inject("post", TRANSFERS, "lost")
    booking = bookings.deliver(booking, by=market.owner)
    assert payouts.transfer_of(booking).status == Transfer.Status.DONE
    reconcile.run()
    assert len(at_stripe(stripe_api, booking)) == 1
    transfer_posts = [p for p, _ in faulty_stripe.sent_posts() if p == "transfers"]
    assert len(transfer_posts) == 1  # looked up, never resent


@pytest.mark.parametrize("mode", ["fail", "lost"])
def test_transferring_pool_shares_at_settlement(user_factory, faulty_stripe, stripe_api, mode):
    world = make_world(user_factory)
    pool = world.pool(minimum=2, places=3)
    pledges = [world.join(pool, person, "card") for person in world.people[:2]]
    faulty_stripe.inject("post", TRANSFERS, mode)
    faulty_stripe.inject("get", TRANSFERS, "fail")
    pools.process_deadlines(now=pool.deadline + timedelta(minutes=1))
    reconcile.run()
    for pledge in pledges:
        assert len(at_stripe(stripe_api, pledge)) == 1
        assert net_at_stripe(stripe_api, pledge) == Decimal("45.00")
    assert not unresolved().exists()


def test_a_transfer_stripe_refuses_waits_until_the_account_can_receive(
    market, faulty_stripe, stripe_api
):
    """Stripe switched the account off and Kith had not heard: the transfer is refused, the
    money stays owed, and goes once the provider has given Stripe what it asked for."""
    booking = market.accepted(CARD)
    account = PayoutAccount.objects.get(user=market.owner).stripe_account
    stripe_api.v1.accounts.update(
        account, params={"capabilities": {"transfers": {"requested": False}}}
    )
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.PAID
    assert at_stripe(stripe_api, booking) == []
    reconcile.run()  # re-reads the account: not able yet, so nothing is sent
    assert at_stripe(stripe_api, booking) == []
    assert [row.amount for row in payouts.owed_to(market.owner)] == [Decimal("45.00")]

    finish_onboarding(connect.onboarding_link(market.owner, return_url=RETURN, refresh_url=REFRESH))
    reconcile.run()
    reconcile.run()
    assert len(at_stripe(stripe_api, booking)) == 1
    assert payouts.owed_to(market.owner) == []


# --- Reversals -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["fail", "lost", "error"])
def test_taking_back_a_share_on_refund(market, faulty_stripe, stripe_api, mode):
    booking = bookings.deliver(market.accepted(CARD), by=market.owner)
    faulty_stripe.inject("post", REVERSALS, mode)
    faulty_stripe.inject("get", REVERSALS, "fail")
    bookings.refund(booking, by=market.owner, amount=Decimal("15.00"), request="form-1")
    # The refund itself went through: the person has their money back.
    assert cards.current_payment(booking).refunded_amount == Decimal("15.00")
    reconcile.run()
    reconcile.run()
    transfer = payouts.transfer_of(booking)
    [reversal] = transfer.reversals.all()
    assert reversal.status == TransferReversal.Status.DONE
    [sent] = at_stripe(stripe_api, booking)
    assert sent.amount_reversed == 1500
    assert len(stripe_api.v1.transfers.reversals.list(sent.id).data) == 1
    assert not unresolved().exists()


def test_a_refund_while_the_transfer_is_unresolved_is_taken_back_once_it_is_known(
    market, faulty_stripe, stripe_api
):
    booking = market.accepted(CARD)
    faulty_stripe.inject("post", TRANSFERS, "lost")
    faulty_stripe.inject("get", TRANSFERS, "fail")
    booking = bookings.deliver(booking, by=market.owner)
    bookings.refund(booking, by=market.owner, amount=Decimal("20.00"), request="form-1")
    reconcile.run()
    assert len(at_stripe(stripe_api, booking)) == 1
    assert net_at_stripe(stripe_api, booking) == Decimal("25.00")


# --- Webhooks twice, late or out of order ------------------------------------------------------


def test_a_refund_made_in_stripes_dashboard_is_taken_back_once(market, stripe_api, post_webhook):
    booking = bookings.deliver(market.accepted(CARD), by=market.owner)
    payment = cards.current_payment(booking)
    refund = stripe_api.v1.refunds.create(
        params={"payment_intent": payment.stripe_payment_intent, "amount": 900}
    )
    charge = {
        "id": "ch_dashboard",
        "object": "charge",
        "payment_intent": payment.stripe_payment_intent,
        "amount": 4500,
        "amount_refunded": 900,
        "refunds": {
            "object": "list",
            "data": [{"id": refund.id, "amount": 900, "status": "succeeded"}],
        },
    }
    event = make_event("charge.refunded", charge)
    post_webhook(event)
    post_webhook(event)
    post_webhook(make_event("charge.refunded", charge))  # the same news, a new event
    reconcile.run()
    assert net_at_stripe(stripe_api, booking) == Decimal("36.00")
    assert TransferReversal.objects.filter(status=TransferReversal.Status.DONE).count() == 1


def test_a_late_payment_webhook_after_the_payout_sends_nothing_more(
    market, stripe_api, post_webhook
):
    booking = bookings.deliver(market.accepted(CARD), by=market.owner)
    payment = cards.current_payment(booking)
    for status in ("payment_intent.succeeded", "payment_intent.amount_capturable_updated"):
        post_webhook(make_event(status, {"id": payment.stripe_payment_intent, "object": "x"}))
    reconcile.run()
    assert len(at_stripe(stripe_api, booking)) == 1
    assert PayoutEntry.objects.count() == 1
