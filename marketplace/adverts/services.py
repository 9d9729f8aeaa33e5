"""PA job adverts: a budget holder recruits a personal assistant.

People without a network to recruit from post an advert (NEEDS: "post a PA
job, see matching PAs, message them"). The advertiser is the budget holder
the advert is for; they or a representative they named manage it.

* Only the postcode's area (``directory.geo.public_area``: "SK1 3") is ever
  shown; distances come from the sector's centre, never the home.
* PAs (role ``personal_assistant``) browse open adverts near a postcode and
  apply once per advert with a message.
* The advertiser sees the applications, shortlists or declines them, and
  replies; the reply is emailed to the PA. A PA sees only their own
  application, never anyone else's.
* The advert page suggests up to five PA listings near the advert, with
  their rate against the advert's.

Application states: applied -> shortlisted -> declined, or applied ->
declined. Each move checks where the application stands and does nothing
when asked for the state it is already in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.representation import can_act_for
from accounts.roles import Role
from directory import geo, ownership
from directory.models import ListingKind, ListingPage, PriceUnit
from directory.search import ListingQuery, ListingSummary, search
from marketplace.enquiries.services import absolute_url, budget_holders_for, excerpt
from marketplace.models import JobAdvert, JobApplication

AdvertStatus = JobAdvert.Status
Status = JobApplication.Status

# How far PAs look by default, and the choices offered: most people work near home.
DEFAULT_RADIUS_MILES = 10
RADIUS_CHOICES_MILES = (3, 5, 10, 20, 30)

# Suggested PAs: within 10 miles of the advert, the nearest five.
SUGGESTION_RADIUS_KM = 16.0
SUGGESTION_LIMIT = 5

ALLOWED_FROM = {
    Status.SHORTLISTED: {Status.APPLIED},
    Status.DECLINED: {Status.APPLIED, Status.SHORTLISTED},
}


class AdvertError(ValueError):
    """An advert or application that is not allowed; the message says why."""


# --- Who may do what ------------------------------------------------------------


def can_manage(user, advert: JobAdvert) -> bool:
    """The budget holder the advert is for, and the representatives they named."""
    return can_act_for(user, advert.person)


def is_pa(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PERSONAL_ASSISTANT)


def can_view_advert(user, advert: JobAdvert) -> bool:
    """Managers always; PAs while it is open, and afterwards if they applied."""
    if not user.is_authenticated:
        return False
    if can_manage(user, advert):
        return True
    if not is_pa(user):
        return False
    return advert.status == AdvertStatus.OPEN or advert.applications.filter(applicant=user).exists()


def get_advert_for(user, pk) -> JobAdvert:
    try:
        advert = JobAdvert.objects.select_related("person", "posted_by").get(pk=pk)
    except JobAdvert.DoesNotExist:
        raise Http404("No such advert.") from None
    if not can_view_advert(user, advert):
        raise Http404("No such advert.")
    return advert


def can_view_application(user, application: JobApplication) -> bool:
    return user.is_authenticated and (
        application.applicant_id == user.pk or can_manage(user, application.advert)
    )


def get_application_for(user, pk) -> JobApplication:
    try:
        application = JobApplication.objects.select_related(
            "advert", "advert__person", "applicant"
        ).get(pk=pk)
    except JobApplication.DoesNotExist:
        raise Http404("No such application.") from None
    if not can_view_application(user, application):
        raise Http404("No such application.")
    return application


def _check_manager(user, advert: JobAdvert) -> None:
    if not can_manage(user, advert):
        raise AdvertError(
            "Only the person who advertised, or someone acting for them, can do this."
        )


# --- Posting and closing --------------------------------------------------------


def post_advert(
    person,
    posted_by,
    *,
    title: str,
    hours_per_week: Decimal,
    postcode: str,
    hourly_rate: Decimal,
    what_matters: str,
) -> JobAdvert:
    """Post an advert for ``person``. The postcode is kept; only its area is ever shown."""
    if person.pk not in {p.pk for p in budget_holders_for(posted_by)}:
        raise AdvertError("You can only advertise for yourself or someone you act for.")
    try:
        place = geo.locate(postcode)
    except geo.PostcodeError as exc:
        raise AdvertError(str(exc)) from None
    if hours_per_week <= 0 or hourly_rate <= 0:
        raise AdvertError("Hours and rate must be more than nothing.")
    return JobAdvert.objects.create(
        person=person,
        posted_by=posted_by,
        title=title.strip(),
        hours_per_week=hours_per_week,
        postcode=place.postcode,
        public_area=place.public_area,
        lat=place.lat,
        lng=place.lng,
        hourly_rate=hourly_rate,
        what_matters=what_matters.strip(),
    )


def close_advert(advert: JobAdvert, by_user) -> JobAdvert:
    """No more applications. Closing twice changes nothing."""
    _check_manager(by_user, advert)
    if advert.status != AdvertStatus.CLOSED:
        advert.status = AdvertStatus.CLOSED
        advert.save(update_fields=["status"])
    return advert


def adverts_managed_by(user):
    """Adverts for the people ``user`` may act for, newest first."""
    people = [p.pk for p in budget_holders_for(user)]
    if user.is_authenticated:
        people.append(user.pk)
    return JobAdvert.objects.filter(person__in=people).select_related("person")


# --- Browsing -------------------------------------------------------------------


@dataclass
class NearbyAdvert:
    advert: JobAdvert
    distance_km: float | None


def open_adverts_near(
    origin: tuple[float, float] | None, radius_miles: float = DEFAULT_RADIUS_MILES
) -> list[NearbyAdvert]:
    """Open adverts within ``radius_miles`` of ``origin``, nearest first.

    Without an origin, every open advert, newest first, with no distances.
    """
    adverts = JobAdvert.objects.filter(status=AdvertStatus.OPEN)
    if origin is None:
        return [NearbyAdvert(advert, None) for advert in adverts]
    radius_km = geo.miles_to_km(radius_miles)
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(*origin, radius_km)
    rows = []
    for advert in adverts.filter(lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng)):
        distance = geo.distance_km(origin, (advert.lat, advert.lng))
        if distance <= radius_km:
            rows.append(NearbyAdvert(advert, distance))
    rows.sort(key=lambda row: (row.distance_km, -row.advert.created_at.timestamp()))
    return rows


# --- Applying -------------------------------------------------------------------


def why_cannot_apply(user, advert: JobAdvert) -> str:
    if not is_pa(user):
        return "Only personal assistants can apply for PA jobs."
    if advert.status != AdvertStatus.OPEN:
        return "This advert has closed."
    if can_manage(user, advert):
        return "This is your own advert."
    if advert.applications.filter(applicant=user).exists():
        return "You have already applied for this job."
    return ""


def apply(
    advert: JobAdvert, applicant, message: str, base_url: str | None = None
) -> JobApplication:
    """A PA applies with a message, once per advert; the advertiser is emailed."""
    problem = why_cannot_apply(applicant, advert)
    if problem:
        raise AdvertError(problem)
    message = message.strip()
    if not message:
        raise AdvertError("Write a message to the person advertising.")
    try:
        with transaction.atomic():
            application = JobApplication.objects.create(
                advert=advert, applicant=applicant, message=message
            )
    except IntegrityError:
        # Two submissions at once: the database keeps one application per PA.
        raise AdvertError("You have already applied for this job.") from None
    _notify_advertiser(application, base_url)
    return application


def _advertiser_recipients(advert: JobAdvert) -> list:
    recipients = [advert.person]
    poster = advert.posted_by
    if poster is not None and poster.pk != advert.person_id and can_act_for(poster, advert.person):
        recipients.append(poster)
    return [r for r in recipients if r.email]


def _notify_advertiser(application: JobApplication, base_url: str | None) -> None:
    advert = application.advert
    context = {
        "advert": advert,
        "url": absolute_url(
            reverse("marketplace:application_detail", args=[application.pk]), base_url
        ),
    }
    body = render_to_string("marketplace/email/new_application.txt", context)
    for recipient in _advertiser_recipients(advert):
        send_mail(f"A PA has applied for your job: {advert.title}", body, None, [recipient.email])


def applications_by(user):
    """A PA's own applications, newest first."""
    if not user.is_authenticated:
        return JobApplication.objects.none()
    return (
        JobApplication.objects.filter(applicant=user)
        .select_related("advert")
        .order_by("-created_at")
    )


