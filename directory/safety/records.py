"""What other code reads about a listing's safety: suspension and verified checks.

Kept free of module-level model imports, because ``directory.search.records``
(imported by ``directory.models``) builds search documents with it.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

# CQC location and provider ids: "1-" then nine to eleven digits, e.g. 1-123456789.
CQC_ID = re.compile(r"^1-\d{9,11}$")
# Owners hear this long before their insurance runs out (directory.safety.services).
EXPIRY_WARNING_DAYS = 30


def valid_cqc_id(text: str) -> bool:
    return bool(CQC_ID.match(text.strip()))


def open_suspensions():
    from directory.models import ListingSuspension

    return ListingSuspension.objects.filter(lifted_at__isnull=True)


def suspended_listing_ids():
    """A subquery of the ids of listings suspended now."""
    return open_suspensions().values("listing_id")


def current_suspension(listing):
    """The open suspension of ``listing`` (a page or its id), or None."""
    listing_id = getattr(listing, "pk", listing)
    return open_suspensions().filter(listing_id=listing_id).first()


def is_suspended(listing) -> bool:
    listing_id = getattr(listing, "pk", listing)
    return open_suspensions().filter(listing_id=listing_id).exists()


def verified_checks(checks) -> dict:
    """The latest verified check of each kind, from a listing's checks (prefetched or not)."""
    from directory.models import ListingCheck

    latest: dict[str, object] = {}
    for check in checks:
        if check.status != ListingCheck.Status.VERIFIED or check.checked_on is None:
            continue
        held = latest.get(check.kind)
        if held is None or (check.checked_on, check.pk) > (held.checked_on, held.pk):
            latest[check.kind] = check
    return latest


def best_insurance(verified: dict):
    """Of the verified insurance checks, the one valid longest (None if none)."""
    from directory.models import ListingCheck

    policies = [c for kind, c in verified.items() if kind != ListingCheck.Kind.CQC]
    if not policies:
        return None
    return max(policies, key=lambda c: (c.expires_on or datetime.date.min, c.pk))


def checks_document(page) -> dict:
    """The verified checks as search stores them (ISO dates, or None)."""
    from directory.models import ListingCheck

    verified = verified_checks(page.safety_checks.all())
    cqc = verified.get(ListingCheck.Kind.CQC)
    insurance = best_insurance(verified)

    def iso(value):
        return value.isoformat() if value else None

    return {
        "cqc_checked_on": iso(cqc.checked_on) if cqc else None,
        "insurance_checked_on": iso(insurance.checked_on) if insurance else None,
        "insurance_valid_until": iso(insurance.expires_on) if insurance else None,
    }


def insurance_expired(valid_until, today=None) -> bool:
    """True when insurance valid until ``valid_until`` (a date or ISO text) has run out."""
    if not valid_until:
        return False
    if isinstance(valid_until, str):
        valid_until = datetime.date.fromisoformat(valid_until)
    return valid_until < (today or timezone.localdate())
