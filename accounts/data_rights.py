"""A person's rights over their data on Kith: download a copy of it, and delete their account.

``personal_data(user)`` gathers everything Kith holds about one person (and
nothing about anyone else they act for: a representative downloads their own
data, and the person downloads theirs). ``build_archive`` turns it into a ZIP
holding ``data.json`` and a readable ``summary.html``.

``erase_account(user)`` deletes or anonymises the person's data. Money
records (bookings, payments, invoices, statement lines, pledges) are kept,
linked to the emptied account, because the law asks for six years of them;
``accounts.retention`` strips what is left of them after that. The account is
never deleted outright: those money records protect it.

Marketplace models are looked up by name (``apps.get_model``) so this module
does not depend on how the marketplace package is laid out.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join

from accounts.models import Representation
from accounts.retention import ERASED_TEXT, RULES, remove_plan
from matching.models import Referral, SupportPlan

# The name shown wherever a deleted account once appeared (e.g. in someone's access log).
ERASED_NAME = "Deleted account"


class ErasureError(ValueError):
    """The account cannot be deleted yet; the message says what to finish first."""


def _model(label: str):
    return apps.get_model(label)


def _managed_listings(user):
    """The listings ``user`` owns or manages (``directory.ownership``, imported late)."""
    from directory import ownership

    return ownership.managed_by(user)


def erased_email(user) -> str:
    """An address that can never receive mail (``.invalid`` is reserved) and is unique."""
    return f"deleted-{user.pk}@invalid"


# --- Download my data --------------------------------------------------------------


def _rows(queryset, *fields) -> list[dict]:
    return list(queryset.values(*fields))


def _plan_data(plan: SupportPlan) -> dict:
    Goal = _model("matching.Goal")
    data = {
        "title": plan.title,
        "postcode": plan.postcode,
        "stage": plan.get_stage_display(),
        "brokerage_route": plan.get_brokerage_route_display(),
        "why_this_route": plan.brokerage_reason,
        "indicative_budget": plan.indicative_budget,
        "agreed_budget": plan.agreed_budget,
        "review_date": plan.review_date,
        "practitioner": str(plan.practitioner) if plan.practitioner else "",
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "funding": [
            {"route": funding.get_route_display(), "amount": funding.amount}
            for funding in plan.funding.all()
        ],
        "stage_history": [
            {
                "stage": entry.get_stage_display(),
                "entered_at": entry.entered_at,
                "by": str(entry.entered_by) if entry.entered_by else "",
            }
            for entry in plan.stage_history.select_related("entered_by")
        ],
        "contingency_plan": _contingency_data(plan),
        "goals": [],
        "shortlists_shared_with_you": [],
        "access_log": [
            {"at": line.at, "who": str(line.viewer) if line.viewer else "", "what": line.action}
            for line in plan.access_log.select_related("viewer")
        ],
    }
    goals = Goal.objects.filter(plan=plan).prefetch_related(
        "outcomes", "categories", "languages", "keep_listings", "saved__listing"
    )
    for goal in goals:
        data["goals"].append(
            {
                "what_i_want": goal.text,
                "why_it_matters": goal.why_it_matters,
                "priority": goal.priority,
                "outcomes": [outcome.name for outcome in goal.outcomes.all()],
                "kinds_of_support": [category.name for category in goal.categories.all()],
                "budget_amount": goal.budget_amount,
                "budget_period": goal.budget_period,
                "languages": [language.name for language in goal.languages.all()],
                "pa_gender": goal.pa_gender,
                "days": goal.days,
                "times": goal.times,
                "accessibility": goal.accessibility,
                "needs_backup_cover": goal.needs_backup_cover,
                "not_too_close": goal.not_too_close,
                "keep_using": [listing.title for listing in goal.keep_listings.all()],
                "saved_options": [
                    {"listing": saved.listing.title, "note": saved.note, "saved_at": saved.saved_at}
                    for saved in goal.saved.all()
                ],
                "created_at": goal.created_at,
            }
        )
    for shortlist in plan.shortlists.filter(shared_at__isnull=False).select_related("created_by"):
        data["shortlists_shared_with_you"].append(
            {
                "title": shortlist.title,
                "made_by": str(shortlist.created_by) if shortlist.created_by else "",
                "shared_at": shortlist.shared_at,
                "options": [
                    {
                        "listing": item.listing.title,
                        "note": item.note,
                        "accepted_at": item.accepted_at,
                    }
                    for item in shortlist.items.select_related("listing")
                ],
            }
        )
    return data


def _contingency_data(plan: SupportPlan) -> dict:
    """The plan's crisis section: who to call, back-up support, what helps."""
    contingency = _model("matching.ContingencyPlan").objects.filter(plan=plan).first()
    if contingency is None:
        return {}
    return {
        "who_to_call": contingency.who_to_call,
        "back_up_support": contingency.backup_support,
        "what_helps": contingency.what_helps,
        "last_changed_at": contingency.updated_at,
    }