# --- The advertiser's answers ---------------------------------------------------


def _move(application: JobApplication, to: str, by_user) -> JobApplication:
    _check_manager(by_user, application.advert)
    if application.status == to:
        return application
    if application.status not in ALLOWED_FROM[to]:
        raise AdvertError(
            f"This application is {application.get_status_display().lower()}, "
            f"so it cannot be {Status(to).label.lower()}."
        )
    application.status = to
    application.save(update_fields=["status"])
    return application


def shortlist(application: JobApplication, by_user) -> JobApplication:
    return _move(application, Status.SHORTLISTED, by_user)


def decline(application: JobApplication, by_user) -> JobApplication:
    return _move(application, Status.DECLINED, by_user)


def reply(
    application: JobApplication, by_user, text: str, base_url: str | None = None
) -> JobApplication:
    """The advertiser answers the PA; the PA is emailed a link and the start of the reply.

    There is one reply on an application: writing again replaces it (and is
    emailed again), so the PA always sees the latest word.
    """
    _check_manager(by_user, application.advert)
    text = text.strip()
    if not text:
        raise AdvertError("Write a reply.")
    application.reply = text
    application.replied_at = timezone.now()
    application.save(update_fields=["reply", "replied_at"])
    context = {
        "application": application,
        "advert": application.advert,
        "excerpt": excerpt(text),
        "truncated": len(text) > len(excerpt(text)),
        "url": absolute_url(
            reverse("marketplace:application_detail", args=[application.pk]), base_url
        ),
    }
    send_mail(
        f"A reply about the PA job: {application.advert.title}",
        render_to_string("marketplace/email/application_reply.txt", context),
        None,
        [application.applicant.email],
    )
    return application


