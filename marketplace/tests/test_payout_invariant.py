"""The ledger invariant, over generated sequences of what people do (hypothesis stateful
testing): for every booking and pledge, money in = money transferred + money refunded + money
held, to the penny.

Money in, refunded and transferred are what the fake Stripe has; held is what Kith's own
records say it keeps (its fee, and anything owed but not yet sent). So the invariant says
Kith's books agree with Stripe's, whatever the order of bookings, deliveries, partial and
full refunds, pool pledges, settlements, cancellations, repeated webhooks, a payee who
cannot receive money for a while, and transfers or reversals whose reply was lost. After the
scheduler has run, nothing is owed and not sent, and nothing was sent twice.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, Phase
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from marketplace import reconcile
from marketplace.bookings import services as bookings
from marketplace.demo import finish_onboarding
from marketplace.models import (
    Booking,
    LedgerEntry,
    PayoutAccount,
    PayoutEntry,
    Transfer,
    TransferReversal,
)
from marketplace.payments import cards, connect, payouts, webhooks
from marketplace.payments.gateway import PaymentError
from marketplace.pools import services as pools

from .conftest import make_event
from .test_payout_faults import REVERSALS, TRANSFERS
from .test_payouts import REFRESH, RETURN
from .test_pools import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("faulty_stripe")]

ZERO = Decimal("0.00")
SETTLED = (PaymentError, bookings.BookingError, pools.PoolError)
EVENT_FOR_STATUS = {
    "succeeded": "payment_intent.succeeded",
    "requires_capture": "payment_intent.amount_capturable_updated",
    "canceled": "payment_intent.canceled",
}


def pence(amount: Decimal) -> int:
    return int(amount * 100)


def stripe_money(client, subject) -> tuple[int, int, int]:
    """(in, refunded, transferred net of reversals) in pence, as Stripe has them."""
    paid_in = refunded = 0
    for payment in subject.payments.exclude(stripe_payment_intent=None):
        intent = client.v1.payment_intents.retrieve(payment.stripe_payment_intent)
        if intent.status != "succeeded":
            continue
        paid_in += intent.to_dict().get("amount_received") or intent.amount
        listed = client.v1.refunds.list(params={"payment_intent": intent.id, "limit": 100})
        refunded += sum(r.amount for r in listed.data)
    group = payouts.subject_key(subject)
    transfers = client.v1.transfers.list(params={"transfer_group": group, "limit": 100}).data
    transferred = sum(t.amount - t.amount_reversed for t in transfers)
    return paid_in, refunded, transferred


def held_by_kith(subject) -> Decimal:
    """What Kith's records say it still holds of the money in."""
    transfer = payouts.transfer_of(subject)
    sent = ZERO
    if transfer is not None and transfer.status == Transfer.Status.DONE:
        back = sum(
            (r.amount for r in transfer.reversals.filter(status=TransferReversal.Status.DONE)),
            ZERO,
        )
        sent = transfer.amount - back
    return payouts.money_in(subject) - sent


def unresolved(subject) -> bool:
    transfer = payouts.transfer_of(subject)
    if transfer is None:
        return False
    return (
        transfer.status == Transfer.Status.PENDING
        or transfer.reversals.filter(status=TransferReversal.Status.PENDING).exists()
    )


