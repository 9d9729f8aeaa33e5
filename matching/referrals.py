"""Referrals to user-led organisations (ULOs) for peer brokerage or peer support.

Who may refer: the practitioner named on a person's plan, the person
themselves, or a representative they named. The person must have agreed to
be referred and to their name and goals being shared; the referrer records
that consent, and the referral cannot be made without it.

The ULO's staff (the owner of the organisation's listing, holding the
``ulo_staff`` role) answer it. The states and the moves between them:

    sent -> accepted -> contacted -> closed
    sent -> declined (with a reason) -> closed
    accepted -> declined (with a reason), e.g. when a waiting list turns out too long
    accepted -> closed

Each move is one function that checks where the referral stands, records a
``ReferralEvent`` with who and when, and does nothing when asked to move to
the state it is already in, so a double click or a retried request is harmless.

Once the organisation accepts, it and the person (with their representatives)
can write to each other in a message thread on the referral page. The
organisation may write only after the person has agreed to be contacted that
way (``record_contact_consent``); the referrer, other organisations and an
organisation that declined cannot read it. The organisation hears of a new
referral, the person and the referrer of the answer, and everyone in the
thread of a new message, through ``accounts.notifications``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import Event, acting_for, notify
from accounts.representation import can_act_for, represented_people
from accounts.roles import Role
from directory import ownership
from directory.models import UserLedOrganisationPage
from matching.access import is_named_practitioner, log_access, log_practitioner_access
from matching.models import Referral, ReferralEvent, ReferralMessage, SupportPlan

Status = Referral.Status
Offer = Referral.Offer

# Where each state may be reached from. Anything else is refused.
ALLOWED_FROM = {
    Status.ACCEPTED: {Status.SENT},
    Status.DECLINED: {Status.SENT, Status.ACCEPTED},
    Status.CONTACTED: {Status.ACCEPTED},
    Status.CLOSED: {Status.ACCEPTED, Status.CONTACTED, Status.DECLINED},
}

# Still waiting for the ULO or being worked on: a second referral would be a duplicate.
OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.CONTACTED)


class ReferralError(ValueError):
    """A referral or a change to one that is not allowed; the message says why."""


# --- Organisations ------------------------------------------------------------


def offers_of(organisation: UserLedOrganisationPage) -> list[tuple[str, str]]:
    """The kinds of referral this organisation takes, as (value, label) choices."""
    offers = []
    if organisation.offers_peer_brokerage:
        offers.append((Offer.PEER_BROKERAGE.value, Offer.PEER_BROKERAGE.label))
    if organisation.offers_peer_support:
        offers.append((Offer.PEER_SUPPORT.value, Offer.PEER_SUPPORT.label))
    return offers


def why_not_referrable(organisation: UserLedOrganisationPage) -> str:
    """Why nobody can refer to this organisation through Kith, or '' if they can."""
    if not organisation.live:
        return f"{organisation.title} is not in the directory at the moment."
    if not organisation.accepts_referrals:
        return f"{organisation.title} does not take referrals through Kith. Contact them directly."
    if not offers_of(organisation):
        return f"{organisation.title} does not offer peer brokerage or peer support."
    return ""


def referrable_organisations():
    """Live ULOs that take referrals for something they offer."""
    return UserLedOrganisationPage.objects.live().filter(
        Q(offers_peer_brokerage=True) | Q(offers_peer_support=True), accepts_referrals=True
    )


def is_ulo_staff_for(user, organisation: UserLedOrganisationPage) -> bool:
    """ULO staff answer referrals to the organisations whose listings they own."""
    return ownership.manages(user, organisation) and user.has_role(Role.ULO_STAFF)


# --- Who can be referred by whom ---------------------------------------------


@dataclass
class ReferralTarget:
    """Someone the user may refer, with the plan whose goals would be shared (if any)."""

    key: str
    person: object
    plan: SupportPlan | None

    @property
    def label(self) -> str:
        if self.plan is None:
            return f"{self.person} (no support plan yet)"
        return f"{self.person}: {self.plan.title}"


def referral_targets(user) -> list[ReferralTarget]:
    """Everyone ``user`` may refer: people whose plans name them, themselves, those they act for."""
    if not user.is_authenticated:
        return []
    targets = []
    seen_plans = set()
    if user.has_role(Role.PRACTITIONER):
        for plan in SupportPlan.objects.filter(practitioner=user).select_related("person"):
            targets.append(ReferralTarget(f"plan-{plan.pk}", plan.person, plan))
            seen_plans.add(plan.pk)
    people = []
    if user.has_role(Role.BUDGET_HOLDER) or user.support_plans.exists():
        people.append(user)
    people += list(represented_people(user))
    for person in people:
        plans = list(person.support_plans.all())
        for plan in plans:
            if plan.pk not in seen_plans:
                targets.append(ReferralTarget(f"plan-{plan.pk}", person, plan))
                seen_plans.add(plan.pk)
        if not plans:
            # Peer brokers help people make a plan, so having none yet is no bar.
            targets.append(ReferralTarget(f"person-{person.pk}", person, None))
    return targets


def may_refer(user, person, plan: SupportPlan | None) -> bool:
    if not user.is_authenticated:
        return False
    if plan is not None and plan.person_id != person.pk:
        return False
    if plan is not None and is_named_practitioner(user, plan):
        return True
    if user.pk == person.pk:
        return user.has_role(Role.BUDGET_HOLDER) or plan is not None
    return can_act_for(user, person)


def consent_wording(person, organisation: UserLedOrganisationPage) -> str:
    """The sentence the referrer confirms; the same words appear on the form and in the record."""
    return (
        f"{person} has agreed to be referred and for their name and plan goals "
        f"to be shared with {organisation.title}"
    )


def _relation(user, person, plan) -> str:
    if user.pk == person.pk:
        return "themselves"
    if plan is not None and is_named_practitioner(user, plan):
        return "named practitioner"
    return "representative"


# --- Creating a referral -----------------------------------------------------


def goals_to_share(plan: SupportPlan | None) -> list[str]:
    """The plan's goals, most important first, as the person agreed to share them.

    Kept on the referral: the organisation sees these, never the live plan, so
    goals added or changed later stay private."""
    if plan is None:
        return []
    return [goal.text for goal in plan.goals.order_by("priority", "pk")]


@transaction.atomic
def create_referral(
    *,
    organisation: UserLedOrganisationPage,
    person,
    plan: SupportPlan | None,
    offer: str,
    by_user,
    consent: bool,
    message: str = "",
) -> tuple[Referral, bool]:
    """Send a referral; answers (referral, created).

    Referring the same person to the same organisation for the same offer
    while an earlier referral is still open returns that one instead, so a
    resubmitted form does not send it twice.
    """
    problem = why_not_referrable(organisation)
    if problem:
        raise ReferralError(problem)
    if offer not in dict(offers_of(organisation)):
        raise ReferralError(f"{organisation.title} does not offer that. Choose one of its offers.")
    if not may_refer(by_user, person, plan):
        raise ReferralError(
            "You can refer yourself, someone who named you as their representative, "
            "or someone whose plan names you as their practitioner."
        )
    if not consent:
        raise ReferralError(
            f"Confirm that {person} has agreed to be referred before sending the referral."
        )
    existing = Referral.objects.filter(
        person=person, organisation=organisation, offer=offer, status__in=OPEN_STATUSES
    ).first()
    if existing:
        return existing, False
    now = timezone.now()
    relation = _relation(by_user, person, plan)
    recorded_by = "the person themselves" if relation == "themselves" else f"{by_user} ({relation})"
    consent_note = f"Consent recorded by {recorded_by}: {consent_wording(person, organisation)}."
    referral = Referral.objects.create(
        person=person,
        plan=plan,
        shared_goals=goals_to_share(plan),
        organisation=organisation,
        offer=offer,
        referred_by=by_user,
        consent_given_at=now,
        consent_note=consent_note[:300],
        message=message.strip(),
        status=Status.SENT,
    )
    ReferralEvent.objects.create(
        referral=referral, status=Status.SENT, by=by_user, at=now, note="Referral sent."
    )
    if plan is not None and relation == "named practitioner":
        log_practitioner_access(plan, by_user, "made a referral")
    if holder := ownership.account_holder(organisation):
        notify(
            holder,
            Event.REFERRAL_RECEIVED,
            subject=f"New referral to {organisation.title}: {person}",
            body=f"{recorded_by[0].upper()}{recorded_by[1:]} referred {person} to "
            f"{organisation.title} for {referral.get_offer_display().lower()}. "
            "Please accept or decline it, saying why if you decline.",
            url=_referral_url(referral),
            context={"referral": referral.pk},
        )
    return referral, True


def _referral_url(referral: Referral) -> str:
    return reverse("matching:referral_detail", args=[referral.pk])


def _tell_about_answer(referral: Referral, by_user) -> None:
    """The person, their representatives and the referrer hear the organisation's answer."""
    organisation = referral.organisation
    if referral.status == Status.ACCEPTED:
        subject = f"{organisation.title} accepted the referral for {referral.person}"
        body = (
            f"{organisation.title} can help with {referral.get_offer_display().lower()}. "
            f"On the referral page, {referral.person} (or their representative) can agree "
            "to be contacted and write to them."
        )
    else:
        subject = f"{organisation.title} declined the referral for {referral.person}"
        body = f"Their reason: {referral.decline_reason}\nYou can refer to another organisation."
    recipients = {user.pk: user for user in acting_for(referral.person)}
    if referral.referred_by_id:
        recipients.setdefault(referral.referred_by_id, referral.referred_by)
    for user in recipients.values():
        if user.pk != by_user.pk:
            notify(
                user,
                Event.REFERRAL_ACCEPTED,
                subject=subject,
                body=body,
                url=_referral_url(referral),
                context={"referral": referral.pk},
            )


