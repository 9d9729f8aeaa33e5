"""Inviting a commissioner: staff create the account with the role and an area."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.roles import Role
from evidence.models import CommissionerArea
from kith.tasks import queue_email


@transaction.atomic
def invite_commissioner(
    *,
    email: str,
    name: str,
    area_name: str,
    districts: list[str],
    invited_by,
    organisation: str = "",
    base_url: str,
) -> CommissionerArea:
    """Create the account (no password yet, address trusted) and email how to set a password."""
    user = get_user_model().objects.create_user(email=email, display_name=name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user.add_role(Role.COMMISSIONER)
    area = CommissionerArea.objects.create(
        user=user,
        name=area_name,
        districts=",".join(districts),
        organisation=organisation,
        invited_by=invited_by,
    )
    context = {
        "name": name,
        "area": area,
        "set_password_url": base_url.rstrip("/") + reverse("account_reset_password"),
        "reports_url": base_url.rstrip("/") + reverse("evidence:demand"),
    }
    body = render_to_string("evidence/email/commissioner_invitation.txt", context)
    transaction.on_commit(
        lambda: queue_email(
            "You have been invited to Kith's reports for commissioners", body, [email]
        )
    )
    return area
