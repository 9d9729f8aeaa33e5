"""Complaints and no-shows: open → answered → resolved or escalated (``COMPLAINT_TRANSITIONS``).

Who may do what:

- the person booked, or a representative who acts for them, reports that the
  provider did not come (accepted, delivered or paid bookings) or complains
  (any booking that was more than a request), in their own words with a
  category. Reporting the same kind again while it is being looked at
  returns the complaint already made;
- the listing's owner answers once, in writing; answering again changes
  nothing;
- a moderator resolves it (upheld or not, with a note) or escalates it
  (passed on, with a note saying to whom), and may later resolve an
  escalated one.

Each step records a ComplaintEvent and is safe to call twice. A no-show holds
the booking's money (``records.delivery_hold``). Locks: the booking, then the
complaint.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from marketplace.bookings import services as bookings
from marketplace.complaints import notices
from marketplace.complaints.records import COMPLAINT_TRANSITIONS, LIVE, delivery_hold
from marketplace.enquiries.services import is_moderator
from marketplace.models import Booking, Complaint, ComplaintEvent

Kind = Complaint.Kind
Status = Complaint.Status
BookingStatus = Booking.Status

# Booking statuses each kind of report can be made about.
NO_SHOW_STATUSES = (BookingStatus.ACCEPTED, BookingStatus.DELIVERED, BookingStatus.PAID)
COMPLAINT_STATUSES = (
    BookingStatus.ACCEPTED,
    BookingStatus.DELIVERED,
    BookingStatus.PAID,
    BookingStatus.CANCELLED,
    BookingStatus.DECLINED,
)


class ComplaintError(ValueError):
    """A complaint cannot change the way someone tried to; the message says why."""


def _user(by):
    return by if by is not None and by.is_authenticated else None


def kinds_allowed(booking: Booking) -> list[str]:
    """The kinds of report the person's side can make about ``booking`` now."""
    kinds = []
    if booking.status in NO_SHOW_STATUSES:
        kinds.append(Kind.NO_SHOW)
    if booking.status in COMPLAINT_STATUSES:
        kinds.append(Kind.COMPLAINT)
    return kinds


def is_party(user, complaint: Complaint) -> bool:
    booking = complaint.booking
    return bookings.acts_for_person(user, booking) or bookings.is_owner(user, booking)


def get_complaint_for(user, pk) -> Complaint:
    """The complaint if ``user`` is the person's side or the owner, else 404."""
    try:
        complaint = Complaint.objects.select_related(
            "booking__offer__listing", "booking__person", "made_by", "answered_by"
        ).get(pk=pk)
    except Complaint.DoesNotExist:
        raise Http404("No such complaint.") from None
    if not is_party(user, complaint):
        raise Http404("No such complaint.")
    return complaint


def _move(complaint: Complaint, to: str, by, note: str = "", fields=()) -> bool:
    """Move a locked complaint along its table; False if it is there already."""
    if not COMPLAINT_TRANSITIONS.step(complaint.status, to):
        return False
    ComplaintEvent.objects.create(
        complaint=complaint, from_status=complaint.status, to_status=to, by=_user(by), note=note
    )
    complaint.status = to
    complaint.save(update_fields=["status", *fields])
    return True


def _lock(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("booking__offer__listing", "booking__person")
        .get(pk=complaint.pk)
    )


@transaction.atomic
def make_complaint(
    booking: Booking, by, kind: str, what_happened: str, category: str = ""
) -> Complaint:
    """The person's side reports a no-show or complains; the provider and moderators are told."""
    booking = bookings.lock(booking)
    if not bookings.acts_for_person(by, booking):
        raise PermissionDenied(
            "Only the person booked, or someone who acts for them, can report a problem "
            "with this booking."
        )
    if kind not in Kind.values:
        raise ComplaintError("Choose whether the provider did not come or you want to complain.")
    if kind not in kinds_allowed(booking):
        if kind == Kind.NO_SHOW:
            raise ComplaintError(
                "You can report that the provider did not come once the booking is accepted."
            )
        raise ComplaintError("You can complain once the provider has answered your request.")
    if kind == Kind.NO_SHOW:
        category = Complaint.Category.NO_SHOW
    elif category not in Complaint.Category.values or category == Complaint.Category.NO_SHOW:
        raise ComplaintError("Choose what the complaint is about.")
    what_happened = (what_happened or "").strip()
    if not what_happened:
        raise ComplaintError("Say what happened, in your own words.")
    existing = booking.complaints.filter(kind=kind, status__in=LIVE).first()
    if existing is not None:
        return existing
    complaint = Complaint.objects.create(
        booking=booking,
        kind=kind,
        category=category,
        what_happened=what_happened,
        made_by=_user(by),
    )
    ComplaintEvent.objects.create(
        complaint=complaint, from_status="", to_status=Status.OPEN, by=_user(by)
    )
    notices.made(complaint)
    return complaint