# --- The ULO's answers -------------------------------------------------------


@transaction.atomic
def _move(referral: Referral, to: str, by_user, note: str = "", **fields) -> Referral:
    referral = (
        Referral.objects.select_for_update().select_related("organisation").get(pk=referral.pk)
    )
    if not is_ulo_staff_for(by_user, referral.organisation):
        raise ReferralError(
            f"Only staff of {referral.organisation.title} can answer this referral."
        )
    if referral.status == to:
        referral.moved = False
        return referral
    if referral.status not in ALLOWED_FROM[to]:
        raise ReferralError(
            f"A referral that is {referral.get_status_display().lower()} cannot be marked "
            f"{Status(to).label.lower()}."
        )
    referral.status = to
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.save(update_fields=["status", "updated_at", *fields])
    ReferralEvent.objects.create(referral=referral, status=to, by=by_user, note=note)
    referral.moved = True
    return referral


def accept_referral(referral: Referral, by_user, note: str = "") -> Referral:
    referral = _move(referral, Status.ACCEPTED, by_user, note.strip())
    if referral.moved:
        _tell_about_answer(referral, by_user)
    return referral


def decline_referral(referral: Referral, by_user, reason: str) -> Referral:
    """Decline, saying why: the referrer and the person see the reason and can look elsewhere."""
    reason = (reason or "").strip()
    if referral.status == Status.DECLINED:
        return _move(referral, Status.DECLINED, by_user)
    if not reason:
        raise ReferralError("Give a reason for declining, so the person can look elsewhere.")
    referral = _move(referral, Status.DECLINED, by_user, reason, decline_reason=reason)
    if referral.moved:
        _tell_about_answer(referral, by_user)
    return referral


