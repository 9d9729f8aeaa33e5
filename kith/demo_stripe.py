"""Card payments for ``make run``: Kith's fake Stripe, unless real Stripe keys are set.

    stripe_env=$(python -m kith.demo_stripe start) && eval "$stripe_env"

With ``STRIPE_SECRET_KEY`` set in the environment nothing is started: Kith
uses the keys it was given (test or live), and this prints nothing to run.
Otherwise it starts Kith's fake Stripe (``python -m kith.fakestripe``, on a
free port on 127.0.0.1, keeping its data in ``fakestripe-demo.pickle``),
waits until it answers, registers Kith's webhook URL with it (so payments and
refunds come back as signed events, as they do from Stripe), and prints
shell ``export`` lines that point Kith's Stripe settings at it, with
``FAKE_STRIPE_PID`` for the Makefile to stop it with the server. Progress
goes to stderr; if the fake cannot start, it says why and Kith runs without
card payment. No Django here: it runs before the server, and quickly.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Test keys for the fake: it accepts any, and "sk_test_" tells Kith it is test mode.
FAKE_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_kith_demo",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_kith_demo",
    "STRIPE_WEBHOOK_SECRET": "whsec_kith_demo",
}
# marketplace:stripe_webhook (a test checks they agree).
WEBHOOK_PATH = "/marketplace/stripe/webhook/"
WEBHOOK_ID = "kith"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
STATE_FILE = Path(__file__).resolve().parent.parent / "fakestripe-demo.pickle"
START_TIMEOUT = 30.0


class FakeStripeError(RuntimeError):
    """The fake Stripe could not be started or set up; the message says why."""


@dataclass
class FakeStripe:
    process: subprocess.Popen
    settings: dict[str, str]

    @property
    def url(self) -> str:
        return self.settings["STRIPE_API_BASE"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def uses_real_keys(environ: Mapping[str, str]) -> bool:
    """Whether Stripe keys were set for Kith: then they are used, and no fake is started."""
    return bool(environ.get("STRIPE_SECRET_KEY", "").strip())


def webhook_url(environ: Mapping[str, str]) -> str:
    base = environ.get("KITH_BASE_URL", "").strip() or DEFAULT_BASE_URL
    return base.rstrip("/") + WEBHOOK_PATH


def fake_settings(port: int) -> dict[str, str]:
    """Kith's Stripe settings for a fake Stripe on ``port``."""
    return {**FAKE_KEYS, "STRIPE_API_BASE": f"http://127.0.0.1:{port}"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    request = urllib.request.Request(
        f"{url}/v1/balance", headers={"Authorization": f"Bearer {FAKE_KEYS['STRIPE_SECRET_KEY']}"}
    )
    try:
        urllib.request.urlopen(request, timeout=1).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def register_webhook(api_base: str, url: str, secret: str) -> None:
    """Ask the fake to send every event to ``url``, signed with ``secret`` (localstripe's
    ``POST /_config/webhooks/{id}``)."""
    body = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
    request = urllib.request.Request(
        f"{api_base}/_config/webhooks/{WEBHOOK_ID}", data=body, method="POST"
    )
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except OSError as error:
        raise FakeStripeError(f"It refused the webhook address {url}: {error}") from None


def start(
    environ: Mapping[str, str],
    *,
    port: int | None = None,
    state_file: Path | str | None = STATE_FILE,
    python: str = sys.executable,
) -> FakeStripe:
    """Start the fake Stripe, wait for it, and register Kith's webhook with it."""
    port = port or free_port()
    settings = fake_settings(port)
    command = [python, "-m", "kith.fakestripe", "--port", str(port)]
    if state_file:
        command += ["--state", str(state_file)]
    # Its output goes to stderr: stdout carries the shell lines, and must close when we exit.
    process = subprocess.Popen(command, stdout=sys.stderr, stdin=subprocess.DEVNULL)
    fake = FakeStripe(process, settings)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(fake.url):
            if process.poll() is not None:
                raise FakeStripeError(f"It stopped (exit code {process.returncode}).")
            if time.monotonic() > deadline:
                raise FakeStripeError(f"It did not answer within {START_TIMEOUT:.0f} s.")
            time.sleep(0.1)
        register_webhook(fake.url, webhook_url(environ), settings["STRIPE_WEBHOOK_SECRET"])
    except BaseException:
        fake.stop()
        raise
    return fake


def shell_lines(settings: Mapping[str, str], pid: int) -> str:
    lines = [f"export {name}={shlex.quote(value)}" for name, value in settings.items()]
    lines.append(f"FAKE_STRIPE_PID={pid}")
    return "\n".join(lines) + "\n"


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start"])
    parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    if uses_real_keys(environ):
        live = environ["STRIPE_SECRET_KEY"].strip().startswith(("sk_live_", "rk_live_"))
        say(
            "Card payments: using the Stripe keys set in the environment"
            + (" (LIVE keys: real money)." if live else ".")
        )
        return 0
    say("Card payments: starting Kith's fake Stripe (test mode, no real money)...")
    try:
        fake = start(environ)
    except FakeStripeError as error:
        # Kith still runs: card payment shows as not available, invoices work.
        say(f"Could not start the fake Stripe, so card payment is off: {error}")
        return 0
    say(
        f"Card payments: fake Stripe ready at {fake.url}; its webhooks go to "
        f"{webhook_url(environ)}. Pay with a test card such as 4242 4242 4242 4242."
    )
    sys.stdout.write(shell_lines(fake.settings, fake.process.pid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
