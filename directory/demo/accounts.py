"""Demo accounts: one person for each role, so anyone trying Kith can sign in as them.

Every account shares one documented password and has a verified email, so it
can sign in straight away. The moderator and the administrator use two-step
sign-in (TOTP) with fixed, documented secrets; ``manage.py demo_totp EMAIL``
prints the current code while DEBUG is on. These secrets are public: never
load demo accounts on a real site.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Representation
from accounts.roles import Role

DEMO_PASSWORD = "kith-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    who: str  # a few words for the list load_demo prints
    moderator: bool = False
    superuser: bool = False
    totp_secret: str = ""


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(
        "budget_holder",
        "maureen@example.org",
        "Maureen",
        "Hughes",
        (Role.BUDGET_HOLDER,),
        "budget holder in Stockport (SK1 3XE)",
    ),
    DemoAccount(
        "representative",
        "david@example.org",
        "David",
        "Hughes",
        (Role.REPRESENTATIVE,),
        "representative: Maureen's son",
    ),
    DemoAccount(
        "provider",
        "lesley@example.org",
        "Lesley",
        "Ward",
        (Role.PROVIDER,),
        "provider: runs Mersey Vale Care and Support",
    ),
    DemoAccount(
        "pa",
        "joanne@example.org",
        "Joanne",
        "Barlow",
        (Role.PERSONAL_ASSISTANT,),
        "personal assistant in Stockport",
    ),
    DemoAccount(
        "practitioner",
        "kwame@example.org",
        "Kwame",
        "Mensah",
        (Role.PRACTITIONER,),
        "practitioner: a Stockport social worker",
    ),
    DemoAccount(
        "ulo",
        "sunita@example.org",
        "Sunita",
        "Rao",
        (Role.ULO_STAFF,),
        "ULO staff: Stockport Disabled People's Network",
    ),
    DemoAccount(
        "moderator",
        "moderator@example.org",
        "Alex",
        "Moore",
        (Role.MODERATOR,),
        "moderator, with two-step sign-in",
        moderator=True,
        totp_secret="KITHDEMOMODERATORTOTPSECRETAAAAA",
    ),
    DemoAccount(
        "admin",
        "admin@example.org",
        "Site",
        "Administrator",
        (),
        "superuser, with two-step sign-in",
        superuser=True,
        totp_secret="KITHDEMOADMINISTRATORTOTPSECRETA",
    ),
]

ACCOUNTS_BY_EMAIL = {account.email: account for account in DEMO_ACCOUNTS}


@transaction.atomic
def ensure_demo_accounts() -> dict[str, object]:
    """Create the demo accounts that are missing; leave existing ones as they are.

    Returns users by key ("budget_holder", "provider", ...). Safe to run again:
    an existing account keeps its password, so a changed one stays changed.
    """
    # Hash the shared password once: each hash deliberately takes about half a second.
    password = functools.cache(lambda: make_password(DEMO_PASSWORD))
    users = {account.key: _ensure_user(account, password) for account in DEMO_ACCOUNTS}
    _ensure_representation(users["budget_holder"], users["representative"], "son")
    return users


def _ensure_user(account: DemoAccount, password):
    User = get_user_model()
    user = User.objects.filter(email__iexact=account.email).first()
    if user is None:
        user = User.objects.create(
            email=User.objects.normalize_email(account.email),
            password=password(),
            first_name=account.first_name,
            last_name=account.last_name,
            display_name=account.first_name,
            is_staff=account.superuser or account.moderator,
            is_superuser=account.superuser,
        )
    EmailAddress.objects.get_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )
    for role in account.roles:
        user.add_role(role)
    if account.moderator:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=settings.KITH_MODERATORS_GROUP))
    if (
        account.totp_secret
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        # allauth's own activation, so the secret is stored (and encrypted, if a
        # project adapter encrypts) exactly as when someone scans a QR code.
        TOTP.activate(user, account.totp_secret)
    return user


def _ensure_representation(budget_holder, representative, relationship: str) -> None:
    exists = Representation.objects.filter(
        budget_holder=budget_holder,
        representative=representative,
        status=Representation.Status.ACCEPTED,
    ).exists()
    if not exists:
        now = timezone.now()
        Representation.objects.create(
            budget_holder=budget_holder,
            representative=representative,
            invited_email=representative.email,
            relationship=relationship,
            status=Representation.Status.ACCEPTED,
            invited_at=now,
            responded_at=now,
        )
    representative.add_role(Role.REPRESENTATIVE)


def totp_secret_for(user) -> str | None:
    """The TOTP secret allauth holds for ``user``, or None if they have no authenticator."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return decrypt(authenticator.data["secret"])