def mark_contacted(referral: Referral, by_user, note: str = "") -> Referral:
    return _move(referral, Status.CONTACTED, by_user, note.strip())


def close_referral(referral: Referral, by_user, note: str = "") -> Referral:
    return _move(referral, Status.CLOSED, by_user, note.strip())


TRANSITIONS = {
    "accept": accept_referral,
    "decline": decline_referral,
    "contacted": mark_contacted,
    "close": close_referral,
}


def available_actions(referral: Referral) -> list[str]:
    """The answers ULO staff can give from where the referral stands now."""
    targets = {
        "accept": Status.ACCEPTED,
        "decline": Status.DECLINED,
        "contacted": Status.CONTACTED,
        "close": Status.CLOSED,
    }
    return [name for name, to in targets.items() if referral.status in ALLOWED_FROM[to]]


# --- Who sees what -----------------------------------------------------------


def can_view_referral(user, referral: Referral) -> bool:
    """The person and those acting for them now, the practitioner who made it while
    the plan still names them, and the organisation's staff.

    A representative or practitioner whose access has ended loses sight of the
    referrals they made, as of the plan itself."""
    if not user.is_authenticated:
        return False
    return (
        can_act_for(user, referral.person)
        or (
            referral.referred_by_id == user.pk
            and referral.plan is not None
            and is_named_practitioner(user, referral.plan)
        )
        or is_ulo_staff_for(user, referral.organisation)
    )


