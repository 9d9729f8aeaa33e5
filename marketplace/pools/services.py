"""Pools: several budget holders buy one thing together, safely.

A pool is opened by a provider (an offer for a group) or proposed by a budget
holder around a listing, and moves draft → open → funded | failed |
cancelled, then funded → delivered. Every move is one function here, records
a PoolEvent (from, to, by, when, note) and is safe to call twice.

A member joins by pledging a share, traced to a goal line in their own plan
whose outcomes meet the pool's. How the money is promised depends on how long
the pool has left, because card authorisations expire after about a week:

- card, deadline six days away or less: a PaymentIntent with manual capture
  holds the share now and is captured when the pool is funded;
- card, deadline further away: a SetupIntent saves the card now and an
  off-session PaymentIntent charges it when the pool is funded;
- managed account: a numbered invoice to whoever holds the money, payable
  only if the pool is funded (voided otherwise).

No oversell, no orphan money. ``pledge`` reserves a place first, inside a
short transaction that locks the pool row and counts the held pledges, and
only then talks to Stripe, outside the lock, so a slow card network never
queues everyone else behind the row lock. A refused pledge therefore never
creates a PaymentIntent at all. If the card then fails, the place is given
back; if the member left (or the pool closed) while their card was being
authorised, the fresh authorisation is cancelled straight away.

Settlement happens at the deadline (``process_deadlines``, run every 15
minutes by the compose ``scheduler`` service): with the minimum met every
pledge is captured, a failed capture is retried on the next runs, and after
``MAX_CAPTURE_ATTEMPTS`` the member is told and the pool re-checked against
its minimum (falling below it fails the pool and refunds everyone); without
the minimum every pledge is released. Every capture, release and refund
posts a ``pool_share`` line to the member's spend ledger, keyed so posting
twice is a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_UP, Decimal

import stripe
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.representation import can_act_for
from accounts.roles import Role
from directory import geo
from marketplace.models import Invoice, LedgerEntry, Pledge, Pool, PoolEvent
from marketplace.payments import cards as payments
from marketplace.payments.invoices import PAYMENT_TERMS, next_invoice_number

logger = logging.getLogger(__name__)

Status = Pool.Status
PledgeStatus = Pledge.Status
Method = Pledge.Method

# Card authorisations lapse after seven days; beyond six we save the card instead.
CARD_HOLD_MAX_DAYS = 6
# Captures tried this many times (one per scheduler run) before the member is told.
MAX_CAPTURE_ATTEMPTS = 3
# A general "card" choice from a form; the deadline decides hold or save.
CARD = "card"

# Pools whose places can be filled, and pledges that fill a place.
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
    return user is not None and pool.listing.owner_id == user.pk


def can_manage(by, pool: Pool) -> bool:
    """The organiser and the listing's owner run the pool; they alone see members' names."""
    return is_organiser(by, pool) or is_provider(by, pool)


def _require_manager(by, pool: Pool, action: str) -> None:
    if not can_manage(by, pool):
        raise PermissionDenied(MANAGERS_ONLY.format(action=action))


# --- Recording transitions -------------------------------------------------------------


def _lock(pool: Pool) -> Pool:
    return Pool.objects.select_for_update(of=("self",)).select_related("listing").get(pk=pool.pk)


def _lock_pledge(pledge: Pledge) -> Pledge:
    return (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("pool__listing", "member", "goal__plan", "invoice")
        .get(pk=pledge.pk)
    )


def _move(pool: Pool, to: str, by=None, note: str = "") -> None:
    PoolEvent.objects.create(
        pool=pool, from_status=pool.status, to_status=to, by=_user(by), note=note
    )
    pool.status = to
    pool.save(update_fields=["status", "updated_at"])


def _refuse(pool: Pool, action: str) -> PoolError:
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
            Q(organiser=user) | Q(listing__owner=user) | Q(pledges__member__in=people)
        )
        .select_related("listing")
        .distinct()
    )


# --- Ledger lines (kind pool_share; unique (kind, reference) makes them idempotent) ----


def _post(pledge: Pledge, reference: str, amount: Decimal, description: str):
    goal = pledge.goal
    return LedgerEntry.objects.get_or_create(
        kind=LedgerEntry.Kind.POOL_SHARE,
        reference=reference,
        defaults={
            "person": pledge.member,
            "goal": goal,
            "plan": goal.plan,
            "amount": amount,
            "description": description[:300],
            "supplier": pledge.pool.listing.title[:255],
        },
    )


def release_reference(pledge: Pledge) -> str:
    return f"pool-pledge-{pledge.pk}-release"


def post_pool_capture(pledge: Pledge):
    """The share taken (card) or owed (invoice) once the pool is funded."""
    how = f" (invoice {pledge.invoice.number})" if pledge.invoice_id else ""
    return _post(
        pledge,
        f"pool-pledge-{pledge.pk}-capture",
        pledge.amount,
        f"Share of group purchase: {pledge.pool.title}{how}",
    )


def post_pool_release(pledge: Pledge):
    """A £0 line so the statement shows the promise was let go and nothing was taken."""
    return _post(
        pledge,
        release_reference(pledge),
        Decimal("0.00"),
        f"Pledge of £{pledge.amount} to {pledge.pool.title} released: nothing taken",
    )


def post_pool_refund(pledge: Pledge, reference: str | None = None):
    """A taken share given back, as a negative line."""
    return _post(
        pledge,
        reference or f"pool-pledge-{pledge.pk}-refund",
        -pledge.amount,
        f"Refund of share: {pledge.pool.title}",
    )


# --- Opening pools -------------------------------------------------------------------


def _validate(*, places, minimum_members, deadline, outcomes, price) -> None:
    if places < 2:
        raise PoolError("A pool needs at least 2 places.")
    if not 1 <= minimum_members <= places:
        raise PoolError("The minimum number of members must be between 1 and the places.")
    if deadline <= timezone.now():
        raise PoolError("The deadline must be in the future.")
    if not outcomes:
        raise PoolError("Choose at least one outcome, so members can link it to their plan.")
    if price is None or Decimal(price) <= 0:
        raise PoolError("Enter a price greater than £0.")
    try:
        payments.to_pence(Decimal(price))
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
    if price_per_place is None and total_price is not None:
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
    if user is None or listing.owner_id != user.pk:
        raise PermissionDenied("Only the provider who owns this listing can open a pool for it.")
    pool = _create(listing, user, **details)
    _move(pool, Status.OPEN, user, "Opened by the provider")
    return pool


@transaction.atomic
def propose_pool(listing, *, by, **details) -> Pool:
    """A budget holder (or representative) suggests buying together; a draft until opened."""
    user = _user(by)
    may_propose = user is not None and (
        user.has_role(Role.BUDGET_HOLDER) or user.has_role(Role.REPRESENTATIVE)
    )
    if not may_propose:
        raise PermissionDenied("Only budget holders and their representatives can propose a pool.")
    return _create(listing, user, **details)


@transaction.atomic
def publish(pool: Pool, *, by) -> Pool:
    """Open a draft for pledges. The provider agrees the price first when there is one
    on Kith; a listing nobody manages can be opened by the organiser."""
    pool = _lock(pool)
    owner_agrees = is_provider(by, pool) or (
        pool.listing.owner_id is None and is_organiser(by, pool)
    )
    if not owner_agrees:
        raise PermissionDenied(
            "The provider must agree the price and places before the pool opens."
        )
    if pool.status == Status.OPEN:
        return pool
    if pool.status != Status.DRAFT:
        raise _refuse(pool, "opened")
    if pool.deadline <= timezone.now():
        raise PoolError("The deadline has passed. Change it before opening the pool.")
    _move(pool, Status.OPEN, by)
    return pool


def cancel(pool: Pool, *, by, reason: str = "") -> Pool:
    """Call the pool off: held pledges are released and taken shares refunded."""
    with transaction.atomic():
        pool = _lock(pool)
        _require_manager(by, pool, "cancel")
        if pool.status == Status.CANCELLED:
            return pool
        if pool.status not in (Status.DRAFT, Status.OPEN, Status.FUNDED):
            raise _refuse(pool, "cancelled")
        _move(pool, Status.CANCELLED, by, reason)
    _unwind(pool)
    _tell_members(pool, "cancelled")
    return pool


@transaction.atomic
def deliver(pool: Pool, *, by) -> Pool:
    pool = _lock(pool)
    _require_manager(by, pool, "mark delivered")
    if pool.status == Status.DELIVERED:
        return pool
    if pool.status != Status.FUNDED:
        raise _refuse(pool, "marked delivered")
    if pool.pledges.filter(status=PledgeStatus.HELD).exists():
        raise PoolError("Some members' payments are still being taken. Try again later.")
    _move(pool, Status.DELIVERED, by)
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
    if goal is None or goal.plan.person_id != member.pk:
        raise PoolError("Choose a goal from your own support plan for this share.")
    if not goal.outcomes.filter(pk__in=pool.outcomes.all()).exists():
        wanted = ", ".join(o.name.lower() for o in pool.outcomes.all())
        raise PoolError(
            f"This pool is for {wanted}. Choose a goal in your plan for one of these "
            "(or ask whoever helps with your plan to add it), so the spend traces to your plan."
        )
    if method in (Method.CARD_HOLD, Method.CARD_SAVED):
        if not payments.card_payments_enabled():
            raise PoolError(payments.CARD_UNAVAILABLE)
        if not payment_method:
            raise PoolError("Enter your card details.")
    elif not payer_name.strip():
        raise PoolError("Enter who holds your money (your managed account provider).")


def _reserve(pool, member, by, goal, method, payer_name, payer_email, now) -> Pledge:
    """Take a place under the pool's row lock, or refuse; no Stripe call happens here."""
    with transaction.atomic():
        locked = _lock(pool)
        if locked.status != Status.OPEN:
            raise PoolError(
                f"Sorry, this pool is {locked.get_status_display().lower()}, so it is not taking "
                "pledges. You can still make your own arrangements with the provider."
            )
        if now >= locked.deadline:
            raise PoolError("Sorry, the deadline for this pool has passed.")
        if locked.pledges.filter(member=member, status=PledgeStatus.HELD).exists():
            raise PoolError("You have already pledged to this pool.")
        held = locked.pledges.filter(status=PledgeStatus.HELD).count()
        if held >= locked.places:
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
            amount=locked.price_per_place,
            method=method,
        )
        if method == Method.INVOICE:
            pledge.invoice = _issue_invoice(pledge, locked, payer_name, payer_email)
            pledge.save(update_fields=["invoice", "updated_at"])
        return pledge


