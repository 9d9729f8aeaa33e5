"""One journey per role, each to its end, through the real pages in headless Chromium.

Each journey is a list of steps (functions taking the browser page and the
``Stockport`` world below) run in order, so a step is added by writing one
function and putting it in the list where it happens:

* budget holder: plan → suggestion → enquiry → booking → notification → statement,
  with JavaScript switched off (Kith's pages work without it);
* provider: places update → booking accepted → delivered → complaint answered;
* practitioner: search → shortlist → referral;
* user-led organisation: referral → accept → message thread;
* representative: acts for the person and is named correctly on the pages
  and in the booking;
* moderator: a complaint resolved → the listing suspended at once (out of
  search) → a PA's claim to an unowned listing approved.

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
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.factories import UserFactory
from directory import ownership
from directory.factories import make_listing
from directory.models import ListingClaim
from directory.safety.records import is_suspended
from marketplace.bookings import services as bookings
from marketplace.complaints import services as complaints
from marketplace.models import Booking, Complaint, Invoice, PaymentRoute
from marketplace.tests import conftest as money_fixtures
from matching import referrals
from matching.models import Goal, Referral
from matching.plans import create_plan
from tests.axe import assert_accessible
from tests.browser_support import main_text, sign_in, sign_in_by_cookie

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
    complaint: Complaint | None = None
    moderator: object = None
    unowned: object = None
    claimant: object = None
    claim: ListingClaim | None = None
    live_server: object = None
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


def sam_complains_about_the_lessons(page, world):
    """Sam complains from his booking page (the person's side of the complaint)."""
    sign_in(page, world.market.person.email)
    page.goto(f"/marketplace/bookings/{world.booking.pk}/")
    page.get_by_role("link", name=re.compile("make a complaint")).click()
    page.get_by_label("A complaint", exact=True).check()
    page.get_by_label("If it is a complaint, what is it about?").select_option(index=1)
    page.get_by_label("What happened?").fill(
        "The instructor left twenty minutes early on two of the six lessons."
    )
    check(page, world, "complaint form")
    page.get_by_role("button", name=re.compile("Send")).click()
    world.complaint = Complaint.objects.get(booking=world.booking)
    assert "The instructor left twenty minutes early" in main_text(page)


def provider_answers_the_complaint(page, world):
    sign_in(page, world.market.owner.email)
    page.goto(f"/marketplace/complaints/{world.complaint.pk}/")
    assert "The instructor left twenty minutes early" in main_text(page)
    page.get_by_label("Your answer").fill(
        "We are sorry. Our instructor had a family emergency; we will add two lessons free."
    )
    page.get_by_role("button", name="Send your answer").click()
    world.complaint.refresh_from_db()
    assert world.complaint.status == Complaint.Status.ANSWERED
    assert "we will add two lessons free" in main_text(page)
    check(page, world, "complaint answered")


PROVIDER = [
    provider_updates_places,
    someone_asks_to_book,
    provider_accepts_the_booking,
    provider_marks_it_delivered,
    sam_complains_about_the_lessons,
    provider_answers_the_complaint,
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


# --- Moderator: complaint → suspension, and a claim approved --------------------------------


def a_complaint_waits_for_the_moderator(page, world):
    world.booking = world.market.delivered(PaymentRoute.MANAGED_ACCOUNT)
    world.complaint = complaints.make_complaint(
        world.booking,
        world.market.person,
        Complaint.Kind.COMPLAINT,
        "The instructor shouted at me and left early every week.",
        category=Complaint.Category.choices[1][0],
    )


def moderator_resolves_the_complaint(page, world):
    sign_in_by_cookie(page, world.live_server, world.moderator)
    page.goto(f"/admin/marketplace/complaints/{world.complaint.pk}/")
    assert "The instructor shouted at me" in page.locator("main, #main").first.inner_text()
    page.get_by_label(Complaint.Outcome.choices[0][1], exact=True).check()
    page.get_by_label("What was found and done").fill(
        "Upheld: the provider agreed to refund two lessons. Listing suspended while checked."
    )
    page.get_by_role("button", name="Resolve").click()
    world.complaint.refresh_from_db()
    assert world.complaint.status == Complaint.Status.RESOLVED


def moderator_suspends_the_listing_at_once(page, world):
    page.goto(f"/admin/directory/safety/listing/{world.market.listing.pk}/")
    page.get_by_label("Why is the listing suspended?").fill(
        "A complaint about how lessons are run was upheld; we are checking with you."
    )
    page.get_by_role("button", name="Suspend at once").click()
    assert is_suspended(world.market.listing)
    # It leaves search at once, and cannot be booked.
    page.goto("/directory/?q=swimming+lessons&postcode=SK1+3XE")
    assert "Grand Central Pools" not in page.locator("main").inner_text()


def a_pa_claims_an_unowned_listing(page, world):
    world.unowned = make_listing(
        "pa",
        "Bernadette Walsh",
        "SK4 1AA",
        summary="Personal assistant in Heaton Chapel.",
        outcomes=["independent-living"],
        last_confirmed=date(2026, 9, 1),
    )
    world.claimant = UserFactory(
        email="bernadette@example.org",
        display_name="Bernadette Walsh",
        roles=["personal_assistant"],
    )
    sign_in(page, world.claimant.email)
    page.goto(world.unowned.url)
    page.get_by_role("link", name="Manage this listing").click()
    page.get_by_label("Your role at this service").fill("I am the PA on this listing")
    page.get_by_label("I will describe other evidence").check()
    page.get_by_label(re.compile("^Evidence a moderator can check")).fill(
        "My DBS certificate number is on file with Stockport's direct payments team."
    )
    page.get_by_role("button", name="Send my request").click()
    world.claim = ListingClaim.objects.get(listing=world.unowned)


def moderator_approves_the_claim(page, world):
    sign_in_by_cookie(page, world.live_server, world.moderator)
    page.goto(f"/admin/directory/claims/{world.claim.pk}/")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Save decision").click()
    assert ownership.account_holder(world.unowned) == world.claimant
    sign_in(page, world.claimant.email)
    page.goto(world.unowned.url)
    assert "You manage this listing" in main_text(page)


MODERATOR = [
    a_complaint_waits_for_the_moderator,
    moderator_resolves_the_complaint,
    moderator_suspends_the_listing_at_once,
    a_pa_claims_an_unowned_listing,
    moderator_approves_the_claim,
]


def test_moderator_journey(browser_page, live_server, stockport):
    stockport.moderator = UserFactory(
        email="mo@example.org", display_name="Mo Rahman", roles=["moderator"], is_staff=True
    )
    # In Wagtail's Moderators group, and signed in with a two-step code (the cookie
    # sign-in records it as entered).
    stockport.moderator.groups.add(Group.objects.get(name="Moderators"))
    TOTP.activate(stockport.moderator, "KITHJOURNEYMODERATORSECRETAAAAAA")
    stockport.live_server = live_server
    run(MODERATOR, browser_page, stockport)
