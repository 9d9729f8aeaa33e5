"""Enquiries: conversations between a person (or their representative) and a listing's owner.

Who takes part ("the parties"):

* the person side: the budget holder the enquiry is about, and any
  representative they named (``accounts.representation.can_act_for``);
* the owner side: the owner of the listing (its Wagtail page owner).

Nobody else may see an enquiry, not even whether it exists. Each new message
is emailed to the other side with a link back to the conversation and only
the first 200 characters of the text: messages often carry health details,
and email is less private than the site.

A party may report a message; the report waits in the moderators' queue in
the Wagtail admin, and moderators are emailed at once so safeguarding
concerns reach someone quickly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from accounts.representation import can_act_for, represented_people
from accounts.roles import Role
from directory import ownership
from directory.models import ListingPage
from directory.safety.records import is_suspended
from marketplace.models import Enquiry, Message, MessageReport
from matching.access import log_access, log_person_access
from matching.models import SupportPlan

# Email carries no more of someone's words than this; the rest is on the site.
EMAIL_EXCERPT_CHARS = 200


class EnquiryError(ValueError):
    """An enquiry, message or report that is not allowed; the message says why."""


# --- Shared helpers -----------------------------------------------------------


def excerpt(text: str) -> str:
    """The part of someone's words an email may carry."""
    return Truncator(text.strip()).chars(EMAIL_EXCERPT_CHARS)


def absolute_url(path: str, base_url: str | None = None) -> str:
    """A link for an email: emails need the site's address, pages do not."""
    base = base_url if base_url is not None else settings.WAGTAILADMIN_BASE_URL
    return base.rstrip("/") + path


def budget_holders_for(user) -> list:
    """The budget holders ``user`` may act for: themselves if they hold a budget, and
    everyone who named them as representative. Enquiries and PA adverts are made
    for one of these people."""
    if not user.is_authenticated:
        return []
    people = [user] if user.has_role(Role.BUDGET_HOLDER) else []
    people += [
        p for p in represented_people(user).order_by("display_name", "pk") if p.pk != user.pk
    ]
    return people


def moderators():
    """Who looks after reports: the Moderators group, anyone given the role, and superusers."""
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name=settings.KITH_MODERATORS_GROUP)
            | Q(role_grants__role=Role.MODERATOR)
            | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
    )


def is_moderator(user) -> bool:
    return user.is_authenticated and (user.is_superuser or moderators().filter(pk=user.pk).exists())


# --- Who takes part -----------------------------------------------------------


def is_owner_side(user, enquiry: Enquiry) -> bool:
    return ownership.manages(user, enquiry.listing)


def is_person_side(user, enquiry: Enquiry) -> bool:
    return can_act_for(user, enquiry.person)


def is_party(user, enquiry: Enquiry) -> bool:
    return is_person_side(user, enquiry) or is_owner_side(user, enquiry)


def get_enquiry_for(user, pk) -> Enquiry:
    """The enquiry if ``user`` takes part in it, else 404 (its existence is not revealed)."""
    try:
        enquiry = Enquiry.objects.select_related("listing", "person").get(pk=pk)
    except Enquiry.DoesNotExist:
        raise Http404("No such conversation.") from None
    if not is_party(user, enquiry):
        raise Http404("No such conversation.")
    return enquiry


def sent_by_owner(message: Message, enquiry: Enquiry) -> bool:
    return message.sender_id is not None and message.sender_id in ownership.manager_ids(
        enquiry.listing
    )


def _unread_for(user, enquiry: Enquiry):
    """Messages from the other side that nobody on ``user``'s side has opened yet."""
    unread = enquiry.messages.filter(read_at__isnull=True)
    if is_person_side(user, enquiry):
        return unread.filter(sender_id__in=ownership.manager_ids(enquiry.listing))
    # A message whose sender's account has closed came from the person's side.
    return unread.exclude(sender_id__in=ownership.manager_ids(enquiry.listing))


def mark_read(enquiry: Enquiry, viewer) -> int:
    """The viewer has seen the conversation: the other side's messages are now read."""
    if not is_party(viewer, enquiry):
        return 0
    return _unread_for(viewer, enquiry).update(read_at=timezone.now())


