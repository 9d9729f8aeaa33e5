"""Claiming a listing: "Is this you? Manage this listing".

A signed-in provider, PA or user-led organisation's staff member asks to
manage a live listing, saying what their role is there and how Kith can
check it is them:

* **email**: Kith emails a one-time code (and a link holding it) to the
  address *published on the listing*, never to an address the claimant
  types; the claimant enters it, which shows they can read that mailbox;
* **phone**: a moderator rings the number published on the listing;
* **evidence**: the claimant describes something a moderator can check
  (a letter, a CQC or charity registration, a council contract).

A listing nobody owns is claimed as its owner; a moderator approves or
declines, with a reason the claimant is told. On approval the claimant owns
it (``directory.ownership``), an imported listing is marked checked, and they
edit it through moderation like any owner. A listing that has an owner can
only be asked for as a *manager*; its owner or a moderator answers.

Limits: five requests a person a day, three codes a request, five tries at
a code, and codes last two days. Nothing here says whether an address has a
Kith account: the claimant never types one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry

from accounts.notifications import Event, absolute_url, notify
from directory import moderation, ownership
from directory.models import ListingClaim, ListingPage, ListingProvenance
from kith.tasks import queue_email

Kind = ListingClaim.Kind
Verify = ListingClaim.Verify
Status = ListingClaim.Status

MAX_CLAIMS_PER_DAY = 5
MAX_CODES_PER_CLAIM = 3
MAX_CODE_ATTEMPTS = 5
CODE_LIFETIME = timedelta(days=2)
# No 0/O or 1/I/L, so a code read aloud or copied by hand comes out right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

APPROVED_ACTION = "directory.claim_approved"
DECLINED_ACTION = "directory.claim_declined"
log_registry.register_action(APPROVED_ACTION, "Claim approved", "A request to manage was approved")
log_registry.register_action(DECLINED_ACTION, "Claim declined", "A request to manage was declined")


class ClaimError(Exception):
    """A request that cannot be made or answered, with the reason in plain words."""


# ------------------------------------------------------------------ asking


def kind_for(listing: ListingPage) -> str:
    """Owner if nobody owns the listing yet, else manager."""
    return Kind.MANAGER if ownership.has_owner(listing) else Kind.OWNER


def verify_choices(listing: ListingPage) -> list[tuple[str, str]]:
    """The ways of checking this claimant that the listing's published details allow."""
    choices = []
    if listing.contact_email:
        choices.append((Verify.EMAIL, Verify.EMAIL.label))
    if listing.contact_phone:
        choices.append((Verify.PHONE, Verify.PHONE.label))
    choices.append((Verify.EVIDENCE, Verify.EVIDENCE.label))
    return choices


def open_claim(user, listing: ListingPage) -> ListingClaim | None:
    if not user.is_authenticated:
        return None
    return ListingClaim.objects.filter(
        listing=listing, claimant=user, status=Status.PENDING
    ).first()


def claims_today(user) -> int:
    since = timezone.now() - timedelta(days=1)
    return ListingClaim.objects.filter(claimant=user, created_at__gte=since).count()


def why_cannot_claim(user, listing: ListingPage) -> str:
    """Why ``user`` cannot ask to manage ``listing`` now, or "" if they can."""
    if not user.is_authenticated:
        return "Sign in to ask to manage this listing."
    if not listing.live:
        return f"{listing.title} is not in the directory at the moment."
    if ownership.manages(user, listing):
        return "You already manage this listing."
    if not moderation.may_create(user, listing.kind):
        return moderation.why_cannot_create(listing.kind).replace("can list", "can manage")
    if open_claim(user, listing):
        return "You have already asked to manage this listing. A moderator will answer soon."
    if claims_today(user) >= MAX_CLAIMS_PER_DAY:
        return (
            f"You can ask to manage up to {MAX_CLAIMS_PER_DAY} listings a day. "
            "Please try again tomorrow, or contact us if you look after more."
        )
    return ""


@transaction.atomic
def request_claim(
    listing: ListingPage,
    user,
    *,
    role_at_service: str,
    verify_by: str,
    evidence: str = "",
) -> ListingClaim:
    """Record ``user``'s request to manage ``listing``; send the code if they chose email."""
    problem = why_cannot_claim(user, listing)
    if problem:
        raise ClaimError(problem)
    role_at_service, evidence = role_at_service.strip(), evidence.strip()
    if not role_at_service:
        raise ClaimError("Say what your role is at this service.")
    if verify_by not in dict(verify_choices(listing)):
        raise ClaimError("Choose one of the ways we can check it is you.")
    if verify_by == Verify.EVIDENCE and not evidence:
        raise ClaimError("Describe the evidence a moderator can check.")
    try:
        with transaction.atomic():
            claim = ListingClaim.objects.create(
                listing=listing,
                claimant=user,
                kind=kind_for(listing),
                role_at_service=role_at_service[:120],
                verify_by=verify_by,
                evidence=evidence[:2000],
            )
    except IntegrityError:  # the same person pressed twice at once
        raise ClaimError("You have already asked to manage this listing.") from None
    if verify_by == Verify.EMAIL:
        send_code(claim)
    if claim.kind == Kind.MANAGER:
        _tell_owner(claim)
    return claim


