"""Owners' listings and their moderation: the rules the owner pages follow.

Every save an owner makes becomes a Wagtail page revision submitted to the
default "Moderators approval" workflow. Nothing an owner writes goes live,
and so nothing reaches search (which reads the snapshots written on publish),
until a moderator approves it in the Wagtail admin. While an edit waits, the
live page stays exactly as it was. The one exception is price and places
(``update_price_and_places``): facts that change often, which the owner (or
Kith, counting bookings) changes at once.

Also here: who may list what, the status an owner sees, and the "are these
details still right?" confirmation, by button or by a signed emailed link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from wagtail.log_actions import log
from wagtail.log_actions import registry as log_registry
from wagtail.models import PageLogEntry, Revision, WorkflowState

from accounts.roles import Role
from directory import ownership
from directory.factories import directory_index
from directory.models import ListingKind, ListingPage
from directory.search.indexing import index_listings
from kith.tasks import queue_email

logger = logging.getLogger("directory.moderation")

# --------------------------------------------------------------------- who

# Which roles may create which kinds of listing (roles and kinds: VOCABULARY.md).
CREATABLE_KINDS: dict[str, tuple[str, ...]] = {
    Role.PROVIDER: (ListingKind.PROVIDER, ListingKind.CLUB, ListingKind.PEER_GROUP),
    Role.PERSONAL_ASSISTANT: (ListingKind.PA,),
    Role.ULO_STAFF: (ListingKind.ULO, ListingKind.PEER_GROUP),
}

# Listing slugs share /directory/ with these pages, which would hide a listing.
RESERVED_SLUGS = frozenset({"my-listings", "confirm"})


def is_moderator(user) -> bool:
    """The Moderators group, anyone given the moderator role, and superusers."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (
            user.is_superuser
            or user.groups.filter(name=settings.KITH_MODERATORS_GROUP).exists()
            or user.has_role(Role.MODERATOR)
        )
    )


def kinds_user_may_create(user) -> list[str]:
    """The kinds this person may list, in the vocabulary's order."""
    if not user.is_authenticated:
        return []
    roles = user.role_slugs
    allowed = {kind for role, kinds in CREATABLE_KINDS.items() if role in roles for kind in kinds}
    return [kind for kind in ListingKind.values if kind in allowed]


def may_create(user, kind: str) -> bool:
    return kind in kinds_user_may_create(user)


def why_cannot_create(kind: str) -> str:
    """A plain explanation for someone refused, naming the accounts that can."""
    roles = [Role(role).label for role, kinds in CREATABLE_KINDS.items() if kind in kinds]
    what = ListingKind(kind).label.lower()
    return (
        f"Only {' or '.join(roles)} accounts can list a {what}. "
        "If you think your account should be able to, contact us and we will look into it."
    )


def owned_listings(user):
    """The listings this person owns or manages (specific page types), newest first."""
    return ownership.managed_by(user).order_by("-latest_revision_created_at", "-pk").specific()


def owned_listing(user, pk: int) -> ListingPage | None:
    """The listing if this person owns or manages it, else None (callers answer 404)."""
    if not user.is_authenticated:
        return None
    page = ownership.managed_by(user).filter(pk=pk).first()
    return page.specific if page else None


def edit_blocked_reason(page: ListingPage, user) -> str:
    """Why the owner cannot edit now, or "" if they can."""
    if page.locked and page.locked_by_id != user.pk:
        return (
            "A moderator is checking this listing at the moment. "
            "You can change it again once they have finished."
        )
    return ""


# ------------------------------------------------------------ submitting


def unique_slug(title: str, parent=None) -> str:
    """A slug for the listing's address, free among its siblings and clear of owner pages."""
    parent = parent or directory_index()
    base = slugify(title)[:70].strip("-") or "listing"
    taken = set(parent.get_children().values_list("slug", flat=True)) | RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _keep_home_private(page: ListingPage) -> None:
    # A PA's base is always their home, whatever the form sent.
    if page.listing_kind == ListingKind.PA:
        for location in page.locations.all():
            location.is_home_base = True


@transaction.atomic
def create_listing(page: ListingPage, owner) -> ListingPage:
    """Save a new listing as a draft owned by ``owner`` and send it to the moderators.

    ``page`` is an unsaved listing (from an owner form, with its places and
    vocabularies in memory). It is created not live, so the public never
    sees it and search never indexes it until a moderator approves.
    """
    parent = directory_index()
    page.owner = owner  # Wagtail's creator; who owns it is ownership.set_owner below
    page.live = False
    page.has_unpublished_changes = True
    page.slug = unique_slug(page.title, parent)
    # Submitting the details is the owner saying they are right today.
    page.last_confirmed = timezone.localdate()
    _keep_home_private(page)
    parent.add_child(instance=page)
    ownership.set_owner(page, owner)
    log(instance=page, action="wagtail.create", user=owner)
    page.save_revision(user=owner, log_action=True)
    submit_for_moderation(page, owner)
    return page


