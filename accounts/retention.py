"""How long Kith keeps each kind of record, and the job that applies it.

This table is the one place the retention schedule is written down. The
privacy notice (``/privacy/``) renders it, and ``apply_retention`` (run daily
by ``manage.py apply_retention``) carries it out, so the two cannot drift.

Why these periods, briefly:

* Money records (bookings, card payments, invoices, spend statement lines,
  pool pledges) are kept six years: HMRC asks businesses to keep records for
  six years, councils audit how a direct payment was spent, and six years is
  the time limit (Limitation Act 1980) for a claim about a contract.
* A support plan is what that spending is measured against in an audit, so
  it is kept as long as the money records: six years after it last changed
  and its owner last signed in. Kith's copy is a working tool, not the
  council's care record, which the council keeps under its own rules.
* The log of who looked at a plan is kept six years too: it is evidence for
  a complaint or claim about misuse of personal data (six-year time limit).
* Messages and finished referrals are kept two years: long enough to sort
  out a question or complaint about a booking or referral, with no law
  asking for more.
* Search records hold no names or accounts; two years lets this year's unmet
  demand be compared with last year's.

Every rule is safe to run again: a second run on the same day changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone


@dataclass(frozen=True)
class Rule:
    """One line of the retention schedule, in words a person can read, and its period."""

    key: str
    record: str
    kept_for: str
    then: str
    reason: str
    years: int


SCHEDULE: list[Rule] = [
    Rule(
        key="messages",
        record="Enquiries and messages between you and a provider or PA",
        kept_for="2 years after the last message in the conversation",
        then="The whole conversation is deleted.",
        reason="Long enough to sort out a question or complaint about a booking. "
        "No law asks us to keep them longer.",
        years=2,
    ),
    Rule(
        key="referrals",
        record="Referrals to a user-led organisation that are closed or declined",
        kept_for="2 years after the referral was closed or declined",
        then="The referral and its history are deleted.",
        reason="Long enough to answer a question or complaint about how a referral was handled.",
        years=2,
    ),
    Rule(
        key="plans",
        record="Support plans, with their goals, stages, funding and shortlists",
        kept_for="6 years after the plan last changed and its owner last signed in",
        then="The plan is deleted. A goal that a group purchase still refers to is emptied "
        "of its words instead.",
        reason="Councils can audit how a direct payment was spent against the plan, "
        "for as long as the money records are kept.",
        years=6,
    ),
    Rule(
        key="access_log",
        record="The log of who looked at or changed your plan",
        kept_for="6 years after each look",
        then="The log line is deleted.",
        reason="It is evidence if you complain or make a claim about misuse of your "
        "information; the time limit for a claim is 6 years.",
        years=6,
    ),
    Rule(
        key="invitations",
        record="Invitations to act for someone that were declined or never answered",
        kept_for="1 year after the invitation was sent",
        then="The invitation, with the email address it was sent to, is deleted.",
        reason="Nothing depends on an invitation nobody accepted.",
        years=1,
    ),
    Rule(
        key="representations",
        record="Representatives who stopped acting for someone",
        kept_for="6 years after they stopped",
        then="The record that they acted for the person is deleted.",
        reason="It shows who could spend someone's budget and when, which an audit of "
        "the money records may ask.",
        years=6,
    ),
    Rule(
        key="job_adverts",
        record="Closed PA job adverts and the applications to them",
        kept_for="1 year after the advert was posted",
        then="The advert and its applications are deleted.",
        reason="Long enough to answer a complaint about a recruitment decision "
        "(the time limit is 6 months).",
        years=1,
    ),
    Rule(
        key="search_logs",
        record="Records of directory searches (no names or accounts)",
        kept_for="2 years",
        then="The record is deleted.",
        reason="Used to show where services are missing; two years lets us compare "
        "one year with the last.",
        years=2,
    ),
    Rule(
        key="financial",
        record="Bookings, card payments, invoices, spend statement lines and pool pledges "
        "of a deleted account",
        kept_for="6 years after the booking, payment or invoice",
        then="Names, email addresses, notes and card references are removed. Amounts and "
        "dates stay, linked to no one, so past totals still add up.",
        reason="HMRC and council audits of direct payments need six years of money "
        "records, and six years is the time limit for a claim about a contract.",
        years=6,
    ),
]

RULES = {rule.key: rule for rule in SCHEDULE}

# Put in place of words that have been erased, so a reader sees something was there.
ERASED_TEXT = "[deleted]"


def years_before(now: datetime, years: int) -> datetime:
    """The same moment ``years`` years earlier (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _model(label: str):
    """A model by "app.Model", so this module does not depend on where marketplace keeps it."""
    return apps.get_model(label)


# --- The rules ----------------------------------------------------------------


def _messages(cutoff: datetime) -> int:
    Enquiry = _model("marketplace.Enquiry")
    old = Enquiry.objects.annotate(last=Coalesce(Max("messages__sent_at"), "created_at")).filter(
        last__lt=cutoff
    )
    ids = list(old.values_list("pk", flat=True))
    Enquiry.objects.filter(pk__in=ids).delete()
    return len(ids)


def _referrals(cutoff: datetime) -> int:
    Referral = _model("matching.Referral")
    finished = (Referral.Status.CLOSED, Referral.Status.DECLINED)
    old = Referral.objects.filter(status__in=finished, updated_at__lt=cutoff)
    count = old.count()
    old.delete()
    return count


def _plan_last_active():
    """A plan's last change: the plan itself, a stage move or a goal added."""
    return Greatest(
        "updated_at",
        Coalesce(Max("stage_history__entered_at"), "updated_at"),
        Coalesce(Max("goals__created_at"), "updated_at"),
    )


def _plans(cutoff: datetime) -> int:
    SupportPlan = _model("matching.SupportPlan")
    stale = (
        SupportPlan.objects.annotate(last_active=_plan_last_active())
        .filter(last_active__lt=cutoff)
        .filter(
            Q(person__last_login__lt=cutoff)
            | Q(person__last_login__isnull=True, person__date_joined__lt=cutoff)
            | Q(person__erased_at__isnull=False)
        )
    )
    return sum(remove_plan(plan) for plan in stale)


def remove_plan(plan) -> int:
    """Delete a plan, or empty it when a pool pledge still points at one of its goals.

    Pledges are money records and protect their goal from deletion, so those
    goals keep only their amount; everything else about the plan goes.
    Answers 1 if anything changed, 0 if the plan was already emptied.
    """
    Pledge = _model("marketplace.Pledge")
    pledged_goals = set(
        Pledge.objects.filter(goal__plan=plan).values_list("goal_id", flat=True).distinct()
    )
    if not pledged_goals:
        plan.delete()
        return 1
    changed = 0
    with transaction.atomic():
        changed += plan.goals.exclude(pk__in=pledged_goals).delete()[0]
        changed += (
            plan.goals.filter(pk__in=pledged_goals)
            .exclude(text=ERASED_TEXT, why_it_matters="", accessibility="", times="")
            .update(
                text=ERASED_TEXT,
                why_it_matters="",
                accessibility="",
                times="",
                days="",
                pa_gender="",
            )
        )
        for goal in plan.goals.all():
            for field in ("outcomes", "categories", "languages", "keep_listings"):
                getattr(goal, field).clear()
        for related in (plan.funding, plan.stage_history, plan.shortlists, plan.access_log):
            changed += related.all().delete()[0]
        changed += _model("matching.ContingencyPlan").objects.filter(plan=plan).delete()[0]
        changed += (
            type(plan)
            .objects.filter(pk=plan.pk)
            .exclude(title=ERASED_TEXT, postcode="", brokerage_reason="")
            .update(title=ERASED_TEXT, postcode="", brokerage_reason="", practitioner=None)
        )
    return 1 if changed else 0


def _access_log(cutoff: datetime) -> int:
    return _model("matching.PlanAccess").objects.filter(at__lt=cutoff).delete()[0]


def _invitations(cutoff: datetime) -> int:
    Representation = _model("accounts.Representation")
    old = Representation.objects.filter(
        status__in=(Representation.Status.INVITED, Representation.Status.DECLINED),
        invited_at__lt=cutoff,
    )
    return old.delete()[0]


def _representations(cutoff: datetime) -> int:
    Representation = _model("accounts.Representation")
    old = Representation.objects.filter(
        status=Representation.Status.REVOKED,
    ).filter(Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, invited_at__lt=cutoff))
    return old.delete()[0]


