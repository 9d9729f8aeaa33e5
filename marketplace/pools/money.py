"""Pool pledges' money: promised when a member joins, taken when the pool is funded, let go
or given back when it does not go ahead.

How a card share is promised depends on how long the pool has left, because
card holds lapse after about a week: the card is always saved (so it can be
charged later), and held as well when the deadline is six days away or less.
At settlement the hold is captured, or the saved card charged off-session;
either way with keys from ``marketplace.payments.gateway``, so a lost reply
is looked up before anything is sent again and nobody pays twice.

``reconcile`` is the safety net: whatever a pledge's story (left, failed,
refunded, a pool that fell through), money held or taken that is no longer
owed is released or refunded, and money taken for a pool that is going ahead
marks the pledge paid. Webhooks and the scheduler call it after every change.

Locks: the pledge's row first, then its payment's (inside ``cards``); see
``marketplace.payments`` for the whole order.
"""

from __future__ import annotations

import logging

from django.db import transaction

from marketplace.models import Invoice, Payment, Pledge, Pool
from marketplace.payments import cards, invoices, ledger, payouts
from marketplace.payments.gateway import OutcomeUnknown, PaymentError, atomic_keeping_calls
from marketplace.pools import notices
from marketplace.pools.records import (
    MAX_CAPTURE_ATTEMPTS,
    PledgeStatus,
    PoolError,
    Status,
    lock_pledge,
    move_pledge,
    places_filled,
    share_for,
)
from marketplace.pools.records import lock as lock_pool
from marketplace.pools.records import move as move_pool

logger = logging.getLogger(__name__)

GOING_AHEAD = (Status.FUNDED, Status.DELIVERED)
NOT_GOING_AHEAD = (Status.FAILED, Status.CANCELLED)
MONEY_MOVING = cards.HELD | cards.TAKEN


# --- Promising a share ------------------------------------------------------------------


def promise_card(pledge: Pledge, payment_method: str, *, by, hold: bool) -> Payment:
    """Save the member's card for ``pledge`` and, if ``hold``, hold the share on it now.

    A card Stripe refuses gives the place back (PoolError). A hold whose
    reply was lost keeps the place: the scheduler finds out whether it was
    held, and if not the saved card is charged at settlement.
    """
    payment = cards.new_attempt(pledge=pledge, amount=pledge.amount, paid_by=by)
    try:
        payment = cards.save_card(payment, payment_method, name=str(pledge.member))
    except PaymentError as error:
        fail(pledge, str(error))
        cards.release(payment)
        raise PoolError(str(error)) from error
    if hold:
        try:
            payment = cards.authorise(payment)
        except OutcomeUnknown:
            logger.warning("Hold for pledge %s unconfirmed; the scheduler will check", pledge.pk)
        except PaymentError as error:
            fail(pledge, str(error))
            raise PoolError(str(error)) from error
    reconcile(pledge)
    pledge.refresh_from_db()
    if pledge.status != PledgeStatus.HELD:
        raise PoolError("Your pledge was withdrawn before your card was saved; nothing is held.")
    return payment


def fail(pledge: Pledge, message: str) -> Pledge:
    """The pledge's card failed: its place is given back and the pool's minimum re-checked."""
    with transaction.atomic():
        locked = lock_pledge(pledge)
        if locked.status != PledgeStatus.HELD:
            return locked
        move_pledge(locked, PledgeStatus.FAILED, message=message)
    if locked.pool.status == Status.FUNDED:
        recheck(locked.pool)
    return locked


# --- When a pool falls through -------------------------------------------------------


def unwind(pool: Pool) -> None:
    """Release or refund every pledge of a pool that is not going ahead."""
    for each in pool.pledges.all():
        try:
            reconcile(each)
        except (PaymentError, PoolError) as error:
            logger.warning("Could not give back pool pledge %s yet; will retry: %s", each.pk, error)


