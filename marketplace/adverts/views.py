"""Pages for PA job adverts: posting, browsing, applying and answering applications.

The rules live in ``marketplace.adverts``. An advert is seen by the people
who manage it and by PAs (while it is open, or afterwards if they applied);
an application by its PA and the advert's managers. Anyone else gets a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.adverts import services as adverts
from marketplace.adverts.forms import (
    AdvertForm,
    AdvertSearchForm,
    ApplicationForm,
    ApplicationReplyForm,
)
from marketplace.enquiries.services import budget_holders_for
from marketplace.enquiries.views import not_allowed

ONLY_PAS = (
    "PA job adverts are for personal assistants looking for work. If you want to recruit "
    "a PA, you can post an advert of your own."
)


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_required
@require_GET
def advert_list(request):
    """Open adverts near a postcode, nearest first, and the PA's own applications."""
    if not adverts.is_pa(request.user):
        return not_allowed(request, "Only PAs can browse PA jobs", ONLY_PAS)
    form = AdvertSearchForm(request.GET or None)
    origin, radius = None, adverts.DEFAULT_RADIUS_MILES
    searched = form.is_bound and form.is_valid()
    if searched and form.cleaned_data["place"] is not None:
        origin = form.cleaned_data["place"].point
        radius = form.cleaned_data["radius"] or adverts.DEFAULT_RADIUS_MILES
    rows = adverts.open_adverts_near(origin, radius) if not form.errors else []
    applied = set(adverts.applications_by(request.user).values_list("advert_id", flat=True))
    context = {
        "form": form if form.is_bound else AdvertSearchForm(),
        "rows": rows,
        "origin": origin,
        "radius": radius,
        "applied": applied,
        "applications": adverts.applications_by(request.user),
    }
    return render(
        request, "marketplace/adverts/list.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def advert_new(request):
    people = budget_holders_for(request.user)
    if not people:
        return not_allowed(
            request,
            "You cannot post a PA job",
            "PA jobs are posted by people with a personal budget and the representatives "
            "they have named.",
        )
    form = AdvertForm(
        request.POST if request.method == "POST" else None, user=request.user, people=people
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            advert = adverts.post_advert(
                form.chosen_person(),
                request.user,
                title=data["title"],
                hours_per_week=data["hours_per_week"],
                postcode=data["postcode"],
                hourly_rate=data["hourly_rate"],
                what_matters=data["what_matters"],
            )
        except adverts.AdvertError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your advert is posted. PAs near you can now apply.")
            return redirect("marketplace:advert_detail", advert.pk)
    status = 400 if form.errors else 200
    return render(request, "marketplace/adverts/new.html", {"form": form}, status=status)


@login_required
@require_GET
def my_adverts(request):
    context = {
        "adverts": adverts.adverts_managed_by(request.user).prefetch_related("applications"),
        "can_post": bool(budget_holders_for(request.user)),
    }
    return render(request, "marketplace/adverts/mine.html", context)


@login_required
@require_GET
def advert_detail(request, pk):
    advert = adverts.get_advert_for(request.user, pk)
    manager = adverts.can_manage(request.user, advert)
    context = {"advert": advert, "manager": manager}
    if manager:
        context["applications"] = advert.applications.select_related("applicant")
        context["suggestions"] = adverts.suggested_pas(advert)
    else:
        context["my_application"] = advert.applications.filter(applicant=request.user).first()
        context["why_not_apply"] = adverts.why_cannot_apply(request.user, advert)
        context["form"] = ApplicationForm()
    return render(request, "marketplace/adverts/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def advert_apply(request, pk):
    advert = adverts.get_advert_for(request.user, pk)
    problem = adverts.why_cannot_apply(request.user, advert)
    if problem:
        return not_allowed(request, f"You cannot apply for {advert.title}", problem)
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            application = adverts.apply(
                advert, request.user, form.cleaned_data["message"], base_url=_base_url(request)
            )
        except adverts.AdvertError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your application has been sent.")
            return redirect("marketplace:application_detail", application.pk)
    status = 400 if form.errors else 200
    return render(
        request, "marketplace/adverts/apply.html", {"advert": advert, "form": form}, status=status
    )


@login_required
@require_POST
def advert_close(request, pk):
    advert = adverts.get_advert_for(request.user, pk)
    try:
        adverts.close_advert(advert, request.user)
    except adverts.AdvertError as exc:
        return not_allowed(request, "You cannot close this advert", str(exc))
    messages.success(request, "The advert is closed. PAs can no longer apply.")
    return redirect("marketplace:advert_detail", advert.pk)


def _application_page(request, application, reply_form=None, status=200):
    advert = application.advert
    manager = adverts.can_manage(request.user, advert)
    context = {
        "application": application,
        "advert": advert,
        "manager": manager,
        "pa_listing": adverts.pa_listing_of(application.applicant) if manager else None,
        "reply_form": reply_form or ApplicationReplyForm(),
    }
    return render(request, "marketplace/adverts/application.html", context, status=status)


@login_required
@require_GET
def application_detail(request, pk):
    return _application_page(request, adverts.get_application_for(request.user, pk))


ACTIONS = {"shortlist": adverts.shortlist, "decline": adverts.decline}
DONE = {"shortlist": "added to your shortlist", "decline": "marked as not taken forward"}


@login_required
@require_POST
def application_status(request, pk):
    application = adverts.get_application_for(request.user, pk)
    action = request.POST.get("action", "")
    if not adverts.can_manage(request.user, application.advert):
        return not_allowed(request, "You cannot change this application", "It is your own.")
    if action not in ACTIONS:
        return not_allowed(request, "Choose an action", "Shortlist or decline.", status=400)
    try:
        ACTIONS[action](application, request.user)
    except adverts.AdvertError as exc:
        return not_allowed(request, "You cannot change this application", str(exc), status=400)
    messages.success(request, f"{application.applicant}'s application is {DONE[action]}.")
    # The buttons appear on the advert's list of applications and on each application.
    if request.POST.get("next") == "advert":
        return redirect("marketplace:advert_detail", application.advert_id)
    return redirect("marketplace:application_detail", application.pk)


@login_required
@require_POST
def application_reply(request, pk):
    application = adverts.get_application_for(request.user, pk)
    if not adverts.can_manage(request.user, application.advert):
        return not_allowed(request, "You cannot reply here", "This is your own application.")
    form = ApplicationReplyForm(request.POST)
    if form.is_valid():
        try:
            adverts.reply(
                application, request.user, form.cleaned_data["reply"], base_url=_base_url(request)
            )
        except adverts.AdvertError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Your reply has been emailed to {application.applicant}.")
            return redirect("marketplace:application_detail", application.pk)
    return _application_page(request, application, form, status=400)
