"""Business rules for support plans: stages, brokerage route, goals and saved suggestions."""

from __future__ import annotations

from decimal import Decimal

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from accounts.roles import Role
from directory import geo
from directory.models import Outcome
from matching.engine import Budget, GoalSpec, infer
from matching.models import (
    STAGE_ORDER,
    BrokerageRoute,
    Goal,
    SavedSuggestion,
    StageEntry,
    SupportPlan,
)

# Shown before a person chooses who helps them make and carry out their plan.
# The research asked that every route be offered with its pros and cons.
BROKERAGE_ROUTES = {
    BrokerageRoute.SELF: {
        "pros": ["You stay in full control", "No cost to your budget"],
        "cons": ["It can take a lot of time and phone calls", "You find options yourself"],
    },
    BrokerageRoute.FAMILY_OR_FRIENDS: {
        "pros": ["People who know you well", "No cost to your budget"],
        "cons": ["It can put strain on relationships", "They may not know what is out there"],
    },
    BrokerageRoute.PEER_BROKER: {
        "pros": [
            "Someone who has used a personal budget themselves",
            "Run by a user-led organisation, independent of services",
        ],
        "cons": ["There may be a waiting list", "Not available in every area"],
    },
    BrokerageRoute.INDEPENDENT_BROKER: {
        "pros": ["Professional knowledge of local options", "Independent of the council"],
        "cons": ["Paid for from your budget", "Quality varies: ask about their experience"],
    },
    BrokerageRoute.PRACTITIONER: {
        "pros": ["Knows the council's rules and panels", "No cost to your budget"],
        "cons": ["They have many people to support and little time", "Less independent"],
    },
    BrokerageRoute.PROVIDER_LED: {
        "pros": ["One organisation plans and delivers", "Less paperwork for you"],
        "cons": [
            "A conflict of interest: they may suggest their own services",
            "Fewer options considered",
        ],
    },
}


class PlanError(ValueError):
    """A plan change that is not allowed; the message says why."""


@transaction.atomic
def create_plan(person, *, created_by=None, postcode: str = "", title: str = "My support plan"):
    if postcode:
        postcode = geo.locate(postcode).postcode
    plan = SupportPlan.objects.create(person=person, postcode=postcode, title=title)
    StageEntry.objects.create(plan=plan, stage=plan.stage, entered_by=created_by or person)
    return plan


@transaction.atomic
def move_to_stage(plan: SupportPlan, stage: str, by_user) -> SupportPlan:
    """Move the plan to ``stage``; moving to the stage it is at already changes nothing."""
    if stage not in STAGE_ORDER:
        raise PlanError(f"Unknown stage {stage!r}.")
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.stage == stage:
        return plan
    plan.stage = stage
    plan.save(update_fields=["stage", "updated_at"])
    StageEntry.objects.create(plan=plan, stage=stage, entered_by=by_user)
    return plan


def stage_timeline(plan: SupportPlan, now=None) -> list[dict]:
    """Each stage with when it was entered and how long the plan waited there."""
    now = now or timezone.now()
    rows = []
    for entry in plan.stage_history.all():
        left = entry.left_at  # kept by matching.stays from the history
        rows.append(
            {
                "stage": entry.stage,
                "label": entry.get_stage_display(),
                "entered_at": entry.entered_at,
                "days": ((left or now) - entry.entered_at).days,
                "current": left is None,
            }
        )
    return rows


def choose_brokerage_route(plan: SupportPlan, route: str, reason: str, by_user) -> SupportPlan:
    if route not in BrokerageRoute.values:
        raise PlanError("Choose one of the routes shown.")
    plan.brokerage_route = route
    plan.brokerage_reason = reason.strip()
    plan.save(update_fields=["brokerage_route", "brokerage_reason", "updated_at"])
    return plan


def goal_spec(goal: Goal) -> GoalSpec:
    """What the matching engine needs from a saved goal."""
    budget = None
    if goal.budget_amount is not None:
        budget = Budget(Decimal(goal.budget_amount), goal.budget_period or "year")
    return GoalSpec(
        text=goal.text,
        outcomes=[o.slug for o in goal.outcomes.all()],
        categories=[c.slug for c in goal.categories.all()],
        budget=budget,
        languages=[lang.slug for lang in goal.languages.all()],
        days=[d for d in goal.days.split(",") if d],
        needs_backup_cover=goal.needs_backup_cover,
        not_too_close=goal.not_too_close,
        keep_ids=list(goal.keep_listings.values_list("pk", flat=True)),
        plan_outcomes=list(
            Outcome.objects.filter(goal__plan_id=goal.plan_id)
            .exclude(goal__pk=goal.pk)
            .order_by("sort_order")
            .values_list("slug", flat=True)
            .distinct()
        ),
    )


# At most this many outcomes are worked out from a goal's words and ticked for the person.
OUTCOMES_FROM_WORDS = 3