def _issue_invoice(pledge: Pledge, pool: Pool, payer_name: str, payer_email: str) -> Invoice:
    """The payer's invoice, payable only if the pool is funded (voided otherwise).

    Issued at pledging because the invoice is where the payer's details are
    kept; the spend reaches the ledger only when the pool is funded.
    """
    issued_at = timezone.now()
    return Invoice.objects.create(
        number=next_invoice_number(timezone.localdate(issued_at).year),
        person=pledge.member,
        payer_name=payer_name.strip()[:150],
        payer_email=payer_email,
        description=(
            f"Share of '{pool.title}' from {pool.listing.title}, payable only if the pool "
            f"is funded by {timezone.localtime(pool.deadline):%-d %B %Y}"
        )[:300],
        amount=pledge.amount,
        issued_at=issued_at,
        due_on=timezone.localdate(pool.deadline) + PAYMENT_TERMS,
    )


def _key(pledge: Pledge) -> str:
    """Stripe idempotency keys per pledge; the creation time keeps databases apart."""
    return f"pool-pledge-{pledge.pk}-{pledge.created_at:%Y%m%d%H%M%S%f}"


def _metadata(pledge: Pledge) -> dict:
    return {"pool": str(pledge.pool_id), "pledge": str(pledge.pk)}


def _give_back_place(pledge: Pledge, message: str) -> None:
    with transaction.atomic():
        locked = _lock_pledge(pledge)
        if locked.status == PledgeStatus.HELD:
            locked.status = PledgeStatus.FAILED
            locked.failure_message = message[:300]
            locked.save(update_fields=["status", "failure_message", "updated_at"])


