"""Rules for representatives: invite, accept, decline, end, and who may act for whom.

Each transition checks where the invitation stands and is safe to call twice.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Representation
from accounts.roles import Role
from kith.tasks import queue_email

Status = Representation.Status


class RepresentationError(ValueError):
    """An invitation cannot be used the way someone tried to; the message says why."""


def invite_representative(budget_holder, email: str, relationship: str = "", base_url: str = ""):
    """Invite ``email`` to act for ``budget_holder`` and email them a link.

    Inviting the same address again while an invitation is open re-sends it.
    """
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    if not budget_holder.has_role(Role.BUDGET_HOLDER):
        raise RepresentationError("Only a budget holder can invite a representative.")
    if email == budget_holder.email.lower():
        raise RepresentationError(
            "You cannot invite yourself. Enter the email of the person helping you."
        )
    if Representation.objects.filter(
        budget_holder=budget_holder, representative__email__iexact=email, status=Status.ACCEPTED
    ).exists():
        raise RepresentationError(f"{email} already acts for you.")
    invitation = Representation.objects.filter(
        budget_holder=budget_holder, invited_email__iexact=email, status=Status.INVITED
    ).first()
    if invitation is None or invitation.is_expired:
        invitation = Representation.objects.create(
            budget_holder=budget_holder, invited_email=email, relationship=relationship
        )
    accept_path = reverse("accounts:representation_invitation", args=[invitation.token])
    context = {"invitation": invitation, "accept_url": f"{base_url}{accept_path}"}
    queue_email(
        f"{budget_holder} has asked you to help with their support on Kith",
        render_to_string("accounts/email/representative_invitation.txt", context),
        [email],
    )
    return invitation


def find_invitation(token: str) -> Representation:
    try:
        return Representation.objects.select_related("budget_holder").get(token=token)
    except Representation.DoesNotExist:
        raise RepresentationError("This invitation link is not valid. Ask for a new one.") from None


def _check_can_respond(invitation: Representation, user) -> None:
    if invitation.invited_email.lower() != user.email.lower():
        raise RepresentationError(
            "This invitation was sent to a different email address. "
            "Sign in with the address the invitation was sent to."
        )
    if invitation.status in (Status.REVOKED,):
        raise RepresentationError("This invitation has been withdrawn.")
    if invitation.is_expired:
        raise RepresentationError("This invitation has expired. Ask for a new one.")


@transaction.atomic
def accept_invitation(token: str, user) -> Representation:
    invitation = find_invitation(token)
    invitation = Representation.objects.select_for_update().get(pk=invitation.pk)
    _check_can_respond(invitation, user)
    if invitation.status == Status.ACCEPTED:
        return invitation
    if invitation.status == Status.DECLINED:
        raise RepresentationError("You declined this invitation. Ask for a new one.")
    invitation.status = Status.ACCEPTED
    invitation.representative = user
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "representative", "responded_at"])
    user.add_role(Role.REPRESENTATIVE)
    return invitation


@transaction.atomic
def decline_invitation(token: str, user) -> Representation:
    invitation = find_invitation(token)
    invitation = Representation.objects.select_for_update().get(pk=invitation.pk)
    _check_can_respond(invitation, user)
    if invitation.status == Status.DECLINED:
        return invitation
    if invitation.status == Status.ACCEPTED:
        raise RepresentationError("You have already accepted. The budget holder can end it.")
    invitation.status = Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation


def end_representation(representation: Representation, by_user) -> Representation:
    """The budget holder ends a representation or withdraws an invitation."""
    if representation.budget_holder_id != by_user.pk:
        raise RepresentationError("Only the person who gave the invitation can end it.")
    if representation.status in (Status.REVOKED, Status.DECLINED):
        return representation
    representation.status = Status.REVOKED
    representation.ended_at = timezone.now()
    representation.save(update_fields=["status", "ended_at"])
    return representation


def represented_people(user):
    """The budget holders ``user`` may act for: those who invited them and whom they accepted."""
    return (
        get_user_model()
        .objects.filter(
            representations_given__representative=user,
            representations_given__status=Status.ACCEPTED,
        )
        .distinct()
    )


def can_act_for(user, budget_holder) -> bool:
    """True if ``user`` is the budget holder or a representative they named."""
    if not user.is_authenticated:
        return False
    if user.pk == budget_holder.pk:
        return True
    return Representation.objects.filter(
        budget_holder=budget_holder, representative=user, status=Status.ACCEPTED
    ).exists()
