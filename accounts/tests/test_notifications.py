import re

import pytest
from django.contrib.sites.models import Site
from django.core import mail

from accounts.apps import site_from_base_url
from accounts.models import Notification, Representation
from accounts.notifications import (
    Event,
    absolute_url,
    email_choices,
    notify,
    notify_person,
    set_email_choices,
)
from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def maureen(user_factory):
    return user_factory(
        email="maureen@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )


def _accepted(maureen, user_factory):
    david = user_factory(email="david@example.org", display_name="David")
    Representation.objects.create(
        budget_holder=maureen,
        representative=david,
        invited_email=david.email,
        status=Representation.Status.ACCEPTED,
    )
    return david


def test_notify_keeps_the_notification_and_emails_a_plain_link(maureen, settings):
    settings.KITH_BASE_URL = "http://127.0.0.1:8123"
    note = notify(
        maureen,
        Event.BOOKING_ACCEPTED,
        subject="Mersey Vale Care accepted your booking",
        body="Your Tuesday afternoons are booked from 6 January 2027.",
        url="/marketplace/bookings/7/",
        context={"booking": 7},
    )
    assert Notification.objects.get() == note
    assert note.context == {"booking": 7} and note.emailed_at is not None
    [email] = mail.outbox
    assert email.to == ["maureen@example.org"]
    assert email.subject == "Mersey Vale Care accepted your booking"
    assert "Hello Maureen," in email.body
    assert "http://127.0.0.1:8123/marketplace/bookings/7/" in email.body
    assert "http://127.0.0.1:8123/account/notifications/" in email.body
    assert "&#x27;" not in email.body and "&amp;" not in email.body


def test_text_is_sent_as_written_by_email_and_escaped_on_the_page(client, maureen):
    notify(maureen, Event.MESSAGE_RECEIVED, subject="Tom & Jo's <b>note</b>", body="<script>x")
    assert "Tom & Jo's <b>note</b>" == mail.outbox[0].subject
    assert "<script>x" in mail.outbox[0].body
    client.force_login(maureen)
    page = client.get("/account/notifications/").content.decode()
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_turning_an_email_off_still_keeps_the_notification(client, maureen):
    client.force_login(maureen)
    wanted = {e.value: "on" for e in Event if e != Event.INVOICE_ISSUED}
    response = client.post("/account/notifications/preferences/", wanted)
    assert response.status_code == 302
    assert email_choices(maureen)[Event.INVOICE_ISSUED] is False
    assert email_choices(maureen)[Event.BOOKING_ACCEPTED] is True
    notify(maureen, Event.INVOICE_ISSUED, subject="Invoice KITH-0001", body="£96.00 is due.")
    assert mail.outbox == []
    assert maureen.notifications.get().emailed_at is None
    notify(maureen, Event.BOOKING_ACCEPTED, subject="Booked", body="Confirmed.")
    assert len(mail.outbox) == 1
    # The form shows the choice as saved.
    page = client.get("/account/").content.decode()
    assert 'name="invoice_issued"' in page and '<h2 id="emails">Emails we send you</h2>' in page
    assert "<title>My account – Kith</title>" in page
    assert not re.search(r'<input[^>]*id="id_invoice_issued"[^>]*checked', page)
    assert re.search(r'<input[^>]*id="id_booking_accepted"[^>]*checked', page)


def test_unknown_event_is_refused(maureen):
    with pytest.raises(ValueError):
        notify(maureen, "party_invitation", subject="x", body="y")


def test_notify_person_reaches_their_representatives(maureen, user_factory):
    david = _accepted(maureen, user_factory)
    notes = notify_person(maureen, Event.SHORTLIST_SHARED, subject="A shortlist", body="Look.")
    assert {n.user for n in notes} == {maureen, david}
    assert sorted(m.to[0] for m in mail.outbox) == ["david@example.org", "maureen@example.org"]


def test_my_notifications_lists_only_mine_and_marks_read(client, maureen, user_factory):
    other = user_factory(email="other@example.org")
    mine = notify(maureen, Event.BOOKING_DECLINED, subject="No places", body="Sorry.")
    theirs = notify(other, Event.BOOKING_DECLINED, subject="Secret subject", body="x")
    client.force_login(maureen)
    page = client.get("/account/notifications/").content.decode()
    assert "No places" in page and "Secret subject" not in page
    assert "1 unread notification" in page
    assert 'Notifications <span class="count">(1 new)' in page
    # Marking someone else's notification does nothing.
    client.post("/account/notifications/read/", {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/account/notifications/read/", {"notification": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "no unread notifications" in client.get("/account/notifications/").content.decode()


def test_mark_all_read_and_csrf(client, maureen):
    from django.test import Client

    notify(maureen, Event.POOL_FUNDED, subject="Pool funded", body="The minibus is paid for.")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(maureen)
    assert strict.post("/account/notifications/read/").status_code == 403
    client.force_login(maureen)
    client.post("/account/notifications/read/")
    assert not maureen.notifications.filter(read_at__isnull=True).exists()


def test_pages_need_sign_in(client):
    assert client.get("/account/notifications/").status_code == 302


def test_set_email_choices_is_stored_per_event(maureen):
    set_email_choices(maureen, {Event.MESSAGE_RECEIVED})
    choices = email_choices(maureen)
    assert choices[Event.MESSAGE_RECEIVED] and not choices[Event.BOOKING_REQUESTED]


def test_absolute_url_uses_base_url(settings):
    settings.KITH_BASE_URL = "https://kith.example.org"
    assert absolute_url("/help/") == "https://kith.example.org/help/"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert absolute_url("") == ""


def test_site_domain_follows_base_url(settings):
    settings.KITH_BASE_URL = "http://127.0.0.1:8123"
    site_from_base_url(using="default")
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("127.0.0.1:8123", "Kith")