def _enquiry_data(enquiry, only_sender=None) -> dict:
    messages = enquiry.messages.select_related("sender")
    if only_sender is not None:
        messages = messages.filter(sender=only_sender)
    return {
        "subject": enquiry.subject,
        "about": enquiry.listing.title,
        "started_at": enquiry.created_at,
        "messages": [
            {
                "from": str(message.sender) if message.sender else "",
                "sent_at": message.sent_at,
                "read_at": message.read_at,
                "text": message.body,
            }
            for message in messages
        ],
    }


def personal_data(user, now: datetime | None = None) -> dict:
    """Everything Kith holds about ``user``, as plain data (dates, numbers and words).

    Only the person's own records: plans, referrals, bookings and money of
    people they act for belong to those people and are not included.
    """
    now = now or timezone.now()
    Enquiry = _model("marketplace.Enquiry")
    Message = _model("marketplace.Message")
    Booking = _model("marketplace.Booking")

    own_enquiries = Enquiry.objects.filter(
        Q(person=user) | Q(listing__in=_managed_listings(user))
    ).select_related("listing")
    elsewhere = (
        Enquiry.objects.filter(messages__sender=user)
        .exclude(pk__in=own_enquiries.values("pk"))
        .distinct()
        .select_related("listing")
    )
    return {
        "about_this_file": (
            "Everything Kith holds about you, on the date below. Dates and times are in UTC. "
            "Money is in pounds."
        ),
        "generated_at": now,
        "account": {
            "name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "joined_at": user.date_joined,
            "last_signed_in_at": user.last_login,
        },
        "email_addresses": _rows(
            EmailAddress.objects.filter(user=user), "email", "verified", "primary"
        ),
        "roles": [grant.get_role_display() for grant in user.role_grants.all()],
        "representatives_you_named": [
            {
                "email": rep.invited_email,
                "name": str(rep.representative) if rep.representative else "",
                "relationship": rep.relationship,
                "status": rep.get_status_display(),
                "invited_at": rep.invited_at,
                "answered_at": rep.responded_at,
                "ended_at": rep.ended_at,
            }
            for rep in user.representations_given.select_related("representative")
        ],
        "people_you_act_or_acted_for": [
            {
                "name": str(rep.budget_holder),
                "relationship": rep.relationship,
                "status": rep.get_status_display(),
                "invited_at": rep.invited_at,
                "answered_at": rep.responded_at,
                "ended_at": rep.ended_at,
            }
            for rep in user.representations_held.select_related("budget_holder")
        ],
        "support_plans": [_plan_data(plan) for plan in user.support_plans.all()],
        "referrals_about_you": [
            {
                "organisation": referral.organisation.title,
                "for": referral.get_offer_display(),
                "referred_by": str(referral.referred_by) if referral.referred_by else "",
                "consent_given_at": referral.consent_given_at,
                "consent": referral.consent_note,
                "message": referral.message,
                "status": referral.get_status_display(),
                "decline_reason": referral.decline_reason,
                "created_at": referral.created_at,
                "history": [
                    {
                        "status": event.get_status_display(),
                        "at": event.at,
                        "by": str(event.by) if event.by else "",
                        "note": event.note,
                    }
                    for event in referral.events.select_related("by")
                ],
            }
            for referral in Referral.objects.filter(person=user).select_related(
                "organisation", "referred_by"
            )
        ],
        "enquiries": [_enquiry_data(enquiry) for enquiry in own_enquiries],
        "your_messages_in_other_conversations": [
            _enquiry_data(enquiry, only_sender=user) for enquiry in elsewhere
        ],
        "messages_sent_count": Message.objects.filter(sender=user).count(),
        "bookings": [
            {
                "what": booking.offer.title,
                "from": booking.offer.listing.title,
                "status": booking.get_status_display(),
                "how_paid": booking.get_payment_route_display(),
                "payer_name": booking.payer_name,
                "payer_email": booking.payer_email,
                "quantity": booking.quantity,
                "amount": booking.amount,
                "starts_on": booking.starts_on,
                "note": booking.note,
                "requested_at": booking.created_at,
            }
            for booking in Booking.objects.filter(person=user).select_related("offer__listing")
        ],
        "complaints_you_made": [
            {
                "about": f"{complaint.booking.offer.title} with "
                f"{complaint.booking.offer.listing.title}",
                "kind": complaint.get_kind_display(),
                "category": complaint.get_category_display(),
                "what_happened": complaint.what_happened,
                "made_at": complaint.made_at,
                "status": complaint.get_status_display(),
                "providers_answer": complaint.answer,
                "moderators_note": complaint.moderator_note,
            }
            for complaint in _model("marketplace.Complaint")
            .objects.filter(made_by=user)
            .select_related("booking__offer__listing")
        ],
        "payments": _rows(
            _model("marketplace.Payment").objects.filter(person=user),
            "amount",
            "refunded_amount",
            "status",
            "created_at",
            "stripe_payment_intent",
        ),
        "invoices": _rows(
            _model("marketplace.Invoice").objects.filter(person=user),
            "number",
            "payer_name",
            "payer_email",
            "description",
            "amount",
            "status",
            "issued_at",
            "due_on",
            "paid_at",
        ),
        "spend_statement": _rows(
            _model("marketplace.LedgerEntry").objects.filter(person=user),
            "occurred_at",
            "kind",
            "description",
            "supplier",
            "amount",
            "reference",
        ),
        "pool_pledges": _rows(
            _model("marketplace.Pledge").objects.filter(member=user),
            "pool__title",
            "amount",
            "method",
            "status",
            "created_at",
        ),
        "pa_job_adverts": _rows(
            _model("marketplace.JobAdvert").objects.filter(person=user),
            "title",
            "hours_per_week",
            "postcode",
            "hourly_rate",
            "what_matters",
            "status",
            "created_at",
        ),
        "pa_job_applications": _rows(
            _model("marketplace.JobApplication").objects.filter(applicant=user),
            "advert__title",
            "message",
            "status",
            "reply",
            "created_at",
        ),
        "reviews_you_wrote": _rows(
            _model("marketplace.Review").objects.filter(author=user),
            "listing__title",
            "rating",
            "text",
            "status",
            "created_at",
        ),
        "listings_you_manage": _rows(_managed_listings(user), "title", "live", "last_published_at"),
        # Lines about a plan are with the plan, above.
        "who_looked_at_your_messages": [
            {"at": line.at, "who": str(line.viewer) if line.viewer else "", "what": line.action}
            for line in user.access_lines.filter(plan__isnull=True).select_related("viewer")
        ],
    }


