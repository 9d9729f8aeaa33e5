"""No-shows and complaints about bookings, as the person, the provider and a moderator see them.

The person (or their representative) reports from the booking page; the
provider is told and answers once; a moderator resolves or escalates it from
the queue. A no-show holds the booking: it cannot be marked delivered, so a
card hold is never taken, until a moderator has looked.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from marketplace.bookings import services as bookings
from marketplace.complaints import services as complaints
from marketplace.complaints.records import COMPLAINT_TRANSITIONS, delivery_hold
from marketplace.models import Booking, Complaint, ComplaintEvent, Payment, PaymentRoute
from marketplace.states import TransitionRefused

pytestmark = pytest.mark.django_db

CARD = PaymentRoute.CARD
MANAGED = PaymentRoute.MANAGED_ACCOUNT
NO_SHOW = Complaint.Kind.NO_SHOW
COMPLAINT = Complaint.Kind.COMPLAINT
WORDS = "Nobody came on Saturday at 10. I waited at the pool for an hour <b>in the cold</b>."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator(user_factory):
    user = user_factory(display_name="Mo Ahmed", email="mod@example.org", roles=["moderator"])
    user.groups.add(Group.objects.get(name="Moderators"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def told(user, event: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event=event))


# --- The table ------------------------------------------------------------------------


def test_the_table_goes_open_answered_then_resolved_or_escalated():
    Status = Complaint.Status
    assert COMPLAINT_TRANSITIONS.step(Status.OPEN, Status.ANSWERED)
    assert COMPLAINT_TRANSITIONS.step(Status.ANSWERED, Status.ESCALATED)
    assert COMPLAINT_TRANSITIONS.step(Status.ESCALATED, Status.RESOLVED)
    assert not COMPLAINT_TRANSITIONS.step(Status.RESOLVED, Status.RESOLVED)  # already there
    assert COMPLAINT_TRANSITIONS.final(Status.RESOLVED)
    with pytest.raises(TransitionRefused):
        COMPLAINT_TRANSITIONS.step(Status.RESOLVED, Status.OPEN)
    with pytest.raises(TransitionRefused):
        COMPLAINT_TRANSITIONS.step(Status.ANSWERED, Status.OPEN)


# --- The whole journey, through the pages -------------------------------------------------


def test_no_show_reported_answered_and_resolved_with_everyone_told(
    market, moderator, django_capture_on_commit_callbacks, no_stripe
):
    booking = market.accepted(MANAGED)
    person = client_for(market.representative)  # Aisha reports for her father
    page = person.get(reverse("marketplace:booking_detail", args=[booking.pk])).content.decode()
    report_url = reverse("marketplace:complaint_new", args=[booking.pk])
    assert report_url in page

    with django_capture_on_commit_callbacks(execute=True):
        response = person.post(report_url, {"kind": NO_SHOW, "what_happened": WORDS})
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:complaint_detail", args=[complaint.pk])
    assert (complaint.kind, complaint.category, complaint.status) == (NO_SHOW, "no_show", "open")
    assert complaint.made_by == market.representative
    # The provider and the moderators are told; the moderators' note carries no words.
    [to_owner] = told(market.owner, "complaint_made")
    assert "did not come" in to_owner.subject and to_owner.url.endswith(f"/{complaint.pk}/")
    [to_moderator] = told(moderator, "complaint_made")
    assert "Nobody came" not in to_moderator.body
    assert to_moderator.url == reverse("complaints_moderation:queue")

    # The provider reads it (escaped), cannot deliver, and answers once.
    owner = client_for(market.owner)
    detail = owner.get(reverse("marketplace:complaint_detail", args=[complaint.pk]))
    html = detail.content.decode()
    assert "&lt;b&gt;in the cold&lt;/b&gt;" in html and "<b>in the cold" not in html
    assert "Your answer" in html
    booking_page = owner.get(reverse("marketplace:booking_detail", args=[booking.pk]))
    assert "You cannot mark this booking as delivered for now" in booking_page.content.decode()
    refused = owner.post(reverse("marketplace:booking_action", args=[booking.pk, "deliver"]))
    assert refused.status_code == 409
    assert "until a moderator has looked at it" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ACCEPTED

    answer_url = reverse("marketplace:complaint_answer", args=[complaint.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            owner.post(answer_url, {"text": "Our instructor was ill; we rang at 9."}).status_code
            == 302
        )
        owner.post(answer_url, {"text": "A second answer is not kept."})
    complaint.refresh_from_db()
    assert complaint.status == "answered"
    assert complaint.answer == "Our instructor was ill; we rang at 9."
    # Sam and Aisha both hear the answer.
    assert len(told(market.person, "complaint_answered")) == 1
    assert len(told(market.representative, "complaint_answered")) == 1

    # The moderator sees it in the queue and resolves it: upheld.
    admin = client_for(moderator)
    queue = admin.get(reverse("complaints_moderation:queue")).content.decode()
    assert "The provider did not come" in queue and "Complaints (1)" in queue
    assert (
        WORDS.split("<")[0]
        in admin.get(reverse("complaints_moderation:detail", args=[complaint.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("complaints_moderation:resolve", args=[complaint.pk]),
            {"outcome": "upheld", "note": "The provider agrees nobody came."},
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.closed_by) == (
        "resolved",
        "upheld",
        moderator,
    )
    assert told(market.person, "complaint_closed") and told(market.owner, "complaint_closed")
    # Upheld: still not deliverable; Sam's side can cancel (nothing owed).
    assert "upheld" in delivery_hold(booking)
    with pytest.raises(bookings.BookingError):
        bookings.deliver(booking, by=market.owner)
    bookings.cancel(booking, by=market.person, reason="They did not come.")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert [e.to_status for e in complaint.events.all()] == ["open", "answered", "resolved"]


def test_a_complaint_with_a_category_is_escalated_then_resolved(
    market, moderator, django_capture_on_commit_callbacks, no_stripe
):
    booking = market.delivered(MANAGED)
    client = client_for(market.person)
    url = reverse("marketplace:complaint_new", args=[booking.pk])
    form = client.get(url).content.decode()
    assert "The provider did not come" in form and "A complaint" in form
    missing = client.post(url, {"kind": COMPLAINT, "what_happened": "Shouted at me."})
    assert missing.status_code == 400
    assert "Choose what the complaint is about." in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"kind": COMPLAINT, "category": "conduct", "what_happened": "Shouted at me."}
        )
    complaint = Complaint.objects.get()
    assert complaint.get_category_display() == "How I was treated"
    # A complaint that is not a no-show does not hold the money.
    assert delivery_hold(booking) == ""

    with django_capture_on_commit_callbacks(execute=True):
        complaints.escalate(complaint, moderator, "Passed to Stockport adult safeguarding.")
        complaints.escalate(complaint, moderator, "Twice is a no-op.")
    complaint.refresh_from_db()
    assert complaint.status == "escalated"
    assert complaint.moderator_note == "Passed to Stockport adult safeguarding."
    assert len(told(market.person, "complaint_closed")) == 1
    # The provider can no longer answer after a moderator closed it.
    with pytest.raises(complaints.ComplaintError):
        complaints.answer(complaint, market.owner, "Late answer")
    complaints.resolve(complaint, moderator, "upheld", "Safeguarding team closed it.")
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    with pytest.raises(complaints.ComplaintError):
        complaints.escalate(complaint, moderator, "Too late")


# --- Twice-safe and who may ------------------------------------------------------------------


def test_every_step_is_safe_to_call_twice(market, moderator, no_stripe):
    booking = market.accepted(MANAGED)
    first = complaints.make_complaint(booking, market.person, NO_SHOW, WORDS)
    again = complaints.make_complaint(booking, market.representative, NO_SHOW, "Again")
    assert again.pk == first.pk and Complaint.objects.count() == 1
    complaints.answer(first, market.owner, "We came at 11.")
    complaints.answer(first, market.owner, "Changed my mind.")
    complaints.resolve(first, moderator, "not_upheld", "The pool's log shows they came.")
    complaints.resolve(first, moderator, "upheld", "A second call changes nothing.")
    first.refresh_from_db()
    assert (first.answer, first.outcome) == ("We came at 11.", "not_upheld")
    assert ComplaintEvent.objects.filter(complaint=first).count() == 3
    # Once resolved, a new report is a new complaint.
    later = complaints.make_complaint(booking, market.person, NO_SHOW, "They missed again.")
    assert later.pk != first.pk


@pytest.mark.parametrize("who", ["owner", "other_owner", "practitioner"])
def test_only_the_persons_side_reports(market, who, client, no_stripe):
    booking = market.accepted(MANAGED)
    with pytest.raises(PermissionDenied):
        complaints.make_complaint(booking, market.actor(who), NO_SHOW, WORDS)
    status = (
        client_for(market.actor(who))
        .get(reverse("marketplace:complaint_new", args=[booking.pk]))
        .status_code
    )
    assert status == (403 if who == "owner" else 404)


def test_only_the_owner_answers_and_only_parties_see(market, moderator, no_stripe):
    booking = market.accepted(MANAGED)
    complaint = complaints.make_complaint(booking, market.person, NO_SHOW, WORDS)
    with pytest.raises(PermissionDenied):
        complaints.answer(complaint, market.person, "I answer myself")
    with pytest.raises(PermissionDenied):
        complaints.resolve(complaint, market.owner, "not_upheld", "Not me")
    url = reverse("marketplace:complaint_detail", args=[complaint.pk])
    for who, status in [("person", 200), ("representative", 200), ("owner", 200)]:
        assert client_for(market.actor(who)).get(url).status_code == status
    for who in ("other_owner", "practitioner"):
        assert client_for(market.actor(who)).get(url).status_code == 404
    answer = reverse("marketplace:complaint_answer", args=[complaint.pk])
    assert client_for(market.person).post(answer, {"text": "x"}).status_code == 403
    assert client_for(market.other_owner).post(answer, {"text": "x"}).status_code == 404


def test_a_request_cannot_be_complained_about_yet(market, no_stripe):
    booking = market.request(MANAGED)
    assert complaints.kinds_allowed(booking) == []
    with pytest.raises(complaints.ComplaintError):
        complaints.make_complaint(booking, market.person, NO_SHOW, WORDS)
    url = reverse("marketplace:complaint_new", args=[booking.pk])
    assert client_for(market.person).get(url).status_code == 409


# --- The money: a card hold is not taken while a no-show is open -------------------------------


def test_no_show_on_a_card_booking_holds_the_card_until_a_moderator_looks(
    market, moderator, stripe_api
):
    booking = market.accepted(CARD)
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.AUTHORISED
    complaint = complaints.make_complaint(booking, market.person, NO_SHOW, WORDS)

    with pytest.raises(bookings.BookingError, match="until a moderator has looked"):
        bookings.deliver(booking, by=market.owner)
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert (booking.status, payment.status) == (Booking.Status.ACCEPTED, Payment.Status.AUTHORISED)
    assert stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent).status == (
        "requires_capture"
    )

    # Not upheld: the provider did come, so delivery takes the money.
    complaints.resolve(complaint, moderator, "not_upheld", "The pool's sign-in sheet shows Sam.")
    booking = bookings.deliver(booking, by=market.owner)
    payment.refresh_from_db()
    assert (booking.status, payment.status) == (Booking.Status.PAID, Payment.Status.CAPTURED)


def test_upheld_no_show_on_a_card_booking_is_cancelled_and_the_hold_released(
    market, moderator, stripe_api
):
    booking = market.accepted(CARD)
    complaint = complaints.make_complaint(booking, market.person, NO_SHOW, WORDS)
    complaints.resolve(complaint, moderator, "upheld", "Nobody came.")
    with pytest.raises(bookings.BookingError, match="upheld"):
        bookings.deliver(booking, by=market.owner)
    bookings.cancel(booking, by=market.owner, reason="We did not come.")
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.CANCELLED
    assert stripe_api.v1.payment_intents.retrieve(payment.stripe_payment_intent).status == (
        "canceled"
    )


def test_an_invoice_paid_elsewhere_is_still_recorded_while_a_no_show_is_open(market, no_stripe):
    booking = market.delivered(MANAGED)
    complaints.make_complaint(booking, market.person, NO_SHOW, WORDS)
    assert bookings.mark_paid(booking, by=market.owner).status == Booking.Status.PAID