def recheck(pool: Pool) -> Pool:
    """A member's payment failed: is a funded pool still at its minimum?

    If not, it fails after all, and everyone's share is refunded or released.
    """
    with transaction.atomic():
        locked = lock_pool(pool)
        if locked.status != Status.FUNDED:
            return locked
        counted = places_filled(locked)
        if counted >= locked.minimum_members:
            return locked
        move_pool(
            locked,
            Status.FAILED,
            note=(
                f"A member's payment failed, leaving {counted} of the "
                f"{locked.minimum_members} members needed"
            ),
        )
    unwind(locked)
    notices.tell_members(locked, "failed")
    return locked


# --- Taking a share ---------------------------------------------------------------------


def take_share(pledge: Pledge) -> Pledge:
    """Take one member's share of a funded pool; one attempt per call.

    Everyone pays the final share (a total price split between all who
    joined). A declined card is kept on the pledge and tried again on the
    next scheduler run; after MAX_CAPTURE_ATTEMPTS the pledge fails, and the
    caller tells the member and re-checks the pool. An unknown outcome is
    not a failure: the next run finds out what happened.
    """
    with transaction.atomic():
        locked = lock_pledge(pledge)
        pool = locked.pool
        if locked.status != PledgeStatus.HELD or pool.status != Status.FUNDED:
            return locked
        final = share_for(pool, places_filled(pool))
        if locked.method == Pledge.Method.INVOICE:
            _settle_invoice(locked, final)
            move_pledge(locked, PledgeStatus.CAPTURED)
            ledger.post_pool_invoice_share(locked)
            if locked.invoice is not None:
                invoices.send_to_payer(locked.invoice)  # owed now that the pool is funded
            return locked
        payment = cards.current_payment(locked)
        try:
            if payment is None:
                raise PaymentError("No card was saved for this pledge.")
            payment = cards.take(payment, amount=final)
        except OutcomeUnknown:
            return locked
        except PaymentError as error:
            locked.capture_attempts += 1
            locked.failure_message = str(error)[:300]
            locked.save(update_fields=["capture_attempts", "failure_message", "updated_at"])
            if locked.capture_attempts >= MAX_CAPTURE_ATTEMPTS:
                move_pledge(locked, PledgeStatus.FAILED)
            return locked
        locked.amount = payment.captured_amount
        locked.failure_message = ""
        locked.save(update_fields=["amount", "failure_message", "updated_at"])
        move_pledge(locked, PledgeStatus.CAPTURED)
        return locked


def _settle_invoice(pledge: Pledge, final) -> None:
    """An invoiced share that fell as more joined is re-issued at the final amount."""
    if pledge.amount == final or pledge.invoice is None:
        return
    old = pledge.invoice
    pledge.amount = final
    if old.status == Invoice.Status.ISSUED:
        invoices.void_unposted(old)
        pledge.invoice = invoices.issue_pool_invoice(
            pledge, pledge.pool, old.payer_name, old.payer_email
        )
    pledge.save(update_fields=["amount", "invoice", "updated_at"])


# --- Letting go and giving back -------------------------------------------------------------


def release(pledge: Pledge) -> bool:
    """Let go of what a pledge that will not be paid promised; True once nothing is held.

    Posts a £0 line to the member's statement the first time a promise is let
    go (left or released; a card that failed never made one). Returns False if
    Stripe could not be reached; the scheduler tries again.
    """
    with transaction.atomic():
        locked = lock_pledge(pledge)
        if locked.status not in (PledgeStatus.LEFT, PledgeStatus.RELEASED, PledgeStatus.FAILED):
            return False
        if locked.invoice_id and locked.invoice.status == Invoice.Status.ISSUED:
            invoices.void_unposted(locked.invoice)
        try:
            _give_back_every_payment(locked)
        except PaymentError as error:
            logger.warning("Could not release pool pledge %s yet: %s", locked.pk, error)
            return False
        let_go = locked.status in (PledgeStatus.LEFT, PledgeStatus.RELEASED)
        if let_go and not locked.payments.filter(status__in=cards.TAKEN).exists():
            ledger.post_pool_release(locked)
        return True


