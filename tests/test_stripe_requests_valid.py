"""Stripe's official stripe-mock accepts every kind of Stripe request Kith makes.

stripe-mock (scripts/services/stripe-mock.sh) checks each request against
Stripe's OpenAPI spec: unknown, missing or mistyped parameters and values
outside an enumeration are refused, as the real Stripe would refuse them.
localstripe, which the card tests use for state, accepts most of those, so the
requests below are the shapes Kith sends for bookings, pools and Connect
payouts, sent straight to stripe-mock with the same client Kith uses.

What stripe-mock does NOT check (it keeps no state): whether an object exists
(any id is answered with a made-up object), the order of steps (capturing a
cancelled PaymentIntent is accepted), amounts below zero, currency codes, and
idempotency keys reused with other parameters. Those stay with localstripe
and the fault-injection tests.

The second half tests the validating proxy (tests/stripe_mock.py) that puts
stripe-mock in front of localstripe for the whole suite.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from conftest import require_service
from tests.stripe_mock import Recorder, ValidatingProxy, param_names, path_template

pytestmark = pytest.mark.services

SECRET_KEY = "sk_test_kith"
BOOKING_KEY = "booking-12-20260301093000000000-card-1"
POOL_KEY = "pool-pledge-7-20260301093000000000"


@pytest.fixture(scope="module")
def mock_url():
    return require_service("STRIPE_MOCK_URL", "Stripe's stripe-mock").rstrip("/")


@pytest.fixture(scope="module")
def stripe_mock(mock_url):
    """A Stripe client on stripe-mock, configured as Kith's gateway configures its own."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": mock_url}, max_network_retries=0)


def accepted(stripe_object):
    """stripe-mock answered 200 (the client raises on anything else)."""
    assert stripe_object.last_response.code == 200
    return stripe_object


# --- Card bookings: hold at acceptance, capture at delivery, refund ----------------------


def test_booking_payment_intent_with_manual_capture_and_metadata(stripe_mock):
    intent = accepted(
        stripe_mock.v1.payment_intents.create(
            params={
                "amount": 27000,
                "currency": "gbp",
                "payment_method": "pm_card_visa",
                "payment_method_types": ["card"],
                "capture_method": "manual",
                "metadata": {"booking": "12", "payment": "31"},
            },
            options={"idempotency_key": BOOKING_KEY},
        )
    )
    assert intent.object == "payment_intent"


def test_confirm_capture_cancel_and_retrieve_a_payment_intent(stripe_mock):
    intents = stripe_mock.v1.payment_intents
    accepted(intents.confirm("pi_kith_1", options={"idempotency_key": f"{BOOKING_KEY}-confirm"}))
    accepted(
        intents.confirm(
            "pi_kith_1",
            params={"payment_method": "pm_card_visa"},
            options={"idempotency_key": f"{BOOKING_KEY}-reauthorise"},
        )
    )
    accepted(intents.capture("pi_kith_1", options={"idempotency_key": f"{BOOKING_KEY}-capture"}))
    accepted(
        intents.capture(
            "pi_kith_1",
            params={"amount_to_capture": 13500},
            options={"idempotency_key": f"{BOOKING_KEY}-capture-part"},
        )
    )
    accepted(intents.cancel("pi_kith_1", options={"idempotency_key": f"{BOOKING_KEY}-cancel"}))
    accepted(
        intents.cancel(
            "pi_kith_1",
            params={"cancellation_reason": "requested_by_customer"},
            options={"idempotency_key": f"{BOOKING_KEY}-cancel-asked"},
        )
    )
    assert accepted(intents.retrieve("pi_kith_1")).id == "pi_kith_1"


def test_find_payment_intents_by_metadata_after_a_lost_reply(stripe_mock):
    """How the gateway resolves an outcome-unknown create: search or list, then decide."""
    found = accepted(
        stripe_mock.v1.payment_intents.search(
            params={"query": "metadata['booking']:'12' AND metadata['payment']:'31'"}
        )
    )
    assert found.object == "search_result"
    accepted(stripe_mock.v1.payment_intents.list(params={"limit": 100}))