def test_money_in_is_transferred_plus_refunded_plus_held(
    market, user_factory, stripe_api, faulty_stripe, settings
):
    market.offer.places = None
    market.offer.save()
    world = make_world(user_factory)
    django_settings = settings
    counter = iter(range(1_000_000))

    class Payouts(RuleBasedStateMachine):
        booked = Bundle("booked")
        paid = Bundle("paid")  # bookings delivered and paid, so refunds can follow
        pledged = Bundle("pledged")

        def __init__(self):
            super().__init__()
            self.subjects = []
            self.touched = set()

        @initialize(target=paid, fee=st.sampled_from(["2.5", "10", "0"]))
        def start(self, fee):
            """Kith's fee for this run, and one booking paid (and paid out) to begin with."""
            django_settings.KITH_PLATFORM_FEE_PERCENT = Decimal(fee)
            return self.book_and_deliver()

        def _touch(self, subject):
            self.touched.add((type(subject), subject.pk))

        # --- Bookings ---------------------------------------------------------------

        @rule(target=booked)
        def book(self):
            try:
                booking = market.request("card")
            except bookings.BookingError:
                return multiple()  # card is not offered while the provider cannot be paid
            self.subjects.append(booking)
            return booking

        @rule(target=paid)
        def book_and_deliver(self):
            """The usual story in one step, so refunds after a payout come up often."""
            try:
                booking = market.delivered("card")
            except bookings.BookingError:
                return multiple()
            self.subjects.append(booking)
            self._touch(booking)
            return booking

        @rule(booking=booked)
        def accept(self, booking):
            try:
                bookings.accept(booking, by=market.owner)
            except SETTLED:
                pass

        @rule(target=paid, booking=booked)
        def deliver(self, booking):
            try:
                booking = bookings.deliver(booking, by=market.owner)
            except SETTLED:
                return multiple()
            self._touch(booking)
            return booking if booking.status == Booking.Status.PAID else multiple()

        @rule(booking=paid, amount=st.integers(min_value=1, max_value=4500))
        def refund_part(self, booking, amount):
            try:
                bookings.refund(
                    booking,
                    by=market.owner,
                    amount=Decimal(amount) / 100,
                    request=f"form-{next(counter)}",
                )
            except SETTLED:
                pass
            self._touch(booking)

        @rule(booking=paid)
        def refund_all(self, booking):
            try:
                bookings.refund(booking, by=market.owner, request=f"form-{next(counter)}")
            except SETTLED:
                pass
            self._touch(booking)

        @rule(booking=booked)
        def cancel(self, booking):
            try:
                bookings.cancel(booking, by=market.person, reason="Not needed now")
            except (*SETTLED, PermissionDenied):
                pass
            self._touch(booking)

        # --- Pools ------------------------------------------------------------------

        @rule(target=pledged, members=st.integers(min_value=1, max_value=3))
        def pledge(self, members):
            pool = world.pool(minimum=1, places=4)
            made = [world.join(pool, person, "card") for person in world.people[:members]]
            self.subjects.extend(made)
            return made[0]

        @rule(target=pledged, members=st.integers(min_value=1, max_value=3))
        def pledge_and_settle(self, members):
            pledge = self.pledge(members)
            self.settle(pledge)
            return pledge

        @rule(pledge=pledged)
        def settle(self, pledge):
            try:
                pools.settle(pledge.pool, now=pledge.pool.deadline + timedelta(minutes=1))
            except SETTLED:
                pass
            for each in pledge.pool.pledges.all():
                self._touch(each)

        @rule(pledge=pledged)
        def call_off(self, pledge):
            try:
                pools.cancel(pledge.pool, by=world.provider, reason="The tutor is ill")
            except SETTLED:
                pass
            for each in pledge.pool.pledges.all():
                self._touch(each)

        # --- Stripe's side -----------------------------------------------------------

        @rule(subject=st.one_of(paid, pledged))
        def webhooks_again(self, subject):
            """Stripe says again, late, what already happened to a payment."""
            payment = cards.current_payment(subject)
            if payment is None or not payment.stripe_payment_intent:
                return
            intent = stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent)
            event_type = EVENT_FOR_STATUS.get(intent.status)
            if event_type:
                webhooks.handle_event(make_event(event_type, intent.to_dict()))
            if intent.status == "succeeded":
                listed = stripe_api.v1.refunds.list(params={"payment_intent": intent.id})
                refunds = [r.to_dict() for r in listed.data]
                charge = {
                    "id": f"ch_for_{intent.id}",
                    "payment_intent": intent.id,
                    "amount_refunded": sum(r["amount"] for r in refunds),
                    "refunds": {"data": refunds},
                }
                webhooks.handle_event(make_event("charge.refunded", charge))
            self._touch(subject)

        @rule(where=st.sampled_from([TRANSFERS, REVERSALS]), mode=st.sampled_from(["lost", "fail"]))
        def next_payout_call_goes_wrong(self, where, mode):
            faulty_stripe.inject("post", where, mode)
            faulty_stripe.inject("get", where, "fail")

        @rule(able=st.booleans())
        def payee_account_changes(self, able):
            account = PayoutAccount.objects.get(user=market.owner)
            if able:
                finish_onboarding(
                    connect.onboarding_link(market.owner, return_url=RETURN, refresh_url=REFRESH)
                )
            else:
                stripe_api.v1.accounts.update(
                    account.stripe_account,
                    params={"capabilities": {"transfers": {"requested": False}}},
                )
            connect.refresh(market.owner)

        @rule()
        def scheduler(self):
            reconcile.run()
            for subject in self.subjects:
                self._touch(subject)

        # --- What must always be true ------------------------------------------------

        def _check(self, subject, *, settled: bool):
            subject.refresh_from_db()
            paid_in, refunded, transferred = stripe_money(stripe_api, subject)
            held = held_by_kith(subject)
            assert held >= 0
            assert paid_in == transferred + refunded + pence(held), (
                f"{payouts.subject_key(subject)}: in {paid_in} != transferred {transferred} "
                f"+ refunded {refunded} + held {pence(held)}"
            )
            # Kith's own two ledgers say the same as Stripe.
            if isinstance(subject, Booking):
                spent = LedgerEntry.objects.filter(booking=subject)
                assert pence(sum((e.amount for e in spent), ZERO)) == paid_in - refunded
            lines = PayoutEntry.objects.filter(
                transfer__in=Transfer.objects.filter(
                    **{"booking" if isinstance(subject, Booking) else "pledge": subject}
                )
            )
            assert pence(sum((e.amount for e in lines), ZERO)) == transferred
            if settled:
                # After the scheduler, with a payee who can receive: only Kith's fee is kept
                # of what the payee earned, and all of what they did not.
                earned = payouts.earned(subject)
                transfer = payouts.transfer_of(subject)
                if earned or (transfer is not None and transfer.status == Transfer.Status.DONE):
                    assert held == payouts.fee_for(payouts.money_in(subject))
                else:
                    assert held == payouts.money_in(subject)

        @invariant()
        def books_agree_with_stripe(self):
            for kind, pk in sorted(self.touched, key=lambda t: (t[0].__name__, t[1])):
                subject = kind.objects.get(pk=pk)
                if not unresolved(subject):
                    self._check(subject, settled=False)
            self.touched.clear()

        def teardown(self):
            faulty_stripe.faults.clear()
            finish_onboarding(
                connect.onboarding_link(market.owner, return_url=RETURN, refresh_url=REFRESH)
            )
            for _ in range(2):
                reconcile.run()
            for subject in self.subjects:
                assert not unresolved(subject)
                self._check(subject, settled=True)
                assert (
                    len(
                        stripe_api.v1.transfers.list(
                            params={"transfer_group": payouts.subject_key(subject), "limit": 100}
                        ).data
                    )
                    <= 1
                )

    run_state_machine_as_test(
        Payouts,
        settings=run_settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            # No shrinking: each step talks to the fake Stripe, and a failing sequence is
            # short enough to read as it is.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