def _job_adverts(cutoff: datetime) -> int:
    JobAdvert = _model("marketplace.JobAdvert")
    old = JobAdvert.objects.filter(status=JobAdvert.Status.CLOSED, created_at__lt=cutoff)
    count = old.count()
    old.delete()
    return count


def _search_logs(cutoff: datetime) -> int:
    return _model("directory.SearchLog").objects.filter(created_at__lt=cutoff).delete()[0]


def _financial(cutoff: datetime) -> int:
    """Strip the personal details from a deleted account's money records older than the cutoff.

    The records themselves stay (amounts and dates), so a provider's or a
    council's totals for past years do not change.
    """
    erased = Q(person__erased_at__isnull=False)
    changed = 0
    Booking = _model("marketplace.Booking")
    bookings = Booking.objects.filter(erased, created_at__lt=cutoff)
    changed += bookings.exclude(payer_name="", payer_email="", note="").update(
        payer_name="", payer_email="", note=""
    )
    BookingEvent = _model("marketplace.BookingEvent")
    changed += BookingEvent.objects.filter(booking__in=bookings).exclude(note="").update(note="")
    Invoice = _model("marketplace.Invoice")
    changed += (
        Invoice.objects.filter(erased, issued_at__lt=cutoff)
        .exclude(payer_name=ERASED_TEXT, payer_email="")
        .update(payer_name=ERASED_TEXT, payer_email="")
    )
    Payment = _model("marketplace.Payment")
    changed += (
        Payment.objects.filter(erased, created_at__lt=cutoff)
        .exclude(stripe_customer="", stripe_payment_method="", failure_message="")
        .update(stripe_customer="", stripe_payment_method="", failure_message="")
    )
    Pledge = _model("marketplace.Pledge")
    changed += (
        Pledge.objects.filter(member__erased_at__isnull=False, created_at__lt=cutoff)
        .exclude(failure_message="")
        .update(failure_message="")
    )
    return changed


APPLY = {
    "messages": _messages,
    "referrals": _referrals,
    "plans": _plans,
    "access_log": _access_log,
    "invitations": _invitations,
    "representations": _representations,
    "job_adverts": _job_adverts,
    "search_logs": _search_logs,
    "financial": _financial,
}


def apply_retention(now: datetime | None = None) -> dict[str, int]:
    """Apply every rule of the schedule as of ``now``; answers how many records each changed."""
    now = now or timezone.now()
    counts = {}
    for rule in SCHEDULE:
        with transaction.atomic():
            counts[rule.key] = APPLY[rule.key](years_before(now, rule.years))
    return counts


__all__ = ["SCHEDULE", "RULES", "Rule", "apply_retention", "remove_plan", "years_before"]