def test_refund_with_metadata_and_list_refunds_by_payment_intent(stripe_mock):
    refund = accepted(
        stripe_mock.v1.refunds.create(
            params={
                "payment_intent": "pi_kith_1",
                "amount": 4500,
                "reason": "requested_by_customer",
                "metadata": {"booking": "12", "refund_request": "4"},
            },
            options={"idempotency_key": f"{BOOKING_KEY}-refund-request-4"},
        )
    )
    assert refund.object == "refund"
    refunds = accepted(
        stripe_mock.v1.refunds.list(params={"payment_intent": "pi_kith_1", "limit": 100})
    )
    assert refunds.object == "list"


# --- Pools: a saved card charged off-session at the deadline -----------------------------


def test_customer_and_setup_intent_save_a_card_for_later(stripe_mock):
    customer = accepted(
        stripe_mock.v1.customers.create(
            params={"name": "Sam Patel", "metadata": {"pool": "3", "pledge": "7"}},
            options={"idempotency_key": f"{POOL_KEY}-customer"},
        )
    )
    setup = accepted(
        stripe_mock.v1.setup_intents.create(
            params={
                "customer": customer.id,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": {"pool": "3", "pledge": "7"},
            },
            options={"idempotency_key": f"{POOL_KEY}-setup"},
        )
    )
    accepted(
        stripe_mock.v1.setup_intents.confirm(
            setup.id,
            params={"payment_method": "pm_card_visa"},
            options={"idempotency_key": f"{POOL_KEY}-setup-confirm"},
        )
    )
    accepted(stripe_mock.v1.setup_intents.retrieve(setup.id))


def test_card_hold_for_a_pledge_confirmed_at_once(stripe_mock):
    accepted(
        stripe_mock.v1.payment_intents.create(
            params={
                "amount": 6667,
                "currency": "gbp",
                "payment_method": "pm_card_visa",
                "payment_method_types": ["card"],
                "capture_method": "manual",
                "confirm": True,
                "metadata": {"pool": "3", "pledge": "7"},
            },
            options={"idempotency_key": f"{POOL_KEY}-hold"},
        )
    )


def test_off_session_charge_of_a_saved_card(stripe_mock):
    accepted(
        stripe_mock.v1.payment_intents.create(
            params={
                "amount": 6667,
                "currency": "gbp",
                "customer": "cus_kith_7",
                "payment_method": "pm_kith_saved_7",
                "payment_method_types": ["card"],
                "confirm": True,
                "off_session": True,
                "capture_method": "automatic",
                "transfer_group": "pool-3",
                "metadata": {"pool": "3", "pledge": "7"},
            },
            options={"idempotency_key": f"{POOL_KEY}-take"},
        )
    )


def test_detach_a_saved_card(stripe_mock):
    detached = accepted(
        stripe_mock.v1.payment_methods.detach(
            "pm_kith_saved_7", options={"idempotency_key": f"{POOL_KEY}-detach"}
        )
    )
    assert detached.object == "payment_method"


# --- Connect: providers' Express accounts, transfers and reversals ----------------------
# The shapes marketplace.payments.connect and marketplace.payments.payouts send.

PAYEE_KEY = "payee-42-20260301093000000000-account"
TRANSFER_KEY = f"{BOOKING_KEY[: -len('-card-1')]}-transfer"


def test_express_account_and_onboarding_link(stripe_mock):
    account = accepted(
        stripe_mock.v1.accounts.create(
            params={
                "type": "express",
                "country": "GB",
                "email": "dave.lomas@example.org",
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"kith_key": PAYEE_KEY, "user": "42"},
            },
            options={"idempotency_key": PAYEE_KEY},
        )
    )
    link = accepted(
        stripe_mock.v1.account_links.create(
            params={
                "account": account.id,
                "refresh_url": "https://kith.example.org/marketplace/payouts/",
                "return_url": "https://kith.example.org/marketplace/payouts/return/",
                "type": "account_onboarding",
            },
            options={"idempotency_key": f"{PAYEE_KEY}-link-3f2a9c"},
        )
    )
    assert link.object == "account_link"
    accepted(stripe_mock.v1.accounts.retrieve(account.id))
    # A lost account creation is looked up by the key in its metadata.
    accepted(stripe_mock.v1.accounts.list(params={"limit": 100}))


