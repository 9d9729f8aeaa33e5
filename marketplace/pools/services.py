"""Pools: several budget holders buy one thing together, safely.

A pool is opened by a provider (an offer for a group) or proposed by a budget
holder around a listing that a provider manages on Kith, and moves along
``records.POOL_TRANSITIONS``: draft → open → funded | failed | cancelled, then
funded → delivered. Every move records a PoolEvent and is safe to call twice.

A member joins by pledging a share, traced to a goal line in their own plan
whose outcomes meet the pool's, by card (saved, and held too when the
deadline is within the week; see ``money``) or by invoice to whoever holds
their money, payable only if the pool is funded.

No oversell, no orphan money. ``pledge`` reserves a place first, inside a
short transaction that locks the pool row and counts the held pledges, and
only then talks to Stripe, outside the lock, so a slow card network never
queues everyone else behind the row lock. A refused pledge therefore never
touches a card at all. A card that then fails gives the place back.

Settlement happens at the deadline (``process_deadlines``, run by the
scheduler): with the minimum met every share is taken (a total price split
between everyone who joined), a declined card is retried on the next runs,
and after ``MAX_CAPTURE_ATTEMPTS`` the member is told; whenever a pledge of a
funded pool fails, the pool is re-checked against its minimum, and falling
below it fails the pool and gives everyone's money back. Without the minimum
every pledge is released. Each run also resolves Stripe calls whose reply
was lost and sweeps up any money held or taken that is no longer owed.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.representation import can_act_for
from accounts.roles import Role
from directory import ownership
from directory.safety.records import is_suspended
from marketplace.models import Pledge, Pool, PoolEvent
from marketplace.payments import cards, connect, invoices, payouts
from marketplace.pools import money, notices
from marketplace.pools.records import (  # noqa: F401  (the pools API, for views and tests)
    CARD,
    CARD_HOLD_MAX_DAYS,
    FILLING,
    MAX_CAPTURE_ATTEMPTS,
    Method,
    PledgeStatus,
    PoolError,
    Status,
    _require_manager,
    _user,
    can_manage,
    card_method_for,
    days_left,
    held_pledge,
    is_organiser,
    is_provider,
    joining_share,
    lock,
    lock_pledge,
    matching_goals,
    move,
    move_pledge,
    open_pools_near,
    places_filled,
    places_left,
    pools_for,
    refuse,
    share_for,
    share_of_total,
)

logger = logging.getLogger(__name__)

# A pool price can be at most this (a place on a week's holiday for a group is a few thousand).
MAX_PRICE = Decimal("50000.00")
UNMANAGED = (
    "Nobody manages {listing} on Kith yet, so a pool cannot be arranged with them here. "
    "You could contact them directly, or suggest they join Kith."
)
SUSPENDED = "Sorry, {listing} cannot take part in pools at the moment."


def _refuse_suspended(listing) -> None:
    """A suspended listing takes no new pools, no opening and no new members (as it takes
    no bookings or enquiries); pools already settled or paid are not touched."""
    if is_suspended(listing):
        raise PoolError(SUSPENDED.format(listing=listing.title))


# --- Opening pools -------------------------------------------------------------------


def _validate(*, places, minimum_members, deadline, outcomes, price) -> None:
    if places < 2:
        raise PoolError("A pool needs at least 2 places.")
    if places > 500:
        raise PoolError("A pool can have at most 500 places.")
    if not 1 <= minimum_members <= places:
        raise PoolError("The minimum number of members must be between 1 and the places.")
    if deadline <= timezone.now():
        raise PoolError("The deadline must be in the future.")
    if not outcomes:
        raise PoolError("Choose at least one outcome, so members can link it to their plan.")
    if price is None or Decimal(price) <= 0:
        raise PoolError("Enter a price greater than £0.")
    if Decimal(price) > MAX_PRICE:
        raise PoolError(f"Enter a price of at most £{MAX_PRICE:,}.")
    try:
        cards.to_pence(Decimal(price))
    except ValueError:
        raise PoolError("Enter the price in pounds and pence.") from None


def _create(
    listing,
    organiser,
    *,
    title,
    description,
    outcomes,
    places,
    minimum_members,
    deadline,
    price_per_place=None,
    total_price=None,
) -> Pool:
    if not ownership.has_owner(listing):
        raise PoolError(UNMANAGED.format(listing=listing.title))
    _refuse_suspended(listing)
    if total_price is not None:
        _validate(
            places=places,
            minimum_members=minimum_members,
            deadline=deadline,
            outcomes=list(outcomes),
            price=total_price,
        )
        price_per_place = share_of_total(total_price, minimum_members)
    _validate(
        places=places,
        minimum_members=minimum_members,
        deadline=deadline,
        outcomes=list(outcomes),
        price=price_per_place,
    )
    pool = Pool.objects.create(
        listing=listing,
        organiser=organiser,
        title=title,
        description=description,
        price_per_place=Decimal(price_per_place),
        total_price=None if total_price is None else Decimal(total_price),
        places=places,
        minimum_members=minimum_members,
        deadline=deadline,
    )
    pool.outcomes.set(outcomes)
    PoolEvent.objects.create(pool=pool, to_status=Status.DRAFT, by=organiser, note="Created")
    return pool


@transaction.atomic
def open_pool(listing, *, by, **details) -> Pool:
    """A provider offers a group place on their listing: created and open at once."""
    user = _user(by)
    if not ownership.manages(user, listing):
        raise PermissionDenied("Only the provider who owns this listing can open a pool for it.")
    pool = _create(listing, user, **details)
    move(pool, Status.OPEN, user, "Opened by the provider")
    return pool


@transaction.atomic
def propose_pool(listing, *, by, **details) -> Pool:
    """A budget holder (or representative) suggests buying together; a draft until the
    provider agrees the price and places and opens it."""
    user = _user(by)
    may_propose = user is not None and (
        user.has_role(Role.BUDGET_HOLDER) or user.has_role(Role.REPRESENTATIVE)
    )
    if not may_propose:
        raise PermissionDenied("Only budget holders and their representatives can propose a pool.")
    return _create(listing, user, **details)


@transaction.atomic
def publish(pool: Pool, *, by) -> Pool:
    """Open a draft for pledges: only the provider, who agrees the price and places.

    Money for a pool goes to whoever manages the listing, so a listing that
    nobody manages on Kith cannot have a pool opened at all.
    """
    pool = lock(pool)
    if not ownership.has_owner(pool.listing):
        raise PoolError(UNMANAGED.format(listing=pool.listing.title))
    if not is_provider(by, pool):
        raise PermissionDenied(
            "The provider must agree the price and places before the pool opens."
        )
    if pool.status == Status.OPEN:
        return pool
    if pool.status != Status.DRAFT:
        raise refuse(pool, "opened")
    _refuse_suspended(pool.listing)
    if pool.deadline <= timezone.now():
        raise PoolError("The deadline has passed. Change it before opening the pool.")
    move(pool, Status.OPEN, by)
    return pool


# --- Pledging --------------------------------------------------------------------------


def _resolve_method(pool: Pool, method: str, now) -> str:
    if method in (CARD, Method.CARD_HOLD, Method.CARD_SAVED):
        return card_method_for(pool, now)
    if method == Method.INVOICE:
        return method
    raise PoolError("Choose how you will pay: by card or by invoice to your managed account.")


def _check_pledge(pool: Pool, member, by, goal, method: str, payment_method, payer_name) -> None:
    user = _user(by)
    if user is None or not can_act_for(user, member):
        raise PermissionDenied("You can only join a pool for yourself or someone you act for.")
    if not member.has_role(Role.BUDGET_HOLDER):
        raise PoolError("Only people with a personal budget can join a pool.")
    _refuse_suspended(pool.listing)
    if goal is None or goal.plan.person_id != member.pk:
        raise PoolError("Choose a goal from your own support plan for this share.")
    if not goal.outcomes.filter(pk__in=pool.outcomes.all()).exists():
        wanted = ", ".join(o.name.lower() for o in pool.outcomes.all())
        raise PoolError(
            f"This pool is for {wanted}. Choose a goal in your plan for one of these "
            "(or ask whoever helps with your plan to add it), so the spend traces to your plan."
        )
    if method in (Method.CARD_HOLD, Method.CARD_SAVED):
        refusal = connect.card_refusal(pool.listing)
        if refusal:
            raise PoolError(refusal)
        if not payment_method:
            raise PoolError("Enter your card details.")
    elif not payer_name.strip():
        raise PoolError("Enter who holds your money (your managed account provider).")


def _reserve(pool, member, by, goal, method, payer_name, payer_email, now) -> Pledge:
    """Take a place under the pool's row lock, or refuse; no Stripe call happens here."""
    with transaction.atomic():
        locked = lock(pool)
        if locked.status != Status.OPEN:
            raise PoolError(
                f"Sorry, this pool is {locked.get_status_display().lower()}, so it is not taking "
                "pledges. You can still make your own arrangements with the provider."
            )
        if now >= locked.deadline:
            raise PoolError("Sorry, the deadline for this pool has passed.")
        if locked.pledges.filter(member=member, status=PledgeStatus.HELD).exists():
            raise PoolError("You have already pledged to this pool.")
        if places_filled(locked) >= locked.places:
            raise PoolError(
                f"Sorry, this pool is full: all {locked.places} places have been taken, so we "
                "have not taken or held any money. You can still book with the provider "
                "yourself, or look for another pool."
            )
        pledge = Pledge.objects.create(
            pool=locked,
            member=member,
            pledged_by=_user(by),
            goal=goal,
            amount=joining_share(locked),
            method=method,
        )
        if method == Method.INVOICE:
            pledge.invoice = invoices.issue_pool_invoice(pledge, locked, payer_name, payer_email)
            pledge.save(update_fields=["invoice", "updated_at"])
        return pledge


