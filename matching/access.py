"""Who may see and change a support plan.

Support plans are health and care data. The person, the representatives they
named, and the one practitioner named on the plan may see and edit it;
nobody else may, not even another practitioner or a moderator. Views answer
404 to everyone else, so a plan's existence is not revealed.
"""

from django.http import Http404
from django.utils import timezone

from accounts.representation import can_act_for
from accounts.roles import Role
from matching.models import PlanAccess, SupportPlan


def can_view_plan(user, plan: SupportPlan) -> bool:
    if not user.is_authenticated:
        return False
    if can_act_for(user, plan.person):
        return True
    return plan.practitioner_id == user.pk and user.has_role(Role.PRACTITIONER)


can_edit_plan = can_view_plan


def is_named_practitioner(user, plan: SupportPlan) -> bool:
    return (
        user.is_authenticated
        and plan.practitioner_id == user.pk
        and user.has_role(Role.PRACTITIONER)
    )


def plans_visible_to(user):
    """Every plan the user may open: their own, those of people they act for, and as named
    practitioner."""
    from django.db.models import Q

    if not user.is_authenticated:
        return SupportPlan.objects.none()
    acting_for = Q(
        person__representations_given__representative=user,
        person__representations_given__status="accepted",
    )
    q = Q(person=user) | acting_for
    if user.has_role(Role.PRACTITIONER):
        q |= Q(practitioner=user)
    return SupportPlan.objects.filter(q).distinct()


def get_plan_for(user, pk, action: str = "viewed") -> SupportPlan:
    """The plan if ``user`` may see it, else 404.

    Every look by someone other than the person (their named practitioner or a
    representative) goes in the plan's access log, which the person can read.
    """
    try:
        plan = SupportPlan.objects.select_related("person", "practitioner").get(pk=pk)
    except SupportPlan.DoesNotExist:
        raise Http404("No such plan.") from None
    if not can_view_plan(user, plan):
        raise Http404("No such plan.")
    log_access(plan, user, action)
    return plan


def log_access(
    plan: SupportPlan, user, action: str, *, once_a_day: bool = False
) -> PlanAccess | None:
    """Record that ``user`` looked at or changed ``plan``; the person's own visits are not
    logged.

    ``once_a_day`` is for lists seen many times a day (a ULO's referral inbox):
    one line per viewer, plan and action each day is enough to tell the person.
    """
    return _log(plan.person_id, plan, user, action, once_a_day=once_a_day)


def log_person_access(person_id: int, user, action: str) -> PlanAccess | None:
    """Record that ``user`` looked at something of the person's that belongs to no plan
    (their messages, when they have no plan yet); shown to them on "Your data"."""
    return _log(person_id, None, user, action)


def _log(person_id, plan, user, action: str, *, once_a_day: bool = False):
    if user.pk == person_id:
        return None
    action = action[:40]
    if once_a_day:
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        existing = PlanAccess.objects.filter(
            person_id=person_id, plan=plan, viewer=user, action=action, at__gte=today
        ).first()
        if existing is not None:
            return existing
    return PlanAccess.objects.create(person_id=person_id, plan=plan, viewer=user, action=action)


# The name callers used when only practitioners' looks were logged.
log_practitioner_access = log_access
