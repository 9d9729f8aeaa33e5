"""The statement and the booking pages on a 320 × 640 phone screen, in headless Chromium.

Nothing may make the page scroll sideways: the statement's tables scroll inside
their own labelled boxes, which a keyboard can reach and scroll. Fixtures as in
test_browser_marketplace.py (Sam's plan and the pool's offer); no card payments.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Offer, PaymentRoute
from marketplace.tests import conftest as money_fixtures
from marketplace.tests.test_money_guards import pool_pledge

market = money_fixtures.market
no_stripe = money_fixtures.no_stripe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}

# Elements whose right edge is past the screen, other than inside a box that scrolls.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-scroll')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5) {
      out.push(el.tagName + '.' + el.className + ' ' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 10)};
}"""


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def assert_no_sideways_scroll(page):
    found = page.evaluate(OVERFLOWING)
    assert found["scrollWidth"] <= PHONE["width"], found
    assert found["out"] == [], found


def statement_with_everything(market):
    """An agreed budget, an invoice, an accepted booking and a pool pledge on Sam's plan."""
    market.plan.agreed_budget = Decimal("12480.00")
    market.plan.save()
    market.delivered(PaymentRoute.MANAGED_ACCOUNT)
    market.accepted(PaymentRoute.MANAGED_ACCOUNT)
    pool_pledge(market, timezone.now() + timedelta(days=5), share="30.00")


@pytest.mark.usefixtures("no_stripe")
def test_statement_fits_a_phone_and_its_tables_scroll_by_keyboard(
    browser_page, live_server, market
):
    statement_with_everything(market)
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, market.person)

    for url in (
        reverse("marketplace:statement", args=[market.plan.pk]),
        reverse("marketplace:statement_print", args=[market.plan.pk]),
    ):
        page.goto(url)
        assert "The budget agreed for the year is £12,480.00." in page.locator("main").inner_text()
        assert_no_sideways_scroll(page)

    page.goto(reverse("marketplace:statement", args=[market.plan.pk]))
    region = page.get_by_role("region", name="Budget by plan line")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # too wide: it scrolls
    for _ in range(80):  # Tab until the table's box has focus
        page.keyboard.press("Tab")
        if region.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("The plan lines table cannot be reached with the keyboard.")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.querySelector('#lines-caption').closest('.table-scroll').scrollLeft > 0"
    )
    assert page.get_by_role("region", name="Every payment, invoice and refund").count() == 1


@pytest.mark.usefixtures("no_stripe")
def test_booking_pages_fit_a_phone(browser_page, live_server, market):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, market.representative)

    page.goto(reverse("marketplace:offer_book", args=[market.offer.pk]))
    assert "Invoice to Sam Patel’s managed account" in page.locator("main").inner_text()
    assert_no_sideways_scroll(page)

    # The overspend warning too (£45 × 2 against £60 a month).
    page.get_by_label("How many?").fill("2")
    page.get_by_label("Which line of the support plan").select_option(str(market.goal.pk))
    page.get_by_label("Invoice to Sam Patel’s managed account").check()
    page.get_by_label("Who holds the money?").fill("Stockport Direct Payments Support Service")
    page.get_by_role("button", name="Send booking request").click()
    assert "over its budget of £60.00 a month" in page.locator("#overspend-warning").inner_text()
    assert_no_sideways_scroll(page)

    # A full offer says so before anything is filled in.
    Offer.objects.filter(pk=market.offer.pk).update(places=0)
    page.goto(reverse("marketplace:offer_book", args=[market.offer.pk]))
    assert "no places left" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_label("How many?").count() == 0
    assert_no_sideways_scroll(page)

    page.goto(market.listing.url)
    assert_no_sideways_scroll(page)