def _keep_or_cancel(pledge: Pledge, client, **fields) -> bool:
    """Store what Stripe gave us if the pledge still stands; otherwise undo it at once.

    The member may have left (or the pool been cancelled) while their card was
    being authorised; the fresh authorisation must not outlive the pledge.
    """
    with transaction.atomic():
        locked = _lock_pledge(pledge)
        if locked.status == PledgeStatus.HELD:
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "updated_at"])
            return True
    intent = fields.get("stripe_payment_intent")
    if intent:
        client.v1.payment_intents.cancel(
            intent, options={"idempotency_key": f"{_key(pledge)}-gone"}
        )
    saved_card = fields.get("stripe_payment_method")
    if saved_card:
        client.v1.payment_methods.detach(
            saved_card, options={"idempotency_key": f"{_key(pledge)}-gone-detach"}
        )
    return False


def _hold_card(pledge: Pledge, payment_method: str) -> None:
    client = payments.stripe_client()
    try:
        intent = client.v1.payment_intents.create(
            params={
                "amount": payments.to_pence(pledge.amount),
                "currency": payments.CURRENCY,
                "payment_method": payment_method,
                "payment_method_types": ["card"],
                "capture_method": "manual",
                "confirm": True,
                "metadata": _metadata(pledge),
            },
            options={"idempotency_key": f"{_key(pledge)}-hold"},
        )
    except stripe.StripeError as error:
        message = payments._plain_message(error)
        _give_back_place(pledge, message)
        raise PoolError(message) from error
    if intent.status != "requires_capture":
        client.v1.payment_intents.cancel(
            intent.id, options={"idempotency_key": f"{_key(pledge)}-hold-cancel"}
        )
        message = "The card payment did not go through. Try another card."
        _give_back_place(pledge, message)
        raise PoolError(message)
    if not _keep_or_cancel(pledge, client, stripe_payment_intent=intent.id):
        raise PoolError("Your pledge was withdrawn before the card hold finished; nothing is held.")