def to_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


# Plain-English headings for the summary, in the order of ``personal_data``.
SECTION_HEADINGS = {
    "account": "Your account",
    "email_addresses": "Your email addresses",
    "roles": "How you use Kith",
    "representatives_you_named": "People you asked to act for you",
    "people_you_act_or_acted_for": "People who asked you to act for them",
    "support_plans": "Your support plans",
    "referrals_about_you": "Referrals about you",
    "enquiries": "Your conversations",
    "your_messages_in_other_conversations": "Messages you sent in other conversations",
    "messages_sent_count": "How many messages you have sent",
    "bookings": "Your bookings",
    "complaints_you_made": "Problems you reported with bookings",
    "payments": "Your card payments",
    "invoices": "Invoices for your bookings",
    "spend_statement": "Your spending statement",
    "pool_pledges": "Your pledges to group purchases",
    "pa_job_adverts": "Your adverts for a personal assistant",
    "pa_job_applications": "Your applications for PA jobs",
    "reviews_you_wrote": "Reviews you wrote",
    "listings_you_manage": "Listings you manage",
    "who_looked_at_your_messages": "Who looked at your messages before you had a plan",
}


def _label(key: str) -> str:
    return key.replace("__", " ").replace("_", " ").capitalize()


def _html(value) -> str:
    """One value of the data as escaped HTML: lists as lists, records as label and value."""
    if isinstance(value, dict):
        rows = format_html_join(
            "",
            "<div><dt>{}</dt><dd>{}</dd></div>",
            ((_label(k), _html(v)) for k, v in value.items()),
        )
        return format_html('<dl class="record">{}</dl>', rows)
    if isinstance(value, list):
        if not value:
            return "None"
        return format_html(
            "<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((_html(v),) for v in value))
        )
    if value is None or value == "":
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return conditional_escape(str(value))


