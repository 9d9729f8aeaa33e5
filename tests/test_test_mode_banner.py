"""The "Test mode: no real money" banner: on every page with a test key or a fake Stripe,
never with live keys, and announced once (plain text, not a live region).

Also the Content-Security-Policy: a fake Stripe's address is allowed only in test mode.
"""

import re
import runpy
from pathlib import Path

import pytest
from django.urls import reverse

from kith.config import stripe_test_mode

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "kith" / "settings.py"
BANNER = "Test mode: no real money."
FAKE = "http://127.0.0.1:8420"


@pytest.mark.parametrize(
    "key, api_base, test_mode",
    [
        ("", "", False),  # no Stripe at all: no card payments, nothing to warn about
        ("", FAKE, False),
        ("sk_test_51abc", "", True),  # Stripe's own test mode
        ("rk_test_51abc", "", True),
        ("sk_test_kith_demo", FAKE, True),  # make run's fake
        ("sk_kith", FAKE, True),  # any other key against a fake
        ("sk_live_51abc", "", False),
        ("rk_live_51abc", "", False),
        ("sk_live_51abc", FAKE, False),  # a live key is real money, whatever the address
        ("sk_something", "", False),  # not a test key, and Stripe's own address
    ],
)
def test_test_mode_follows_the_key_and_the_address(key, api_base, test_mode):
    assert stripe_test_mode(key, api_base) is test_mode


def _stripe(settings, key, api_base=""):
    settings.STRIPE_SECRET_KEY = key
    settings.STRIPE_PUBLISHABLE_KEY = key.replace("sk_", "pk_", 1)
    settings.STRIPE_API_BASE = api_base


def _banner_count(html: str) -> int:
    return html.count('id="test-mode-banner"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key, api_base", [("sk_test_kith_demo", FAKE), ("sk_test_51abc", "")], ids=["fake", "test key"]
)
def test_banner_is_on_every_kind_of_page_once(client, settings, user_factory, key, api_base):
    _stripe(settings, key, api_base)
    person = user_factory(display_name="Maureen Hughes", roles=["budget_holder"])
    pages = ["/", "/directory/", reverse("account_login"), reverse("contact"), "/privacy/"]
    for url in pages:
        html = client.get(url, follow=True).content.decode()
        assert _banner_count(html) == 1, url
        assert BANNER in html, url
    client.force_login(person)
    for url in [reverse("accounts:my_account"), reverse("marketplace:booking_list")]:
        html = client.get(url).content.decode()
        assert _banner_count(html) == 1 and BANNER in html, url


@pytest.mark.django_db
def test_banner_says_the_card_service_is_a_fake_only_when_it_is(client, settings):
    _stripe(settings, "sk_test_kith_demo", FAKE)
    assert "a fake card service on this computer" in client.get("/").content.decode()
    _stripe(settings, "sk_test_51abc")
    html = client.get("/").content.decode()
    assert BANNER in html and "fake card service" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key, api_base",
    [("sk_live_51abc", ""), ("sk_live_51abc", FAKE), ("", "")],
    ids=["live", "live key with another address", "no Stripe"],
)
def test_no_banner_with_live_keys_or_without_stripe(client, settings, key, api_base):
    _stripe(settings, key, api_base)
    for url in ["/", "/directory/", reverse("account_login")]:
        html = client.get(url, follow=True).content.decode()
        assert "Test mode" not in html and _banner_count(html) == 0, url


@pytest.mark.django_db
def test_banner_is_read_once_in_place_not_announced_again(client, settings):
    """Plain text in the page's header: no live region, alert or status role that would
    be announced again, and the words (not only its colour) say what it means."""
    _stripe(settings, "sk_test_kith_demo", FAKE)
    html = client.get("/").content.decode()
    header = re.search(r'<header class="site-header">(.*?)</header>', html, re.S).group(1)
    banner = re.search(r'<div class="test-mode-banner"[^>]*>(.*?)</div>', header, re.S)
    assert banner, "the banner is the first thing in the site header"
    opening = re.search(r'<div class="test-mode-banner"[^>]*>', header).group(0)
    assert "aria-live" not in opening and "role=" not in opening
    assert "aria-live" not in banner.group(1) and "role=" not in banner.group(1)
    assert f"<strong>{BANNER}</strong>" in banner.group(1)
    # Before the skip link's target and the navigation, so it is met once, first.
    assert html.index("test-mode-banner") < html.index('aria-label="Main"')


def _csp_from_settings(monkeypatch, **env) -> dict:
    for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "KITH_CSP_REPORT_ONLY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]


def test_csp_allows_a_fake_stripe_only_in_test_mode(monkeypatch):
    test = _csp_from_settings(
        monkeypatch, STRIPE_SECRET_KEY="sk_test_kith_demo", STRIPE_API_BASE=FAKE
    )
    for directive in ("script-src", "connect-src", "frame-src"):
        assert FAKE in test[directive], directive
    live = _csp_from_settings(monkeypatch, STRIPE_SECRET_KEY="sk_live_51abc", STRIPE_API_BASE=FAKE)
    none = _csp_from_settings(monkeypatch)
    for directives in (live, none):
        for directive in ("script-src", "connect-src", "frame-src"):
            assert FAKE not in directives[directive], directive
        assert "https://js.stripe.com" in directives["script-src"]
