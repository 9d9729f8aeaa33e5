"""Fixtures for the marketplace money tests: a fake Stripe (localstripe), people and an offer.

Card tests talk to localstripe, a fake Stripe server started once per test
session on a free local port; nothing here ever reaches the real Stripe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import Representation
from directory.factories import make_listing
from kith.demo_stripe import answers, free_port
from marketplace.bookings import services as bookings
from marketplace.demo import finish_onboarding
from marketplace.models import Offer, PaymentRoute
from matching.models import Goal
from matching.plans import create_plan
from tests.stripe_mock import validated

SECRET_KEY = "sk_test_kith"
WEBHOOK_SECRET = "whsec_test"


def _unavailable(message: str):
    if django_settings.KITH_REQUIRE_SERVICES:
        pytest.fail(message + " KITH_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(message)


@pytest.fixture(scope="session")
def localstripe():
    """The base URL of a localstripe server for this session (skipped if it cannot start)."""
    try:
        import localstripe  # noqa: F401
    except ImportError:
        _unavailable("localstripe is not installed in the virtualenv, so card tests cannot run.")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "kith.fakestripe", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                output = log.read().decode(errors="replace")[-500:]
                _unavailable(f"localstripe did not start on port {port}: {output}")
            time.sleep(0.1)
        # With STRIPE_MOCK_URL set, a proxy that has stripe-mock check every request first.
        yield validated(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def stripe_test_settings(settings, localstripe):
    """Point Kith's Stripe settings at localstripe; use with ``pytest.mark.usefixtures``."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_kith"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe


@pytest.fixture
def no_stripe(settings):
    """A deployment without Stripe keys: card payment is unavailable, invoices still work."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


@pytest.fixture
def stripe_api(stripe_test_settings):
    """A Stripe client on localstripe, to look at (or change, as in the dashboard) what Kith did."""
    import stripe

    return stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": stripe_test_settings}, max_network_retries=0
    )


# --- Webhooks --------------------------------------------------------------------------


def signature_header(
    payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """Sign as Stripe does: v1 is the HMAC-SHA256 of "<timestamp>.<payload>" with the secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


_event_numbers = iter(range(1, 1_000_000))


def make_event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_event_numbers)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }


@pytest.fixture
def post_webhook(client):
    """POST a signed event to the webhook URL, as Stripe would; returns the response."""

    def post(event: dict, secret: str = WEBHOOK_SECRET, header: str | None = None):
        payload = json.dumps(event)
        return client.post(
            reverse("marketplace:stripe_webhook"),
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header
            if header is not None
            else signature_header(payload, secret),
        )

    return post


# --- People, a plan and an offer ---------------------------------------------------------


@dataclass
class Market:
    """Sam in Stockport, his daughter Aisha, his social worker, and a swimming provider."""

    person: object
    representative: object
    owner: object
    other_owner: object
    practitioner: object
    plan: object
    goal: object
    listing: object
    offer: Offer

    def actor(self, name: str):
        from django.contrib.auth.models import AnonymousUser

        if name == "nobody":
            return None
        if name == "anonymous":
            return AnonymousUser()
        return getattr(self, name)

    def request(self, route: str = PaymentRoute.CARD, *, by=None, **kwargs):
        defaults = {"goal": self.goal}
        if route == PaymentRoute.CARD:
            defaults["payment_method"] = "pm_card_visa"
        else:
            defaults["payer_name"] = "Stockport Direct Payments Support Service"
            defaults["payer_email"] = "accounts@example.org"
        return bookings.request_booking(
            self.offer,
            self.person,
            by=by or self.person,
            payment_route=route,
            **{**defaults, **kwargs},
        )

    def accepted(self, route: str = PaymentRoute.CARD, **kwargs):
        return bookings.accept(self.request(route, **kwargs), by=self.owner)

    def delivered(self, route: str = PaymentRoute.CARD, **kwargs):
        return bookings.deliver(self.accepted(route, **kwargs), by=self.owner)


# --- Payees' connected accounts -----------------------------------------------------------


def accounts_for(stripe_api, user) -> list:
    """This person's accounts at the fake Stripe. Matched on the key Kith made them under
    (it names when they joined), not on the user id alone: the fake outlives each test's
    database, and SQLite gives the next test's Jo the same id."""
    from marketplace.payments import connect

    key = connect._account_key(user)
    every = stripe_api.v1.accounts.list(params={"limit": 100}).auto_paging_iter()
    return [a for a in every if a.metadata.to_dict().get("kith_key") == key]