def test_transfer_to_a_provider_and_its_reversal(stripe_mock):
    transfer = accepted(
        stripe_mock.v1.transfers.create(
            params={
                "amount": 27000,
                "currency": "gbp",
                "destination": "acct_kith_42",
                "transfer_group": BOOKING_KEY[: -len("-card-1")],
                "source_transaction": "ch_kith_12",
                "description": "Booking 12: Six one-to-one swimming lessons",
                "metadata": {"kith_key": TRANSFER_KEY, "booking": "12"},
            },
            options={"idempotency_key": TRANSFER_KEY},
        )
    )
    # A lost transfer is looked up among the provider's transfers for the booking.
    listed = accepted(
        stripe_mock.v1.transfers.list(
            params={
                "destination": "acct_kith_42",
                "transfer_group": BOOKING_KEY[: -len("-card-1")],
                "limit": 100,
            }
        )
    )
    assert listed.object == "list"
    reversal = accepted(
        stripe_mock.v1.transfers.reversals.create(
            transfer.id,
            params={
                "amount": 4500,
                "metadata": {"kith_key": f"{TRANSFER_KEY}-reversal-re_1", "refund": "re_1"},
            },
            options={"idempotency_key": f"{TRANSFER_KEY}-reversal-re_1"},
        )
    )
    assert reversal.object == "transfer_reversal"
    accepted(stripe_mock.v1.transfers.reversals.list(transfer.id, params={"limit": 100}))


def test_a_pool_share_transfer_names_the_pledge(stripe_mock):
    accepted(
        stripe_mock.v1.transfers.create(
            params={
                "amount": 4500,
                "currency": "gbp",
                "destination": "acct_kith_42",
                "transfer_group": POOL_KEY,
                "description": "Pool 3 share: Thursday art class",
                "metadata": {"kith_key": f"{POOL_KEY}-transfer", "pledge": "7", "pool": "3"},
            },
            options={"idempotency_key": f"{POOL_KEY}-transfer"},
        )
    )


# --- What stripe-mock refuses: the mistakes localstripe lets through ---------------------


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (
            lambda c: c.v1.payment_intents.create(
                params={"amount": 100, "currency": "gbp", "booking": "12"}
            ),
            "additional properties are not allowed",
        ),
        (
            lambda c: c.v1.payment_intents.create(params={"currency": "gbp"}),
            "'amount' is required",
        ),
        (
            lambda c: c.v1.refunds.create(params={"payment_intent": "pi_1", "amount": "45.00"}),
            "value is not numeric",
        ),
        (
            lambda c: c.v1.payment_intents.create(
                params={"amount": 100, "currency": "gbp", "capture_method": "later"}
            ),
            "not in enumeration",
        ),
        (
            # Capturing part of a hold is amount_to_capture, not amount.
            lambda c: c.v1.payment_intents.capture("pi_1", params={"amount": 100}),
            "additional properties are not allowed",
        ),
        (
            lambda c: c.v1.refunds.create(
                params={"payment_intent": "pi_1", "metadata": {"booking": {"id": "12"}}}
            ),
            "metadata",
        ),
        (
            lambda c: c.v1.accounts.create(params={"type": "premium"}),
            "not in enumeration",
        ),
        (
            lambda c: c.v1.refunds.list(params={"booking": "12"}),
            "additional properties are not allowed",
        ),
    ],
    ids=[
        "unknown-parameter",
        "missing-amount",
        "pounds-not-pence",
        "bad-capture-method",
        "capture-amount-misnamed",
        "nested-metadata",
        "bad-account-type",
        "unknown-list-filter",
    ],
)
def test_stripe_mock_refuses_what_real_stripe_refuses(stripe_mock, call, reason):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        call(stripe_mock)
    assert refused.value.http_status == 400
    assert reason in str(refused.value)