def _save_card(pledge: Pledge, payment_method: str) -> None:
    client = payments.stripe_client()
    key = _key(pledge)
    try:
        customer = client.v1.customers.create(
            params={"name": str(pledge.member)[:100], "metadata": _metadata(pledge)},
            options={"idempotency_key": f"{key}-customer"},
        )
        setup = client.v1.setup_intents.create(
            params={
                "customer": customer.id,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": _metadata(pledge),
            },
            options={"idempotency_key": f"{key}-setup"},
        )
        setup = client.v1.setup_intents.confirm(
            setup.id,
            params={"payment_method": payment_method},
            options={"idempotency_key": f"{key}-setup-confirm"},
        )
    except stripe.StripeError as error:
        message = payments._plain_message(error)
        _give_back_place(pledge, message)
        raise PoolError(message) from error
    if setup.status != "succeeded":
        message = (
            "Your bank needs you to confirm this card, which we cannot do for a later "
            "payment. Try another card, or pledge by invoice."
        )
        _give_back_place(pledge, message)
        raise PoolError(message)
    _keep_or_cancel(
        pledge,
        client,
        stripe_customer=customer.id,
        stripe_setup_intent=setup.id,
        stripe_payment_method=setup.payment_method or payment_method,
    )


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
    if method == Method.CARD_HOLD:
        _hold_card(reserved, payment_method)
    elif method == Method.CARD_SAVED:
        _save_card(reserved, payment_method)
    reserved.refresh_from_db()
    return reserved


