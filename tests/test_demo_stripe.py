"""`make run`'s card payments (kith.demo_stripe): the fake Stripe unless real keys are set.

The choice and the shell lines are checked without starting anything; one
test starts the fake for real, as `make run` does, and sees a webhook it sends
reach Kith's endpoint, then stops it.
"""

import io
import subprocess
import time

import pytest
from django.urls import reverse

from kith import demo_stripe
from marketplace.models import StripeEvent


def not_started(environ):
    raise AssertionError("the fake Stripe must not start when keys are set")


@pytest.mark.parametrize(
    "environ, real",
    [
        ({}, False),
        ({"STRIPE_SECRET_KEY": ""}, False),
        ({"STRIPE_SECRET_KEY": "   "}, False),
        # Only publishable key or only an address: still no keys to pay with.
        ({"STRIPE_PUBLISHABLE_KEY": "pk_test_abc"}, False),
        ({"STRIPE_API_BASE": "http://127.0.0.1:12111"}, False),
        ({"STRIPE_SECRET_KEY": "sk_test_51abc"}, True),
        ({"STRIPE_SECRET_KEY": "sk_live_51abc"}, True),
        ({"STRIPE_SECRET_KEY": "rk_live_51abc"}, True),
    ],
)
def test_real_keys_are_used_when_a_secret_key_is_set(environ, real):
    assert demo_stripe.uses_real_keys(environ) is real


def run_main(environ, monkeypatch, start):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(demo_stripe, "start", start)
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    code = demo_stripe.main(["start"], environ=environ)
    return code, out.getvalue(), err.getvalue()


def test_with_live_keys_nothing_starts_and_the_keys_are_left_alone(monkeypatch):
    code, out, err = run_main({"STRIPE_SECRET_KEY": "sk_live_51abc"}, monkeypatch, not_started)
    assert code == 0
    assert out == ""  # nothing for the Makefile to export: Kith keeps the real keys
    assert "LIVE keys: real money" in err


def test_with_real_test_keys_nothing_starts(monkeypatch):
    code, out, err = run_main({"STRIPE_SECRET_KEY": "sk_test_51abc"}, monkeypatch, not_started)
    assert (code, out) == (0, "")
    assert "using the Stripe keys set in the environment." in err


def test_without_keys_the_fake_starts_and_kith_is_pointed_at_it(monkeypatch):
    started = {}

    class Process:
        pid = 4321

    def start(environ):
        started["environ"] = environ
        return demo_stripe.FakeStripe(Process(), demo_stripe.fake_settings(45678))

    environ = {"KITH_BASE_URL": "http://127.0.0.1:8765"}
    code, out, err = run_main(environ, monkeypatch, start)
    assert code == 0 and started["environ"] is environ
    assert out.splitlines() == [
        "export STRIPE_SECRET_KEY=sk_test_kith_demo",
        "export STRIPE_PUBLISHABLE_KEY=pk_test_kith_demo",
        "export STRIPE_WEBHOOK_SECRET=whsec_kith_demo",
        "export STRIPE_API_BASE=http://127.0.0.1:45678",
        "FAKE_STRIPE_PID=4321",
    ]
    assert "http://127.0.0.1:8765/marketplace/stripe/webhook/" in err
    # What the Makefile does with it: a shell that evals the lines has the settings.
    shell = subprocess.run(
        ["bash", "-c", 'eval "$LINES"; echo "$STRIPE_API_BASE $FAKE_STRIPE_PID"'],
        env={"LINES": out, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.strip() == "http://127.0.0.1:45678 4321"


def test_a_fake_that_cannot_start_leaves_kith_running_without_card_payment(monkeypatch):
    def start(environ):
        raise demo_stripe.FakeStripeError("It stopped (exit code 1).")

    code, out, err = run_main({}, monkeypatch, start)
    assert (code, out) == (0, "")
    assert "card payment is off: It stopped" in err


def test_the_fake_uses_test_keys_so_kith_shows_test_mode():
    from kith.config import stripe_test_mode

    settings = demo_stripe.fake_settings(8420)
    assert settings["STRIPE_SECRET_KEY"].startswith("sk_test_")
    assert settings["STRIPE_PUBLISHABLE_KEY"].startswith("pk_test_")
    assert stripe_test_mode(settings["STRIPE_SECRET_KEY"], settings["STRIPE_API_BASE"])


def test_webhook_address_is_kiths_endpoint_on_the_port_served():
    assert demo_stripe.WEBHOOK_PATH == reverse("marketplace:stripe_webhook")
    assert demo_stripe.webhook_url({}) == "http://127.0.0.1:8000/marketplace/stripe/webhook/"
    assert (
        demo_stripe.webhook_url({"KITH_BASE_URL": "http://127.0.0.1:8765/"})
        == "http://127.0.0.1:8765/marketplace/stripe/webhook/"
    )


@pytest.mark.django_db(transaction=True)
def test_started_fake_sends_signed_webhooks_that_kith_accepts(live_server, settings, tmp_path):
    settings.STRIPE_WEBHOOK_SECRET = demo_stripe.FAKE_KEYS["STRIPE_WEBHOOK_SECRET"]
    fake = demo_stripe.start({"KITH_BASE_URL": live_server.url}, state_file=tmp_path / "s.pkl")
    try:
        import stripe

        client = stripe.StripeClient(
            fake.settings["STRIPE_SECRET_KEY"], base_addresses={"api": fake.url}
        )
        customer = client.v1.customers.create({"name": "Maureen Hughes"})
        deadline = time.monotonic() + 15
        while not StripeEvent.objects.filter(type="customer.created").exists():
            assert time.monotonic() < deadline, "no webhook reached Kith"
            time.sleep(0.2)
        assert customer.id.startswith("cus_")
    finally:
        fake.stop()
    assert fake.process.poll() is not None

    # The next start (the next `make run`) still has the customer, and its saved cards.
    again = demo_stripe.start({"KITH_BASE_URL": live_server.url}, state_file=tmp_path / "s.pkl")
    try:
        client = stripe.StripeClient(
            again.settings["STRIPE_SECRET_KEY"], base_addresses={"api": again.url}
        )
        assert client.v1.customers.retrieve(customer.id).name == "Maureen Hughes"
    finally:
        again.stop()