def log_view(enquiry: Enquiry, viewer, action: str = "read messages with") -> int:
    """A representative read the person's conversation on their behalf: say so in the access
    log of each of the person's support plans, where the person reads who has looked at their
    things; a person with no plan yet reads it on "Your data". The person's own reads and the
    listing owner's are not logged. Returns the lines written."""
    if viewer.pk == enquiry.person_id or not is_person_side(viewer, enquiry):
        return 0
    what = f"{action} {enquiry.listing.title}"
    plans = SupportPlan.objects.filter(person_id=enquiry.person_id)
    written = sum(1 for plan in plans if log_access(plan, viewer, what))
    if not written:
        written = 1 if log_person_access(enquiry.person_id, viewer, what) else 0
    return written


# --- Starting and replying ------------------------------------------------------


def why_cannot_enquire(user, listing: ListingPage) -> str:
    """Why ``user`` cannot start an enquiry about ``listing``, or "" if they can."""
    if not user.is_authenticated:
        return "Sign in to send a message."
    if not ownership.has_owner(listing):
        return (
            f"{listing.title} has no one on Kith to read messages yet. "
            "Use the contact details on the listing instead."
        )
    if is_suspended(listing):
        return f"{listing.title} cannot be messaged through Kith at the moment."
    people = [p for p in budget_holders_for(user) if not ownership.manages(p, listing)]
    if not people:
        if ownership.manages(user, listing):
            return "This is your own listing."
        return (
            "Messages to listings are for people with a personal budget and the "
            "representatives they have named."
        )
    return ""


def start_enquiry(
    listing: ListingPage,
    person,
    started_by,
    subject: str,
    body: str,
    base_url: str | None = None,
) -> Enquiry:
    """Open a conversation about ``listing`` for ``person`` with its first message."""
    problem = why_cannot_enquire(started_by, listing)
    if problem:
        raise EnquiryError(problem)
    if not listing.live:
        raise EnquiryError(f"{listing.title} is not in the directory at the moment.")
    if person.pk not in {p.pk for p in budget_holders_for(started_by)}:
        raise EnquiryError("You can only send messages for yourself or someone you act for.")
    if ownership.manages(person, listing):
        raise EnquiryError("This is your own listing.")
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise EnquiryError("Write a subject and a message.")
    with transaction.atomic():
        enquiry = Enquiry.objects.create(
            listing=listing, person=person, started_by=started_by, subject=subject
        )
        message = _add_message(enquiry, started_by, body)
    # Emails go once the conversation is saved, so a mail failure never loses a message.
    _notify(enquiry, message, base_url)
    return enquiry


def send_message(enquiry: Enquiry, sender, body: str, base_url: str | None = None) -> Message:
    """Add a reply to the conversation and tell the other side."""
    if not is_party(sender, enquiry):
        raise EnquiryError("Only the people in this conversation can reply.")
    body = body.strip()
    if not body:
        raise EnquiryError("Write a message.")
    with transaction.atomic():
        message = _add_message(enquiry, sender, body)
    _notify(enquiry, message, base_url)
    return message


def _add_message(enquiry: Enquiry, sender, body: str) -> Message:
    message = Message.objects.create(enquiry=enquiry, sender=sender, body=body)
    # The inbox lists the liveliest conversations first.
    Enquiry.objects.filter(pk=enquiry.pk).update(updated_at=timezone.now())
    return message


def _person_side_recipients(enquiry: Enquiry) -> list:
    """The person, and the representatives who have taken part and still act for them."""
    recipients = [enquiry.person]
    helpers = {enquiry.started_by_id} | set(enquiry.messages.values_list("sender_id", flat=True))
    helpers -= {None, enquiry.person_id} | ownership.manager_ids(enquiry.listing)
    for helper in get_user_model().objects.filter(pk__in=helpers):
        if can_act_for(helper, enquiry.person):
            recipients.append(helper)
    return recipients


def sender_label(enquiry: Enquiry, sender) -> str:
    """How a sender is named to the others: a representative is shown with who they act for."""
    if sender is None:
        return "Someone whose account has closed"
    if ownership.manages(sender, enquiry.listing):
        return f"{sender} ({enquiry.listing.title})"
    if sender.pk != enquiry.person_id:
        return f"{sender}, for {enquiry.person}"
    return str(sender)


