"""Realistic demo data for Kith: a directory around Stockport and an account for each role.

``manage.py load_demo`` (run by ``make run``) calls ``load_demo``. Everything is
deterministic (seeded) and idempotent: listings are recognised by slug and
accounts by email, so running it again changes nothing. See docs/demo.md for
the accounts and the password.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from directory.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from directory.demo.generate import DEFAULT_LISTINGS, listing_specs
from directory.demo.loader import LoadResult, load_listings

__all__ = [
    "DEFAULT_LISTINGS",
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DemoLoad",
    "load_demo",
]


@dataclass
class DemoLoad:
    listings: LoadResult
    accounts: int
    new_accounts: int


def load_demo(listings: int = DEFAULT_LISTINGS, progress=None) -> DemoLoad:
    """Create the demo accounts, then the first ``listings`` demo listings, as needed.

    ``progress(done, total)``, if given, is called as batches of listings are loaded.
    """
    User = get_user_model()
    emails = [account.email for account in DEMO_ACCOUNTS]
    before = User.objects.filter(email__in=emails).count()
    users = ensure_demo_accounts()
    result = load_listings(listing_specs(listings), users, progress=progress)
    return DemoLoad(listings=result, accounts=len(users), new_accounts=len(users) - before)
