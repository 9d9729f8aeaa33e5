"""Telling people what happened to a booking: by notification (and email, if they want it).

Sent once the change is committed (``transaction.on_commit``), so nobody is
told about something that was then rolled back. The payer of an invoice
(a managed account or ISF provider) usually has no Kith account, so they get
an email with the invoice's details, how to pay, the reference and a signed
link to the invoice (``marketplace.payments.payer``).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from accounts.notifications import Event, notify, notify_person
from marketplace.models import Booking, Invoice
from marketplace.payments import payer


def _link(booking: Booking) -> str:
    return reverse("marketplace:booking_detail", args=[booking.pk])


def _what(booking: Booking) -> str:
    return f"{booking.offer.title} with {booking.offer.listing.title}"


def _later(send):
    transaction.on_commit(send)


def requested(booking: Booking) -> None:
    owner = booking.offer.listing.owner
    if owner is None:
        return
    _later(
        lambda: notify(
            owner,
            Event.BOOKING_REQUESTED,
            subject=f"{booking.person} asks to book {booking.offer.title}",
            body=(
                f"{booking.person} would like {booking.quantity} × {booking.offer.title} "
                f"(£{booking.amount}). Accept or decline it, and say why if you decline."
            ),
            url=_link(booking),
            context={"booking": booking.pk},
        )
    )


PERSON_SIDE = {
    Booking.Status.ACCEPTED: (
        Event.BOOKING_ACCEPTED,
        "{listing} accepted your booking",
        "{what} is booked. {money}",
    ),
    Booking.Status.DECLINED: (
        Event.BOOKING_DECLINED,
        "{listing} could not take your booking",
        "{what} was declined: {note} Nothing has been taken. You could look for another option.",
    ),
    Booking.Status.DELIVERED: (
        Event.BOOKING_DELIVERED,
        "{listing} marked your booking as delivered",
        "{what} is marked as delivered. {money}",
    ),
    Booking.Status.PAID: (
        Event.BOOKING_DELIVERED,
        "{listing} marked your booking as delivered and paid",
        "{what} is delivered and paid. It shows on your spend statement.",
    ),
    Booking.Status.CANCELLED: (
        Event.BOOKING_CANCELLED,
        "Your booking of {title} is cancelled",
        "{what} is cancelled. Nothing is owed: anything held is released and anything taken "
        "is refunded.",
    ),
}


def changed(booking: Booking, note: str = "") -> None:
    """Tell the person (and their representatives) that the booking moved on."""
    if booking.status not in PERSON_SIDE:
        return
    event, subject, body = PERSON_SIDE[booking.status]
    card = booking.payment_route == "card"
    money = (
        "The price is held on your card and taken when it is delivered."
        if booking.status == Booking.Status.ACCEPTED and card
        else "An invoice goes to whoever holds your money when it is delivered."
        if booking.status == Booking.Status.ACCEPTED
        else "If your card could not be charged, you can give another card on the booking page."
        if card
        else "An invoice has been sent to whoever holds your money."
    )
    words = {
        "listing": booking.offer.listing.title,
        "title": booking.offer.title,
        "what": _what(booking),
        "money": money,
        "note": (note or "no reason given.").rstrip(".") + ".",
    }
    _later(
        lambda: notify_person(
            booking.person,
            event,
            subject=subject.format(**words),
            body=body.format(**words),
            url=_link(booking),
            context={"booking": booking.pk},
        )
    )


def invoice_issued(invoice: Invoice) -> None:
    """Email the payer the invoice (``payments.payer``), and tell the person it was sent."""
    url = reverse("marketplace:invoice_detail", args=[invoice.pk])
    payer.send_invoice(invoice)
    _later(
        lambda: notify_person(
            invoice.person,
            Event.INVOICE_ISSUED,
            subject=f"Invoice {invoice.number} for £{invoice.amount} was sent",
            body=(
                f"Invoice {invoice.number} was sent to {invoice.payer_name}"
                + (f" ({invoice.payer_email})" if invoice.payer_email else "")
                + ". It shows on your spend statement."
            ),
            url=url,
            context={"invoice": invoice.pk},
        )
    )
