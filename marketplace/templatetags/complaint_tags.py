"""A booking's complaints and whether a no-show holds its delivery, for the booking page."""

from django import template

from marketplace.complaints import services as complaints

register = template.Library()


@register.simple_tag
def booking_complaints(booking, user) -> dict:
    from marketplace.bookings import services as bookings

    return {
        "list": list(complaints.for_booking(booking)),
        "hold": complaints.hold_message(booking),
        "may_report": bookings.acts_for_person(user, booking)
        and bool(complaints.kinds_allowed(booking)),
    }