def test_stripe_mock_keeps_no_state(stripe_mock):
    """Unknown ids are answered, not 404: the proxy may treat every 4xx as a refusal."""
    assert accepted(stripe_mock.v1.payment_intents.retrieve("pi_never_made")).id == (
        "pi_never_made"
    )


# --- The validating proxy ----------------------------------------------------------------


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for localstripe: answers every request with what it was asked."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.seen.append(f"{self.command} {self.path}")
        payload = json.dumps({"id": "pi_from_upstream", "object": "payment_intent", "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload.encode())

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def proxy(mock_url):
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    _Upstream.seen = []
    server = ValidatingProxy(
        f"http://127.0.0.1:{upstream.server_address[1]}", mock_url, Recorder()
    ).start()
    try:
        yield server
    finally:
        server.stop()
        upstream.shutdown()
        upstream.server_close()


def _client(proxy):
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": proxy.url}, max_network_retries=0)


def test_proxy_forwards_valid_requests_to_localstripe(proxy):
    intent = _client(proxy).v1.payment_intents.create(
        params={"amount": 4500, "currency": "gbp", "metadata": {"booking": "12"}}
    )
    assert intent.id == "pi_from_upstream"  # localstripe's answer, not stripe-mock's
    assert _Upstream.seen == ["POST /v1/payment_intents"]
    assert proxy.recorder.as_dict()["requests"] == [
        {
            "method": "POST",
            "path": "/v1/payment_intents",
            "params": ["amount", "currency", "metadata[booking]"],
            "count": 1,
        }
    ]
    assert proxy.recorder.rejections == []


def test_proxy_returns_stripe_mocks_refusal_and_records_it(proxy):
    with pytest.raises(stripe.InvalidRequestError, match="additional properties"):
        _client(proxy).v1.payment_intents.capture("pi_3Abc", params={"amount": 100})
    assert _Upstream.seen == []  # localstripe never saw it
    [rejection] = proxy.recorder.rejections
    assert rejection["method"] == "POST"
    assert rejection["path"] == "/v1/payment_intents/pi_3Abc/capture"
    assert rejection["params"] == [("amount", "100")]
    assert rejection["status"] == 400
    assert "additional properties are not allowed" in rejection["message"]
    assert "test_proxy_returns_stripe_mocks_refusal_and_records_it" in rejection["test"]


def test_proxy_passes_localstripe_configuration_straight_through(proxy):
    request = urllib.request.Request(
        f"{proxy.url}/_config/webhooks/kith", data=b"url=http://127.0.0.1:1/", method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    assert _Upstream.seen == ["POST /_config/webhooks/kith"]
    assert proxy.recorder.as_dict()["requests"] == []


def test_proxy_refuses_when_stripe_mock_is_gone():
    recorder = Recorder()
    server = ValidatingProxy("http://127.0.0.1:9", "http://127.0.0.1:9", recorder).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.url}/v1/balance", timeout=5)
        assert refused.value.code == 502
    finally:
        server.stop()
    assert "could not be reached" in recorder.rejections[0]["message"]


def test_request_shapes_name_ids_and_lists_alike():
    assert path_template("/v1/payment_intents/pi_3PgafyB7WZ01/capture") == (
        "/v1/payment_intents/{id}/capture"
    )
    assert path_template("/v1/transfers/tr_1Abc/reversals") == "/v1/transfers/{id}/reversals"
    assert path_template("/v1/payment_methods/pm_card_visa/detach") == (
        "/v1/payment_methods/{id}/detach"
    )
    assert path_template("/v1/account_links") == "/v1/account_links"
    assert param_names(
        [("payment_method_types[0]", "card"), ("metadata[booking]", "1"), ("amount", "1")]
    ) == ["amount", "metadata[booking]", "payment_method_types[]"]