@transaction.atomic
def submit_changes(edited: ListingPage, owner) -> None:
    """Store an owner's edit as a new revision and send it to the moderators.

    ``edited`` is the latest revision as an object (so earlier pending edits
    are kept) with the owner's changes applied in memory. Only a revision is
    written: the live page, and so search, is untouched until approval.
    """
    edited.last_confirmed = timezone.localdate()
    _keep_home_private(edited)
    edited.save_revision(user=owner, log_action=True)
    # ``edited`` knows its new latest revision; ``page`` was loaded before it existed.
    submit_for_moderation(edited, owner)


def submit_for_moderation(page: ListingPage, user) -> WorkflowState | None:
    """Put the latest revision in front of the moderators, as the Wagtail admin would.

    After "changes requested" the same workflow resumes (Wagtail's Resubmit).
    If a review is already under way it is cancelled and restarted, so the
    moderator approves the revision the owner last saved, not an older one.
    """
    state = page.current_workflow_state
    if state and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
        return state
    if state:
        state.cancel(user=user)
    workflow = page.get_workflow()
    if workflow is None:
        # Without a workflow nobody is asked to review, but nothing goes live either.
        logger.error("No moderation workflow applies to listing %s; it stays a draft.", page.pk)
        return None
    return workflow.start(page, user)


# ------------------------------------------------------ price and places

# What a listing costs and how many places it has left change often and are
# figures, not words a moderator needs to read: owners change them at once, and
# the owner form that goes to moderation leaves them out (``owner_forms``).
# Price notes are the owner's own words, so they stay moderated.
PRICE_AND_PLACES_FIELDS = ("price_amount", "price_unit", "capacity", "places_available")
PRICE_AND_PLACES_ACTION = "directory.price_and_places"

log_registry.register_action(
    PRICE_AND_PLACES_ACTION,
    "Price and places changed",
    "The owner changed the price or places, which needs no moderation",
)


def _revision_value(value):
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def update_price_and_places(page: ListingPage, by, **values) -> bool:
    """Change a listing's price or places at once, without moderation.

    The live page changes, and so does an edit awaiting a moderator (so
    approving it later does not put the old figures back); search is
    updated through the queued index update. ``by`` is the owner, or None
    when Kith counts the places from bookings (``marketplace.places``).
    Returns whether anything changed.
    """
    unknown = set(values) - set(PRICE_AND_PLACES_FIELDS)
    if unknown:
        raise ValueError(f"Not a price or places field: {', '.join(sorted(unknown))}")
    current = (
        ListingPage.objects.filter(pk=page.pk)
        .values("live", "has_unpublished_changes", "latest_revision_id", *values)
        .first()
    )
    if current is None:
        return False
    changed = {name: value for name, value in values.items() if current[name] != value}
    if not changed:
        return False
    ListingPage.objects.filter(pk=page.pk).update(**changed)
    for name, value in changed.items():
        setattr(page, name, value)
    if current["has_unpublished_changes"] and current["latest_revision_id"]:
        revision = Revision.objects.select_for_update().get(pk=current["latest_revision_id"])
        revision.content.update({name: _revision_value(v) for name, v in changed.items()})
        revision.save(update_fields=["content"])
    if by is not None:
        log(
            instance=page,
            action=PRICE_AND_PLACES_ACTION,
            user=by,
            data={name: _revision_value(v) for name, v in changed.items()},
        )
    if current["live"]:
        pk = page.pk
        transaction.on_commit(lambda: index_listings([pk]))
    return True


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class OwnerStatus:
    """Where a listing stands, in the owner's words."""

    code: str  # live, awaiting, changes_requested, draft
    label: str
    is_live: bool
    comment: str = ""

    @property
    def has_pending_edit(self) -> bool:
        """Live, with a newer version not yet approved."""
        return self.is_live and self.code in {"awaiting", "changes_requested"}


def owner_status(page: ListingPage) -> OwnerStatus:
    state = page.current_workflow_state
    if state and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        task_state = state.current_task_state
        return OwnerStatus(
            "changes_requested",
            "Changes requested",
            page.live,
            comment=task_state.comment if task_state else "",
        )
    if state:
        return OwnerStatus("awaiting", "Awaiting approval", page.live)
    if page.live:
        return OwnerStatus("live", "Live", True)
    return OwnerStatus("draft", "Draft", False)


# ---------------------------------------------------------- confirmation


def confirm_listing(page: ListingPage) -> date:
    """The owner says the details are still right today; search shows the new date at once."""
    page.confirm_details()
    # A pending edit would otherwise put its older date back when approved.
    if page.has_unpublished_changes and page.latest_revision_id:
        revision = page.latest_revision
        if "last_confirmed" in revision.content:
            revision.content["last_confirmed"] = page.last_confirmed.isoformat()
            revision.save(update_fields=["content"])
    if page.live:
        index_listings([page.pk])
    return page.last_confirmed


