"""Who must use multi-factor authentication, and whether they have it."""

from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.roles import Role


def needs_mfa(user) -> bool:
    return bool(
        user.is_staff
        or user.is_superuser
        or user.groups.filter(name=settings.KITH_MODERATORS_GROUP).exists()
        or user.has_role(Role.MODERATOR)
    )


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
