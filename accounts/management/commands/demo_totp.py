"""Print the current two-step sign-in code of a demo account.

    python manage.py demo_totp moderator@example.org

So that someone trying Kith with ``make run`` can sign in to /admin/ as the
demo moderator or administrator without an authenticator app. Refused unless
DEBUG is on, and only for the demo accounts, whose secrets are published
anyway (docs/demo.md).
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from directory.demo.accounts import ACCOUNTS_BY_EMAIL, totp_secret_for


def current_totp_code(email: str, at: float | None = None) -> str:
    """The code allauth accepts now (or at time ``at``) for the account ``email``."""
    user = get_user_model().objects.filter(email__iexact=email).first()
    secret = totp_secret_for(user) if user else None
    if secret is None:
        raise CommandError(
            f"{email} has no two-step sign-in set up. Run manage.py load_demo first."
        )
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account, e.g. moderator@example.org.")

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_totp only works with DEBUG on: it is for the demo, never a real site."
            )
        email = email.strip().lower()
        if email not in ACCOUNTS_BY_EMAIL:
            demo = ", ".join(a.email for a in ACCOUNTS_BY_EMAIL.values() if a.totp_secret)
            raise CommandError(f"{email} is not a demo account with two-step sign-in. Try: {demo}.")
        period = app_settings.TOTP_PERIOD
        left = period - int(time.time()) % period
        self.stdout.write(current_totp_code(email))
        self.stderr.write(f"Valid for about {left} more seconds.")