CONFIRM_TOKEN_SALT = "directory.confirm-listing"
CONFIRM_LINK_MAX_AGE = timedelta(days=30)


class BadConfirmLink(Exception):
    """The link is tampered with, expired, or for a listing that has changed hands."""


class NotListingOwner(Exception):
    """A valid link, opened by someone signed in as another person."""


def make_confirm_token(page: ListingPage) -> str:
    """A signed, expiring token naming the listing and its owner (no database row needed)."""
    return signing.dumps(
        {"listing": page.pk, "owner": ownership.account_holder_id(page)}, salt=CONFIRM_TOKEN_SALT
    )


def confirm_url(page: ListingPage, base_url: str = "") -> str:
    return base_url + reverse("directory:confirm_by_link", args=[make_confirm_token(page)])


def listing_for_confirm_token(token: str, user) -> ListingPage:
    """The listing a confirm link is for, if ``user`` owns it.

    Raises BadConfirmLink (tampered, expired, changed hands) or NotListingOwner.
    """
    try:
        data = signing.loads(token, salt=CONFIRM_TOKEN_SALT, max_age=CONFIRM_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise BadConfirmLink(
            "This link has expired. Links to confirm your details work for 30 days."
        ) from None
    except signing.BadSignature:
        raise BadConfirmLink(
            "This link is not valid. It may have been cut short in your email."
        ) from None
    try:
        listing_id, owner_id = int(data["listing"]), int(data["owner"])
    except (KeyError, TypeError, ValueError):
        raise BadConfirmLink("This link is not valid.") from None
    if user.pk != owner_id:
        raise NotListingOwner(
            "This link is for the account that owns the listing. "
            "Sign out, then sign in with that account to confirm."
        )
    page = ownership.managed_by(user).filter(pk=listing_id).first()
    if page is None:
        raise BadConfirmLink(
            "This listing no longer exists or is now looked after by someone else."
        )
    return page.specific


# ------------------------------------------------------------- reminders

REMIND_AFTER_DAYS = 90  # details older than this may have changed
REMIND_AGAIN_AFTER_DAYS = 14  # however often the command runs, no more than this
REMINDER_ACTION = "directory.confirm_reminder"

# Each reminder is an entry in the page's history, which moderators see in
# the admin and which the command reads to avoid emailing twice.
log_registry.register_action(
    REMINDER_ACTION,
    "Reminder to confirm details",
    "Emailed the owner a reminder to confirm the details are still right",
)


def listings_due_for_reminder(today: date | None = None):
    """Live listings not confirmed for more than 90 days (or ever) and not reminded lately."""
    today = today or timezone.localdate()
    reminded_lately = PageLogEntry.objects.filter(
        action=REMINDER_ACTION,
        timestamp__date__gt=today - timedelta(days=REMIND_AGAIN_AFTER_DAYS),
    ).values("page_id")
    return (
        ListingPage.objects.live()
        .filter(managers__role=ownership.Role.OWNER, managers__person__is_active=True)
        .filter(
            Q(last_confirmed__isnull=True)
            | Q(last_confirmed__lt=today - timedelta(days=REMIND_AFTER_DAYS))
        )
        .exclude(pk__in=reminded_lately)
        .order_by("pk")
        .specific()
    )


def send_confirm_reminder(page: ListingPage, base_url: str | None = None) -> None:
    """Email the owner a link to confirm the listing, and note it in the page's history."""
    base_url = (base_url if base_url is not None else settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    owner = ownership.account_holder(page)
    context = {
        "owner": owner,
        "listing": page,
        "confirm_url": confirm_url(page, base_url),
        "my_listings_url": base_url + reverse("directory:my_listings"),
        "link_days": CONFIRM_LINK_MAX_AGE.days,
    }
    body = render_to_string("directory/email/confirm_reminder.txt", context)
    # Sent by the task worker, so a slow mail server does not hold up the run.
    queue_email(f"Are the details of {page.title} on Kith still right?", body, [owner.email])
    log(instance=page, action=REMINDER_ACTION, data={"sent_to": owner.pk})
    note_reminded([page.pk])


def note_reminded(page_ids) -> None:
    """Note today as when these listings' owners were reminded.

    What directory.freshness counts "not confirmed after the reminder" from: the
    first reminder since the last confirmation (later ones must not reset the clock).
    """
    ListingPage.objects.filter(pk__in=page_ids).filter(
        Q(reminded_at__isnull=True)
        | Q(last_confirmed__isnull=True)
        | Q(reminded_at__lt=F("last_confirmed"))
    ).update(reminded_at=timezone.localdate())


def send_confirm_reminders(today: date | None = None, base_url: str | None = None) -> int:
    """Send every reminder due today. Safe to run more than once a day."""
    sent = 0
    for page in listings_due_for_reminder(today):
        try:
            send_confirm_reminder(page, base_url)
        except Exception:
            # One bad address must not stop everyone else's reminder.
            logger.exception("Could not send a confirm reminder for listing %s", page.pk)
        else:
            sent += 1
    return sent
