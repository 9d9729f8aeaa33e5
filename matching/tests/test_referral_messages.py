"""Contact after a referral: consent, the message thread, who reads it, and notifications.

Also the notifications a referral and a shared shortlist send.
"""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Notification
from accounts.notifications import Event
from directory.factories import make_listing
from matching import referrals, shortlists
from matching.models import Referral
from matching.tests.test_referrals import kith, refer  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db

Status = Referral.Status


def accepted(kith):  # noqa: F811
    referral = refer(kith)
    return referrals.accept_referral(referral, kith.ulo_staff)


def events_for(user):
    return list(Notification.objects.filter(user=user).values_list("event", flat=True))


def test_a_new_referral_tells_the_organisation(kith):  # noqa: F811
    referral = refer(kith)
    [note] = Notification.objects.filter(user=kith.ulo_staff)
    assert note.event == Event.REFERRAL_RECEIVED
    assert "Sam Patel" in note.subject and note.url == f"/plan/referrals/{referral.pk}/"
    assert any(m.to == [kith.ulo_staff.email] for m in mail.outbox)


def test_accepting_tells_the_person_their_representative_and_the_referrer(kith):  # noqa: F811
    accepted(kith)
    for user in (kith.holder, kith.representative, kith.practitioner):
        assert events_for(user) == [Event.REFERRAL_ACCEPTED], user
    assert events_for(kith.ulo_staff) == [Event.REFERRAL_RECEIVED]
    # Accepting twice tells nobody twice.
    referrals.accept_referral(Referral.objects.get(), kith.ulo_staff)
    assert len(events_for(kith.holder)) == 1


def test_declining_tells_them_the_reason(kith):  # noqa: F811
    referrals.decline_referral(refer(kith), kith.ulo_staff, "Our waiting list is full until May.")
    note = Notification.objects.get(user=kith.holder)
    assert "declined" in note.subject and "full until May" in note.body


def test_staff_cannot_write_until_the_person_agrees(kith):  # noqa: F811
    referral = accepted(kith)
    assert "not yet agreed" in referrals.why_cannot_write(kith.ulo_staff, referral)
    with pytest.raises(referrals.ReferralError):
        referrals.send_referral_message(referral, kith.ulo_staff, "Hello Sam")
    referral = referrals.record_contact_consent(referral, kith.representative)
    assert "Aisha Patel (representative)" in referral.contact_consent_note
    assert referral.events.filter(note__startswith="Agreed by").exists()
    assert Notification.objects.filter(user=kith.ulo_staff, event=Event.MESSAGE_RECEIVED).exists()
    referrals.send_referral_message(referral, kith.ulo_staff, "Hello Sam, can I call on Tuesday?")
    for user in (kith.holder, kith.representative):
        assert Event.MESSAGE_RECEIVED in events_for(user)


def test_the_person_writing_first_records_consent(kith):  # noqa: F811
    referral = accepted(kith)
    referrals.send_referral_message(referral, kith.holder, "Mornings are best for me.")
    referral.refresh_from_db()
    assert referral.contact_consent_at is not None
    assert "the person themselves" in referral.contact_consent_note
    assert referral.messages.get().sender_role == "the person"


def test_no_thread_before_acceptance_nor_for_others(kith):  # noqa: F811
    referral = refer(kith)
    for user in (kith.holder, kith.ulo_staff):
        assert not referrals.can_read_thread(user, referral)
    referral = referrals.accept_referral(referral, kith.ulo_staff)
    referrals.send_referral_message(referral, kith.holder, "Hello")
    assert referrals.can_read_thread(kith.ulo_staff, referral)
    for user in (kith.practitioner, kith.other_ulo_staff, kith.provider):
        assert not referrals.can_read_thread(user, referral)
        assert list(referrals.thread_for(user, referral)) == []


def test_an_organisation_that_declines_no_longer_reads_the_thread(kith):  # noqa: F811
    referral = accepted(kith)
    referrals.send_referral_message(referral, kith.holder, "My phone number is 0161 480 0000")
    referral = referrals.decline_referral(referral, kith.ulo_staff, "We cannot help after all.")
    assert not referrals.can_read_thread(kith.ulo_staff, referral)
    assert referrals.can_read_thread(kith.holder, referral)
    with pytest.raises(referrals.ReferralError):
        referrals.send_referral_message(referral, kith.holder, "Why?")


def test_thread_pages(client, kith):  # noqa: F811
    referral = accepted(kith)
    url = reverse("matching:referral_detail", args=[referral.pk])
    client.force_login(kith.holder)
    page = client.get(url).content.decode()
    assert "Yes, they can contact me here" in page
    response = client.post(reverse("matching:referral_contact_consent", args=[referral.pk]))
    assert response.status_code == 302
    response = client.post(
        reverse("matching:referral_message", args=[referral.pk]),
        {"body": "Tuesday at <b>10</b> suits me."},
    )
    assert response.status_code == 302
    client.force_login(kith.ulo_staff)
    page = client.get(url).content.decode()
    assert "Tuesday at &lt;b&gt;10&lt;/b&gt; suits me." in page
    assert 'id="messages"' in page and 'for="id_body"' in page
    assert client.post(
        reverse("matching:referral_message", args=[referral.pk]), {"body": "  "}
    ).status_code == (400)


@pytest.mark.parametrize("who", ["practitioner", "other_ulo_staff", "provider"])
def test_others_cannot_read_or_post_through_the_pages(client, kith, who):  # noqa: F811
    referral = accepted(kith)
    referrals.send_referral_message(referral, kith.holder, "Private words")
    client.force_login(getattr(kith, who))
    response = client.get(reverse("matching:referral_detail", args=[referral.pk]))
    assert "Private words" not in response.content.decode()
    response = client.post(
        reverse("matching:referral_message", args=[referral.pk]), {"body": "Let me in"}
    )
    assert response.status_code in (400, 404)
    assert referral.messages.count() == 1


def test_sharing_a_shortlist_tells_the_person_and_representative(kith):  # noqa: F811
    listing = make_listing("club", "Stockport Swimming Club", "SK1 3XE")
    shortlists.add_to_shortlist(kith.plan, listing, kith.practitioner)
    shortlist = shortlists.open_shortlist(kith.plan)
    shortlists.share_shortlist(shortlist, kith.practitioner)
    for user in (kith.holder, kith.representative):
        [note] = Notification.objects.filter(user=user)
        assert note.event == Event.SHORTLIST_SHARED
        assert note.url == f"/plan/practitioner/shortlists/{shortlist.pk}/"
