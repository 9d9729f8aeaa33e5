"""Who owns and manages a listing: the one place Kith asks.

A listing is owned by a person, or by an organisation whose staff manage it
together: each is a ``ListingManager`` row. One manager has the role
"owner": the account holder, the one person Kith contacts about bookings,
enquiries and referrals and who is paid. Others are managers, added when the
owner or a moderator approves their request (``directory.claims``). A listing
with no managers is unowned (every imported listing starts so) and cannot
take bookings, messages or pools through Kith until someone claims it.

Wagtail's ``Page.owner`` is not ownership: Wagtail sets it to whoever creates
or copies a page in its admin, so a moderator can become it. Kith never reads
it to decide who may manage, is contacted or is paid.

    from directory import ownership

    ownership.manages(user, listing)       # may edit it, answer bookings and messages
    ownership.account_holder(listing)      # the person contacted and paid, or None
    ownership.account_holder_id(listing)   # the same as an id, or None
    ownership.managers_of(listing)         # everyone who manages it, owner first
    ownership.manager_ids(listing)         # their ids, as a set
    ownership.managed_by(user)             # a queryset of the listings user manages
    ownership.held_by(user)                # ...of those they are the account holder of
    ownership.owned_filter()               # filter(): listings that have an account holder
    ownership.manager_ids_of(OuterRef("listing"))  # a subquery, for annotations
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from directory.models import ListingManager, ListingPage

Role = ListingManager.Role


def _listing_id(listing) -> int | None:
    return listing if isinstance(listing, int) else getattr(listing, "pk", None)


def _user_id(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


# --------------------------------------------------------------- questions


def manages(user, listing) -> bool:
    """Whether ``user`` owns or manages ``listing`` (anonymous and None: never)."""
    user_id, listing_id = _user_id(user), _listing_id(listing)
    if user_id is None or listing_id is None:
        return False
    return ListingManager.objects.filter(listing_id=listing_id, person_id=user_id).exists()


def is_owner(user, listing) -> bool:
    """Whether ``user`` is the listing's account holder (not just one of its managers)."""
    user_id = _user_id(user)
    return user_id is not None and account_holder_id(listing) == user_id


def account_holder_id(listing) -> int | None:
    """The id of the one person who is contacted and paid, or None if nobody owns it."""
    listing_id = _listing_id(listing)
    if listing_id is None:
        return None
    return (
        ListingManager.objects.filter(listing_id=listing_id, role=Role.OWNER)
        .values_list("person_id", flat=True)
        .first()
    )


def account_holder(listing):
    """The one person who is contacted and paid (a User), or None if nobody owns it."""
    person_id = account_holder_id(listing)
    if person_id is None:
        return None
    return get_user_model().objects.filter(pk=person_id).first()


def has_owner(listing) -> bool:
    return account_holder_id(listing) is not None


def managers_of(listing) -> list:
    """Everyone who manages ``listing``, the owner first."""
    rows = ListingManager.objects.filter(listing_id=_listing_id(listing)).select_related("person")
    return [row.person for row in rows.order_by("-role", "added_at", "pk")]


def manager_ids(listing) -> set[int]:
    return set(
        ListingManager.objects.filter(listing_id=_listing_id(listing)).values_list(
            "person_id", flat=True
        )
    )


def manager_ids_of(listing_ref) -> object:
    """A subquery of the manager ids of the listing ``listing_ref`` points at.

    For querysets, e.g. messages sent by a listing's managers:
    ``filter(sender_id__in=ownership.manager_ids_of(OuterRef("listing")))``.
    """
    return ListingManager.objects.filter(listing_id=listing_ref).values("person_id")


def managed_listing_ids(listing_ids) -> set[int]:
    """Which of ``listing_ids`` (ids or a values() subquery) someone owns or manages."""
    return set(
        ListingManager.objects.filter(listing_id__in=listing_ids)
        .values_list("listing_id", flat=True)
        .distinct()
    )


def managed_by(user):
    """The listings ``user`` owns or manages (a queryset; empty for anonymous)."""
    user_id = _user_id(user)
    if user_id is None:
        return ListingPage.objects.none()
    return ListingPage.objects.filter(
        pk__in=ListingManager.objects.filter(person_id=user_id).values("listing_id")
    )


def held_by(user):
    """The listings ``user`` is the account holder of (a queryset)."""
    user_id = _user_id(user)
    if user_id is None:
        return ListingPage.objects.none()
    return ListingPage.objects.filter(
        pk__in=ListingManager.objects.filter(person_id=user_id, role=Role.OWNER).values(
            "listing_id"
        )
    )


def owned_filter():
    """Listings that have an account holder, as a queryset filter: ``filter(owned_filter())``."""
    return Exists(ListingManager.objects.filter(listing_id=OuterRef("pk"), role=Role.OWNER))


# ----------------------------------------------------------------- changes


@transaction.atomic
def set_owner(listing, person, *, added_by=None) -> ListingManager:
    """Make ``person`` the account holder. A previous owner stays on as a manager."""
    listing_id = _listing_id(listing)
    ListingManager.objects.filter(listing_id=listing_id, role=Role.OWNER).exclude(
        person=person
    ).update(role=Role.MANAGER)
    row, created = ListingManager.objects.get_or_create(
        listing_id=listing_id,
        person=person,
        defaults={"role": Role.OWNER, "added_by": added_by, "added_at": timezone.now()},
    )
    if not created and row.role != Role.OWNER:
        row.role = Role.OWNER
        row.save(update_fields=["role"])
    return row


def add_manager(listing, person, *, added_by=None) -> ListingManager:
    """Let ``person`` help manage ``listing``; an existing owner or manager is left as they are."""
    row, _ = ListingManager.objects.get_or_create(
        listing_id=_listing_id(listing),
        person=person,
        defaults={"role": Role.MANAGER, "added_by": added_by, "added_at": timezone.now()},
    )
    return row


def remove_manager(listing, person) -> bool:
    """``person`` no longer manages ``listing``. Removing the owner leaves it unowned."""
    deleted, _ = ListingManager.objects.filter(
        listing_id=_listing_id(listing), person=person
    ).delete()
    return bool(deleted)


def release_all(person) -> int:
    """``person`` stops managing every listing (their account is being erased)."""
    deleted, _ = ListingManager.objects.filter(person=person).delete()
    return deleted
