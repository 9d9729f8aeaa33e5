"""Practitioners' tools: plans they are named on, matching and searching for a person,
shortlists shared with the person, and the access log the person reads.

Every page a practitioner opens about a plan is logged (``matching.access``),
and the person can read that log. The rules live in ``matching.shortlists``,
``matching.plans`` and ``matching.access``; these views turn requests into
calls and answers into pages.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.representation import can_act_for
from accounts.roles import Role
from directory import geo
from directory.forms import DEFAULT_MILES, MILES_FIELD_CHOICES
from directory.models import Category, ListingKind, ListingPage, Outcome
from directory.search import ListingQuery, search
from directory.search_log import log_search
from kith.params import page_number as read_page_number
from matching import shortlists
from matching.access import get_plan_for, is_named_practitioner, log_practitioner_access
from matching.engine import match_goal
from matching.models import BrokerageRoute, Shortlist, ShortlistItem, SupportPlan
from matching.plans import (
    BROKERAGE_ROUTES,
    PlanError,
    answer_practitioner_invitation,
    choose_brokerage_route,
    goal_spec,
    plan_origin,
    practitioner_invitations_for,
    stage_timeline,
)
from matching.referrals import referrable_organisations

RESULTS_PER_PAGE = 20

NOT_A_PRACTITIONER = (
    "These pages are for practitioners (social workers, support planners and brokers) "
    "working with people who have named them on their support plan."
)


# --- Forms -------------------------------------------------------------------


class PractitionerSearchForm(forms.Form):
    """A directory search on the person's behalf, centred on their home postcode."""

    postcode = forms.CharField(
        label="Postcode",
        max_length=16,
        help_text="The person's postcode, or another place they want to look near.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    miles = forms.TypedChoiceField(
        label="Distance",
        coerce=int,
        initial=DEFAULT_MILES,
        choices=MILES_FIELD_CHOICES,
    )
    q = forms.CharField(label="Keywords (optional)", required=False, max_length=200)
    outcome = forms.ModelChoiceField(
        label="Outcome",
        required=False,
        queryset=Outcome.objects.all(),
        to_field_name="slug",
        empty_label="Any outcome",
    )
    category = forms.ModelChoiceField(
        label="Type of service",
        required=False,
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="Any type of service",
    )
    kind = forms.ChoiceField(
        label="Who offers it",
        required=False,
        choices=[("", "Anyone")] + list(ListingKind.choices),
    )

    def clean_postcode(self):
        try:
            self.place = geo.locate(self.cleaned_data["postcode"].strip())
        except geo.PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.place.postcode

    def query(self, page: int = 1) -> ListingQuery:
        data = self.cleaned_data
        return ListingQuery(
            text=data["q"].strip(),
            outcomes=(data["outcome"].slug,) if data["outcome"] else (),
            categories=(data["category"].slug,) if data["category"] else (),
            kinds=(data["kind"],) if data["kind"] else (),
            origin=self.place.point,
            radius_km=geo.miles_to_km(data["miles"]),
            page=page,
            page_size=RESULTS_PER_PAGE,
        )