def connect_payee(user, outcome: str = "enabled"):
    """Give a provider a connected account, as finishing Stripe's onboarding does.

    With the fake Stripe configured: through Kith's own steps and the fake's
    onboarding page. Without it: the record only (card payment is off anyway).
    """
    from marketplace.models import PayoutAccount
    from marketplace.payments import connect

    if django_settings.STRIPE_SECRET_KEY and django_settings.STRIPE_API_BASE:
        url = connect.onboarding_link(
            user,
            return_url="http://testserver/marketplace/payouts/return/",
            refresh_url="http://testserver/marketplace/payouts/",
        )
        finish_onboarding(url, outcome)
        return connect.refresh(user)
    enabled = outcome == "enabled"
    account, _ = PayoutAccount.objects.update_or_create(
        user=user,
        defaults={
            "stripe_account": f"acct_kithtest{user.pk}",
            "details_submitted": True,
            "charges_enabled": enabled,
            "payouts_enabled": enabled,
            "transfers_active": enabled,
        },
    )
    return account


def with_stripe_first(request) -> None:
    """If the test uses the fake Stripe, set it up before people connect their accounts."""
    if "stripe_test_settings" in request.fixturenames:
        request.getfixturevalue("stripe_test_settings")


@pytest.fixture
def market(user_factory, request):
    person = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    representative = user_factory(display_name="Aisha Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=person,
        representative=representative,
        invited_email=representative.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    practitioner = user_factory(display_name="Priya Shah", roles=["practitioner"])
    owner = user_factory(display_name="Dave Lomas", roles=["provider"])
    other_owner = user_factory(display_name="Jo Birch", roles=["provider"])
    plan = create_plan(person, postcode="SK1 3XE")
    plan.practitioner = practitioner
    plan.save()
    goal = Goal.objects.create(
        plan=plan,
        text="I want to go swimming again to get fitter",
        budget_amount=Decimal("60.00"),
        budget_period="month",
    )
    listing = make_listing(
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        outcomes=["physical-health"],
        categories=["swimming"],
        price="45.00",
        price_unit="session",
        owner=owner,
    )
    offer = Offer.objects.create(
        listing=listing,
        kind=Offer.Kind.BLOCK,
        title="Six one-to-one swimming lessons",
        price=Decimal("45.00"),
        sessions=6,
        places=10,
    )
    with_stripe_first(request)
    connect_payee(owner)
    return Market(
        person=person,
        representative=representative,
        owner=owner,
        other_owner=other_owner,
        practitioner=practitioner,
        plan=plan,
        goal=goal,
        listing=listing,
        offer=offer,
    )


# --- Fault injection at the Stripe boundary ------------------------------------------------


@dataclass
class _Fault:
    method: str
    pattern: str
    mode: str
    times: int


class FaultyStripe:
    """Stripe's HTTP client, with faults injected where a test asks for them.

    Modes: ``fail`` (the request never reaches Stripe: connection refused),
    ``lost`` (Stripe does the work, but the reply never arrives: a timeout),
    ``error`` (Stripe answers 500). A fault matches a method and a regular
    expression on the path after ``/v1/``, and fires ``times`` times.
    """

    def __init__(self):
        import stripe

        self.client = stripe.RequestsClient(timeout=10)
        self.faults: list[_Fault] = []
        self.sent: list[tuple[str, str, str]] = []

    def inject(self, method: str, pattern: str, mode: str, times: int = 1) -> None:
        assert mode in ("fail", "lost", "error")
        self.faults.append(_Fault(method.lower(), pattern, mode, times))

    def _match(self, method: str, path: str):
        import re

        for fault in self.faults:
            if fault.times and fault.method == method and re.fullmatch(fault.pattern, path):
                fault.times -= 1
                return fault
        return None

    # The stripe library calls these.
    def request_with_retries(self, method, url, headers, post_data=None, *a, **kw):
        import stripe

        path = url.split("/v1/", 1)[-1].split("?", 1)[0]
        self.sent.append((method, path, (headers or {}).get("Idempotency-Key", "")))
        fault = self._match(method, path)
        if fault and fault.mode == "fail":
            raise stripe.APIConnectionError("Injected fault: connection refused.")
        if fault and fault.mode == "error":
            body = b'{"error": {"type": "api_error", "message": "Injected fault."}}'
            return body, 500, {}
        result = self.client.request_with_retries(method, url, headers, post_data, 0)
        if fault and fault.mode == "lost":
            raise stripe.APIConnectionError("Injected fault: the reply was lost.")
        return result

    def request_stream_with_retries(self, *args, **kwargs):  # pragma: no cover - not used
        raise NotImplementedError

    def close(self):
        self.client.close()

    @property
    def name(self):
        return "faulty"

    def sent_posts(self):
        return [(path, key) for method, path, key in self.sent if method == "post"]


@pytest.fixture
def faulty_stripe(stripe_test_settings, monkeypatch):
    """Kith's Stripe client with injectable faults (see FaultyStripe)."""
    from marketplace.payments import gateway

    faulty = FaultyStripe()
    monkeypatch.setattr(gateway, "HTTP_CLIENT", faulty)
    yield faulty
    faulty.close()