def leave(pledge: Pledge, *, by) -> Pledge:
    """Leave before funding: the place is freed and the authorisation released.

    The member goes back to their own arrangements. Leaving twice is a no-op.
    """
    if not (_user(by) and can_act_for(_user(by), pledge.member)):
        raise PermissionDenied("Only the member, or someone who acts for them, can leave a pool.")
    with transaction.atomic():
        pool = _lock(pledge.pool)
        locked = _lock_pledge(pledge)
        if locked.status == PledgeStatus.LEFT:
            return locked
        if locked.status != PledgeStatus.HELD or pool.status != Status.OPEN:
            raise PoolError(
                f"The pool is {pool.get_status_display().lower()}, so you can no longer leave it. "
                "Contact the organiser if you need to."
            )
        locked.status = PledgeStatus.LEFT
        locked.save(update_fields=["status", "updated_at"])
    # Outside the pool's lock: a slow card network must not hold up other pledges.
    release_money(locked)
    return locked


# --- Letting go of money ------------------------------------------------------------------


def release_money(pledge: Pledge) -> bool:
    """Let go of what a left or released pledge promised; once, marked by its ledger line.

    Returns False if Stripe could not be reached; ``process_deadlines`` tries again.
    """
    with transaction.atomic():
        locked = _lock_pledge(pledge)
        if locked.status not in (PledgeStatus.LEFT, PledgeStatus.RELEASED):
            return False
        if LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.POOL_SHARE, reference=release_reference(locked)
        ).exists():
            return True
        try:
            _free(locked)
        except (stripe.StripeError, payments.PaymentError) as error:
            logger.warning("Could not release pool pledge %s yet: %s", locked.pk, error)
            return False
        post_pool_release(locked)
        return True


def _free(pledge: Pledge) -> None:
    key = _key(pledge)
    if pledge.method == Method.INVOICE:
        if pledge.invoice and pledge.invoice.status == Invoice.Status.ISSUED:
            pledge.invoice.status = Invoice.Status.VOID
            pledge.invoice.save(update_fields=["status"])
        return
    client = payments.stripe_client()
    if pledge.method == Method.CARD_HOLD and pledge.stripe_payment_intent:
        intent = client.v1.payment_intents.retrieve(pledge.stripe_payment_intent)
        if intent.status not in ("canceled", "succeeded"):
            client.v1.payment_intents.cancel(
                pledge.stripe_payment_intent, options={"idempotency_key": f"{key}-release"}
            )
    elif pledge.method == Method.CARD_SAVED and pledge.stripe_payment_method:
        # Nothing is held; forget the saved card so it cannot be charged later.
        client.v1.payment_methods.detach(
            pledge.stripe_payment_method, options={"idempotency_key": f"{key}-detach"}
        )


def _release(pledge: Pledge) -> None:
    with transaction.atomic():
        locked = _lock_pledge(pledge)
        if locked.status != PledgeStatus.HELD:
            return
        locked.status = PledgeStatus.RELEASED
        locked.save(update_fields=["status", "updated_at"])
    release_money(locked)


def refund(pledge: Pledge) -> Pledge:
    """Give back a taken share (the pool failed after funding, or was cancelled)."""
    with transaction.atomic():
        locked = _lock_pledge(pledge)
        if locked.status != PledgeStatus.CAPTURED:
            return locked
        reference = None
        if locked.method == Method.INVOICE:
            if locked.invoice and locked.invoice.status == Invoice.Status.ISSUED:
                locked.invoice.status = Invoice.Status.VOID
                locked.invoice.save(update_fields=["status"])
        else:
            client = payments.stripe_client()
            stripe_refund = client.v1.refunds.create(
                params={
                    "payment_intent": locked.stripe_payment_intent,
                    "amount": payments.to_pence(locked.amount),
                },
                options={"idempotency_key": f"{_key(locked)}-refund"},
            )
            reference = stripe_refund.id
        locked.status = PledgeStatus.REFUNDED
        locked.save(update_fields=["status", "updated_at"])
        post_pool_refund(locked, reference)
        return locked


def _unwind(pool: Pool) -> None:
    for each in pool.pledges.filter(status=PledgeStatus.HELD):
        _release(each)
    for each in pool.pledges.filter(status=PledgeStatus.CAPTURED):
        try:
            refund(each)
        except (stripe.StripeError, payments.PaymentError) as error:
            logger.warning("Refund of pool pledge %s failed; will retry: %s", each.pk, error)


