"""Someone searches the directory from their postcode and opens a listing, in headless Chromium."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from directory.factories import make_listing

# serialized_rollback: the flush after a transactional test would otherwise
# remove the vocabularies and directory page that migrations seed.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def stockport_listings():
    make_listing(
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        summary="Lane swimming and aquafit, with a pool hoist and quiet sessions.",
        outcomes=["physical-health"],
        categories=["swimming"],
        price="4.50",
        price_unit="session",
        places_available=12,
        last_confirmed=date(2026, 3, 3),
    )
    make_listing(
        "pa",
        "Joanne Whitfield",
        "SK4 4NB",
        summary="Experienced PA in Heaton Moor: gym buddy, shopping and cooking.",
        outcomes=["physical-health", "independent-living"],
        categories=["personal-assistant"],
        price="13.50",
        price_unit="hour",
        places_available=2,
        hours_wanted_min=3,
        hours_wanted_max=12,
    )
    make_listing(
        "club",
        "Reddish Vale Walking Group",
        "SK5 6BD",
        summary="Gentle two-mile walks every Wednesday, then a brew in the café.",
        outcomes=["physical-health", "social-inclusion"],
        price="0",
        price_unit="free",
    )
    make_listing(
        "club",
        "Edgeley Art Group",
        "SK3 0AX",
        outcomes=["mental-wellbeing"],
        price="3",
        price_unit="session",
    )


def keep_off_the_internet(page, live_server):
    """Map tiles would come from OpenStreetMap: tests never fetch them."""

    def only_the_test_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_the_test_server)


def test_search_from_a_postcode_for_fitness_and_open_a_personal_assistant(
    browser_page, live_server, stockport_listings
):
    page = browser_page
    keep_off_the_internet(page, live_server)

    page.goto("/directory/")
    page.get_by_label("Postcode").fill("SK1 3XE")
    page.get_by_label("Physical health and fitness").check()
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/directory/\?.*postcode=SK1"))

    expect(page.get_by_role("heading", name="3 results within 10 miles of SK1 3XE")).to_be_visible()
    cards = page.locator(".result-card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_contain_text("Grand Central Pools")
    expect(cards.nth(0)).to_contain_text("Under 0.1 miles away")
    expect(cards.nth(0)).to_contain_text("£4.50 a session")
    expect(cards.nth(0)).to_contain_text("12 places left")
    expect(cards.nth(0)).to_contain_text("Last confirmed 3 March 2026")
    expect(cards.nth(1)).to_contain_text("1.7 miles away")
    expect(cards.nth(1)).to_contain_text("£13.50 an hour")
    expect(cards.nth(2)).to_contain_text("Free")
    expect(page.get_by_text("Edgeley Art Group")).to_have_count(0)

    # With JavaScript on, the map appears beside the list with one marker per result.
    expect(page.locator("#results-map-wrapper")).to_be_visible()
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(3)

    page.get_by_role("link", name="Joanne Whitfield").click()
    page.wait_for_url(re.compile(r"/directory/joanne-whitfield/$"))
    expect(page.get_by_role("heading", level=1, name="Joanne Whitfield")).to_be_visible()
    expect(page.get_by_text("Happy to work just a few hours")).to_be_visible()
    expect(page.locator("main")).to_contain_text("SK4 4")
    assert "SK4 4NB" not in page.content()
