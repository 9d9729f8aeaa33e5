"""People hear when their booking moves on; the payer gets the invoice by email."""

import pytest
from django.core import mail

from accounts.models import Notification
from accounts.notifications import Event
from marketplace.bookings import services as bookings
from marketplace.models import PaymentRoute

pytestmark = pytest.mark.django_db

MANAGED = PaymentRoute.MANAGED_ACCOUNT


def test_every_step_of_an_invoiced_booking_is_told_to_the_right_people(
    market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = market.request(MANAGED)
    assert Notification.objects.get(user=market.owner).event == Event.BOOKING_REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        bookings.accept(booking, by=market.owner)
    accepted = Notification.objects.filter(event=Event.BOOKING_ACCEPTED)
    # The person and their representative (Aisha, his daughter) both hear.
    assert {n.user for n in accepted} == {market.person, market.representative}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bookings.deliver(booking, by=market.owner)
    to_payer = [m for m in mail.outbox if m.to == ["accounts@example.org"]]
    assert len(to_payer) == 1
    assert "KITH-" in to_payer[0].subject and "£45.00" in to_payer[0].subject
    assert "Please quote KITH-" in to_payer[0].body
    assert Notification.objects.filter(user=market.person, event=Event.INVOICE_ISSUED).exists()
    assert Notification.objects.filter(user=market.person, event=Event.BOOKING_DELIVERED).exists()


def test_a_declined_booking_tells_the_person_why(market, django_capture_on_commit_callbacks):
    booking = market.request(MANAGED)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.decline(booking, by=market.owner, reason="We are full until March.")
    note = Notification.objects.get(user=market.person, event=Event.BOOKING_DECLINED)
    assert "We are full until March." in note.body


def test_nobody_is_told_about_a_change_that_was_rolled_back(market, no_stripe):
    with pytest.raises(bookings.BookingError):
        market.request(MANAGED, quantity=500)
    assert not Notification.objects.exists()
