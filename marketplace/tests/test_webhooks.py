"""Stripe webhooks: signed, once only, never backwards, and converging with direct calls."""

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from django.urls import reverse

from marketplace.bookings import services as bookings
from marketplace.models import Booking, LedgerEntry, Payment, PaymentRoute, StripeEvent
from marketplace.payments import cards as payments
from marketplace.payments import webhooks

from .conftest import WEBHOOK_SECRET, make_event, signature_header

pytestmark = pytest.mark.django_db

CARD = PaymentRoute.CARD
PStatus = Payment.Status


def intent(payment, **fields):
    return {"id": payment.stripe_payment_intent, "object": "payment_intent", **fields}


def charge(payment, amount_refunded, refunds=None):
    obj = {
        "id": "ch_test_kith",
        "object": "charge",
        "payment_intent": payment.stripe_payment_intent,
        "amount": payments.to_pence(payment.amount),
        "amount_refunded": amount_refunded,
    }
    if refunds is not None:
        obj["refunds"] = {"object": "list", "data": refunds}
    return obj


@pytest.fixture
def authorised(market, stripe_api):
    """An accepted card booking whose £45 is held on the card."""
    booking = bookings.accept(market.request(CARD), by=market.owner)
    return payments.current_payment(booking)


# --- Signatures ------------------------------------------------------------------------------