@payouts.then_settle
@atomic_keeping_calls
def refund(pledge: Pledge) -> Pledge:
    """Give back a taken share (the pool failed after funding, or was cancelled)."""
    locked = lock_pledge(pledge)
    if locked.status != PledgeStatus.CAPTURED:
        return locked
    if locked.method == Pledge.Method.INVOICE:
        if locked.invoice and locked.invoice.status == Invoice.Status.ISSUED:
            invoices.void_unposted(locked.invoice)
        ledger.post_pool_invoice_refund(locked)
    else:
        _give_back_every_payment(locked)
    move_pledge(locked, PledgeStatus.REFUNDED)
    return locked


def _give_back_every_payment(pledge: Pledge) -> None:
    """Release every hold and refund everything taken on the pledge's card attempts."""
    for payment in pledge.payments.filter(status__in=MONEY_MOVING).order_by("pk"):
        cards.settle_for_cancellation(payment)


@payouts.then_settle
def reconcile(pledge: Pledge) -> None:
    """Make the pledge's money agree with its story; safe to call any time, any number of times."""
    pledge.refresh_from_db()
    pool: Pool = pledge.pool
    going_ahead = pool.status in GOING_AHEAD or pool.status == Status.OPEN
    if going_ahead and pledge.status in (PledgeStatus.HELD, PledgeStatus.CAPTURED):
        if pledge.status == PledgeStatus.HELD and pool.status == Status.FUNDED:
            taken = pledge.payments.filter(status__in=cards.TAKEN).first()
            if taken is not None:
                with transaction.atomic():
                    locked = lock_pledge(pledge)
                    if locked.status == PledgeStatus.HELD:
                        locked.amount = taken.captured_amount
                        locked.save(update_fields=["amount", "updated_at"])
                        move_pledge(locked, PledgeStatus.CAPTURED)
        return
    if pledge.status == PledgeStatus.CAPTURED and pool.status in NOT_GOING_AHEAD:
        refund(pledge)
    elif pledge.status == PledgeStatus.HELD and pool.status in NOT_GOING_AHEAD:
        with transaction.atomic():
            move_pledge(lock_pledge(pledge), PledgeStatus.RELEASED)
        release(pledge)
    elif pledge.status in (PledgeStatus.LEFT, PledgeStatus.RELEASED, PledgeStatus.FAILED):
        release(pledge)
    elif pledge.status == PledgeStatus.REFUNDED:
        with transaction.atomic():
            _give_back_every_payment(lock_pledge(pledge))


def owing_back():
    """Pledges that may still hold money, or an invoice, that is no longer owed; and pledges
    of a funded pool whose card was in fact charged. For the scheduler's sweep."""
    from django.db.models import Exists, OuterRef, Q

    def with_payments(statuses):
        return Exists(Payment.objects.filter(pledge=OuterRef("pk"), status__in=statuses))

    no_longer_owed = Q(
        status__in=(
            PledgeStatus.LEFT,
            PledgeStatus.RELEASED,
            PledgeStatus.FAILED,
            PledgeStatus.REFUNDED,
        )
    ) | Q(pool__status__in=NOT_GOING_AHEAD)
    still_promised = with_payments(MONEY_MOVING) | Q(invoice__status=Invoice.Status.ISSUED)
    paid_unrecorded = Q(status=PledgeStatus.HELD, pool__status=Status.FUNDED) & with_payments(
        cards.TAKEN
    )
    unrefunded = Q(status=PledgeStatus.CAPTURED, pool__status__in=NOT_GOING_AHEAD)
    return Pledge.objects.filter(
        (no_longer_owed & still_promised) | paid_unrecorded | unrefunded
    ).distinct()