def save_goal(form) -> tuple[Goal, list[str]]:
    """Save a goal form; with no outcome ticked, tick the ones its words point to.

    The outcomes Kith worked out are stored on the goal, like any the person
    ticked (so pools and reports see them), and shown on the goal's form where
    the person can untick them. Returns the goal and the names of the outcomes
    worked out (empty when the person chose their own).
    """
    goal = form.save()
    slugs = infer(goal.text).outcomes[:OUTCOMES_FROM_WORDS]
    chosen = set(goal.outcomes.values_list("slug", flat=True))
    if chosen:
        # Still Kith's, if the person kept exactly what Kith ticked.
        goal.outcomes_from_words = chosen == set(slugs)
        goal.save(update_fields=["outcomes_from_words"])
        return goal, []
    outcomes = sorted(Outcome.objects.filter(slug__in=slugs), key=lambda o: slugs.index(o.slug))
    goal.outcomes.set(outcomes)
    goal.outcomes_from_words = bool(outcomes)
    goal.save(update_fields=["outcomes_from_words"])
    return goal, [outcome.name for outcome in outcomes]


def plan_origin(plan: SupportPlan):
    if not plan.postcode:
        return None
    try:
        return geo.locate(plan.postcode).point
    except geo.PostcodeError:
        return None


def delete_goal(goal: Goal) -> None:
    """Delete a goal and its saved suggestions. A goal that money hangs on (a
    pledge to a shared pool, a booking) is kept: deleting it would lose track of
    that money, so the person is told what to do first."""
    try:
        with transaction.atomic():
            goal.delete()
    except (ProtectedError, RestrictedError):
        raise PlanError(
            "This goal cannot be deleted while money is pledged or booked against it. "
            "Withdraw the pledge or cancel the booking first, then delete the goal."
        ) from None


def save_suggestion(goal: Goal, listing, by_user, note: str = "") -> SavedSuggestion:
    saved, _ = SavedSuggestion.objects.get_or_create(
        goal=goal, listing=listing, defaults={"saved_by": by_user, "note": note}
    )
    return saved


# --- Naming a practitioner -------------------------------------------------------
#
# The person (or their representative) names a practitioner by email. Whether
# that email has a Kith account, and what role it holds, is never shown to them:
# the practitioner is asked, and sees the plan only once they accept.


def practitioner_invitation_message(email: str) -> str:
    """The one answer to naming anyone, whether or not they have an account."""
    return (
        f"If {email} has a practitioner account on Kith, they will be asked to accept. "
        "They can see your plan only once they do."
    )


def name_practitioner(plan: SupportPlan, email: str) -> SupportPlan:
    """Ask ``email`` to be the plan's practitioner ('' names no one).

    Naming someone new removes the current practitioner's access at once.
    Naming the current practitioner again changes nothing."""
    email = (email or "").strip().lower()
    current = plan.practitioner
    if current is not None and email and current.email.lower() == email:
        plan.practitioner_invited_email = ""
    elif current is None and email == plan.practitioner_invited_email:
        return plan  # already asked; not asked twice
    else:
        plan.practitioner = None
        plan.practitioner_invited_email = email
    plan.save(update_fields=["practitioner", "practitioner_invited_email", "updated_at"])
    if plan.practitioner_invited_email:
        _tell_invited_practitioner(plan)
    return plan


def _tell_invited_practitioner(plan: SupportPlan) -> None:
    """Email the invitation only to a practitioner account: nobody else is told anything."""
    from django.contrib.auth import get_user_model

    invitee = get_user_model().objects.filter(email__iexact=plan.practitioner_invited_email).first()
    if invitee is None or not invitee.has_role(Role.PRACTITIONER):
        return
    send_mail(
        subject=f"{plan.person} has asked you to be the practitioner on their plan",
        message=(
            f"{plan.person} has named you as the practitioner on their support plan on Kith.\n\n"
            "Sign in and open 'People you support' to accept or decline. You see the plan "
            "only once you accept, and each time you open it is logged for them to read.\n"
        ),
        from_email=None,
        recipient_list=[invitee.email],
    )


def practitioner_invitations_for(user):
    """Plans whose person asked ``user`` (a practitioner) to be named on them."""
    if not user.is_authenticated or not user.has_role(Role.PRACTITIONER):
        return SupportPlan.objects.none()
    return SupportPlan.objects.filter(practitioner_invited_email__iexact=user.email).select_related(
        "person"
    )


@transaction.atomic
def answer_practitioner_invitation(plan: SupportPlan, user, accept: bool) -> SupportPlan:
    """The invited practitioner accepts (and is named) or declines (and the ask is withdrawn)."""
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if not practitioner_invitations_for(user).filter(pk=plan.pk).exists():
        raise PlanError("This plan has not asked you to be its practitioner.")
    if accept and plan.person_id == user.pk:
        raise PlanError("You cannot be the practitioner on your own plan.")
    if accept:
        plan.practitioner = user
    plan.practitioner_invited_email = ""
    plan.save(update_fields=["practitioner", "practitioner_invited_email", "updated_at"])
    return plan
