"""One journey per role, each to its end, through the real pages in headless Chromium.

Each journey is a list of steps (functions taking the browser page and the
``Stockport`` world below) run in order, so a step is added by writing one
function and putting it in the list where it happens:

* budget holder: plan → suggestion → enquiry → booking → notification → statement,
  with JavaScript switched off (Kith's pages work without it);
* provider: places update → booking accepted → delivered;
* practitioner: search → shortlist → referral;
* user-led organisation: referral → accept → message thread;
* representative: acts for the person and is named correctly on the pages
  and in the booking.

Still to come, with the branches that build them: the moderator's journey
(claim, complaint, suspension; ``MODERATOR`` below) and the provider's
"complaint answered" step (add it to the end of ``PROVIDER``).

The world is the marketplace's (Sam Patel, his daughter Aisha, Dave's
Grand Central Pools with its swimming lessons; see
marketplace/tests/conftest.py) with a user-led organisation and Maureen
Hughes, whom Priya supports, added. Each page the journeys reach is also
checked with axe-core (tests/axe.py), without the phone-width check, which
tests/test_browser_accessibility.py makes for every page type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.factories import UserFactory
from directory.factories import make_listing
from marketplace.bookings import services as bookings
from marketplace.models import Booking, Invoice, PaymentRoute
from marketplace.tests import conftest as money_fixtures
from matching import referrals
from matching.models import Goal, Referral
from matching.plans import create_plan
from tests.axe import assert_accessible
from tests.browser_support import main_text, sign_in

# The marketplace's people, plan and offer, shared here.
market = money_fixtures.market

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYER = "Stockport Direct Payments Support Service"
OFFER = "Six one-to-one swimming lessons"


@dataclass
class Stockport:
    """``market`` (Sam, Aisha, Dave's pool, Priya) plus peer brokers and Maureen."""

    market: money_fixtures.Market
    ulo: object
    ulo_staff: object
    maureen: object
    maureen_goal: Goal
    booking: Booking | None = None
    referral: Referral | None = None
    # With JavaScript switched off Playwright cannot run axe-core in the page
    # (its evaluate waits for ever); the accessibility walk covers those pages.
    javascript: bool = True


@pytest.fixture
def stockport(market):
    ulo_staff = UserFactory(email="jo@example.org", display_name="Jo Okafor", roles=["ulo_staff"])
    ulo = make_listing(
        "ulo",
        "Stockport Peer Brokers",
        "SK1 3TA",
        summary="Peer brokers who have used personal budgets themselves.",
        outcomes=["independent-living"],
        categories=["peer-brokerage", "peer-support"],
        offers_peer_brokerage=True,
        accepts_referrals=True,
        owner=ulo_staff,
        last_confirmed=date(2026, 9, 1),
    )
    make_listing(
        "club",
        "Stockport Aquafit and Social Swim",
        "SK2 6PL",
        outcomes=["physical-health", "social-inclusion"],
        categories=["swimming", "social-activities-support"],
        price="3.50",
        price_unit="session",
        last_confirmed=date(2026, 9, 1),
    )
    maureen = UserFactory(
        email="maureen@example.org", display_name="Maureen Hughes", roles=["budget_holder"]
    )
    plan = create_plan(maureen, postcode="OL8 1AA")
    plan.practitioner = market.practitioner
    plan.save()
    goal = Goal.objects.create(
        plan=plan,
        text="I'd like to go swimming again and meet people",
        budget_amount=Decimal("300.00"),
        budget_period="year",
    )
    return Stockport(
        market=market, ulo=ulo, ulo_staff=ulo_staff, maureen=maureen, maureen_goal=goal
    )


def run(journey, page, world: Stockport) -> None:
    for step in journey:
        step(page, world)


def check(page, world: Stockport, where: str) -> None:
    """axe-core on the page the journey has reached (the phone check is done elsewhere)."""
    if world.javascript:
        assert_accessible(page, where, phone=False)


# --- Budget holder: plan → suggestion → enquiry → booking → notification → statement -------


def holder_finds_a_suggestion_on_his_plan(page, world):
    sam = world.market.person
    sign_in(page, sam.email)
    page.get_by_role("link", name="My plan").first.click()
    page.get_by_role("link", name="My support plan").click()
    page.get_by_role(
        "link", name=re.compile("See suggestions for " + re.escape("I want to go swimming"))
    ).click()
    card = page.locator("li.suggestion").filter(
        has=page.get_by_role("heading", name="Grand Central Pools")
    )
    assert re.search(r"(Less than a mile|[\d.]+ miles) from you", card.inner_text())
    check(page, world, "suggestions")
    card.get_by_role("link", name="Grand Central Pools").first.click()
    expect(page.get_by_role("heading", level=1, name="Grand Central Pools")).to_be_visible()


def holder_sends_an_enquiry(page, world):
    page.get_by_role("link", name="Send a message to Grand Central Pools").click()
    page.get_by_label("Subject").fill("Swimming lessons on Saturday mornings")
    page.get_by_label("Message").fill("Do you have a pool hoist? I use a wheelchair.")
    check(page, world, "enquiry form")
    page.get_by_role("button", name="Send message").click()
    assert "Your message has been sent" in main_text(page)


def holder_books_with_an_invoice_to_his_managed_account(page, world):
    page.goto(world.market.listing.url)
    page.get_by_role("link", name=f"Book {OFFER}").click()
    page.get_by_label("Which line of the support plan").select_option(str(world.market.goal.pk))
    page.get_by_label("Invoice to your managed account").check()
    page.get_by_label("Who holds the money?").fill(PAYER)
    check(page, world, "booking form")
    page.get_by_role("button", name="Send booking request").click()
    assert "Your request has been sent to Grand Central Pools" in main_text(page)
    world.booking = Booking.objects.get(person=world.market.person)
    assert world.booking.payment_route == PaymentRoute.MANAGED_ACCOUNT


def provider_accepts_and_delivers_offstage(page, world):
    """Dave's side of it, which the provider's journey goes through on the pages."""
    booking = bookings.accept(world.booking, by=world.market.owner)
    world.booking = bookings.deliver(booking, by=world.market.owner)


def holder_reads_the_notification(page, world):
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    check(page, world, "notifications")
    page.get_by_role("link", name="Grand Central Pools accepted your booking").click()
    expect(page.get_by_role("heading", level=1, name=OFFER)).to_be_visible()
    assert page.locator(".booking-status").inner_text() == "Delivered"
    invoice = Invoice.objects.get(booking=world.booking)
    assert f"Invoice {invoice.number}" in main_text(page)


def holder_reads_his_statement(page, world):
    page.goto("/plan/")
    page.get_by_role("link", name="My support plan").click()
    page.get_by_role("link", name="Spending statement").click()
    row = page.get_by_role("row", name=re.compile("^I want to go swimming again")).first
    cells = row.inner_text().split("\t")
    assert cells[3] == "£45.00", cells  # spent: the invoice sent for the lessons
    assert "Grand Central Pools" in main_text(page)
    check(page, world, "statement")


BUDGET_HOLDER = [
    holder_finds_a_suggestion_on_his_plan,
    holder_sends_an_enquiry,
    holder_books_with_an_invoice_to_his_managed_account,
    provider_accepts_and_delivers_offstage,
    holder_reads_the_notification,
    holder_reads_his_statement,
]


@pytest.fixture
def page_without_javascript(browser_page, live_server):
    """A second browser context with JavaScript switched off, as some people browse."""
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_budget_holder_journey_without_javascript(page_without_javascript, stockport):
    stockport.javascript = False
    run(BUDGET_HOLDER, page_without_javascript, stockport)


# --- Provider: places update → booking accepted → delivered ------------------------------


def provider_updates_places(page, world):
    sign_in(page, world.market.owner.email)
    page.goto("/marketplace/offers/")
    page.get_by_role("link", name=f"Change {OFFER}").click()
    page.get_by_label("Places (optional)").fill("3")
    check(page, world, "offer form")
    page.get_by_role("button", name=re.compile("Save")).click()
    assert f"“{OFFER}” is saved." in main_text(page)
    assert "3 left of 3" in main_text(page)  # no moderator in between


def someone_asks_to_book(page, world):
    world.booking = world.market.request(PaymentRoute.MANAGED_ACCOUNT)


def provider_accepts_the_booking(page, world):
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role("link", name=f"Sam Patel asks to book {OFFER}").click()
    check(page, world, "booking request")
    page.get_by_role("button", name=re.compile(f"^Accept {OFFER}")).click()
    assert "You accepted the booking" in main_text(page)
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.ACCEPTED
    page.goto("/marketplace/offers/")
    assert "2 left of 3" in main_text(page)


def provider_marks_it_delivered(page, world):
    page.goto("/marketplace/bookings/requests/")
    page.get_by_role("button", name=f"Mark as delivered {OFFER} for Sam Patel").click()
    invoice = Invoice.objects.get(booking=world.booking)
    assert f"Invoice {invoice.number}" in main_text(page)
    world.booking.refresh_from_db()
    assert world.booking.status == Booking.Status.DELIVERED
    check(page, world, "booking requests after delivery")


PROVIDER = [
    provider_updates_places,
    someone_asks_to_book,
    provider_accepts_the_booking,
    provider_marks_it_delivered,
    # provider_answers_the_complaint: added with complaints.
]


def test_provider_journey(browser_page, stockport):
    run(PROVIDER, browser_page, stockport)


# --- Practitioner: search → shortlist → referral ------------------------------------------


def practitioner_searches_for_maureen(page, world):
    sign_in(page, world.market.practitioner.email)
    page.get_by_role("link", name="People I support").click()
    page.get_by_role("link", name="Maureen Hughes").click()
    page.get_by_role("heading", name="Maureen Hughes's support plan").wait_for()
    page.get_by_role(
        "link", name=re.compile(r"Find options for this goal\s*: I.d like to go")
    ).click()
    check(page, world, "practitioner's options for a goal")


def practitioner_shortlists_and_shares(page, world):
    page.get_by_role("button", name="Add to shortlist – Stockport Aquafit and Social Swim").click()
    page.get_by_text(
        "Stockport Aquafit and Social Swim is on Maureen Hughes's shortlist."
    ).wait_for()
    page.get_by_role("link", name="Back to Maureen Hughes's plan").click()
    page.get_by_role("button", name="Share with Maureen Hughes").click()
    page.get_by_text("Shared with Maureen Hughes.").wait_for()


def practitioner_refers_to_peer_brokers(page, world):
    page.get_by_role(
        "link", name="Find a user-led organisation for peer brokerage or peer support"
    ).click()
    page.get_by_role("link", name="Stockport Peer Brokers", exact=True).click()
    page.get_by_role(
        "link", name=re.compile("Refer someone for peer brokerage or peer support")
    ).click()
    # Priya supports Sam as well, so she says whom she is referring first.
    page.get_by_label(re.compile("^Maureen Hughes: ")).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Refer Maureen Hughes to Stockport Peer Brokers").wait_for()
    page.get_by_label("Peer brokerage").check()
    page.get_by_label(re.compile("Maureen Hughes has agreed to be referred")).check()
    check(page, world, "referral form")
    page.get_by_role("button", name="Send referral").click()
    page.get_by_text("Referral sent to Stockport Peer Brokers.").wait_for()
    referral = Referral.objects.get(person=world.maureen)
    assert referral.referred_by == world.market.practitioner
    assert referral.status == Referral.Status.SENT


PRACTITIONER = [
    practitioner_searches_for_maureen,
    practitioner_shortlists_and_shares,
    practitioner_refers_to_peer_brokers,
]


def test_practitioner_journey(browser_page, stockport):
    run(PRACTITIONER, browser_page, stockport)


# --- User-led organisation: referral → accept → message thread ------------------------------


def maureen_is_referred(page, world):
    world.referral, _ = referrals.create_referral(
        organisation=world.ulo,
        person=world.maureen,
        plan=world.maureen_goal.plan,
        offer="peer_brokerage",
        by_user=world.market.practitioner,
        consent=True,
    )


def ulo_accepts_the_referral(page, world):
    sign_in(page, world.ulo_staff.email)
    page.get_by_role("link", name="Referrals to your organisation").click()
    page.get_by_role("heading", name="Waiting for an answer (1)").wait_for()
    check(page, world, "referral inbox")
    page.get_by_role("button", name="Accept – referral for Maureen Hughes").click()
    page.get_by_text("The referral for Maureen Hughes is now accepted.").wait_for()


def maureen_agrees_to_be_contacted_and_writes(page, world):
    sign_in(page, world.maureen.email)
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role(
        "link", name="Stockport Peer Brokers accepted the referral for Maureen Hughes"
    ).click()
    page.get_by_role("button", name="Yes, they can contact me here").click()
    page.get_by_label("Your message").fill("Mornings suit me best. My number is 0161 496 0123.")
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Message sent.").wait_for()


def ulo_answers_in_the_thread(page, world):
    sign_in(page, world.ulo_staff.email)
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role("link", name=re.compile(r"^New message from Maureen Hughes")).click()
    assert "Mornings suit me best." in main_text(page)
    page.get_by_label("Your message").fill("Thank you, Maureen. I will ring on Tuesday at 10.")
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Message sent.").wait_for()
    check(page, world, "referral thread")
    world.referral.refresh_from_db()
    assert world.referral.messages.count() == 2


ULO = [
    maureen_is_referred,
    ulo_accepts_the_referral,
    maureen_agrees_to_be_contacted_and_writes,
    ulo_answers_in_the_thread,
]


def test_user_led_organisation_journey(browser_page, stockport):
    run(ULO, browser_page, stockport)


# --- Representative: acts for Sam and is named correctly ------------------------------------


def representative_sees_sams_plan_as_his(page, world):
    sign_in(page, world.market.representative.email)
    page.get_by_role("link", name="My plan").first.click()
    page.get_by_role("link", name=re.compile("Sam Patel")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Patel")
    check(page, world, "Sam's plan, for Aisha")


def representative_books_for_sam(page, world):
    page.goto(world.market.listing.url)
    page.get_by_role("link", name=f"Book {OFFER}").click()
    # The choices name whose account is invoiced: Sam's, not Aisha's.
    expect(page.get_by_label("Invoice to your managed account")).to_have_count(0)
    page.get_by_label("Invoice to Sam Patel’s managed account").check()
    page.get_by_label("Which line of the support plan").select_option(str(world.market.goal.pk))
    page.get_by_label("Who holds the money?").fill(PAYER)
    page.get_by_role("button", name="Send booking request").click()
    assert "Your request has been sent to Grand Central Pools" in main_text(page)
    world.booking = Booking.objects.get(person=world.market.person)
    assert world.booking.requested_by == world.market.representative
    summary = page.locator(".summary-list").first.inner_text()
    assert "Sam Patel" in summary and "Aisha" not in summary
    check(page, world, "booking, for Aisha")


def provider_sees_the_booking_is_for_sam(page, world):
    sign_in(page, world.market.owner.email)
    page.goto("/marketplace/bookings/requests/")
    expect(page.get_by_role("link", name=f"{OFFER} for Sam Patel")).to_be_visible()


REPRESENTATIVE = [
    representative_sees_sams_plan_as_his,
    representative_books_for_sam,
    provider_sees_the_booking_is_for_sam,
]


def test_representative_journey(browser_page, stockport):
    run(REPRESENTATIVE, browser_page, stockport)


# --- Moderator: claim, complaint, suspension (added with those features) ----------------------

MODERATOR: list = []