def _tell_owner(claim: ListingClaim) -> None:
    holder = ownership.account_holder(claim.listing)
    if holder is None:
        return
    notify(
        holder,
        Event.LISTING_CLAIM_RECEIVED,
        subject=f"{claim.claimant} asks to help manage {claim.listing.title}",
        body=(
            f"{claim.claimant} says they are {claim.role_at_service} at {claim.listing.title} "
            "and asks to help manage the listing on Kith. Say yes only if you know them."
        ),
        url=reverse("directory:my_listings") + "#requests",
        context={"claim": claim.pk},
    )


# ------------------------------------------------------------ email code


def _code_hash(claim: ListingClaim, code: str) -> str:
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    return salted_hmac("directory.claims.code", f"{claim.pk}:{normalised}").hexdigest()


def can_send_code(claim: ListingClaim) -> bool:
    return (
        claim.status == Status.PENDING
        and claim.verify_by == Verify.EMAIL
        and not claim.email_confirmed
        and bool(claim.listing.contact_email)
        and claim.codes_sent < MAX_CODES_PER_CLAIM
    )


def send_code(claim: ListingClaim, base_url: str | None = None) -> bool:
    """Email a new one-time code to the address published on the listing. False if over limits."""
    if not can_send_code(claim):
        return False
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    listing = claim.listing
    claim.code_hash = _code_hash(claim, code)
    claim.code_sent_to = listing.contact_email
    claim.code_sent_at = timezone.now()
    claim.codes_sent += 1
    claim.code_attempts = 0
    claim.save(
        update_fields=["code_hash", "code_sent_to", "code_sent_at", "codes_sent", "code_attempts"]
    )
    base = (base_url or settings.KITH_BASE_URL).rstrip("/")
    link = base + reverse("directory:claim_detail", args=[claim.pk]) + f"?code={code}"
    body = render_to_string(
        "directory/email/claim_code.txt",
        {
            "listing": listing,
            "code": f"{code[:4]}-{code[4:]}",
            "link": link,
            "hours": int(CODE_LIFETIME.total_seconds() // 3600),
            "contact_url": absolute_url(reverse("contact")),
        },
    )
    queue_email(f"Your code to manage {listing.title} on Kith", body, [listing.contact_email])
    return True


def confirm_code(claim: ListingClaim, user, code: str) -> None:
    """The claimant enters the emailed code. Raises ClaimError if it is wrong or spent."""
    if claim.claimant_id != getattr(user, "pk", None):
        raise ClaimError("Only the person who asked can enter the code.")
    if claim.status != Status.PENDING or claim.verify_by != Verify.EMAIL:
        raise ClaimError("This request does not need a code now.")
    if claim.email_confirmed:
        return
    if not claim.code_hash or timezone.now() > claim.code_sent_at + CODE_LIFETIME:
        raise ClaimError("This code has expired. Ask for a new one.")
    if claim.code_attempts >= MAX_CODE_ATTEMPTS:
        raise ClaimError("Too many wrong codes. Ask for a new one.")
    # Count the try before comparing, so parallel guesses cannot get more tries.
    ListingClaim.objects.filter(pk=claim.pk).update(code_attempts=claim.code_attempts + 1)
    claim.code_attempts += 1
    if not constant_time_compare(_code_hash(claim, code), claim.code_hash):
        raise ClaimError("That code is not right. Check the email and try again.")
    claim.email_confirmed_at = timezone.now()
    claim.code_hash = ""
    claim.save(update_fields=["email_confirmed_at", "code_hash"])


def withdraw(claim: ListingClaim, user) -> None:
    if claim.claimant_id != getattr(user, "pk", None) or claim.status != Status.PENDING:
        raise ClaimError("This request cannot be withdrawn.")
    claim.status = Status.WITHDRAWN
    claim.decided_at = timezone.now()
    claim.code_hash = ""
    claim.save(update_fields=["status", "decided_at", "code_hash"])


# -------------------------------------------------------------- deciding


def may_decide(user, claim: ListingClaim) -> bool:
    """Moderators decide every request; a listing's owner also answers requests to help manage."""
    if moderation.is_moderator(user):
        return True
    return claim.kind == Kind.MANAGER and ownership.is_owner(user, claim.listing)


def pending_claims():
    """Every request waiting for a decision, oldest first: the moderators' queue."""
    return ListingClaim.objects.filter(status=Status.PENDING).select_related("listing", "claimant")


def requests_for_owner(user):
    """Requests to help manage the listings ``user`` is the account holder of."""
    return pending_claims().filter(kind=Kind.MANAGER, listing__in=ownership.held_by(user))


def _locked(claim: ListingClaim) -> ListingClaim:
    claim = ListingClaim.objects.select_for_update().select_related("listing").get(pk=claim.pk)
    if claim.status != Status.PENDING:
        raise ClaimError(f"This request has already been {claim.get_status_display().lower()}.")
    return claim


@transaction.atomic
def approve(claim: ListingClaim, by, note: str = "") -> ListingClaim:
    """The claimant becomes the owner (or a manager); an imported listing counts as checked."""
    if not may_decide(by, claim):
        raise ClaimError("Only a moderator or the listing's owner can answer this request.")
    claim = _locked(claim)
    listing = claim.listing
    if claim.kind == Kind.OWNER:
        if ownership.has_owner(listing):
            raise ClaimError(
                "Someone else already owns this listing. Decline this request, or ask the "
                "owner whether they know this person."
            )
        ownership.set_owner(listing, claim.claimant, added_by=by)
        ListingProvenance.objects.filter(listing=listing, checked_at__isnull=True).update(
            checked_at=timezone.now()
        )
    else:
        ownership.add_manager(listing, claim.claimant, added_by=by)
    claim.status = Status.APPROVED
    claim.decided_by, claim.decided_at = by, timezone.now()
    claim.moderator_note = note.strip()[:2000]
    claim.code_hash = ""
    claim.save(update_fields=["status", "decided_by", "decided_at", "moderator_note", "code_hash"])
    log(instance=listing, action=APPROVED_ACTION, user=by, data={"claim": claim.pk})
    if claim.kind == Kind.OWNER:
        for other in ListingClaim.objects.filter(
            listing=listing, kind=Kind.OWNER, status=Status.PENDING
        ):
            _decide_declined(
                other,
                by,
                "Someone else has been confirmed as the owner of this listing. If you work "
                "there, ask again: your request will go to them.",
            )
    _tell_claimant(
        claim,
        f"You now manage {listing.title} on Kith",
        (
            f"Your request to manage {listing.title} was approved. Open My listings to check "
            "the details and keep them up to date: a moderator checks every change."
        ),
    )
    return claim


@transaction.atomic
def decline(claim: ListingClaim, by, reason: str) -> ListingClaim:
    """Turn the request down; ``reason`` is sent to the claimant, so write it for them."""
    if not may_decide(by, claim):
        raise ClaimError("Only a moderator or the listing's owner can answer this request.")
    reason = reason.strip()
    if not reason:
        raise ClaimError("Say why, so the person knows what to do next.")
    claim = _locked(claim)
    _decide_declined(claim, by, reason)
    return claim


def _decide_declined(claim: ListingClaim, by, reason: str) -> None:
    claim.status = Status.DECLINED
    claim.decided_by, claim.decided_at = by, timezone.now()
    claim.reason = reason[:2000]
    claim.code_hash = ""
    claim.save(update_fields=["status", "decided_by", "decided_at", "reason", "code_hash"])
    log(instance=claim.listing, action=DECLINED_ACTION, user=by, data={"claim": claim.pk})
    _tell_claimant(
        claim,
        f"Your request to manage {claim.listing.title} was declined",
        f"Your request to manage {claim.listing.title} was declined. The reason given: {reason}",
    )


def _tell_claimant(claim: ListingClaim, subject: str, body: str) -> None:
    notify(
        claim.claimant,
        Event.LISTING_CLAIM_DECIDED,
        subject=subject,
        body=body,
        url=reverse("directory:claim_detail", args=[claim.pk]),
        context={"claim": claim.pk},
    )


def claim_for(user, pk: int) -> ListingClaim | None:
    """The request if ``user`` made it, else None (callers answer 404)."""
    if not user.is_authenticated:
        return None
    return ListingClaim.objects.select_related("listing").filter(pk=pk, claimant=user).first()


def listing_to_claim(pk: int) -> ListingPage | None:
    page = ListingPage.objects.live().filter(pk=pk).first()
    return page.specific if page else None