def _notify(enquiry: Enquiry, message: Message, base_url: str | None) -> None:
    if sent_by_owner(message, enquiry):
        recipients = _person_side_recipients(enquiry)
    else:
        recipients = ownership.managers_of(enquiry.listing)
    recipients = [r for r in recipients if r.pk != message.sender_id and r.email]
    if not recipients:
        return
    context = {
        "enquiry": enquiry,
        "listing": enquiry.listing,
        "sender": sender_label(enquiry, message.sender),
        "excerpt": excerpt(message.body),
        "truncated": len(message.body.strip()) > EMAIL_EXCERPT_CHARS,
        "url": absolute_url(reverse("marketplace:enquiry_detail", args=[enquiry.pk]), base_url),
    }
    body = render_to_string("marketplace/email/new_message.txt", context)
    for recipient in recipients:
        # One email each, so no one learns another party's address.
        send_mail(
            f"New message on Kith about {enquiry.listing.title}",
            body,
            None,
            [recipient.email],
        )


# --- The inbox ------------------------------------------------------------------


@dataclass
class InboxRow:
    enquiry: Enquiry
    unread: int
    with_whom: str
    as_owner: bool
    last_message_at: object


def inbox_for(user) -> list[InboxRow]:
    """Every conversation ``user`` takes part in, liveliest first, with unread counts."""
    if not user.is_authenticated:
        return []
    people = [user.pk, *represented_people(user).values_list("pk", flat=True)]
    enquiries = (
        Enquiry.objects.filter(Q(person__in=people) | Q(listing__in=ownership.managed_by(user)))
        .select_related("listing", "person", "started_by")
        .annotate(
            unread_total=Count("messages", filter=Q(messages__read_at__isnull=True)),
            unread_from_owner=Count(
                "messages",
                filter=Q(
                    messages__read_at__isnull=True,
                    messages__sender_id__in=ownership.manager_ids_of(OuterRef("listing")),
                ),
            ),
            last_message_at=Max("messages__sent_at"),
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")
    )
    rows = []
    for enquiry in enquiries:
        as_person = enquiry.person_id in people
        if as_person:
            unread = enquiry.unread_from_owner
            with_whom = enquiry.listing.title
            if enquiry.person_id != user.pk:
                with_whom += f" (for {enquiry.person})"
        else:
            unread = enquiry.unread_total - enquiry.unread_from_owner
            with_whom = f"{enquiry.person} about {enquiry.listing.title}"
        rows.append(InboxRow(enquiry, unread, with_whom, not as_person, enquiry.last_message_at))
    return rows


def unread_count(user) -> int:
    return sum(row.unread for row in inbox_for(user))


# --- Reports ------------------------------------------------------------------


def report_message(
    message: Message, user, reason: str, base_url: str | None = None
) -> MessageReport:
    """A party asks a moderator to look at a message. Reporting it again updates the reason."""
    enquiry = message.enquiry
    if not is_party(user, enquiry):
        raise EnquiryError("Only the people in this conversation can report its messages.")
    if message.sender_id == user.pk:
        raise EnquiryError("You cannot report your own message.")
    reason = reason.strip()
    if not reason:
        raise EnquiryError("Say what is wrong with the message.")
    report = MessageReport.objects.filter(
        message=message, reported_by=user, resolved_at__isnull=True
    ).first()
    if report is not None:
        report.reason = reason
        report.save(update_fields=["reason"])
        return report
    report = MessageReport.objects.create(message=message, reported_by=user, reason=reason)
    _notify_moderators(report, base_url)
    return report


def _notify_moderators(report: MessageReport, base_url: str | None) -> None:
    """Tell moderators a report is waiting. The email has no names or words: only a link."""
    addresses = [m.email for m in moderators() if m.email]
    if not addresses:
        return
    context = {
        "report": report,
        "url": absolute_url(reverse("marketplace_moderation:reports"), base_url),
    }
    send_mail(
        "A message on Kith has been reported",
        render_to_string("marketplace/email/message_reported.txt", context),
        None,
        addresses,
    )


def open_reports():
    return MessageReport.objects.filter(resolved_at__isnull=True).select_related(
        "message", "message__sender", "message__enquiry", "message__enquiry__listing", "reported_by"
    )


def resolve_report(report: MessageReport, moderator) -> MessageReport:
    """A moderator has dealt with the report. Resolving it twice changes nothing."""
    if not is_moderator(moderator):
        raise EnquiryError("Only moderators can resolve reports.")
    if report.resolved_at is None:
        report.resolved_at = timezone.now()
        report.resolved_by = moderator
        report.save(update_fields=["resolved_at", "resolved_by"])
    return report