# --- Taking the money ------------------------------------------------------------------


def capture(pledge: Pledge) -> Pledge:
    """Take one member's share of a funded pool; one attempt per call.

    A failure is kept on the pledge and tried again on the next scheduler run;
    after MAX_CAPTURE_ATTEMPTS the pledge fails, the member is told, and the
    pool is re-checked against its minimum.
    """
    gave_up = False
    with transaction.atomic():
        locked = _lock_pledge(pledge)
        if locked.status != PledgeStatus.HELD or locked.pool.status != Status.FUNDED:
            return locked
        if locked.method == Method.INVOICE:
            locked.status = PledgeStatus.CAPTURED
            locked.save(update_fields=["status", "updated_at"])
            post_pool_capture(locked)
            return locked
        locked.capture_attempts += 1
        try:
            intent = _take(locked)
        except (stripe.StripeError, payments.PaymentError, PoolError) as error:
            message = (
                str(error)
                if isinstance(error, (payments.PaymentError, PoolError))
                else payments._plain_message(error)
            )
            locked.failure_message = message[:300]
            if locked.capture_attempts >= MAX_CAPTURE_ATTEMPTS:
                locked.status = PledgeStatus.FAILED
                gave_up = True
        else:
            locked.stripe_payment_intent = intent.id
            locked.status = PledgeStatus.CAPTURED
            locked.failure_message = ""
        locked.save()
        if locked.status == PledgeStatus.CAPTURED:
            post_pool_capture(locked)
    if gave_up:
        _tell(locked.member, locked.pool, "payment_failed", pledge=locked)
        recheck(locked.pool)
    return locked


def _take(pledge: Pledge):
    client = payments.stripe_client()
    attempt = f"{_key(pledge)}-take-{pledge.capture_attempts}"
    if pledge.method == Method.CARD_HOLD:
        if not pledge.stripe_payment_intent:
            raise PoolError("The card hold for this pledge was never completed.")
        intent = client.v1.payment_intents.capture(
            pledge.stripe_payment_intent, options={"idempotency_key": attempt}
        )
    else:
        intent = client.v1.payment_intents.create(
            params={
                "amount": payments.to_pence(pledge.amount),
                "currency": payments.CURRENCY,
                "customer": pledge.stripe_customer,
                "payment_method": pledge.stripe_payment_method,
                "payment_method_types": ["card"],
                "confirm": True,
                "off_session": True,
                "capture_method": "automatic",
                "metadata": _metadata(pledge),
            },
            options={"idempotency_key": attempt},
        )
    if intent.status != "succeeded":
        raise PoolError("The card payment did not go through.")
    return intent


def recheck(pool: Pool) -> Pool:
    """After a member's payment finally failed: is the pool still at its minimum?

    If not, it fails after all, and everyone's share is refunded or released.
    """
    with transaction.atomic():
        locked = _lock(pool)
        if locked.status != Status.FUNDED:
            return locked
        counted = locked.pledges.filter(status__in=FILLING).count()
        if counted >= locked.minimum_members:
            return locked
        _move(
            locked,
            Status.FAILED,
            note=(
                f"A member's payment failed after {MAX_CAPTURE_ATTEMPTS} tries, leaving "
                f"{counted} of the {locked.minimum_members} members needed"
            ),
        )
    _unwind(locked)
    _tell_members(locked, "failed")
    return locked


# --- Settlement ------------------------------------------------------------------------


