"""The demo that pays: Maureen books swimming from the demo data and pays by test card,
typed into the fake Stripe's card fields, in headless Chromium.

The demo's first listings are loaded as `make run` loads them (Grand Central
Pools is owned by Karen Shaw, a demo owner), Stripe is localstripe with
Kith's Stripe.js stand-in (kith.fakestripe_js), and the Content-Security-Policy
allows the fake's address as it does in test mode. Karen accepts, delivers
(the booking starts today) and so takes the payment; Maureen's statement shows
£45 spent; Karen refunds £15 and the statement shows it. Every page says
"Test mode: no real money".
"""

import copy
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from directory import ownership
from directory.demo import DEMO_PASSWORD, load_demo
from directory.models import ListingPage
from marketplace.demo import connect_demo_payees, ensure_demo_offers, ensure_demo_plan
from marketplace.models import Booking, Payment
from marketplace.tests import conftest as money_fixtures
from matching.models import Goal
from tests import browser_support as browser_steps
from tests.browser_support import main_text

# The marketplace's fake Stripe (localstripe), shared here.
localstripe = money_fixtures.localstripe
stripe_test_settings = money_fixtures.stripe_test_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANNER = "Test mode: no real money."
OFFER = "A block of 10 sessions"


@pytest.fixture
def demo_market(settings, stripe_test_settings):
    """The first demo listings, offers and Maureen's plan with a swimming goal."""
    # As kith.settings builds it when the fake is configured from the start (test mode).
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    for directive in ("script-src", "connect-src", "frame-src"):
        csp["DIRECTIVES"][directive] = [*csp["DIRECTIVES"][directive], stripe_test_settings]
    settings.CONTENT_SECURITY_POLICY = csp
    load_demo(listings=8)
    connect_demo_payees(lambda line: None)  # as make run does beside the server
    ensure_demo_offers()
    plan = ensure_demo_plan()
    goal = Goal.objects.create(
        plan=plan,
        text="I'd like to go swimming again and meet people",
        budget_amount=Decimal("60.00"),
        budget_period="month",
    )
    pools = ListingPage.objects.get(title="Grand Central Pools")
    assert ownership.account_holder(pools).email == "karen.shaw@example.org"
    return plan, goal, pools


def sign_in(page, email):
    browser_steps.sign_in(page, email, password=DEMO_PASSWORD)


def assert_test_mode_banner(page):
    banner = page.locator("#test-mode-banner")
    assert banner.count() == 1
    assert banner.inner_text().startswith(BANNER)
    assert banner.is_visible()


def payout_summary(page) -> dict[str, str]:
    """The payouts page's summary list, label to amount."""
    rows = page.locator("dl.summary-list").nth(1).locator("div")
    return {row.locator("dt").inner_text(): row.locator("dd").inner_text() for row in rows.all()}


def statement_line(page, goal) -> list[str]:
    row = page.get_by_role("row", name=re.compile(f"^{re.escape(goal.text)}")).first
    return row.inner_text().split("\t")[1:]


def test_demo_journey_book_pay_by_typed_test_card_deliver_and_refund(browser_page, demo_market):
    plan, goal, pools = demo_market
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Maureen books ten swims from the demo listing, typing a test card.
    sign_in(page, "maureen@example.org")
    assert_test_mode_banner(page)
    page.goto(pools.url)
    page.get_by_role("link", name=f"Book {OFFER}").click()
    assert_test_mode_banner(page)
    page.get_by_label("Which line of the support plan").select_option(str(goal.pk))
    page.get_by_label("When would you like to start?").fill(timezone.localdate().isoformat())
    page.get_by_label("Card (direct payment or own money)").check()
    page.get_by_label("Test card", exact=True).select_option("")
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    page.get_by_role("button", name="Send booking request").click()
    # Saving the card goes through the fake Stripe (and stripe-mock in CI): give it time.
    page.wait_for_url(re.compile(r"/marketplace/bookings/\d+/$"), timeout=60_000)
    assert "Your request has been sent to Grand Central Pools" in main_text(page)
    assert page.locator(".booking-status").inner_text() == "Requested"
    assert "£45.00" in main_text(page)
    booking = Booking.objects.get()
    # The card came from the card fields (Stripe.js's path), not the plain test-card list.
    method = Payment.objects.get(booking=booking).stripe_payment_method
    assert method.startswith("pm_") and method != "pm_card_visa"
    assert not errors

    # Karen, who runs Grand Central Pools, accepts and delivers: the card is charged.
    sign_in(page, "karen.shaw@example.org")
    page.goto("/marketplace/bookings/requests/")
    assert_test_mode_banner(page)
    page.get_by_role("button", name=f"Accept {OFFER} for Maureen").click()
    assert "You accepted the booking" in main_text(page)
    page.get_by_role("button", name=f"Mark as delivered {OFFER} for Maureen").click()
    assert "the card payment has been taken" in main_text(page)

    # Karen's payouts page: the £45 went to her connected account.
    page.goto("/marketplace/payouts/")
    assert payout_summary(page) == {
        "Owed to you, not yet sent": "£0.00",
        "Transferred to you": "£45.00",
        "Taken back for refunds": "£0.00",
        "Received, after refunds": "£45.00",
    }

    # Maureen sees it paid, and £45 spent on her swimming line.
    sign_in(page, "maureen@example.org")
    page.goto("/marketplace/bookings/")
    assert page.locator(".booking-status").first.inner_text() == "Paid"
    page.goto(f"/marketplace/statements/{plan.pk}/")
    assert_test_mode_banner(page)
    assert statement_line(page, goal) == ["£720.00", "£0.00", "£45.00", "£675.00"]
    payments = page.get_by_role("row", name=re.compile("Grand Central Pools")).all_inner_texts()
    assert any("Card payment" in row and "£45.00" in row for row in payments)

    # Karen refunds £15; the statement shows the refund and £30 spent.
    sign_in(page, "karen.shaw@example.org")
    page.goto(f"/marketplace/bookings/{booking.pk}/")
    page.get_by_label("Amount to refund (£)").fill("15.00")
    page.get_by_label("Reason (optional)").fill("Pool closed for two weeks")
    page.get_by_role("button", name=f"Refund {OFFER} for Maureen").click()
    assert "£15.00 has been refunded in all" in main_text(page)
    # The same share of the refund is taken back from Karen's transfer.
    page.goto("/marketplace/payouts/")
    summary = payout_summary(page)
    assert summary["Taken back for refunds"] == "£15.00"
    assert summary["Received, after refunds"] == "£30.00"
    assert "minus £15.00" in main_text(page)

    sign_in(page, "maureen@example.org")
    page.goto(f"/marketplace/statements/{plan.pk}/")
    assert statement_line(page, goal) == ["£720.00", "£0.00", "£30.00", "£690.00"]
    payments = page.get_by_role("row", name=re.compile("Grand Central Pools")).all_inner_texts()
    assert any("Refund" in row and "15.00" in row for row in payments), payments
    page.goto("/marketplace/bookings/")
    assert "£15.00 refunded" in main_text(page)
    assert not errors
