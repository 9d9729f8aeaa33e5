"""Notifications: tell people when something happens that they need to act on or know about.

Every app calls one function when one of the events in ``EVENTS`` happens:

    from accounts.notifications import Event, notify

    notify(
        booking.person,
        Event.BOOKING_ACCEPTED,
        subject="Mersey Vale Care accepted your booking",
        body="Your booking for 6 hours a week from 6 January 2027 is confirmed.",
        url=reverse("marketplace:booking_detail", args=[booking.pk]),
        context={"booking": booking.pk},
    )

``notify`` keeps the notification for "My notifications" and emails it, in
plain English with a link to the page, unless the person turned that kind of
email off on My account. Links in emails start with ``KITH_BASE_URL``.
``notify_person`` does the same for a person and everyone who acts for them
(their representatives), so a son helping his mother hears what she hears.
``notify_address`` tells someone known only by an email address (the
managed account or ISF provider who pays an invoice): by ``notify`` if the
address has a Kith account, otherwise by the same email without an account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationPreference, Representation

logger = logging.getLogger(__name__)


class Event(models.TextChoices):
    """The kinds of event Kith tells people about. The value is stored; never rename one."""

    BOOKING_REQUESTED = "booking_requested", "Someone asks to book with you"
    BOOKING_ACCEPTED = "booking_accepted", "A booking is accepted"
    BOOKING_DECLINED = "booking_declined", "A booking is declined"
    BOOKING_DELIVERED = "booking_delivered", "Support is marked as delivered"
    BOOKING_CANCELLED = "booking_cancelled", "A booking is cancelled"
    INVOICE_ISSUED = "invoice_issued", "An invoice is sent to you"
    INVOICE_OVERDUE = "invoice_overdue", "An invoice is overdue"
    CREDIT_NOTE_ISSUED = "credit_note_issued", "A credit note is sent to you"
    REFERRAL_RECEIVED = "referral_received", "Your organisation receives a referral"
    REFERRAL_ACCEPTED = "referral_accepted", "A referral is accepted or declined"
    SHORTLIST_SHARED = "shortlist_shared", "Your practitioner shares a shortlist"
    POOL_FUNDED = "pool_funded", "A pool you joined has enough money"
    POOL_FAILED = "pool_failed", "A pool you joined did not reach its target"
    MESSAGE_RECEIVED = "message_received", "You get a message"
    LISTING_CLAIM_RECEIVED = "listing_claim_received", "Someone asks to help manage your listing"
    LISTING_CLAIM_DECIDED = "listing_claim_decided", "Your request to manage a listing is answered"
    COMPLAINT_MADE = "complaint_made", "A no-show or complaint is reported"
    COMPLAINT_ANSWERED = "complaint_answered", "A provider answers a complaint"
    COMPLAINT_CLOSED = "complaint_closed", "A moderator resolves or passes on a complaint"
    LISTING_SUSPENDED = "listing_suspended", "Your listing is suspended or back"
    CHECKS_VERIFIED = "checks_verified", "A moderator looks at your checks"
    CHECKS_EXPIRING = "checks_expiring", "Your insurance is running out"


@dataclass(frozen=True)
class EventInfo:
    """What the preferences form says about an event, and who it is mainly for."""

    hint: str
    group: str


# One row per event: the hint beside its tick box and the heading it sits under.
EVENTS: dict[str, EventInfo] = {
    Event.BOOKING_REQUESTED: EventInfo(
        "For providers and PAs: a person asks to book a place or hours.", "Bookings"
    ),
    Event.BOOKING_ACCEPTED: EventInfo("The provider or PA says yes to your booking.", "Bookings"),
    Event.BOOKING_DECLINED: EventInfo(
        "The provider or PA cannot take your booking, and says why.", "Bookings"
    ),
    Event.BOOKING_DELIVERED: EventInfo(
        "The provider or PA says the support has happened.", "Bookings"
    ),
    Event.BOOKING_CANCELLED: EventInfo("A booking you are part of is cancelled.", "Bookings"),
    Event.INVOICE_ISSUED: EventInfo("An invoice to pay from a budget you look after.", "Money"),
    Event.INVOICE_OVERDUE: EventInfo(
        "A reminder that an invoice to a budget you look after is not paid yet.", "Money"
    ),
    Event.CREDIT_NOTE_ISSUED: EventInfo(
        "Money taken off an invoice, for example after a refund.", "Money"
    ),
    Event.POOL_FUNDED: EventInfo(
        "A group buying pool you put money in reaches its target.", "Money"
    ),
    Event.POOL_FAILED: EventInfo(
        "A group buying pool you put money in closes without reaching its target.", "Money"
    ),
    Event.REFERRAL_RECEIVED: EventInfo(
        "For user-led organisations: someone is referred to you.", "Referrals and plans"
    ),
    Event.REFERRAL_ACCEPTED: EventInfo(
        "An organisation answers a referral for you or that you made.", "Referrals and plans"
    ),
    Event.SHORTLIST_SHARED: EventInfo(
        "Your practitioner shares a list of options for your plan.", "Referrals and plans"
    ),
    Event.MESSAGE_RECEIVED: EventInfo(
        "A new message in a conversation you are part of.", "Messages"
    ),
    Event.LISTING_CLAIM_RECEIVED: EventInfo(
        "For providers and PAs: someone asks to help manage a listing you own.", "Your listings"
    ),
    Event.LISTING_CLAIM_DECIDED: EventInfo(
        "A moderator or owner answers your request to manage a listing.", "Your listings"
    ),
    Event.COMPLAINT_MADE: EventInfo(
        "For providers, PAs and moderators: someone reports a no-show or complains about a "
        "booking.",
        "Safety",
    ),
    Event.COMPLAINT_ANSWERED: EventInfo(
        "The provider or PA answers a complaint you made.", "Safety"
    ),
    Event.COMPLAINT_CLOSED: EventInfo(
        "A moderator resolves a complaint you made or that is about you, or passes it on.",
        "Safety",
    ),
    Event.LISTING_SUSPENDED: EventInfo(
        "For owners: a moderator takes your listing out of the directory, or puts it back.",
        "Your listing",
    ),
    Event.CHECKS_VERIFIED: EventInfo(
        "For owners: a moderator checks your CQC registration or insurance.", "Your listing"
    ),
    Event.CHECKS_EXPIRING: EventInfo(
        "For owners: your insurance runs out within 30 days, or has run out.", "Your listing"
    ),
}


def absolute_url(path: str) -> str:
    """``path`` as a full address starting with ``KITH_BASE_URL``; full addresses pass through."""
    if not path or urlsplit(path).scheme:
        return path
    return settings.KITH_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def wants_email(user, event: str) -> bool:
    """Email is on for every event until the person turns it off."""
    preference = NotificationPreference.objects.filter(user=user, event=event).first()
    return preference is None or preference.email


def email_choices(user) -> dict[str, bool]:
    """Every event and whether ``user`` gets email about it."""
    off = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list(
            "event", flat=True
        )
    )
    return {event.value: event.value not in off for event in Event}


def set_email_choices(user, wanted: set[str]) -> None:
    """Email ``user`` about the events in ``wanted`` and not about the others."""
    for event in Event:
        NotificationPreference.objects.update_or_create(
            user=user, event=event.value, defaults={"email": event.value in wanted}
        )


def notify(
    user,
    event: str,
    *,
    subject: str,
    body: str,
    url: str = "",
    context: dict | None = None,
) -> Notification:
    """Tell ``user`` about ``event``: keep it for "My notifications" and email them if they want.

    ``subject`` is one plain line ("Mersey Vale Care accepted your booking");
    ``body`` one or two plain sentences saying what happened and what to do
    next; ``url`` the path of the page to look at; ``context`` a few ids,
    JSON-serialisable, for finding what the notification is about. Both are
    plain text: they are escaped on the page and sent as they are by email.
    The email goes at once; if the mail server refuses it, the notification
    is still kept and the failure is logged.
    """
    event = Event(event).value
    notification = Notification.objects.create(
        user=user,
        event=event,
        subject=subject[:200],
        body=body,
        url=url,
        context=context or {},
    )
    if user.is_active and user.email and wants_email(user, event):
        message = render_to_string(
            "accounts/email/notification.txt",
            {
                "user": user,
                "notification": notification,
                "link": absolute_url(url),
                "preferences_link": absolute_url(reverse("accounts:notifications")),
            },
        )
        try:
            send_mail(subject[:200], message, None, [user.email])
        except Exception:  # noqa: BLE001 - a mail outage must not undo what happened
            logger.exception("Could not email notification %s to user %s", event, user.pk)
        else:
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
    return notification


def notify_address(
    email: str,
    event: str,
    *,
    name: str,
    subject: str,
    body: str,
    url: str = "",
    context: dict | None = None,
) -> bool:
    """Tell whoever reads ``email``; True if an email went (or a notification was kept).

    An address with an active Kith account gets an ordinary ``notify`` (and
    so a line in "My notifications"); any other address gets the same email,
    greeting ``name``, with no link to notification settings it does not have.
    """
    if not email:
        return False
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        notify(user, event, subject=subject, body=body, url=url, context=context)
        return True
    message = render_to_string(
        "accounts/email/notification.txt",
        {"user": name, "notification": {"body": body}, "link": absolute_url(url)},
    )
    try:
        send_mail(subject[:200], message, None, [email])
    except Exception:  # noqa: BLE001 - a mail outage must not undo what happened
        logger.exception("Could not email %s to an address without an account", event)
        return False
    return True


def acting_for(person) -> list:
    """``person`` and everyone who has accepted to act for them (their representatives)."""
    representatives = [
        link.representative
        for link in Representation.objects.filter(
            budget_holder=person, status=Representation.Status.ACCEPTED
        ).select_related("representative")
    ]
    return [person, *representatives]


def notify_person(person, event: str, **kwargs) -> list[Notification]:
    """``notify`` the person and each of their representatives (same subject, body and link)."""
    return [notify(user, event, **kwargs) for user in acting_for(person)]


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, pks=None) -> int:
    """Mark ``user``'s notifications read: those in ``pks``, or all. Others' are untouched."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    return unread.update(read_at=timezone.now())