def test_a_signed_event_is_processed(authorised, post_webhook):
    response = post_webhook(make_event("payment_intent.succeeded", intent(authorised)))
    assert response.status_code == 200
    assert response.content == b"payment captured"
    authorised.refresh_from_db()
    assert authorised.status == PStatus.CAPTURED
    assert LedgerEntry.objects.get().amount == Decimal("45.00")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="signed-with-another-secret"),
        pytest.param("", id="no-signature"),
        pytest.param("t=1700000000,v1=deadbeef", id="made-up-signature"),
    ],
)
def test_forged_webhook_is_refused_and_changes_nothing(authorised, post_webhook, header):
    event = make_event("payment_intent.succeeded", intent(authorised))
    if header is None:
        response = post_webhook(event, secret="whsec_someone_else")
    else:
        response = post_webhook(event, header=header)
    assert response.status_code == 400
    authorised.refresh_from_db()
    assert authorised.status == PStatus.AUTHORISED
    assert not StripeEvent.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_replayed_old_signature_is_refused(authorised, client):
    payload = json.dumps(make_event("payment_intent.succeeded", intent(authorised)))
    stale = signature_header(payload, timestamp=int(time.time()) - 3600)
    response = client.post(
        reverse("marketplace:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stale,
    )
    assert response.status_code == 400


def test_a_tampered_body_is_refused(authorised, client):
    event = make_event("payment_intent.canceled", intent(authorised))
    header = signature_header(json.dumps(event))
    event["data"]["object"]["id"] = "pi_someone_elses"
    response = client.post(
        reverse("marketplace:stripe_webhook"),
        data=json.dumps(event),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400


def test_webhooks_refused_when_no_secret_is_configured(authorised, post_webhook, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = post_webhook(make_event("payment_intent.succeeded", intent(authorised)))
    assert response.status_code == 400


def test_webhook_only_accepts_post(client):
    assert client.get(reverse("marketplace:stripe_webhook")).status_code == 405


# --- Once only, never backwards ----------------------------------------------------------------


def test_a_duplicated_event_is_processed_once(authorised, post_webhook):
    event = make_event("payment_intent.succeeded", intent(authorised))
    assert post_webhook(event).content == b"payment captured"
    second = post_webhook(event)
    assert second.status_code == 200
    assert second.content == b"already processed"
    assert StripeEvent.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_a_late_authorisation_event_does_not_move_a_captured_payment_back(authorised, post_webhook):
    post_webhook(make_event("payment_intent.succeeded", intent(authorised)))
    response = post_webhook(
        make_event("payment_intent.amount_capturable_updated", intent(authorised))
    )
    assert response.status_code == 200
    assert response.content == b"ignored: payment is captured"
    authorised.refresh_from_db()
    assert authorised.status == PStatus.CAPTURED


def test_a_late_failure_event_does_not_undo_an_authorisation(authorised, post_webhook):
    event = make_event(
        "payment_intent.payment_failed",
        intent(authorised, last_payment_error={"message": "Your card was declined."}),
    )
    assert post_webhook(event).content == b"ignored: payment is authorised"
    authorised.refresh_from_db()
    assert authorised.status == PStatus.AUTHORISED


def test_a_cancel_event_after_capture_is_ignored(authorised, post_webhook):
    payments.take(authorised)
    post_webhook(make_event("payment_intent.canceled", intent(authorised)))
    authorised.refresh_from_db()
    assert authorised.status == PStatus.CAPTURED


def test_events_for_payments_kith_does_not_know_are_acknowledged_and_logged(
    post_webhook, caplog, stripe_test_settings
):
    caplog.set_level("INFO", logger="marketplace.payments.webhooks")
    response = post_webhook(
        make_event(
            "charge.refunded",
            {
                "id": "ch_other",
                "object": "charge",
                "payment_intent": "pi_not_ours",
                "amount_refunded": 500,
            },
        )
    )
    assert response.status_code == 200
    assert response.content == b"ignored: unknown payment"
    assert "pi_not_ours" in caplog.text


def test_event_types_kith_does_not_use_are_acknowledged(post_webhook, stripe_test_settings):
    response = post_webhook(make_event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.content == b"ignored: not an event Kith uses"


# Storing a naive time would be read in Kith's own zone (Europe/London), not as Stripe's instant.
@pytest.mark.filterwarnings("error:DateTimeField .* received a naive datetime:RuntimeWarning")
def test_when_stripe_created_an_event_is_recorded_as_that_instant():
    # 01:30 UTC on 26 October 2025: the second 01:30 in London as the clocks go back.
    created = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    event = make_event("customer.created", {"id": "cus_1", "object": "customer"}, "evt_dst")
    event["created"] = int(created.timestamp())
    assert webhooks.handle_event(event) == "ignored: not an event Kith uses"
    assert StripeEvent.objects.get(event_id="evt_dst").created == created


# --- Events driving payments ---------------------------------------------------------------------


def test_authorisation_confirmed_by_the_bank_later_arrives_by_webhook(
    market, stripe_api, post_webhook
):
    """A card that needed the bank's check is authorised when Stripe says so."""
    payment = payments.current_payment(market.request(CARD))
    assert payment.status == PStatus.PENDING
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent="pi_waiting_for_bank")
    payment.refresh_from_db()
    post_webhook(make_event("payment_intent.amount_capturable_updated", intent(payment)))
    payment.refresh_from_db()
    assert payment.status == PStatus.AUTHORISED


def test_a_failed_payment_records_the_banks_reason(market, stripe_api, post_webhook):
    payment = payments.current_payment(market.request(CARD))
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent="pi_waiting_for_bank")
    payment.refresh_from_db()
    post_webhook(
        make_event(
            "payment_intent.payment_failed",
            intent(payment, last_payment_error={"message": "Your card has insufficient funds."}),
        )
    )
    payment.refresh_from_db()
    assert payment.status == PStatus.FAILED
    assert payment.failure_message == (
        "The card payment did not go through: Your card has insufficient funds."
    )


def test_release_in_the_dashboard_arrives_by_webhook(authorised, post_webhook):
    post_webhook(make_event("payment_intent.canceled", intent(authorised)))
    authorised.refresh_from_db()
    assert authorised.status == PStatus.CANCELLED


def test_capture_confirmed_by_webhook_makes_a_delivered_booking_paid(
    market, stripe_api, localstripe, post_webhook, settings, monkeypatch
):
    booking = bookings.accept(market.request(CARD), by=market.owner)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    booking = bookings.deliver(booking, by=market.owner)
    assert booking.status == Booking.Status.DELIVERED
    settings.STRIPE_API_BASE = localstripe

    payment = payments.current_payment(booking)
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)
    post_webhook(make_event("payment_intent.succeeded", intent(payment)))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.PAID
    assert booking.events.last().note == "Card payment confirmed by Stripe."
    assert booking.events.last().by is None


def test_refund_in_the_dashboard_arrives_by_webhook_once(authorised, post_webhook):
    payments.take(authorised)
    refund = {"id": "re_dashboard_1", "object": "refund", "amount": 1500, "status": "succeeded"}
    post_webhook(make_event("charge.refunded", charge(authorised, 1500, [refund])))
    post_webhook(make_event("charge.refunded", charge(authorised, 1500, [refund])))

    authorised.refresh_from_db()
    assert authorised.status == PStatus.PARTLY_REFUNDED
    assert authorised.refunded_amount == Decimal("15.00")
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert (entry.amount, entry.reference) == (Decimal("-15.00"), "re_dashboard_1")


def test_refund_webhook_without_the_refund_list_uses_the_running_total(authorised, post_webhook):
    payments.take(authorised)
    post_webhook(make_event("charge.refunded", charge(authorised, 4500)))
    authorised.refresh_from_db()
    assert authorised.status == PStatus.REFUNDED
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND).amount == Decimal("-45.00")


def test_a_refund_made_in_kith_and_then_reported_by_webhook_is_posted_once(
    authorised, post_webhook
):
    payments.take(authorised)
    payment = payments.refund(authorised, Decimal("20.00"))
    refund_id = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND).reference

    listed = {"id": refund_id, "object": "refund", "amount": 2000, "status": "succeeded"}
    post_webhook(make_event("charge.refunded", charge(payment, 2000, [listed])))
    post_webhook(make_event("charge.refunded", charge(payment, 2000)))

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("20.00")
    assert payment.status == PStatus.PARTLY_REFUNDED
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).count() == 1


def test_a_late_smaller_refund_total_changes_nothing(authorised, post_webhook):
    payments.take(authorised)
    post_webhook(make_event("charge.refunded", charge(authorised, 3000)))
    post_webhook(make_event("charge.refunded", charge(authorised, 1000)))
    authorised.refresh_from_db()
    assert authorised.refunded_amount == Decimal("30.00")