def get_referral_for(user, pk, action: str = "viewed a referral") -> Referral:
    """The referral if ``user`` may see it, else 404 (its existence is not revealed).

    A look by anyone but the person (the referrer, a representative, the
    organisation's staff) goes in the access log of the plan the referral shares;
    ``action=""`` leaves the logging to the caller.
    """
    try:
        referral = Referral.objects.select_related(
            "person", "plan", "organisation", "referred_by"
        ).get(pk=pk)
    except Referral.DoesNotExist:
        raise Http404("No such referral.") from None
    if not can_view_referral(user, referral):
        raise Http404("No such referral.")
    if action and referral.plan is not None:
        log_access(referral.plan, user, action)
    return referral


def inbox_for(user):
    """Referrals to the organisations whose listings ``user`` owns as ULO staff."""
    if not user.is_authenticated or not user.has_role(Role.ULO_STAFF):
        return Referral.objects.none()
    return Referral.objects.filter(organisation__in=ownership.managed_by(user)).select_related(
        "person", "plan", "organisation", "referred_by"
    )


def referrals_about(user):
    """Referrals about the user or someone they act for, and those they made as the
    practitioner the plan still names."""
    if not user.is_authenticated:
        return Referral.objects.none()
    people = [user.pk, *represented_people(user).values_list("pk", flat=True)]
    mine = Q(person__in=people)
    if user.has_role(Role.PRACTITIONER):
        mine |= Q(referred_by=user, plan__practitioner=user)
    return (
        Referral.objects.filter(mine)
        .select_related("person", "organisation", "referred_by")
        .distinct()
    )


# --- Contact after acceptance: consent and the message thread ---------------

# The thread exists from acceptance on; it is written in only while the work is open.
THREAD_STATUSES = (Status.ACCEPTED, Status.CONTACTED, Status.CLOSED)
WRITABLE_STATUSES = (Status.ACCEPTED, Status.CONTACTED)


def is_person_side(user, referral: Referral) -> bool:
    """The person themselves, or a representative they named."""
    return user.is_authenticated and can_act_for(user, referral.person)


def can_read_thread(user, referral: Referral) -> bool:
    """The organisation's staff while the referral is theirs (not declined), and the person's side.

    The referrer (e.g. a practitioner) is not part of the conversation, and
    an organisation that declined no longer sees it. The person keeps what
    was said.
    """
    if not user.is_authenticated or referral.status == Status.SENT:
        return False
    if referral.status == Status.DECLINED:
        return is_person_side(user, referral) and referral.messages.exists()
    return is_person_side(user, referral) or is_ulo_staff_for(user, referral.organisation)


def why_cannot_write(user, referral: Referral) -> str:
    """Why ``user`` cannot send a message on this referral now, or '' if they can."""
    if not can_read_thread(user, referral):
        return "Only the organisation and the person referred can write here."
    if referral.status not in WRITABLE_STATUSES:
        return f"This referral is {referral.get_status_display().lower()}, so the thread is closed."
    if not is_person_side(user, referral) and referral.contact_consent_at is None:
        return (
            f"{referral.person} has not yet agreed to be contacted here. "
            "You will get a notification when they do."
        )
    return ""