def summary_sections(data: dict) -> list[dict]:
    """The summary's sections: a heading, how many records, and the records as HTML."""
    sections = []
    for key, heading in SECTION_HEADINGS.items():
        value = data[key]
        count = len(value) if isinstance(value, list) else None
        sections.append(
            {"id": key.replace("_", "-"), "heading": heading, "count": count, "html": _html(value)}
        )
    return sections


def build_archive(user, now: datetime | None = None) -> bytes:
    """A ZIP of ``data.json`` (everything, for a computer) and ``summary.html`` (for a person)."""
    data = personal_data(user, now)
    summary = render_to_string(
        "accounts/data_summary.html",
        {"data": data, "sections": summary_sections(data), "generated_at": data["generated_at"]},
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", to_json(data))
        archive.writestr("summary.html", summary)
    return buffer.getvalue()


def archive_filename(now: datetime | None = None) -> str:
    return f"kith-my-data-{(now or timezone.now()):%Y-%m-%d}.zip"


# --- Delete my account ---------------------------------------------------------------


def why_not_erasable(user) -> list[str]:
    """What must be finished before the account can go: money that is still moving."""
    Booking = _model("marketplace.Booking")
    Payment = _model("marketplace.Payment")
    Pledge = _model("marketplace.Pledge")
    open_booking = (Booking.Status.REQUESTED, Booking.Status.ACCEPTED)
    reasons = []
    mine = Booking.objects.filter(person=user, status__in=open_booking).count()
    if mine:
        reasons.append(
            f"You have {mine} booking{'s' if mine != 1 else ''} waiting for an answer or still "
            "to happen. Cancel them, or wait until they are delivered."
        )
    theirs = Booking.objects.filter(
        offer__listing__in=_managed_listings(user), status__in=open_booking
    ).count()
    if theirs:
        reasons.append(
            f"People have {theirs} booking{'s' if theirs != 1 else ''} with you waiting for an "
            "answer or still to happen. Decline or deliver them first."
        )
    held = Payment.objects.filter(
        person=user, status__in=(Payment.Status.PENDING, Payment.Status.AUTHORISED)
    ).count()
    if held:
        reasons.append(
            f"{held} card payment{'s are' if held != 1 else ' is'} still being taken. "
            "Wait until it has gone through or been released."
        )
    pledges = Pledge.objects.filter(member=user, status=Pledge.Status.HELD).count()
    if pledges:
        reasons.append(
            f"You have {pledges} pledge{'s' if pledges != 1 else ''} held in a group purchase. "
            "Leave the pool first."
        )
    Pool = _model("marketplace.Pool")
    pools = Pool.objects.filter(
        organiser=user, status__in=(Pool.Status.OPEN, Pool.Status.FUNDED)
    ).count()
    if pools:
        reasons.append(
            f"You organise {pools} group purchase{'s' if pools != 1 else ''} that "
            f"{'are' if pools != 1 else 'is'} open or funded. Cancel or deliver "
            f"{'them' if pools != 1 else 'it'} first."
        )
    return reasons


def _unpublish_listings(user) -> int:
    """Take the person's listings out of the directory and leave them without an owner.

    A PA's listing is a profile of them, and nobody would keep a provider's
    details up to date, so every listing they owned is unpublished; moderators
    can publish a provider's listing again once someone claims it. Listings
    they only helped manage stay as they are, without them.
    """
    from directory import ownership

    ListingPage = _model("directory.ListingPage")
    Offer = _model("marketplace.Offer")
    count = 0
    for page in ownership.held_by(user):
        page = page.specific
        if page.live:
            page.unpublish(log_action=True)
        ListingPage.objects.filter(pk=page.pk).update(owner=None)
        Offer.objects.filter(listing=page, is_active=True).update(is_active=False)
        count += 1
    ownership.release_all(user)
    ListingPage.objects.filter(owner=user).update(owner=None)  # Wagtail's creator field
    return count


@transaction.atomic
def erase_account(
    user, *, now: datetime | None = None, notify: bool = True, base_url: str = ""
) -> dict[str, int]:
    """Delete or anonymise everything personal about ``user``; answers counts of what changed.

    Refuses (``ErasureError``) while money is still moving. Sends a
    confirmation to the address the person had, once the change is saved
    (``base_url`` makes the link in it absolute; the site's address by default).
    """
    now = now or timezone.now()
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        return {}
    reasons = why_not_erasable(user)
    if reasons:
        raise ErasureError(" ".join(reasons))
    address, name = user.email, str(user)
    counts: dict[str, int] = {}

    counts["plans"] = sum(remove_plan(plan) for plan in user.support_plans.all())
    counts["named_as_practitioner"] = SupportPlan.objects.filter(practitioner=user).update(
        practitioner=None
    )
    counts["referrals"] = Referral.objects.filter(person=user).delete()[0]
    counts["access_log"] = user.access_lines.all().delete()[0]  # lines not about a plan

    # Representations: those the person gave go; those they held end, without their address.
    counts["representations"] = user.representations_given.all().delete()[0]
    Representation.objects.filter(
        representative__isnull=True, invited_email__iexact=address
    ).delete()
    held = user.representations_held.all()
    counts["representations"] += held.filter(status=Representation.Status.ACCEPTED).update(
        status=Representation.Status.REVOKED, ended_at=now
    )
    held.update(invited_email=erased_email(user), relationship="")

    Message = _model("marketplace.Message")
    counts["messages"] = Message.objects.filter(sender=user).update(body=ERASED_TEXT)
    _model("marketplace.Enquiry").objects.filter(person=user).update(subject=ERASED_TEXT)
    _model("marketplace.MessageReport").objects.filter(reported_by=user).update(reason=ERASED_TEXT)
    counts["job_adverts"] = _model("marketplace.JobAdvert").objects.filter(person=user).delete()[0]
    counts["job_applications"] = (
        _model("marketplace.JobApplication").objects.filter(applicant=user).delete()[0]
    )
    counts["reviews"] = _model("marketplace.Review").objects.filter(author=user).delete()[0]
    counts["listings"] = _unpublish_listings(user)

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.role_grants.all().delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = erased_email(user)
    user.display_name = ERASED_NAME
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.erased_at = now
    user.set_unusable_password()
    user.save()
    # Access log lines where this person looked at someone else's plan stay: they are that
    # other person's record of who looked, and now read "Deleted account".

    if notify:
        privacy_url = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/") + reverse("privacy")
        transaction.on_commit(lambda: _send_confirmation(address, name, privacy_url))
    return counts


def _send_confirmation(address: str, name: str, privacy_url: str) -> None:
    send_mail(
        subject="Your Kith account has been deleted",
        message=render_to_string(
            "accounts/email/account_deleted.txt",
            {
                "name": name,
                "retention_years": RULES["financial"].years,
                "privacy_url": privacy_url,
            },
        ),
        from_email=None,
        recipient_list=[address],
    )