def pledge(
    pool: Pool,
    member,
    *,
    by,
    goal,
    method: str,
    payment_method: str | None = None,
    payer_name: str = "",
    payer_email: str = "",
    now=None,
) -> Pledge:
    """Join ``pool`` for ``member`` with a share traced to ``goal``.

    Refuses (PoolError, with a message fit to show) when the pool is full,
    closed, or the goal does not serve one of the pool's outcomes. The place
    is reserved before any card is touched; a card that fails gives it back.
    """
    now = now or timezone.now()
    method = _resolve_method(pool, method, now)
    _check_pledge(pool, member, by, goal, method, payment_method, payer_name)
    reserved = _reserve(pool, member, by, goal, method, payer_name, payer_email, now)
    if method in (Method.CARD_HOLD, Method.CARD_SAVED):
        money.promise_card(reserved, payment_method, by=_user(by), hold=method == Method.CARD_HOLD)
    reserved.refresh_from_db()
    return reserved


def leave(pledge: Pledge, *, by) -> Pledge:
    """Leave before funding: the place is freed and the card released.

    The member goes back to their own arrangements. Leaving twice is a no-op.
    """
    if not (_user(by) and can_act_for(_user(by), pledge.member)):
        raise PermissionDenied("Only the member, or someone who acts for them, can leave a pool.")
    with transaction.atomic():
        pool = lock(pledge.pool)
        locked = lock_pledge(pledge)
        if locked.status == PledgeStatus.LEFT:
            return locked
        if locked.status != PledgeStatus.HELD or pool.status != Status.OPEN:
            raise PoolError(
                f"The pool is {pool.get_status_display().lower()}, so you can no longer leave it. "
                "Contact the organiser if you need to."
            )
        move_pledge(locked, PledgeStatus.LEFT)
    # Outside the pool's lock: a slow card network must not hold up other pledges.
    money.release(locked)
    return locked


