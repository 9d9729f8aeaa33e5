"""Pages for pools: pools near me, a pool's page, joining and leaving, my pools, and the
organiser's actions. The rules live in ``marketplace.pools``.

Who sees what: anyone may read an open (or settled) pool with its counts;
only the organiser and the provider see members' names. A draft is seen only
by them. Joining needs a budget holder, or a representative acting for one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.models import ListingPage
from directory.ownership import manages
from marketplace.enquiries.services import budget_holders_for
from marketplace.enquiries.views import not_allowed
from marketplace.forms import default_payment_route, funding_routes
from marketplace.models import Pledge, Pool
from marketplace.payments import cards as payments
from marketplace.payments import connect
from marketplace.payments.ledger import overspend_warning
from marketplace.pools import services as pools
from marketplace.pools.forms import JoinForm, PoolForm, PoolSearchForm
from marketplace.pools.services import PoolError

NO_GOAL = (
    "To join, your share must count against a goal in your support plan that this pool "
    "helps with ({outcomes}). Add that to a goal in your plan first, or ask whoever helps "
    "with your plan."
)


def _visible_pool(request, pk) -> Pool:
    pool = get_object_or_404(Pool.objects.select_related("listing", "organiser"), pk=pk)
    if pool.status == Pool.Status.DRAFT and not pools.can_manage(request.user, pool):
        raise Http404
    return pool


@require_GET
def pool_list(request):
    """Pools near me: open pools by what they help with and how far away."""
    form = PoolSearchForm(request.GET or None)
    origin, radius, outcome = None, form.fields["radius"].initial, None
    if form.is_bound and form.is_valid():
        if form.cleaned_data["place"] is not None:
            origin = form.cleaned_data["place"].point
            radius = form.cleaned_data["radius"]
        outcome = form.cleaned_data["outcome"]
    rows = [] if form.errors else pools.open_pools_near(origin, radius, outcome)
    context = {
        "form": form if form.is_bound else PoolSearchForm(),
        "rows": rows,
        "origin": origin,
        "radius": radius,
    }
    return render(
        request, "marketplace/pools/list.html", context, status=400 if form.errors else 200
    )


@require_GET
def pool_detail(request, pk):
    pool = _visible_pool(request, pk)
    manager = pools.can_manage(request.user, pool)
    people = budget_holders_for(request.user)
    mine = Pledge.objects.filter(pool=pool, member__in=people).select_related("member", "goal")
    filled = pools.places_filled(pool)
    context = {
        "pool": pool,
        "manager": manager,
        "members": (
            pool.pledges.filter(status__in=pools.FILLING).select_related("member")
            if manager
            else None
        ),
        "filled": filled,
        "left": max(0, pool.places - filled),
        "still_needed": max(0, pool.minimum_members - filled),
        "days_left": pools.days_left(pool),
        "my_pledges": mine,
        "can_join": pool.status == Pool.Status.OPEN and bool(people) and filled < pool.places,
        "events": pool.events.all() if manager else None,
    }
    return render(request, "marketplace/pools/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pool_join(request, pk):
    pool = _visible_pool(request, pk)
    people = budget_holders_for(request.user)
    if not people:
        return not_allowed(
            request,
            "Only budget holders can join a pool",
            "Pools are for people with a personal budget, or someone who acts for them.",
        )
    goals = [goal for person in people for goal in pools.matching_goals(pool, person)]
    outcomes = ", ".join(o.name.lower() for o in pool.outcomes.all())
    if not goals:
        return not_allowed(
            request, "Add a goal to your plan first", NO_GOAL.format(outcomes=outcomes)
        )
    # Said before anything is filled in: which lines this share would take over budget.
    share_taken_on = timezone.localdate(pool.deadline)
    budget_warnings = [
        warning
        for goal in goals
        if (warning := overspend_warning(goal, pool.price_per_place, share_taken_on, "your share"))
    ]
    card_refusal = connect.card_refusal(pool.listing)
    card_enabled = not card_refusal
    route = default_payment_route(funding_routes(people), card_enabled)
    form = JoinForm(
        request.POST or None,
        goals=goals,
        several_people=len(people) > 1,
        card_enabled=card_enabled,
        user=request.user,
        people=people,
        initial={"method": "card" if route == "card" else "invoice" if route else None},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            goal = form.chosen_goal()
            try:
                pools.pledge(
                    pool,
                    goal.plan.person,
                    by=request.user,
                    goal=goal,
                    method=form.cleaned_data["method"],
                    payment_method=form.chosen_payment_method(),
                    payer_name=form.cleaned_data["payer_name"],
                    payer_email=form.cleaned_data["payer_email"],
                )
            except PermissionDenied as error:
                return not_allowed(request, "You cannot join for this person", str(error))
            except (PoolError, payments.PaymentError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"You have joined '{pool.title}'. Nothing is taken unless it goes ahead.",
                )
                return redirect("marketplace:pool_detail", pk=pool.pk)
        status = 400
    context = {
        "pool": pool,
        "form": form,
        "card_enabled": card_enabled,
        "card_unavailable": card_refusal,
        "card_hold": pools.card_method_for(pool) == Pledge.Method.CARD_HOLD,
        "budget_warnings": budget_warnings,
    }
    return render(request, "marketplace/pools/join.html", context, status=status)


@login_required
@require_POST
def pool_leave(request, pk, pledge_id):
    pledge = get_object_or_404(Pledge, pk=pledge_id, pool_id=pk)
    try:
        pools.leave(pledge, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except (PoolError, payments.PaymentError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "You have left the pool. Nothing has been taken and any hold on your card has "
            "been released. You can make your own arrangements instead.",
        )
    return redirect("marketplace:pool_detail", pk=pk)


@login_required
@require_GET
def my_pools(request):
    people = budget_holders_for(request.user)
    rows = []
    for pool in pools.pools_for(request.user).order_by("deadline"):
        rows.append(
            {
                "pool": pool,
                "filled": pools.places_filled(pool),
                "manager": pools.can_manage(request.user, pool),
                "pledges": pool.pledges.filter(member__in=people).select_related("member"),
            }
        )
    return render(request, "marketplace/pools/mine.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def pool_new(request, listing_id):
    """A provider opens a pool on their listing; a budget holder proposes one."""
    listing = get_object_or_404(ListingPage.objects.live(), pk=listing_id)
    provider = manages(request.user, listing)
    form = PoolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            action = pools.open_pool if provider else pools.propose_pool
            try:
                pool = action(listing, by=request.user, **form.pool_details())
            except PermissionDenied as error:
                return not_allowed(request, "You cannot start a pool here", str(error))
            except (PoolError, payments.PaymentError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "Your pool is open for pledges."
                    if provider
                    else "Your proposal is saved. The provider opens it once they agree.",
                )
                return redirect("marketplace:pool_detail", pk=pool.pk)
        status = 400
    return render(
        request,
        "marketplace/pools/new.html",
        {"form": form, "listing": listing, "provider": provider},
        status=status,
    )


def _manager_action(request, pk, action, done: str):
    pool = _visible_pool(request, pk)
    try:
        action(pool, by=request.user)
    except PermissionDenied as error:
        return not_allowed(request, "Only the organiser can do that", str(error))
    except (PoolError, payments.PaymentError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("marketplace:pool_detail", pk=pk)


@login_required
@require_POST
def pool_publish(request, pk):
    return _manager_action(request, pk, pools.publish, "The pool is open for pledges.")


@login_required
@require_POST
def pool_cancel(request, pk):
    return _manager_action(
        request, pk, pools.cancel, "The pool is cancelled. Every member's money is released."
    )


@login_required
@require_POST
def pool_deliver(request, pk):
    return _manager_action(request, pk, pools.deliver, "The pool is marked as delivered.")
