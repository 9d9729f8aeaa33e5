"""The budget holder's "My plan" pages: a plan, its stages, brokerage route, goals, suggestions.

Every page that shows a plan gets it through ``matching.access.get_plan_for``,
which answers 404 to anyone who may not see it and logs each look by the
named practitioner where the person can read it. The rules for changing a
plan live in ``matching.plans``; these views only read forms and call them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.representation import can_act_for, represented_people
from accounts.roles import Role
from directory import geo
from directory.models import Category, ListingPage, Outcome
from kith.params import object_id, whole_number
from matching import plans
from matching.access import get_plan_for, is_named_practitioner, plans_visible_to
from matching.engine import MAX_SUGGESTIONS, infer, match_goal
from matching.forms import (
    BrokerageForm,
    GoalForm,
    PlanDetailsForm,
    RadiusForm,
    StageForm,
    StartPlanForm,
)
from matching.models import STAGE_ORDER, Goal, PlanFunding, Stage, SupportPlan


def _plan_context(request, plan: SupportPlan) -> dict:
    """What every plan page needs to say whose plan it is."""
    own = plan.person_id == request.user.pk
    return {
        "plan": plan,
        "own_plan": own,
        "whose": "Your" if own else f"{plan.person}’s",
        "whose_in_sentence": "your" if own else f"{plan.person}’s",
        "as_practitioner": is_named_practitioner(request.user, plan)
        and not can_act_for(request.user, plan.person),
    }


def _goal_for(plan: SupportPlan, goal_pk) -> Goal:
    """A goal of this plan; a goal of any other plan is a 404, like a plan one may not see."""
    return get_object_or_404(Goal, pk=goal_pk, plan=plan)


# --- My plan: the list of plans, and starting one ------------------------------


def _my_plan_context(request, start_form=None) -> dict:
    user = request.user
    visible = list(
        plans_visible_to(user)
        .select_related("person", "practitioner")
        .order_by("person__display_name", "pk")
    )
    acting_for = {person.pk for person in represented_people(user)}
    start_form = start_form or StartPlanForm(user, initial=_start_initial(request))
    return {
        "own_plans": [plan for plan in visible if plan.person_id == user.pk],
        "acting_for_plans": [plan for plan in visible if plan.person_id in acting_for],
        "practitioner_plans": [
            plan
            for plan in visible
            if plan.person_id != user.pk and plan.person_id not in acting_for
        ],
        "start_form": start_form if start_form.people else None,
        "is_budget_holder": user.has_role(Role.BUDGET_HOLDER),
        "is_representative": user.has_role(Role.REPRESENTATIVE) or bool(acting_for),
        "is_practitioner": user.has_role(Role.PRACTITIONER),
    }


def _start_initial(request) -> dict:
    """``?for=<person>`` (from the "people you act for" page) picks that person in the form."""
    person = object_id(request.GET.get("for", ""))
    return {"person": person} if person else {}


@login_required
def my_plan(request):
    """The plans this user may open, grouped, and a way to start one where they may."""
    person = object_id(request.GET.get("for", ""))
    if person:
        existing = plans_visible_to(request.user).filter(person_id=person).first()
        if existing is not None:
            return redirect("matching:plan_detail", pk=existing.pk)
    return render(request, "matching/my_plan.html", _my_plan_context(request))


@login_required
@require_POST
def start_plan(request):
    form = StartPlanForm(request.user, request.POST)
    if not form.is_valid():
        return render(request, "matching/my_plan.html", _my_plan_context(request, form), status=400)
    person = form.cleaned_data["person"]
    plan = plans.create_plan(
        person, created_by=request.user, postcode=form.cleaned_data["postcode"]
    )
    if person.pk == request.user.pk:
        messages.success(
            request, "Your plan has been started. Add your first goal when you are ready."
        )
    else:
        messages.success(request, f"A plan has been started for {person}.")
    return redirect("matching:plan_detail", pk=plan.pk)


# --- The plan overview and its stage --------------------------------------------


def stage_tracker(plan: SupportPlan, timeline: list[dict]) -> list[dict]:
    """All eight stages in order, each done, current or to come, with when it was last entered.

    A plan can move back (say, from sign-off to planning when a panel asks
    for changes); the latest entry of each stage is the one shown.
    """
    latest = {row["stage"]: row for row in timeline}
    current_index = STAGE_ORDER.index(plan.stage)
    rows = []
    for index, (value, label) in enumerate(Stage.choices):
        if index < current_index:
            status = "done"
        elif index == current_index:
            status = "current"
        else:
            status = "to_come"
        rows.append({"stage": value, "label": label, "status": status, "entry": latest.get(value)})
    return rows


def _goal_rows(plan: SupportPlan) -> list[dict]:
    goals = plan.goals.prefetch_related("outcomes", "languages", "saved__listing")
    outcome_names = dict(Outcome.objects.values_list("slug", "name"))
    rows = []
    for goal in goals:
        outcomes = [outcome.name for outcome in goal.outcomes.all()]
        inferred = goal.outcomes_from_words or not outcomes
        if inferred:
            outcomes = [outcome_names.get(slug, slug) for slug in infer(goal.text).outcomes]
        rows.append(
            {
                "goal": goal,
                "outcomes": outcomes,
                "inferred": inferred,
                "saved": list(goal.saved.all()),
            }
        )
    return rows


@login_required
def plan_detail(request, pk):
    plan = get_plan_for(request.user, pk, action="viewed plan")
    timeline = plans.stage_timeline(plan)
    context = _plan_context(request, plan)
    context.update(
        {
            "tracker": stage_tracker(plan, timeline),
            "history": plan.stage_history.select_related("entered_by"),
            "route_pros_cons": plans.BROKERAGE_ROUTES.get(plan.brokerage_route),
            "funding": plan.funding.all(),
            "goal_rows": _goal_rows(plan),
            "stage_form": StageForm(initial={"stage": plan.stage}),
        }
    )
    if not context["as_practitioner"]:
        # The person sees every time their practitioner opened or changed the plan.
        context["access_log"] = plan.access_log.select_related("viewer")[:20]
    return render(request, "matching/plan_detail.html", context)


@login_required
@require_POST
def plan_stage(request, pk):
    plan = get_plan_for(request.user, pk, action="changed stage")
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a stage from the list.")
        return redirect("matching:plan_detail", pk=plan.pk)
    plan = plans.move_to_stage(plan, form.cleaned_data["stage"], request.user)
    messages.success(request, f"The plan is now at: {plan.get_stage_display()}.")
    return redirect(reverse("matching:plan_detail", args=[plan.pk]) + "#stages")


# --- Brokerage route --------------------------------------------------------------


@login_required
def plan_brokerage(request, pk):
    """Every route with its pros and cons first; the choice and its reason after."""
    action = "chose brokerage route" if request.method == "POST" else "viewed brokerage routes"
    plan = get_plan_for(request.user, pk, action=action)
    if request.method == "POST":
        form = BrokerageForm(request.POST)
        if form.is_valid():
            plans.choose_brokerage_route(
                plan, form.cleaned_data["route"], form.cleaned_data["reason"], request.user
            )
            messages.success(request, f"Saved: {plan.get_brokerage_route_display()}.")
            return redirect("matching:plan_detail", pk=plan.pk)
    else:
        initial = {"route": plan.brokerage_route, "reason": plan.brokerage_reason}
        form = BrokerageForm(initial=initial if plan.brokerage_route else None)
    routes = [
        {
            "value": value,
            "label": label,
            "pros": plans.BROKERAGE_ROUTES[value]["pros"],
            "cons": plans.BROKERAGE_ROUTES[value]["cons"],
            "checked": str(form["route"].value() or "") == value,
        }
        for value, label in form.fields["route"].choices
    ]
    context = _plan_context(request, plan)
    context.update({"form": form, "routes": routes})
    return render(
        request, "matching/plan_brokerage.html", context, status=400 if form.errors else 200
    )


# --- Details: postcode, budget, review date, payment routes, practitioner ----------


@login_required
def plan_details(request, pk):
    action = "changed plan details" if request.method == "POST" else "viewed plan details"
    plan = get_plan_for(request.user, pk, action=action)
    # The practitioner may help with the details but not choose who sees the plan.
    may_name = can_act_for(request.user, plan.person)
    form = PlanDetailsForm(request.POST or None, plan=plan, may_name_practitioner=may_name)
    if request.method == "POST" and form.is_valid():
        before = (plan.practitioner, plan.practitioner_invited_email)
        _save_details(plan, form)
        messages.success(request, "Your plan details have been saved.")
        invited = plan.practitioner_invited_email
        if form.may_name_practitioner and invited and before != (None, invited):
            messages.info(request, plans.practitioner_invitation_message(invited))
        return redirect("matching:plan_detail", pk=plan.pk)
    context = _plan_context(request, plan)
    context.update({"form": form, "may_name_practitioner": may_name})
    return render(
        request, "matching/plan_details.html", context, status=400 if form.errors else 200
    )


@transaction.atomic
def _save_details(plan: SupportPlan, form: PlanDetailsForm) -> None:
    data = form.cleaned_data
    plan.postcode = data["postcode"]
    plan.indicative_budget = data["indicative_budget"]
    plan.agreed_budget = data["agreed_budget"]
    plan.review_date = data["review_date"]
    fields = ["postcode", "indicative_budget", "agreed_budget", "review_date", "updated_at"]
    plan.save(update_fields=fields)
    if form.may_name_practitioner:
        plans.name_practitioner(plan, data["practitioner_email"])
    # The rows are few and have no history of their own, so the form's rows replace them.
    plan.funding.all().delete()
    PlanFunding.objects.bulk_create(
        PlanFunding(plan=plan, route=route, amount=amount) for route, amount in form.funding()
    )


# --- Goals -------------------------------------------------------------------------


@login_required
def goal_new(request, pk):
    action = "added goal" if request.method == "POST" else "viewed new goal form"
    plan = get_plan_for(request.user, pk, action=action)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.plan = plan
        goal, worked_out = plans.save_goal(form)
        messages.success(request, "Your goal has been added. See suggestions for it below.")
        _say_worked_out(request, worked_out)
        return redirect(reverse("matching:plan_detail", args=[plan.pk]) + f"#goal-{goal.pk}")
    context = _plan_context(request, plan)
    context.update({"form": form, "goal": None})
    return render(request, "matching/goal_form.html", context, status=400 if form.errors else 200)


def _say_worked_out(request, outcome_names: list[str]) -> None:
    if outcome_names:
        messages.info(
            request,
            "From your words we ticked what this goal will help with: "
            + ", ".join(name.lower() for name in outcome_names)
            + ". You can untick any of them by changing the goal.",
        )


@login_required
def goal_edit(request, pk, goal_pk):
    action = "changed goal" if request.method == "POST" else "viewed goal form"
    plan = get_plan_for(request.user, pk, action=action)
    goal = _goal_for(plan, goal_pk)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        _goal, worked_out = plans.save_goal(form)
        messages.success(request, "Your goal has been saved.")
        _say_worked_out(request, worked_out)
        return redirect(reverse("matching:plan_detail", args=[plan.pk]) + f"#goal-{goal.pk}")
    context = _plan_context(request, plan)
    context.update({"form": form, "goal": goal})
    return render(request, "matching/goal_form.html", context, status=400 if form.errors else 200)


@login_required
def goal_delete(request, pk, goal_pk):
    """Ask first (GET), then delete (POST): a goal takes its saved suggestions with it."""
    action = "deleted goal" if request.method == "POST" else "viewed goal to delete"
    plan = get_plan_for(request.user, pk, action=action)
    goal = _goal_for(plan, goal_pk)
    if request.method == "POST":
        try:
            plans.delete_goal(goal)
        except plans.PlanError as exc:
            context = _plan_context(request, plan)
            context.update({"goal": goal, "saved_count": goal.saved.count(), "error": str(exc)})
            return render(request, "matching/goal_delete.html", context, status=409)
        messages.success(request, "The goal has been deleted.")
        return redirect("matching:plan_detail", pk=plan.pk)
    context = _plan_context(request, plan)
    context.update({"goal": goal, "saved_count": goal.saved.count()})
    return render(request, "matching/goal_delete.html", context)


# --- Suggestions for a goal ---------------------------------------------------------


def _term_names(slugs, model) -> list[str]:
    names = dict(model.objects.filter(slug__in=slugs).values_list("slug", "name"))
    return [names[slug] for slug in slugs if slug in names]


# Three pages of ten: past thirty, a different goal or distance helps more than paging.
MAX_SUGGESTION_PAGES = 3


def suggestion_page(value: str) -> int:
    """The page of suggestions asked for, 1 to MAX_SUGGESTION_PAGES; anything else is 1."""
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_SUGGESTION_PAGES else 1


@login_required
def goal_suggestions(request, pk, goal_pk):
    """Ranked, explained suggestions for one goal; nothing is chosen for anyone."""
    plan = get_plan_for(request.user, pk, action="viewed suggestions")
    goal = _goal_for(plan, goal_pk)
    radius_form = RadiusForm(request.GET or None)
    miles = radius_form.chosen_miles()
    origin = plans.plan_origin(plan)
    page = suggestion_page(request.GET.get("page", ""))
    # One more than the page holds tells whether there is a next page.
    result = match_goal(
        plans.goal_spec(goal), origin, geo.miles_to_km(miles), limit=page * MAX_SUGGESTIONS + 1
    )
    shown = result.suggestions[(page - 1) * MAX_SUGGESTIONS : page * MAX_SUGGESTIONS]
    context = _plan_context(request, plan)
    context.update(
        {
            "goal": goal,
            "radius_form": radius_form,
            "miles": miles,
            "has_origin": origin is not None,
            "result": result,
            "shown": shown,
            "first_over_budget": next((s for s in shown if s.over_budget), None),
            "page": page,
            "first_number": (page - 1) * MAX_SUGGESTIONS + 1,
            "last_number": (page - 1) * MAX_SUGGESTIONS + len(shown),
            "has_more": len(result.suggestions) > page * MAX_SUGGESTIONS
            and page < MAX_SUGGESTION_PAGES,
            "looked_for": _term_names(result.outcomes, Outcome)
            + _term_names(result.categories, Category),
            "saved_ids": set(goal.saved.values_list("listing_id", flat=True)),
        }
    )
    return render(request, "matching/goal_suggestions.html", context)


@login_required
@require_POST
def save_suggestion(request, pk, goal_pk):
    plan = get_plan_for(request.user, pk, action="saved suggestion")
    goal = _goal_for(plan, goal_pk)
    listing_id = object_id(request.POST.get("listing", ""))
    if listing_id is None:
        raise Http404("No such listing.")
    listing = get_object_or_404(ListingPage.objects.live(), pk=listing_id)
    plans.save_suggestion(goal, listing, request.user)
    messages.success(request, f"{listing.title} is saved to your plan.")
    url = reverse("matching:goal_suggestions", args=[plan.pk, goal.pk])
    miles = whole_number(request.POST.get("miles", ""), maximum=1000)
    if miles is not None:
        url += f"?miles={miles}"
    return redirect(url)