class ShortlistAddForm(forms.Form):
    listing = forms.IntegerField(widget=forms.HiddenInput)
    goal = forms.ModelChoiceField(
        label="For which goal (optional)",
        required=False,
        queryset=None,
        empty_label="No particular goal",
    )
    note = forms.CharField(label="Note for the person (optional)", required=False, max_length=300)

    def __init__(self, *args, plan: SupportPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = plan.goals.all()

    def clean_listing(self):
        try:
            return ListingPage.objects.live().get(pk=self.cleaned_data["listing"])
        except ListingPage.DoesNotExist:
            raise forms.ValidationError("That listing is not in the directory any more.") from None


class BrokerageRouteForm(forms.Form):
    route = forms.ChoiceField(
        label="Who will help them plan and arrange their support",
        choices=BrokerageRoute.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the route the person has chosen."},
    )
    reason = forms.CharField(
        label="Why they chose it, in their words",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AcceptItemForm(forms.Form):
    goal = forms.ModelChoiceField(
        label="Which goal is this for?",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which goal this option is for."},
    )

    def __init__(self, *args, plan: SupportPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = plan.goals.all()


# --- Helpers -----------------------------------------------------------------


def _not_practitioner(request):
    return render(
        request,
        "matching/practitioner/not_allowed.html",
        {"heading": "This page is for practitioners", "reason": NOT_A_PRACTITIONER},
        status=403,
    )


def practitioner_required(view):
    """Signed-in practitioners only; anyone else is told what these pages are for."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_role(Role.PRACTITIONER):
            return _not_practitioner(request)
        return view(request, *args, **kwargs)

    return wrapped


def _named_plan(request, pk, action: str) -> SupportPlan:
    """The plan if the practitioner is named on it (logging ``action``), else 404."""
    plan = get_plan_for(request.user, pk, action)
    if not is_named_practitioner(request.user, plan):
        # A representative who also holds the practitioner role sees the plan
        # through the person's own pages, not these.
        raise Http404("No such plan.")
    return plan


def _days_at_stage(plan: SupportPlan) -> int:
    timeline = stage_timeline(plan)
    return timeline[-1]["days"] if timeline else 0


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return f"{request.path}?{params.urlencode()}"


def _referrable_ids(listing_ids) -> set[int]:
    return set(referrable_organisations().filter(pk__in=listing_ids).values_list("pk", flat=True))


def _brokerage_routes(form) -> list[dict]:
    """Each route with its pros and cons, so the choice is made with both in view."""
    chosen = form["route"].value()
    return [
        {
            "value": value,
            "label": label,
            "pros": BROKERAGE_ROUTES[value]["pros"],
            "cons": BROKERAGE_ROUTES[value]["cons"],
            "checked": chosen == value,
        }
        for value, label in BrokerageRoute.choices
    ]


def _plan_page(request, plan: SupportPlan, brokerage_form=None, status=200):
    brokerage_form = brokerage_form or BrokerageRouteForm(
        initial={"route": plan.brokerage_route, "reason": plan.brokerage_reason}
    )
    open_list = shortlists.open_shortlist(plan)
    context = {
        "plan": plan,
        "days_at_stage": _days_at_stage(plan),
        "goals": plan.goals.prefetch_related("outcomes"),
        "search_form": PractitionerSearchForm(
            initial={"postcode": plan.postcode, "miles": DEFAULT_MILES}
        ),
        "open_shortlist": open_list,
        "open_items": open_list.items.select_related("listing", "goal") if open_list else [],
        "shared_shortlists": shortlists.shared_shortlists(plan).prefetch_related("items"),
        "brokerage_form": brokerage_form,
        "brokerage_routes": _brokerage_routes(brokerage_form),
        "referrals": plan.referrals.select_related("organisation"),
        "ulo_search_url": reverse("matching:practitioner_search", args=[plan.pk])
        + "?"
        + urlencode({"postcode": plan.postcode, "miles": 25, "kind": "ulo"}),
    }
    return render(request, "matching/practitioner/plan.html", context, status=status)


# --- Pages -------------------------------------------------------------------


@require_GET
@practitioner_required
def practitioner_home(request):
    """The plans that name this practitioner. Listing them is not logged per plan:
    it shows only names and stages, and opening any plan is logged."""
    plans = (
        SupportPlan.objects.filter(practitioner=request.user)
        .select_related("person")
        .prefetch_related("stage_history")
        .order_by("person__display_name", "pk")
    )
    rows = [{"plan": plan, "days_at_stage": _days_at_stage(plan)} for plan in plans]
    invitations = practitioner_invitations_for(request.user).order_by("pk")
    return render(
        request, "matching/practitioner/home.html", {"rows": rows, "invitations": invitations}
    )


@require_POST
@practitioner_required
def practitioner_invitation(request, pk, answer):
    """Accept or decline being named as practitioner on someone's plan."""
    plan = get_object_or_404(practitioner_invitations_for(request.user), pk=pk)
    try:
        plan = answer_practitioner_invitation(plan, request.user, accept=answer == "accept")
    except PlanError as exc:
        messages.error(request, str(exc))
        return redirect("matching:practitioner_home")
    if answer == "accept":
        log_practitioner_access(plan, request.user, "accepted being named")
        messages.success(request, f"You are now the named practitioner on {plan.person}'s plan.")
    else:
        messages.info(request, f"You declined to be named on {plan.person}'s plan.")
    return redirect("matching:practitioner_home")


@require_GET
@practitioner_required
def practitioner_plan(request, pk):
    plan = _named_plan(request, pk, "viewed")
    return _plan_page(request, plan)


@require_GET
@practitioner_required
def goal_options(request, pk, goal_pk):
    """Run the matching engine for one of the person's goals."""
    plan = _named_plan(request, pk, "matched")
    goal = get_object_or_404(plan.goals, pk=goal_pk)
    result = match_goal(goal_spec(goal), origin=plan_origin(plan))
    ids = [s.listing.id for s in result.suggestions]
    return render(
        request,
        "matching/practitioner/goal_options.html",
        {
            "plan": plan,
            "goal": goal,
            "result": result,
            "referrable": _referrable_ids(ids),
            "no_postcode": plan_origin(plan) is None,
        },
    )


@require_GET
@practitioner_required
def practitioner_search(request, pk):
    """A directory search on the person's behalf; any result can go on their shortlist."""
    plan = _named_plan(request, pk, "searched the directory")
    form = PractitionerSearchForm(request.GET or None, initial={"postcode": plan.postcode})
    context = {"plan": plan, "form": form, "searched": False}
    if form.is_bound and form.is_valid():
        page_number = read_page_number(request.GET.get("page", ""))
        query = form.query(page_number)
        results = search(query)
        if page_number == 1:
            log_search(
                query,
                results,
                source="practitioner",
                origin_outward=form.place.outward,
                user=request.user,
            )
        context.update(
            searched=True,
            results=results,
            referrable=_referrable_ids([r.id for r in results.results]),
            miles=form.cleaned_data["miles"],
            previous_url=_page_url(request, results.page - 1) if results.has_previous else "",
            next_url=_page_url(request, results.page + 1) if results.has_next else "",
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "matching/practitioner/search.html", context, status=status)


@require_POST
@practitioner_required
def shortlist_add(request, pk):
    plan = get_object_or_404(SupportPlan, pk=pk)
    if not is_named_practitioner(request.user, plan):
        raise Http404("No such plan.")
    back = _safe_next(request, reverse("matching:practitioner_plan", args=[plan.pk]))
    form = ShortlistAddForm(request.POST, plan=plan)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    listing = form.cleaned_data["listing"]
    try:
        _item, created = shortlists.add_to_shortlist(
            plan,
            listing,
            request.user,
            goal=form.cleaned_data["goal"],
            note=form.cleaned_data["note"],
        )
    except shortlists.ShortlistError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if created:
        messages.success(request, f"{listing.title} is on {plan.person}'s shortlist.")
    else:
        messages.info(request, f"{listing.title} was already on the shortlist.")
    return redirect(back)


@require_POST
@practitioner_required
def shortlist_item_remove(request, pk, item_pk):
    item = get_object_or_404(
        ShortlistItem.objects.select_related("shortlist__plan", "listing"), pk=item_pk, shortlist=pk
    )
    plan = item.shortlist.plan
    if not is_named_practitioner(request.user, plan):
        raise Http404("No such shortlist.")
    try:
        shortlists.remove_from_shortlist(item, request.user)
        messages.success(request, f"{item.listing.title} is off the shortlist.")
    except shortlists.ShortlistError as exc:
        messages.error(request, str(exc))
    return redirect("matching:practitioner_plan", plan.pk)


@require_POST
@practitioner_required
def shortlist_share(request, pk):
    shortlist = get_object_or_404(Shortlist.objects.select_related("plan"), pk=pk)
    if not is_named_practitioner(request.user, shortlist.plan):
        raise Http404("No such shortlist.")
    try:
        shortlists.share_shortlist(shortlist, request.user)
        messages.success(
            request,
            f"Shared with {shortlist.plan.person}. "
            "They can add the options they want to their plan.",
        )
    except shortlists.ShortlistError as exc:
        messages.error(request, str(exc))
    return redirect("matching:practitioner_plan", shortlist.plan.pk)


@require_POST
@practitioner_required
def brokerage_route(request, pk):
    """Record the route the person chose for making and carrying out their plan."""
    plan = _named_plan(request, pk, "recorded brokerage route")
    form = BrokerageRouteForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, plan, brokerage_form=form, status=400)
    try:
        choose_brokerage_route(
            plan, form.cleaned_data["route"], form.cleaned_data["reason"], request.user
        )
    except PlanError as exc:
        form.add_error("route", str(exc))
        return _plan_page(request, plan, brokerage_form=form, status=400)
    messages.success(request, f"Recorded: {plan.get_brokerage_route_display()}.")
    return redirect("matching:practitioner_plan", plan.pk)


# --- The person's side ---------------------------------------------------------


@require_GET
@login_required
def shortlist_detail(request, pk):
    """A shortlist: the practitioner's working copy, or what the person was shown."""
    shortlist = shortlists.get_shortlist_for(request.user, pk)
    plan = shortlist.plan
    items = list(shortlist.items.select_related("listing", "goal"))
    return render(
        request,
        "matching/practitioner/shortlist.html",
        {
            "shortlist": shortlist,
            "plan": plan,
            "items": items,
            "may_accept": shortlists.may_accept_items(request.user, shortlist),
            "is_practitioner": is_named_practitioner(request.user, plan),
            "goals": list(plan.goals.all()),
            "plan_url": _plan_url(plan),
        },
    )


@require_POST
@login_required
def shortlist_item_accept(request, pk, item_pk):
    """The person adds a shortlisted option to their plan, choosing a goal if none was suggested."""
    shortlist = shortlists.get_shortlist_for(request.user, pk)
    item = get_object_or_404(shortlist.items.select_related("listing", "goal"), pk=item_pk)
    if not shortlists.may_accept_items(request.user, shortlist):
        return render(
            request,
            "matching/practitioner/not_allowed.html",
            {
                "heading": "Only the person can add options to their plan",
                "reason": f"{shortlist.plan.person} or someone acting for them decides what goes "
                "into their plan.",
            },
            status=403,
        )
    goal = None
    if request.POST.get("goal") or item.goal is None:
        form = AcceptItemForm(request.POST, plan=shortlist.plan)
        if not form.is_valid():
            return render(
                request,
                "matching/practitioner/choose_goal.html",
                {
                    "shortlist": shortlist,
                    "item": item,
                    "form": form,
                    "plan_url": _plan_url(shortlist.plan),
                },
                status=400,
            )
        goal = form.cleaned_data["goal"]
    try:
        saved = shortlists.accept_item(item, request.user, goal=goal)
    except shortlists.ShortlistError as exc:
        messages.error(request, str(exc))
        return redirect("matching:shortlist_detail", shortlist.pk)
    messages.success(request, f"{item.listing.title} is saved to your goal ‘{saved.goal}’.")
    return redirect("matching:shortlist_detail", shortlist.pk)


@require_GET
@login_required
def access_log(request, plan_pk):
    """Who has looked at or changed the person's plan, for the person and their representatives."""
    plan = get_object_or_404(SupportPlan.objects.select_related("person"), pk=plan_pk)
    if not can_act_for(request.user, plan.person):
        if is_named_practitioner(request.user, plan):
            return render(
                request,
                "matching/practitioner/not_allowed.html",
                {
                    "heading": "The access log is for the person",
                    "reason": f"This log of who looked at {plan.person}'s plan is for them "
                    "and the people acting for them.",
                },
                status=403,
            )
        raise Http404("No such plan.")
    rows = plan.access_log.select_related("viewer")
    return render(
        request,
        "matching/practitioner/access_log.html",
        {
            "plan": plan,
            "rows": rows,
            "shared_shortlists": shortlists.shared_shortlists(plan),
            "plan_url": _plan_url(plan),
        },
    )


def _plan_url(plan: SupportPlan) -> str:
    """The person's own plan page, which the "My plan" views serve."""
    return reverse("matching:plan_detail", args=[plan.pk])
