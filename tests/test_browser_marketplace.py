"""Sam books swimming lessons with his budget, in headless Chromium against a fake Stripe.

He messages the pool from its listing page, books an offer paying with the
test card, the pool accepts and marks the lessons delivered (which takes the
card payment), and Sam sees the booking paid and the £45 spent against his
swimming goal on his budget statement. Stripe is localstripe, started by the
marketplace fixtures; the "Test card" choice exists only because the secret
key is a test key and STRIPE_API_BASE points at the fake server.
"""

import re

import pytest

from marketplace.models import Booking
from marketplace.tests import conftest as money_fixtures
from tests.browser_support import main_text, sign_in

# The marketplace's fixtures (a fake Stripe, Sam's plan and the pool's offer), shared here.
localstripe = money_fixtures.localstripe
stripe_test_settings = money_fixtures.stripe_test_settings
market = money_fixtures.market

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("stripe_test_settings")
def test_enquire_book_pay_by_card_and_see_the_statement(browser_page, market):
    page = browser_page
    offer = market.offer.title

    sign_in(page, market.person.email)
    page.goto(market.listing.url)
    page.get_by_role("link", name="Send a message to Grand Central Pools").click()
    page.get_by_label("Subject").fill("Swimming lessons on Saturday mornings")
    page.get_by_label("Message").fill("Do you have a lane with a hoist? I use a wheelchair.")
    page.get_by_role("button", name="Send message").click()
    assert "Your message has been sent" in main_text(page)

    page.goto(market.listing.url)
    page.get_by_role("link", name=f"Book {offer}").click()
    page.get_by_label("Which line of the support plan").select_option(str(market.goal.pk))
    page.get_by_label("Card (direct payment or own money)").check()
    page.get_by_label("Test card", exact=True).select_option("pm_card_visa")
    page.get_by_role("button", name="Send booking request").click()
    assert "Your request has been sent to Grand Central Pools" in main_text(page)
    booking = Booking.objects.get()
    assert booking.payment_route == "card"

    sign_in(page, market.owner.email)
    page.goto("/marketplace/bookings/requests/")
    page.get_by_role("button", name=f"Accept {offer} for Sam Patel").click()
    assert "You accepted the booking" in main_text(page)
    page.get_by_role("button", name=f"Mark as delivered {offer} for Sam Patel").click()
    assert "the card payment has been taken" in main_text(page)

    sign_in(page, market.person.email)
    page.goto("/marketplace/bookings/")
    assert page.locator(".booking-status").first.inner_text() == "Paid"
    page.goto(f"/marketplace/statements/{market.plan.pk}/")
    row = page.get_by_role("row", name=re.compile("^I want to go swimming again")).first
    assert row.inner_text().split("\t")[1:] == ["£720.00", "£0.00", "£45.00", "£675.00"]
    assert "Grand Central Pools" in main_text(page)
