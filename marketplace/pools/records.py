"""Pools' records: who runs a pool, where pools and pledges may go next, and reading them.

The lowest layer of ``marketplace.pools``: ``money`` and ``services`` build on
it. A pool moves draft → open → funded | failed | cancelled, then funded →
delivered; a pledge held → captured | left | released | failed, and captured →
refunded. The tables below are the only places those steps are written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from directory import geo, ownership
from marketplace.models import Pledge, Pool, PoolEvent
from marketplace.states import Transitions

Status = Pool.Status
PledgeStatus = Pledge.Status
Method = Pledge.Method

POOL_TRANSITIONS = Transitions(
    "pool",
    {
        Status.DRAFT: {Status.OPEN, Status.CANCELLED},
        Status.OPEN: {Status.FUNDED, Status.FAILED, Status.CANCELLED},
        # Funded, then a member's payment finally fails below the minimum: failed after all.
        Status.FUNDED: {Status.DELIVERED, Status.FAILED, Status.CANCELLED},
        Status.FAILED: set(),
        Status.CANCELLED: set(),
        Status.DELIVERED: set(),
    },
)

PLEDGE_TRANSITIONS = Transitions(
    "pledge",
    {
        PledgeStatus.HELD: {
            PledgeStatus.CAPTURED,
            PledgeStatus.LEFT,
            PledgeStatus.RELEASED,
            PledgeStatus.FAILED,
        },
        PledgeStatus.CAPTURED: {PledgeStatus.REFUNDED},
        PledgeStatus.LEFT: set(),
        PledgeStatus.RELEASED: set(),
        PledgeStatus.FAILED: set(),
        PledgeStatus.REFUNDED: set(),
    },
)

# Card holds lapse after seven days; beyond six we only save the card, and charge it later.
CARD_HOLD_MAX_DAYS = 6
# Captures tried this many times (one per scheduler run) before the member is told.
MAX_CAPTURE_ATTEMPTS = 3
# A general "card" choice from a form; the deadline decides hold or save.
CARD = "card"

# Pledges that fill a place.
FILLING = (PledgeStatus.HELD, PledgeStatus.CAPTURED)
MANAGERS_ONLY = "Only the pool's organiser or the provider can {action} this pool."


class PoolError(ValueError):
    """A pool or pledge cannot change the way someone tried to; the message says why."""


# --- Who is acting -----------------------------------------------------------------


def _user(by):
    return by if by is not None and by.is_authenticated else None


def is_organiser(by, pool: Pool) -> bool:
    user = _user(by)
    return user is not None and pool.organiser_id == user.pk


def is_provider(by, pool: Pool) -> bool:
    user = _user(by)
    return ownership.manages(user, pool.listing)


def can_manage(by, pool: Pool) -> bool:
    """The organiser and the listing's owner run the pool; they alone see members' names."""
    return is_organiser(by, pool) or is_provider(by, pool)


def _require_manager(by, pool: Pool, action: str) -> None:
    if not can_manage(by, pool):
        raise PermissionDenied(MANAGERS_ONLY.format(action=action))


# --- Recording transitions ---------------------------------------------------------------


def lock(pool: Pool) -> Pool:
    return Pool.objects.select_for_update(of=("self",)).select_related("listing").get(pk=pool.pk)


def lock_pledge(pledge: Pledge) -> Pledge:
    return (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("pool__listing", "member", "goal__plan", "invoice")
        .get(pk=pledge.pk)
    )


def move(pool: Pool, to: str, by=None, note: str = "") -> bool:
    """Move a locked pool along its table, recording who and why; False if already there."""
    if not POOL_TRANSITIONS.step(pool.status, to):
        return False
    PoolEvent.objects.create(
        pool=pool, from_status=pool.status, to_status=to, by=_user(by), note=note
    )
    pool.status = to
    pool.save(update_fields=["status", "updated_at"])
    return True


def move_pledge(pledge: Pledge, to: str, *, message: str | None = None) -> bool:
    """Move a locked pledge along its table; False if already there."""
    if not PLEDGE_TRANSITIONS.step(pledge.status, to):
        return False
    pledge.status = to
    fields = ["status", "updated_at"]
    if message is not None:
        pledge.failure_message = message[:300]
        fields.append("failure_message")
    pledge.save(update_fields=fields)
    return True


def refuse(pool: Pool, action: str) -> PoolError:
    return PoolError(f"This pool is {pool.get_status_display().lower()}, so it cannot be {action}.")


# --- Reading a pool ------------------------------------------------------------------


def places_filled(pool: Pool) -> int:
    return pool.pledges.filter(status__in=FILLING).count()


def places_left(pool: Pool) -> int:
    return max(0, pool.places - places_filled(pool))


def days_left(pool: Pool, now=None) -> int:
    """Whole days until the deadline (0 on the last day or after it)."""
    now = now or timezone.now()
    return max(0, (pool.deadline - now).days)


def card_method_for(pool: Pool, now=None) -> str:
    """Hold the card now if the deadline falls before the authorisation lapses, else save it."""
    now = now or timezone.now()
    if pool.deadline - now > timedelta(days=CARD_HOLD_MAX_DAYS):
        return Method.CARD_SAVED
    return Method.CARD_HOLD


def share_of_total(total: Decimal, minimum_members: int) -> Decimal:
    """A total price shared by the minimum number of members (the group that makes it
    viable), rounded up to the penny so the provider is never short."""
    return (Decimal(total) / minimum_members).quantize(Decimal("0.01"), rounding=ROUND_UP)


def share_for(pool: Pool, members: int) -> Decimal:
    """Each member's share when ``members`` take part.

    A price per place never changes. A total price is split between everyone
    who joins (never fewer than the minimum), so the share falls as the pool
    fills: members hold the share at the time they join, and at settlement
    everyone pays the final, lower share (the difference is released).
    """
    if pool.total_price is None:
        return pool.price_per_place
    return share_of_total(pool.total_price, max(pool.minimum_members, members))


def joining_share(pool: Pool) -> Decimal:
    """What the next member would hold now."""
    return share_for(pool, places_filled(pool) + 1)


def held_pledge(pool: Pool, member) -> Pledge | None:
    return pool.pledges.filter(member=member, status=PledgeStatus.HELD).first()


def matching_goals(pool: Pool, member):
    """The member's goals whose outcomes meet the pool's: the lines a share may trace to."""
    from matching.models import Goal

    return (
        Goal.objects.filter(plan__person=member, outcomes__in=pool.outcomes.all())
        .select_related("plan")
        .distinct()
    )


@dataclass(frozen=True)
class NearbyPool:
    pool: Pool
    distance_km: float | None


def open_pools_near(origin=None, radius_miles: float = 10, outcome=None) -> list[NearbyPool]:
    """Open pools within ``radius_miles`` of ``origin`` (nearest listing location), nearest
    first, optionally for one outcome; without an origin, every open pool by deadline."""
    found = Pool.objects.filter(status=Status.OPEN, deadline__gt=timezone.now())
    if outcome is not None:
        found = found.filter(outcomes=outcome)
    found = found.select_related("listing").prefetch_related("listing__locations").distinct()
    if origin is None:
        return [NearbyPool(pool, None) for pool in found]
    radius_km = geo.miles_to_km(radius_miles)
    rows = []
    for pool in found:
        distances = [
            geo.distance_km(origin, (place.lat, place.lng))
            for place in pool.listing.locations.all()
            if place.lat is not None
        ]
        if distances and min(distances) <= radius_km:
            rows.append(NearbyPool(pool, min(distances)))
    rows.sort(key=lambda row: (row.distance_km, row.pool.deadline))
    return rows


def pools_for(user):
    """'My pools': those the user organises or runs as provider, and those they (or
    someone they act for) have pledged to."""
    from accounts.representation import represented_people

    people = [user.pk, *represented_people(user).values_list("pk", flat=True)]
    return (
        Pool.objects.filter(
            Q(organiser=user)
            | Q(listing__in=ownership.managed_by(user))
            | Q(pledges__member__in=people)
        )
        .select_related("listing")
        .distinct()
    )