# --- Not going ahead -----------------------------------------------------------------------


def cancel(pool: Pool, *, by, reason: str = "") -> Pool:
    """Call the pool off: held pledges are released and taken shares refunded."""
    with transaction.atomic():
        pool = lock(pool)
        _require_manager(by, pool, "cancel")
        if pool.status == Status.CANCELLED:
            return pool
        if pool.status not in (Status.DRAFT, Status.OPEN, Status.FUNDED):
            raise refuse(pool, "cancelled")
        move(pool, Status.CANCELLED, by, reason)
    money.unwind(pool)
    notices.tell_members(pool, "cancelled")
    return pool


@transaction.atomic
def deliver(pool: Pool, *, by) -> Pool:
    pool = lock(pool)
    _require_manager(by, pool, "mark delivered")
    if pool.status == Status.DELIVERED:
        return pool
    if pool.status != Status.FUNDED:
        raise refuse(pool, "marked delivered")
    if pool.pledges.filter(status=PledgeStatus.HELD).exists():
        raise PoolError("Some members' payments are still being taken. Try again later.")
    move(pool, Status.DELIVERED, by)
    return pool


# --- Settlement ------------------------------------------------------------------------


def capture(pledge: Pledge) -> Pledge:
    """Take one member's share of a funded pool (one attempt); after the last failed try
    the member is told and the pool re-checked against its minimum."""
    before = pledge.status
    taken = money.take_share(pledge)
    if taken.status == PledgeStatus.FAILED and before != PledgeStatus.FAILED:
        notices.tell(taken.member, taken.pool, "payment_failed", pledge=taken)
        money.recheck(taken.pool)
    return taken