@transaction.atomic
def record_contact_consent(referral: Referral, by_user) -> Referral:
    """The person (or their representative) agrees that the organisation may message them here."""
    referral = (
        Referral.objects.select_for_update().select_related("organisation").get(pk=referral.pk)
    )
    if not is_person_side(by_user, referral):
        raise ReferralError(
            f"Only {referral.person} or their representative can agree to be contacted."
        )
    if referral.status not in WRITABLE_STATUSES:
        raise ReferralError("The organisation has not accepted this referral.")
    if referral.contact_consent_at:
        return referral
    who = (
        "the person themselves"
        if by_user.pk == referral.person_id
        else f"{by_user} (representative)"
    )
    referral.contact_consent_at = timezone.now()
    referral.contact_consent_note = (
        f"Agreed by {who}: {referral.organisation.title} may contact {referral.person} "
        "through messages on Kith."
    )[:300]
    referral.save(update_fields=["contact_consent_at", "contact_consent_note", "updated_at"])
    ReferralEvent.objects.create(
        referral=referral, status=referral.status, by=by_user, note=referral.contact_consent_note
    )
    if holder := ownership.account_holder(referral.organisation):
        notify(
            holder,
            Event.MESSAGE_RECEIVED,
            subject=f"{referral.person} agreed to be contacted",
            body=f"You can now write to {referral.person} on the referral page.",
            url=_referral_url(referral) + "#messages",
            context={"referral": referral.pk},
        )
    return referral


def thread_participants(referral: Referral) -> list:
    """Everyone in the conversation: the organisation's staff, the person and representatives."""
    people = {user.pk: user for user in acting_for(referral.person)}
    if referral.status != Status.DECLINED:
        for manager in ownership.managers_of(referral.organisation):
            people.setdefault(manager.pk, manager)
    return list(people.values())


@transaction.atomic
def send_referral_message(referral: Referral, by_user, body: str) -> ReferralMessage:
    """Add a message to the thread and tell everyone else in it.

    The person's side writing first also records their consent to be
    contacted, since they started the conversation.
    """
    body = (body or "").strip()
    if not body:
        raise ReferralError("Write a message before sending it.")
    if len(body) > 5000:
        raise ReferralError("Keep a message under 5,000 characters.")
    if is_person_side(by_user, referral) and referral.contact_consent_at is None:
        if referral.status in WRITABLE_STATUSES:
            referral = record_contact_consent(referral, by_user)
    problem = why_cannot_write(by_user, referral)
    if problem:
        raise ReferralError(problem)
    if is_person_side(by_user, referral):
        role = "the person" if by_user.pk == referral.person_id else "representative"
    else:
        role = referral.organisation.title
    message = ReferralMessage.objects.create(
        referral=referral, sender=by_user, sender_role=role[:80], body=body
    )
    for user in thread_participants(referral):
        if user.pk != by_user.pk:
            notify(
                user,
                Event.MESSAGE_RECEIVED,
                subject=f"New message from {by_user} about the referral to "
                f"{referral.organisation.title}",
                body=f"{by_user} wrote: {body[:300]}{'…' if len(body) > 300 else ''}",
                url=_referral_url(referral) + "#messages",
                context={"referral": referral.pk, "message": message.pk},
            )
    return message


def thread_for(user, referral: Referral):
    """The messages ``user`` may read on this referral (none if they may not)."""
    if not can_read_thread(user, referral):
        return ReferralMessage.objects.none()
    return referral.messages.select_related("sender")


def target_for_key(user, key: str) -> ReferralTarget:
    """The referral target the form's choice stands for, checked against what ``user`` may do."""
    for target in referral_targets(user):
        if target.key == key:
            return target
    raise ReferralError("Choose someone you can refer from the list.")