@transaction.atomic
def answer(complaint: Complaint, by, text: str) -> Complaint:
    """The provider answers once, in writing. A second answer changes nothing."""
    bookings.lock(complaint.booking)
    complaint = _lock(complaint)
    if not bookings.is_owner(by, complaint.booking):
        raise PermissionDenied("Only the provider who owns this listing can answer.")
    if complaint.answered_at is not None:
        return complaint
    if complaint.status != Status.OPEN:
        raise ComplaintError("A moderator has already closed this complaint.")
    text = (text or "").strip()
    if not text:
        raise ComplaintError("Write your answer.")
    complaint.answer = text
    complaint.answered_by = by
    complaint.answered_at = timezone.now()
    _move(complaint, Status.ANSWERED, by, fields=["answer", "answered_by", "answered_at"])
    notices.answered(complaint)
    return complaint


def _require_moderator(by, action: str) -> None:
    if _user(by) is None or not is_moderator(by):
        raise PermissionDenied(f"Only moderators can {action} a complaint.")


@transaction.atomic
def resolve(complaint: Complaint, by, outcome: str, note: str) -> Complaint:
    """A moderator closes the complaint: upheld or not, with a note both sides see.

    A no-show not upheld lets the booking be delivered again; one upheld keeps
    it from being delivered (either side can cancel it, releasing any hold).
    """
    _require_moderator(by, "resolve")
    bookings.lock(complaint.booking)
    complaint = _lock(complaint)
    if complaint.status == Status.RESOLVED:
        return complaint
    if outcome not in Complaint.Outcome.values:
        raise ComplaintError("Say whether the complaint is upheld.")
    note = (note or "").strip()
    if not note:
        raise ComplaintError("Write a note saying what was found and done; both sides see it.")
    complaint.outcome = outcome
    complaint.moderator_note = note
    complaint.closed_by = by
    complaint.closed_at = timezone.now()
    _move(
        complaint,
        Status.RESOLVED,
        by,
        note=note,
        fields=["outcome", "moderator_note", "closed_by", "closed_at"],
    )
    notices.closed(complaint)
    return complaint


@transaction.atomic
def escalate(complaint: Complaint, by, note: str) -> Complaint:
    """A moderator passes the complaint on (the council, safeguarding) and says to whom."""
    _require_moderator(by, "escalate")
    bookings.lock(complaint.booking)
    complaint = _lock(complaint)
    if complaint.status == Status.ESCALATED:
        return complaint
    note = (note or "").strip()
    if not note:
        raise ComplaintError("Say who the complaint was passed to, and why.")
    if not COMPLAINT_TRANSITIONS.allows(complaint.status, Status.ESCALATED):
        raise ComplaintError("This complaint is resolved, so it cannot be passed on now.")
    complaint.moderator_note = note
    complaint.closed_by = by
    _move(complaint, Status.ESCALATED, by, note=note, fields=["moderator_note", "closed_by"])
    notices.closed(complaint)
    return complaint


def open_complaints():
    """The moderators' queue: everything not resolved, no-shows first, oldest first."""
    return (
        Complaint.objects.filter(status__in=LIVE)
        .select_related("booking__offer__listing", "booking__person", "made_by")
        .order_by("-kind", "made_at")
    )


def for_booking(booking: Booking):
    return booking.complaints.select_related("made_by", "answered_by").order_by("made_at")


def hold_message(booking: Booking) -> str:
    return delivery_hold(booking)
