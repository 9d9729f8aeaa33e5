"""Realistic demo data for Kith: a directory around Stockport and an account for each role.

``manage.py load_demo`` (run by ``make run``) calls ``load_demo``. Everything is
deterministic (seeded) and idempotent: listings are recognised by slug and
accounts by email, so running it again changes nothing. Every listing with a
price has an owner who can sign in (``owners.py``), so it can be booked; all
of them are ``demo_owners()``. See docs/demo.md for the accounts and the password.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from directory.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from directory.demo.generate import DEFAULT_LISTINGS, listing_specs
from directory.demo.loader import LoadResult, load_listings
from directory.demo.owners import (
    DemoOwner,
    assign_owners,
    ensure_owner_accounts,
    record_reminders_quietly,
)
from directory.demo.specs import ListingSpec

__all__ = [
    "DEFAULT_LISTINGS",
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DemoLoad",
    "demo_owners",
    "demo_set",
    "load_demo",
]


@dataclass
class DemoLoad:
    listings: LoadResult
    accounts: int
    new_accounts: int
    # Accounts that own priced listings (besides the role accounts), and how many are new.
    owners: int = 0
    new_owners: int = 0
    # Reminders to confirm details recorded for them instead of emailed (owners.py).
    quiet_reminders: int = 0


def demo_set(listings: int = DEFAULT_LISTINGS) -> tuple[list[ListingSpec], list[DemoOwner]]:
    """The first ``listings`` demo listings, each priced one with an owner, and those owners."""
    specs = listing_specs(listings)
    owners = assign_owners(specs, taken_emails=[account.email for account in DEMO_ACCOUNTS])
    return specs, owners


def load_demo(listings: int = DEFAULT_LISTINGS, progress=None) -> DemoLoad:
    """Create the demo accounts, the listings' owners, then the first ``listings`` demo
    listings, as needed.

    ``progress(done, total)``, if given, is called as batches of listings are loaded.
    """
    User = get_user_model()
    emails = [account.email for account in DEMO_ACCOUNTS]
    before = User.objects.filter(email__in=emails).count()
    users = ensure_demo_accounts()
    specs, owners = demo_set(listings)
    owner_users, new_owners = ensure_owner_accounts(owners)
    result = load_listings(specs, {**users, **owner_users}, progress=progress)
    return DemoLoad(
        listings=result,
        accounts=len(users),
        new_accounts=len(users) - before,
        owners=len(owners),
        new_owners=new_owners,
        quiet_reminders=record_reminders_quietly(owner_users),
    )


def demo_owners(listings: int = DEFAULT_LISTINGS):
    """Every account that owns a demo listing, as a queryset ordered by email.

    The role accounts that own listings (Lesley, Joanne, Sunita) and the
    owners from ``owners.py``, as loaded in this database: the one list to
    use for anything each demo owner needs, such as somewhere to be paid.
    """
    from directory.models import DirectoryIndexPage, ListingManager, ListingPage

    slugs = [spec.slug for spec in listing_specs(listings)]
    index = DirectoryIndexPage.objects.first()
    if index is None:
        return get_user_model().objects.none()
    listings = ListingPage.objects.child_of(index).filter(slug__in=slugs)
    owned = ListingManager.objects.filter(
        role=ListingManager.Role.OWNER, listing__in=listings
    ).values("person_id")
    return get_user_model().objects.filter(pk__in=owned).order_by("email")