recheck = money.recheck


def refund(pledge: Pledge) -> Pledge:
    """Give back a taken share (the pool failed after funding, or was cancelled)."""
    return money.refund(pledge)


def settle(pool: Pool, *, now=None) -> Pool:
    """At the deadline: funded with the minimum, failed without; then move the money.

    Safe to repeat: a settled pool only finishes what is outstanding (retrying
    captures, releasing what a crash left held).
    """
    now = now or timezone.now()
    decided = None
    with transaction.atomic():
        locked = lock(pool)
        if locked.status in (Status.DRAFT, Status.OPEN) and now < locked.deadline:
            raise PoolError("This pool is still open for pledges until its deadline.")
        if locked.status == Status.DRAFT:
            move(locked, Status.CANCELLED, note="Never opened before its deadline")
        elif locked.status == Status.OPEN:
            held = locked.pledges.filter(status=PledgeStatus.HELD).count()
            note = f"{held} pledged by the deadline; the minimum was {locked.minimum_members}"
            decided = Status.FUNDED if held >= locked.minimum_members else Status.FAILED
            move(locked, decided, note=note)
    if locked.status == Status.FUNDED:
        for each in locked.pledges.filter(status=PledgeStatus.HELD):
            capture(each)
        locked.refresh_from_db()
        # Every share settled: each pledge's money goes to the provider (payments.payouts).
        for each in locked.pledges.filter(status=PledgeStatus.CAPTURED):
            payouts.settle(each)
    elif locked.status in (Status.FAILED, Status.CANCELLED):
        money.unwind(locked)
    # Unless a failed capture has already turned it round (and told everyone so).
    if decided and locked.status == decided:
        notices.tell_members(locked, decided)
    return locked


def _safely(step, *args, **kwargs) -> bool:
    """One pool's trouble (an email server down, a bug) must not stop the others settling;
    whatever it left undone is picked up by the next run."""
    try:
        step(*args, **kwargs)
    except Exception:
        logger.exception("Could not finish %s%s; the next run will retry", step.__name__, args)
        return False
    return True


def process_deadlines(now=None) -> dict:
    """Settle every pool whose deadline has passed and finish outstanding money moves.

    Idempotent: a second run straight after the first finds nothing to do.
    Returns counts for the management command to print.
    """
    now = now or timezone.now()
    counts = {"settled": 0, "retried": 0, "released": 0, "resolved": 0}
    if cards.card_payments_enabled():
        for call in cards.gateway.unknown_calls():
            if _safely(cards.resolve_unknown, call):
                counts["resolved"] += 1
    due = Pool.objects.filter(
        status__in=(Status.DRAFT, Status.OPEN), deadline__lte=now
    ).values_list("pk", flat=True)
    settled = list(due)
    for pk in settled:
        if _safely(settle, Pool.objects.get(pk=pk), now=now):
            counts["settled"] += 1
    # Funded pools with captures still to retry.
    unfinished = Pool.objects.filter(status=Status.FUNDED, pledges__status=PledgeStatus.HELD)
    # A pool settled just now has had its first try; its retries wait for the next run.
    for pool in unfinished.exclude(pk__in=settled).distinct():
        if _safely(settle, pool, now=now):
            counts["retried"] += 1
    # Money held or taken that is no longer owed, whatever left it there.
    for each in money.owing_back():
        if _safely(money.reconcile, each):
            counts["released"] += 1
    return counts
