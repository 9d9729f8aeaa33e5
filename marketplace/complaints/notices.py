"""Telling people about a complaint (``accounts.notifications``), once it is committed.

The provider hears of a complaint about them, with the person's words only
on the site, not in the email; moderators get a link to the queue and no
words at all; the person's side hears the answer and the outcome.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from accounts.notifications import Event, notify, notify_person
from directory import ownership
from marketplace.enquiries.services import moderators
from marketplace.models import Complaint


def _link(complaint: Complaint) -> str:
    return reverse("marketplace:complaint_detail", args=[complaint.pk])


def _what(complaint: Complaint) -> str:
    booking = complaint.booking
    return f"{booking.offer.title} with {booking.offer.listing.title}"


def _later(send):
    transaction.on_commit(send)


def made(complaint: Complaint) -> None:
    booking = complaint.booking
    owner = ownership.account_holder(booking.offer.listing)
    no_show = complaint.kind == Complaint.Kind.NO_SHOW
    if no_show:
        subject = f"{booking.person} reported that {booking.offer.listing.title} did not come"
        body = (
            f"{booking.person} says the support for {booking.offer.title} did not happen. "
            "You can answer once, in writing. Until a moderator has looked at it, the "
            "booking cannot be marked as delivered and nothing is taken."
        )
    else:
        subject = f"{booking.person} made a complaint about {booking.offer.title}"
        body = (
            f"{booking.person} made a complaint ({complaint.get_category_display().lower()}). "
            "Read it and answer once, in writing. A moderator will also look at it."
        )
    ids = {"complaint": complaint.pk, "booking": booking.pk}

    def send():
        if owner is not None:
            notify(
                owner,
                Event.COMPLAINT_MADE,
                subject=subject,
                body=body,
                url=_link(complaint),
                context=ids,
            )
        queue = reverse("complaints_moderation:queue")
        for moderator in moderators():
            notify(
                moderator,
                Event.COMPLAINT_MADE,
                subject="A no-show was reported on Kith"
                if no_show
                else "A complaint was made on Kith",
                body="It is waiting in the complaints queue.",
                url=queue,
                context=ids,
            )

    _later(send)


def answered(complaint: Complaint) -> None:
    listing = complaint.booking.offer.listing
    _later(
        lambda: notify_person(
            complaint.booking.person,
            Event.COMPLAINT_ANSWERED,
            subject=f"{listing.title} answered your {_noun(complaint)}",
            body=f"{listing.title} answered about {_what(complaint)}. A moderator will look at "
            "the answer and what you said.",
            url=_link(complaint),
            context={"complaint": complaint.pk},
        )
    )


def _noun(complaint: Complaint) -> str:
    return (
        "report that they did not come"
        if complaint.kind == Complaint.Kind.NO_SHOW
        else ("complaint")
    )


def closed(complaint: Complaint) -> None:
    """Resolved or escalated: both sides are told, with the moderator's note on the page."""
    booking = complaint.booking
    if complaint.status == Complaint.Status.ESCALATED:
        subject = f"Your {_noun(complaint)} about {booking.offer.listing.title} was passed on"
        body = (
            f"A moderator passed on the {_noun(complaint)} about {_what(complaint)}. "
            "Their note says to whom and what happens next."
        )
        owner_subject = f"A complaint about {booking.offer.title} was passed on"
    else:
        outcome = complaint.get_outcome_display().lower()
        subject = f"Your {_noun(complaint)} about {booking.offer.listing.title} is resolved"
        body = (
            f"A moderator looked at the {_noun(complaint)} about {_what(complaint)}: "
            f"{outcome}. Their note says what was found and done."
        )
        owner_subject = f"The complaint about {booking.offer.title} is resolved: {outcome}"
    if complaint.kind == Complaint.Kind.NO_SHOW and complaint.status == Complaint.Status.RESOLVED:
        if complaint.outcome == Complaint.Outcome.UPHELD:
            body += (
                " The booking cannot be marked as delivered; it can be cancelled, which "
                "releases any money held."
            )
        else:
            body += " The booking can now be marked as delivered."
    ids = {"complaint": complaint.pk}

    def send():
        notify_person(
            booking.person,
            Event.COMPLAINT_CLOSED,
            subject=subject,
            body=body,
            url=_link(complaint),
            context=ids,
        )
        owner = ownership.account_holder(booking.offer.listing)
        if owner is not None:
            notify(
                owner,
                Event.COMPLAINT_CLOSED,
                subject=owner_subject,
                body=body,
                url=_link(complaint),
                context=ids,
            )

    _later(send)
