"""Moderators suspend listings at once; owners give checks that moderators verify.

Suspending takes a listing out of search (both backends) and stops bookings
and enquiries the moment it commits, without Wagtail publishing; the owner is
told why. Lifting it needs a note and puts the listing back. Both are safe to
call twice: suspending a suspended listing, or lifting one that is not
suspended, changes nothing.

Checks: the owner enters a CQC registration number (checked for the CQC's
``1-123456789`` form) or an insurance policy with the date it runs out; a
moderator verifies it (recording when and how) or says why it could not be
checked. Verified checks show on the listing and in search with their dates,
and ``remind_expiring`` warns owners whose insurance is about to run out.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from directory import elasticsearch, ownership
from directory.admin_views import is_moderator
from directory.models import ListingCheck, ListingPage, ListingSuspension
from directory.safety import notices
from directory.safety.records import (
    EXPIRY_WARNING_DAYS,
    current_suspension,
    valid_cqc_id,
    verified_checks,
)

logger = logging.getLogger("directory.safety")

Kind = ListingCheck.Kind
Status = ListingCheck.Status


class SafetyError(ValueError):
    """A suspension or check cannot be changed the way someone tried to; the message says why."""


def _require_moderator(user, action: str) -> None:
    if user is None or not is_moderator(user):
        raise PermissionDenied(f"Only moderators can {action}.")


def _lock_listing(listing) -> ListingPage:
    return ListingPage.objects.select_for_update(of=("self",)).get(pk=listing.pk)


def refresh_search(listing_id: int) -> None:
    """Bring both search backends in line with the listing now, not at the next task run."""
    from directory.search.indexing import apply_index_updates, index_listings

    index_listings([listing_id])
    if elasticsearch.is_configured():
        try:
            apply_index_updates()
        except Exception:  # the queued update is retried by the scheduler
            logger.exception("Could not update Elasticsearch for listing %s now", listing_id)


# --- Suspension ----------------------------------------------------------------------


@transaction.atomic
def suspend(listing, by, reason: str) -> ListingSuspension:
    """Take ``listing`` out of the directory at once and tell its owner why."""
    _require_moderator(by, "suspend a listing")
    reason = (reason or "").strip()
    if not reason:
        raise SafetyError("Say why the listing is suspended: the owner is told.")
    listing = _lock_listing(listing)
    existing = current_suspension(listing)
    if existing is not None:
        return existing
    suspension = ListingSuspension.objects.create(listing=listing, reason=reason, suspended_by=by)
    pk = listing.pk
    transaction.on_commit(lambda: refresh_search(pk))
    notices.suspended(suspension)
    return suspension


@transaction.atomic
def lift(listing, by, note: str) -> ListingSuspension | None:
    """End the suspension of ``listing`` with a note; None if it was not suspended."""
    _require_moderator(by, "lift a suspension")
    note = (note or "").strip()
    if not note:
        raise SafetyError("Write a note saying why the suspension is lifted.")
    listing = _lock_listing(listing)
    suspension = current_suspension(listing)
    if suspension is None:
        return None
    suspension.lifted_at = timezone.now()
    suspension.lifted_by = by
    suspension.lift_note = note
    suspension.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
    pk = listing.pk
    transaction.on_commit(lambda: refresh_search(pk))
    notices.lifted(suspension)
    return suspension


# --- Checks --------------------------------------------------------------------------


def submit_check(
    listing, by, kind: str, reference: str, expires_on: datetime.date | None = None, *, today=None
) -> ListingCheck:
    """The owner gives a CQC registration or an insurance policy for a moderator to check."""
    if by is None or not by.is_authenticated or not ownership.manages(by, listing):
        raise PermissionDenied("Only the listing's owner can give its checks.")
    if kind not in Kind.values:
        raise SafetyError("Choose what you are giving: CQC registration or insurance.")
    reference = " ".join((reference or "").split())
    today = today or timezone.localdate()
    if kind == Kind.CQC:
        if not valid_cqc_id(reference):
            raise SafetyError(
                "Enter the CQC location or provider ID as it is on the CQC website, "
                "like 1-123456789."
            )
        expires_on = None
    else:
        if not reference:
            raise SafetyError("Enter the insurer and the policy number.")
        if expires_on is None:
            raise SafetyError("Enter the date the insurance runs out.")
        if expires_on < today:
            raise SafetyError("This insurance has already run out. Enter your current policy.")
    waiting = ListingCheck.objects.filter(listing=listing, kind=kind, status=Status.SUBMITTED)
    same = waiting.filter(reference=reference, expires_on=expires_on).first()
    if same is not None:
        return same  # sent twice
    # A newer entry replaces one still waiting; verified ones stay until it is checked.
    waiting.update(status=Status.REJECTED, how_checked="Replaced by a newer entry.")
    return ListingCheck.objects.create(
        listing=listing, kind=kind, reference=reference, expires_on=expires_on, entered_by=by
    )


def _lock_check(check) -> ListingCheck:
    return (
        ListingCheck.objects.select_for_update(of=("self",))
        .select_related("listing__owner")
        .get(pk=check.pk)
    )


@transaction.atomic
def verify_check(check, by, how: str, *, checked_on=None) -> ListingCheck:
    """A moderator confirms a check and records how; it then shows with its date."""
    _require_moderator(by, "verify checks")
    how = (how or "").strip()
    if not how:
        raise SafetyError(
            "Say how you checked it, for example: looked up on the CQC register, "
            "or saw the insurance certificate."
        )
    check = _lock_check(check)
    if check.status == Status.VERIFIED:
        return check
    if check.status != Status.SUBMITTED:
        raise SafetyError("This entry was not checked or was replaced; it cannot be verified now.")
    check.status = Status.VERIFIED
    check.checked_by = by
    check.checked_on = checked_on or timezone.localdate()
    check.how_checked = how[:300]
    check.save(update_fields=["status", "checked_by", "checked_on", "how_checked"])
    pk = check.listing_id
    transaction.on_commit(lambda: refresh_search(pk))
    notices.check_verified(check)
    return check


@transaction.atomic
def reject_check(check, by, reason: str) -> ListingCheck:
    """A moderator could not confirm a check, and says why (the owner is told)."""
    _require_moderator(by, "look at checks")
    reason = (reason or "").strip()
    if not reason:
        raise SafetyError("Say why it could not be checked, so the owner can put it right.")
    check = _lock_check(check)
    if check.status == Status.REJECTED:
        return check
    if check.status != Status.SUBMITTED:
        raise SafetyError("This check is already verified.")
    check.status = Status.REJECTED
    check.checked_by = by
    check.checked_on = timezone.localdate()
    check.how_checked = reason[:300]
    check.save(update_fields=["status", "checked_by", "checked_on", "how_checked"])
    notices.check_rejected(check, reason)
    return check


def checks_waiting():
    return ListingCheck.objects.filter(status=Status.SUBMITTED).select_related(
        "listing", "entered_by"
    )


def remind_expiring(today=None) -> int:
    """Tell owners once when a verified insurance runs out within EXPIRY_WARNING_DAYS.

    Only the policy that shows on the listing (the latest verified of its
    kind) is reminded about; safe to run any number of times a day.
    """
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    candidates = (
        ListingCheck.objects.filter(
            status=Status.VERIFIED,
            expires_on__isnull=False,
            expires_on__lte=soon,
            expiry_reminded_on__isnull=True,
        )
        .exclude(kind=Kind.CQC)
        .select_related("listing__owner")
    )
    sent = 0
    for check in candidates:
        current = verified_checks(check.listing.safety_checks.all()).get(check.kind)
        if current is None or current.pk != check.pk:
            continue
        with transaction.atomic():
            claimed = ListingCheck.objects.filter(
                pk=check.pk, expiry_reminded_on__isnull=True
            ).update(expiry_reminded_on=today)
            if claimed:
                notices.insurance_expiring(check, today)
                sent += 1
    return sent