def settle(pool: Pool, *, now=None) -> Pool:
    """At the deadline: funded with the minimum, failed without; then move the money.

    Safe to repeat: a settled pool only finishes what is outstanding (retrying
    captures, releasing what a crash left held).
    """
    now = now or timezone.now()
    decided = None
    with transaction.atomic():
        locked = _lock(pool)
        if locked.status in (Status.DRAFT, Status.OPEN) and now < locked.deadline:
            raise PoolError("This pool is still open for pledges until its deadline.")
        if locked.status == Status.DRAFT:
            _move(locked, Status.CANCELLED, note="Never opened before its deadline")
        elif locked.status == Status.OPEN:
            held = locked.pledges.filter(status=PledgeStatus.HELD).count()
            note = f"{held} pledged by the deadline; the minimum was {locked.minimum_members}"
            decided = Status.FUNDED if held >= locked.minimum_members else Status.FAILED
            _move(locked, decided, note=note)
    if locked.status == Status.FUNDED:
        for each in locked.pledges.filter(status=PledgeStatus.HELD):
            capture(each)
        locked.refresh_from_db()
    elif locked.status in (Status.FAILED, Status.CANCELLED):
        _unwind(locked)
    # Unless a failed capture has already turned it round (and told everyone so).
    if decided and locked.status == decided:
        _tell_members(locked, decided)
    return locked


def _outstanding_releases():
    reference = Concat(Value("pool-pledge-"), Cast(OuterRef("pk"), CharField()), Value("-release"))
    posted = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.POOL_SHARE, reference=reference)
    return Pledge.objects.filter(status__in=(PledgeStatus.LEFT, PledgeStatus.RELEASED)).filter(
        ~Exists(posted)
    )


def _safely(step, pool: Pool, **kwargs) -> bool:
    """One pool's trouble (an email server down, a bug) must not stop the others settling;
    whatever it left undone is picked up by the next run."""
    try:
        step(pool, **kwargs)
    except Exception:
        logger.exception("Could not finish settling pool %s; the next run will retry", pool.pk)
        return False
    return True


def process_deadlines(now=None) -> dict:
    """Settle every pool whose deadline has passed and finish outstanding money moves.

    Idempotent: a second run straight after the first finds nothing to do.
    Returns counts for the management command to print.
    """
    now = now or timezone.now()
    counts = {"settled": 0, "retried": 0, "released": 0}
    due = Pool.objects.filter(
        status__in=(Status.DRAFT, Status.OPEN), deadline__lte=now
    ).values_list("pk", flat=True)
    settled = list(due)
    for pk in settled:
        if _safely(settle, Pool.objects.get(pk=pk), now=now):
            counts["settled"] += 1
    # Funded pools with captures still to retry; failed or cancelled ones with money still held.
    unfinished = Pool.objects.filter(
        Q(status=Status.FUNDED, pledges__status=PledgeStatus.HELD)
        | Q(
            status__in=(Status.FAILED, Status.CANCELLED),
            pledges__status__in=(PledgeStatus.HELD, PledgeStatus.CAPTURED),
        )
    ).distinct()
    # A pool settled just now has had its first try; its retries wait for the next run.
    for pool in unfinished.exclude(pk__in=settled):
        if _safely(settle, pool, now=now):
            counts["retried"] += 1
    for each in _outstanding_releases():
        if release_money(each):
            counts["released"] += 1
    return counts


# --- Telling members ---------------------------------------------------------------------


def _tell(member, pool: Pool, what: str, **context) -> None:
    if not member.email:
        return
    subjects = {
        "funded": f"'{pool.title}' is going ahead",
        "failed": f"'{pool.title}' did not get enough members",
        "cancelled": f"'{pool.title}' has been cancelled",
        "payment_failed": f"We could not take your share for '{pool.title}'",
    }
    send_mail(
        subject=subjects[what],
        message=render_to_string(
            f"marketplace/pools/email/{what}.txt", {"pool": pool, "member": member, **context}
        ),
        from_email=None,
        recipient_list=[member.email],
    )


def _tell_members(pool: Pool, what: str) -> None:
    seen = set()
    # Not those who left, nor those whose card failed when pledging (they never had a place).
    pledges = pool.pledges.select_related("member").exclude(status=PledgeStatus.LEFT)
    for each in pledges.exclude(status=PledgeStatus.FAILED, capture_attempts=0):
        if each.member_id not in seen:
            seen.add(each.member_id)
            _tell(each.member, pool, what, pledge=each)
