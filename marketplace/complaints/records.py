"""The complaint transition table, and what a complaint means for its booking's money.

Below ``marketplace.bookings`` in the import order: bookings ask
``delivery_hold`` before a booking is marked delivered or paid.

A no-show that is open, answered or escalated, or that a moderator upheld,
holds the booking: it cannot be marked delivered (so a card hold is never
captured) or paid until a moderator has looked and found the provider did
come. Either side may still cancel an accepted booking, which releases the
hold. A complaint of any other kind does not touch the money.
"""

from __future__ import annotations

from marketplace.models import Complaint
from marketplace.states import Transitions

Status = Complaint.Status

COMPLAINT_TRANSITIONS = Transitions(
    "complaint",
    {
        Status.OPEN: {Status.ANSWERED, Status.RESOLVED, Status.ESCALATED},
        Status.ANSWERED: {Status.RESOLVED, Status.ESCALATED},
        # Passed on (to the council, safeguarding, the police), then closed here.
        Status.ESCALATED: {Status.RESOLVED},
        Status.RESOLVED: set(),
    },
)

# Complaints a moderator has not closed yet.
LIVE = (Status.OPEN, Status.ANSWERED, Status.ESCALATED)


def holding_no_shows(booking):
    """The no-show reports about ``booking`` that stop it being delivered or paid."""
    return booking.complaints.filter(kind=Complaint.Kind.NO_SHOW).exclude(
        status=Status.RESOLVED, outcome=Complaint.Outcome.NOT_UPHELD
    )


def delivery_hold(booking) -> str:
    """Why ``booking`` cannot be marked delivered or paid now, or "" if it can."""
    no_show = holding_no_shows(booking).first()
    if no_show is None:
        return ""
    if no_show.status == Status.RESOLVED:
        return (
            "A moderator upheld the report that the provider did not come, so this booking "
            "cannot be marked as delivered. It can be cancelled, which releases any money held."
        )
    return (
        "The person reported that the provider did not come. The booking cannot be marked "
        "as delivered or paid until a moderator has looked at it; nothing is taken meanwhile."
    )
