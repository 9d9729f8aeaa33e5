"""Shortlists: a practitioner gathers options for a person, shares them, and the person chooses.

The named practitioner builds the plan's open shortlist from matches and
directory searches. Sharing it fixes what the person sees: later additions go
to a new open shortlist, so nothing appears on a shared list the person has
already read. The person (or a representative) then adds the items they
want to their plan, which saves them against a goal like any other saved
suggestion. Unshared shortlists are the practitioner's working notes and stay
hidden from the person.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import Event, notify_person
from accounts.representation import can_act_for
from directory.models import ListingPage
from matching.access import is_named_practitioner, log_practitioner_access
from matching.models import Goal, SavedSuggestion, Shortlist, ShortlistItem, SupportPlan
from matching.plans import save_suggestion


class ShortlistError(ValueError):
    """A shortlist change that is not allowed; the message says why."""


def _require_named_practitioner(plan: SupportPlan, user) -> None:
    if not is_named_practitioner(user, plan):
        raise ShortlistError("Only the practitioner named on this plan can change its shortlist.")


def _check_goal(plan: SupportPlan, goal: Goal | None) -> None:
    if goal is not None and goal.plan_id != plan.pk:
        raise ShortlistError("That goal is not part of this plan.")


def open_shortlist(plan: SupportPlan) -> Shortlist | None:
    """The shortlist still being put together (not yet shared), if there is one."""
    return plan.shortlists.filter(shared_at__isnull=True).order_by("-created_at", "-pk").first()


def shared_shortlists(plan: SupportPlan):
    return plan.shortlists.filter(shared_at__isnull=False).order_by("-shared_at")


@transaction.atomic
def add_to_shortlist(
    plan: SupportPlan, listing: ListingPage, by_user, *, goal: Goal | None = None, note: str = ""
) -> tuple[ShortlistItem, bool]:
    """Add ``listing`` to the plan's open shortlist, starting one if there is none.

    Adding a listing that is on the open shortlist already changes nothing and
    answers ``created=False``, so a double click does not make two items.
    """
    _require_named_practitioner(plan, by_user)
    _check_goal(plan, goal)
    if not listing.live:
        raise ShortlistError("That listing is not in the directory at the moment.")
    # Lock the plan so two tabs adding at once do not start two open shortlists.
    SupportPlan.objects.select_for_update().filter(pk=plan.pk).first()
    shortlist = open_shortlist(plan) or Shortlist.objects.create(plan=plan, created_by=by_user)
    existing = shortlist.items.filter(listing=listing).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            item = ShortlistItem.objects.create(
                shortlist=shortlist, listing=listing, goal=goal, note=note.strip()[:300]
            )
    except IntegrityError:
        return shortlist.items.get(listing=listing), False
    log_practitioner_access(plan, by_user, "added to shortlist")
    return item, True


def remove_from_shortlist(item: ShortlistItem, by_user) -> None:
    """Take an item off a shortlist the person has not been shown yet."""
    plan = item.shortlist.plan
    _require_named_practitioner(plan, by_user)
    if item.shortlist.shared_at:
        raise ShortlistError("This shortlist has been shared, so its items stay as they are.")
    item.delete()
    log_practitioner_access(plan, by_user, "removed from shortlist")


@transaction.atomic
def share_shortlist(shortlist: Shortlist, by_user) -> Shortlist:
    """Show the shortlist to the person; sharing it again changes nothing."""
    shortlist = Shortlist.objects.select_for_update().select_related("plan").get(pk=shortlist.pk)
    _require_named_practitioner(shortlist.plan, by_user)
    if shortlist.shared_at:
        return shortlist
    if not shortlist.items.exists():
        raise ShortlistError("Add at least one option before sharing the shortlist.")
    shortlist.shared_at = timezone.now()
    shortlist.save(update_fields=["shared_at"])
    log_practitioner_access(shortlist.plan, by_user, "shared a shortlist")
    count = shortlist.items.count()
    notify_person(
        shortlist.plan.person,
        Event.SHORTLIST_SHARED,
        subject=f"{by_user} has shared a shortlist with you",
        body=f"{by_user} found {count} option{'s' if count != 1 else ''} for "
        f"{shortlist.plan.person}'s plan. Add the ones you want to the plan; "
        "you do not have to choose any.",
        url=reverse("matching:shortlist_detail", args=[shortlist.pk]),
        context={"shortlist": shortlist.pk, "plan": shortlist.plan_id},
    )
    return shortlist


def can_view_shortlist(user, shortlist: Shortlist) -> bool:
    """The named practitioner always; the person and representatives once it is shared."""
    if not user.is_authenticated:
        return False
    plan = shortlist.plan
    if is_named_practitioner(user, plan):
        return True
    return shortlist.shared_at is not None and can_act_for(user, plan.person)


def may_accept_items(user, shortlist: Shortlist) -> bool:
    """Only the person, or someone acting for them, decides what goes into their plan."""
    return (
        user.is_authenticated
        and shortlist.shared_at is not None
        and can_act_for(user, shortlist.plan.person)
    )


def get_shortlist_for(user, pk) -> Shortlist:
    """The shortlist if ``user`` may see it (logging anyone's view but the person's), else 404.

    A 404 rather than a 403 for everyone else, so an unshared shortlist (or a
    plan) is not revealed by its number.
    """
    try:
        shortlist = Shortlist.objects.select_related("plan__person", "plan__practitioner").get(
            pk=pk
        )
    except Shortlist.DoesNotExist:
        raise Http404("No such shortlist.") from None
    if not can_view_shortlist(user, shortlist):
        raise Http404("No such shortlist.")
    log_practitioner_access(shortlist.plan, user, "viewed a shortlist")
    return shortlist


@transaction.atomic
def accept_item(item: ShortlistItem, by_user, goal: Goal | None = None) -> SavedSuggestion:
    """The person adds a shortlisted option to their plan, under a goal.

    The goal the practitioner suggested is used unless the person picks
    another; with neither, they are asked which goal it is for. Accepting
    again saves nothing twice.
    """
    item = (
        ShortlistItem.objects.select_for_update(of=("self",))
        .select_related("shortlist__plan__person", "goal", "listing")
        .get(pk=item.pk)
    )
    shortlist = item.shortlist
    plan = shortlist.plan
    if not may_accept_items(by_user, shortlist):
        raise ShortlistError(
            f"Only {plan.person} or someone acting for them can add this to their plan."
        )
    goal = goal or item.goal
    if goal is None:
        raise ShortlistError("Choose which goal this option is for.")
    _check_goal(plan, goal)
    changed = []
    if item.accepted_at is None:
        item.accepted_at = timezone.now()
        changed.append("accepted_at")
    if item.goal_id is None:
        item.goal = goal
        changed.append("goal")
    if changed:
        item.save(update_fields=changed)
    return save_suggestion(goal, item.listing, by_user, note=item.note)
