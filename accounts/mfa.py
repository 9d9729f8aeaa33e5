"""Who must use two-step sign-in (MFA), whether they have it, and whether this
session passed it.

Staff, superusers, moderators and anyone else who may open the Wagtail admin
must have an authenticator app set up, and must have entered its code in the
session they use the admin from. allauth keeps a record of each sign-in step
in the session (``get_authentication_records``); a two-step code entered at
sign-in or at "confirm it's you" adds a record with method "mfa".
"""

import time

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.roles import Role


def needs_mfa(user) -> bool:
    return bool(
        user.is_staff
        or user.is_superuser
        or user.groups.filter(name=settings.KITH_MODERATORS_GROUP).exists()
        or user.has_role(Role.MODERATOR)
        or user.has_perm("wagtailadmin.access_admin")
    )


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def passed_mfa(request, max_age: int | None = None) -> bool:
    """Whether this session's signed-in person entered a two-step code in the
    last ``max_age`` seconds (default ``KITH_STAFF_MFA_MAX_AGE``)."""
    if max_age is None:
        max_age = settings.KITH_STAFF_MFA_MAX_AGE
    oldest = time.time() - max_age
    return any(
        record.get("method") == "mfa" and float(record.get("at", 0)) >= oldest
        for record in get_authentication_records(request, request.user)
    )