# --- localstripe delivering its own webhook ---------------------------------------------------


@pytest.fixture
def localstripe_webhook(localstripe, live_server):
    """Ask localstripe to send payment_intent.succeeded to the live server, and stop afterwards."""
    config = f"{localstripe}/_config/webhooks/kith"
    url = live_server.url + reverse("marketplace:stripe_webhook")
    response = requests.post(
        config, json={"url": url, "secret": WEBHOOK_SECRET, "events": ["payment_intent.succeeded"]}
    )
    response.raise_for_status()
    yield url
    # localstripe cannot forget a webhook; listening for an event that never happens stops it.
    requests.post(config, json={"url": url, "secret": WEBHOOK_SECRET, "events": ["kith.none"]})


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_a_signed_webhook_that_captures_the_payment(
    market, stripe_api, localstripe_webhook
):
    booking = bookings.accept(market.request(CARD), by=market.owner)
    payment = payments.current_payment(booking)

    # As if captured in Stripe's dashboard: only the webhook can tell Kith.
    stripe_api.v1.payment_intents.capture(payment.stripe_payment_intent)

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if payment.status == PStatus.CAPTURED:
            break
        time.sleep(0.2)
    assert payment.status == PStatus.CAPTURED
    # Events from earlier tests' captures may arrive too; they are for payments Kith
    # does not know and are ignored.
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").exists()
    assert LedgerEntry.objects.get().reference == payment.stripe_payment_intent


# --- Events that change nothing --------------------------------------------------------------


def test_a_failed_card_setup_is_noted_and_changes_no_payment(authorised, post_webhook):
    setup = {"id": "seti_test_kith", "object": "setup_intent", "status": "requires_payment_method"}
    response = post_webhook(make_event("setup_intent.setup_failed", setup))
    assert response.status_code == 200
    assert response.content == b"noted: card setup failed"
    authorised.refresh_from_db()
    assert authorised.status == PStatus.AUTHORISED


def test_a_saved_card_event_is_noted(authorised, post_webhook):
    setup = {"id": "seti_test_kith", "object": "setup_intent", "status": "succeeded"}
    response = post_webhook(make_event("setup_intent.succeeded", setup))
    assert response.content == b"noted: card saved"


def test_a_dispute_on_a_payment_kith_does_not_know_is_ignored(authorised, post_webhook):
    dispute = {"id": "dp_test_other", "object": "dispute", "payment_intent": "pi_not_kith"}
    response = post_webhook(make_event("charge.dispute.created", dispute))
    assert response.status_code == 200
    assert response.content == b"ignored: unknown payment"
    authorised.refresh_from_db()
    assert authorised.disputed_at is None


def test_a_pending_refund_made_in_the_dashboard_is_recorded(authorised, post_webhook):
    """Card refunds are often 'pending' for days: the money is on its way back, so it counts."""
    payments.take(authorised)
    refund = {"id": "re_dashboard_2", "object": "refund", "amount": 1000, "status": "pending"}
    post_webhook(make_event("charge.refunded", charge(authorised, 0, [refund])))
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert (entry.amount, entry.reference) == (Decimal("-10.00"), "re_dashboard_2")


def test_a_refund_known_only_by_its_running_total_is_named_after_the_charge(
    authorised, post_webhook
):
    payments.take(authorised)
    first = post_webhook(make_event("charge.refunded", charge(authorised, 4500)))
    again = post_webhook(make_event("charge.refunded", charge(authorised, 4500)))
    assert first.content == b"payment refunded"
    assert again.content == b"ignored: payment is refunded"
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert entry.reference == "ch_test_kith-refunded-4500"


def test_a_refund_already_recorded_is_said_to_be_ignored(authorised, post_webhook):
    payments.take(authorised)
    refund = {"id": "re_dashboard_3", "object": "refund", "amount": 1500, "status": "succeeded"}
    post_webhook(make_event("charge.refunded", charge(authorised, 1500, [refund])))
    again = post_webhook(make_event("charge.refunded", charge(authorised, 1500, [refund])))
    assert again.content == b"ignored: refund already recorded"


def test_a_dispute_without_a_reason_says_so(authorised, post_webhook):
    payments.take(authorised)
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": authorised.stripe_payment_intent,
    }
    assert post_webhook(make_event("charge.dispute.created", dispute)).content == (
        b"payment disputed"
    )
    authorised.refresh_from_db()
    assert authorised.failure_message == (
        "The card holder's bank is disputing this payment (no reason given)."
    )


def test_a_long_dispute_reason_is_kept_to_100_characters(market, stripe_api, post_webhook):
    booking = bookings.accept(market.request(CARD), by=market.owner)
    payment = payments.take(payments.current_payment(booking))
    dispute = {
        "id": "dp_2",
        "object": "dispute",
        "payment_intent": payment.stripe_payment_intent,
        "reason": "x" * 150,
    }
    post_webhook(make_event("charge.dispute.created", dispute))
    payment.refresh_from_db()
    assert payment.failure_message == (
        f"The card holder's bank is disputing this payment ({'x' * 100})."
    )