# --- Suggested PAs --------------------------------------------------------------


@dataclass
class SuggestedPA:
    listing: ListingSummary
    rate_comparison: str


def compare_rate(listing: ListingSummary, advert_rate: Decimal) -> str:
    """The PA's rate against the advert's, in words."""
    if listing.price_amount is None or listing.price_unit != PriceUnit.HOUR:
        return "Rate not given by the hour: ask them"
    difference = Decimal(listing.price_amount) - Decimal(advert_rate)
    if difference == 0:
        return "The same as your rate"
    amount = f"£{abs(difference):.2f}"
    return f"{amount} an hour {'more' if difference > 0 else 'less'} than your rate"


def suggested_pas(advert: JobAdvert, limit: int = SUGGESTION_LIMIT) -> list[SuggestedPA]:
    """PA listings near the advert, nearest first, with how their rate compares."""
    query = ListingQuery(
        kinds=(ListingKind.PA,),
        origin=(advert.lat, advert.lng),
        radius_km=SUGGESTION_RADIUS_KM,
        page_size=limit,
    )
    return [SuggestedPA(r, compare_rate(r, advert.hourly_rate)) for r in search(query).results]


def pa_listing_of(user) -> ListingPage | None:
    """The applicant's own live PA listing, so the advertiser can read more about them."""
    return (
        ListingPage.objects.live()
        .filter(pk__in=ownership.held_by(user), kind=ListingKind.PA)
        .order_by("-last_published_at")
        .first()
    )
