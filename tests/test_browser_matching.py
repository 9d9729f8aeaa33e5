"""Maureen's plan, from her goals in her own words to a peer broker accepting her referral.

The whole journey from the issue's "Done when", through the real pages in
headless Chromium: a budget holder writes goals and sees explained, local
suggestions; her practitioner shortlists options and refers her to a
user-led organisation with her consent; she adds an option to her plan and
reads who looked at it; the organisation accepts the referral. Another
practitioner cannot open her plan at all.

The directory is built here with factories (a dozen listings around
Stockport) rather than the demo command, so the test says what it relies on.
"""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.factories import UserFactory
from directory.factories import make_listing
from matching.models import PlanAccess, Referral, SupportPlan
from tests.browser_support import main_text, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SWIM_GOAL = "I'd like to go swimming again and meet people"
CLEANING_GOAL = "help with cleaning twice a week"
SEASIDE_GOAL = "a few days away at the seaside with my sister"

# (kind, title, postcode, outcomes, categories, price, unit, places, extra fields)
STOCKPORT = [
    (
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        ["physical-health"],
        ["swimming", "gym-membership"],
        "4.50",
        "session",
        20,
        {},
    ),
    (
        "provider",
        "Hazel Grove Swimming Pool",
        "SK7 4AA",
        ["physical-health"],
        ["swimming"],
        "3.90",
        "session",
        12,
        {},
    ),
    (
        "club",
        "Stockport Aquafit and Social Swim",
        "SK2 6PL",
        ["physical-health", "social-inclusion"],
        ["swimming", "social-activities-support"],
        "3.50",
        "session",
        6,
        {},
    ),
    (
        "club",
        "Edgeley Friendship Club",
        "SK3 9HQ",
        ["social-inclusion"],
        ["social-activities-support", "leisure-activities"],
        "2.00",
        "session",
        10,
        {},
    ),
    (
        "provider",
        "Heatons Home Help",
        "SK4 4NB",
        ["independent-living"],
        ["domestic-help"],
        "17.00",
        "hour",
        3,
        {"offers_backup_cover": True},
    ),
    (
        "provider",
        "Brinnington Cleaning Co-op",
        "SK5 8BX",
        ["independent-living"],
        ["domestic-help"],
        "15.50",
        "hour",
        None,
        {},
    ),
    (
        "pa",
        "Amina, PA in Cheadle",
        "SK8 1AA",
        ["independent-living"],
        ["personal-assistant", "domestic-help"],
        "14.00",
        "hour",
        None,
        {},
    ),
    (
        "provider",
        "Coast and Country Accessible Holidays",
        "SK1 1AA",
        ["social-inclusion", "mental-wellbeing"],
        ["holiday-short-break", "days-out"],
        "650.00",
        "week",
        4,
        {},
    ),
    (
        "club",
        "Reddish Vale Walking Group",
        "SK5 7HA",
        ["physical-health", "social-inclusion"],
        ["sports-activities", "social-activities-support"],
        None,
        "free",
        None,
        {},
    ),
]


@pytest.fixture
def people():
    maureen = UserFactory(
        email="maureen@example.org", display_name="Maureen Hughes", roles=["budget_holder"]
    )
    priya = UserFactory(
        email="priya@example.org", display_name="Priya Shah", roles=["practitioner"]
    )
    sam = UserFactory(email="sam@example.org", display_name="Sam Okafor", roles=["ulo_staff"])
    tom = UserFactory(email="tom@example.org", display_name="Tom Baxter", roles=["practitioner"])
    for kind, title, postcode, outcomes, categories, price, unit, places, extra in STOCKPORT:
        make_listing(
            kind,
            title,
            postcode,
            outcomes=outcomes,
            categories=categories,
            price=price,
            price_unit=unit,
            places_available=places,
            last_confirmed=date(2026, 9, 1),
            **extra,
        )
    make_listing(
        "ulo",
        "Stockport Peer Brokers",
        "SK1 3TA",
        summary="Peer brokers who have used personal budgets themselves, based in Stockport.",
        outcomes=["independent-living"],
        categories=["peer-brokerage", "peer-support"],
        offers_peer_brokerage=True,
        accepts_referrals=True,
        owner=sam,
        last_confirmed=date(2026, 9, 1),
    )
    return {"maureen": maureen, "priya": priya, "sam": sam, "tom": tom}


def add_goal(page, text, budget=None):
    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("In your own words, what would you like to do or change?").fill(text)
    if budget is not None:
        page.get_by_label("Budget for this goal (£, optional)").fill(budget)
        page.get_by_label("How often?").select_option(label="a year")
    page.get_by_role("button", name="Add the goal").click()
    page.wait_for_url(re.compile(r"/plan/\d+/#goal-\d+$"))
    assert "Your goal has been added" in main_text(page)


def see_suggestions(page, goal_text, *, expect_listing, expect_reason):
    """Open a goal's suggestions; check the named option shows miles, price and a reason."""
    page.get_by_role(
        "link", name=re.compile("See suggestions for " + re.escape(goal_text[:20]))
    ).click()
    page.get_by_role("heading", name=re.compile("Suggestions for your goal")).wait_for()
    card = page.locator("li.suggestion").filter(
        has=page.get_by_role("heading", name=expect_listing)
    )
    text = card.inner_text()
    assert re.search(r"(Less than a mile|[\d.]+ miles) from you", text), text
    assert "£" in text, text
    assert expect_reason in text, text
    page.get_by_role("link", name="Back to your plan").click()


def test_maureen_priya_and_sam_from_goals_to_an_accepted_referral(browser_page, people):
    page = browser_page

    # 1. Maureen starts her plan, writes three goals and names Priya.
    sign_in(page, "maureen@example.org")
    page.get_by_role("link", name="My plan").first.click()
    page.get_by_label("Home postcode (optional)").fill("SK1 3XE")
    page.get_by_role("button", name="Start my plan").click()
    page.get_by_role("heading", name="Your support plan").wait_for()
    plan = SupportPlan.objects.get(person=people["maureen"])
    assert plan.postcode == "SK1 3XE"

    add_goal(page, SWIM_GOAL, budget="300")
    add_goal(page, CLEANING_GOAL)
    add_goal(page, SEASIDE_GOAL)

    see_suggestions(
        page,
        SWIM_GOAL,
        expect_listing="Stockport Aquafit and Social Swim",
        expect_reason="within your budget",
    )
    see_suggestions(
        page,
        CLEANING_GOAL,
        expect_listing="Heatons Home Help",
        expect_reason="Offers domestic help",
    )
    see_suggestions(
        page,
        SEASIDE_GOAL,
        expect_listing="Coast and Country Accessible Holidays",
        expect_reason="Offers holidays and short breaks",
    )

    page.get_by_role("link", name="Change plan details").click()
    page.get_by_label("Your named practitioner's email (optional)").fill("priya@example.org")
    page.get_by_role("button", name="Save plan details").click()
    page.get_by_text("Your plan details have been saved.").wait_for()
    # Whether priya@example.org has an account is not revealed: she is asked.
    assert "If priya@example.org has a practitioner account on Kith" in main_text(page)
    assert "Asked priya@example.org" in main_text(page)

    # 2. Priya accepts, shortlists two options, shares them, and refers Maureen with her consent.
    sign_in(page, "priya@example.org")
    page.get_by_role("link", name="People I support").click()
    page.get_by_role("button", name="Accept for Maureen Hughes").click()
    page.get_by_text("You are now the named practitioner on Maureen Hughes's plan.").wait_for()
    page.get_by_role("link", name="Maureen Hughes").click()
    page.get_by_role("heading", name="Maureen Hughes's support plan").wait_for()

    page.get_by_role(
        "link", name=re.compile(r"Find options for this goal\s*: I.d like to go")
    ).click()
    page.get_by_role("button", name="Add to shortlist – Stockport Aquafit and Social Swim").click()
    page.get_by_text(
        "Stockport Aquafit and Social Swim is on Maureen Hughes's shortlist."
    ).wait_for()
    page.get_by_role("link", name="Back to Maureen Hughes's plan").click()
    page.get_by_role(
        "link", name=re.compile(r"Find options for this goal\s*: help with clean")
    ).click()
    page.get_by_role("button", name="Add to shortlist – Heatons Home Help").click()
    page.get_by_text("Heatons Home Help is on Maureen Hughes's shortlist.").wait_for()
    page.get_by_role("link", name="Back to Maureen Hughes's plan").click()

    page.get_by_role("button", name="Share with Maureen Hughes").click()
    page.get_by_text("Shared with Maureen Hughes.").wait_for()

    page.get_by_role(
        "link", name="Find a user-led organisation for peer brokerage or peer support"
    ).click()
    page.get_by_role("link", name="Stockport Peer Brokers", exact=True).click()
    page.get_by_role("heading", name="Stockport Peer Brokers", level=1).wait_for()
    page.get_by_role(
        "link", name=re.compile("Refer someone for peer brokerage or peer support")
    ).click()
    page.get_by_role("heading", name="Refer Maureen Hughes to Stockport Peer Brokers").wait_for()
    page.get_by_label("Peer brokerage").check()
    page.get_by_label("Message to the organisation (optional)").fill(
        "Maureen would like help planning from someone who has been there. Mornings are best."
    )
    page.get_by_label(re.compile("Maureen Hughes has agreed to be referred")).check()
    page.get_by_role("button", name="Send referral").click()
    page.get_by_text("Referral sent to Stockport Peer Brokers.").wait_for()
    referral = Referral.objects.get(person=people["maureen"])
    assert referral.status == Referral.Status.SENT
    assert referral.referred_by == people["priya"]

    # 3. Maureen adds a shortlisted option, sees the referral sent and who looked at her plan.
    sign_in(page, "maureen@example.org")
    page.get_by_role("link", name="My plan").first.click()
    page.get_by_role("link", name="My support plan").click()
    assert "Peer brokerage with Stockport Peer Brokers: Sent" in main_text(page)
    page.get_by_role("link", name="Suggested options").click()
    page.get_by_role("button", name="Add to my plan – Stockport Aquafit and Social Swim").click()
    page.get_by_text(
        f"Stockport Aquafit and Social Swim is saved to your goal ‘{SWIM_GOAL}’."
    ).wait_for()
    assert page.get_by_role("button", name="Add to my plan – Heatons Home Help").is_visible()
    page.get_by_role("link", name="Back to your plan").click()
    swim_goal = page.locator("li[id^=goal-]").filter(has_text=SWIM_GOAL)
    assert swim_goal.get_by_role("link", name="Stockport Aquafit and Social Swim").is_visible()

    page.get_by_role("link", name=re.compile("See the full access log")).click()
    page.get_by_role("heading", name="Who has looked at Maureen Hughes's plan").wait_for()
    log = page.locator("table").inner_text()
    assert "Priya Shah" in log and "Viewed" in log and "Made a referral" in log
    assert PlanAccess.objects.filter(plan=plan, viewer=people["priya"]).count() >= 3

    # 4. Sam, for Stockport Peer Brokers, accepts the referral from his inbox.
    sign_in(page, "sam@example.org")
    page.get_by_role("link", name="Referrals to your organisation").click()
    page.get_by_role("heading", name="Waiting for an answer (1)").wait_for()
    assert SWIM_GOAL in main_text(page)
    page.get_by_role("button", name="Accept – referral for Maureen Hughes").click()
    page.get_by_text("The referral for Maureen Hughes is now accepted.").wait_for()
    page.get_by_role("heading", name="In progress (1)").wait_for()

    # 5. Maureen sees it accepted; another practitioner cannot open her plan at all.
    sign_in(page, "maureen@example.org")
    page.goto(reverse("matching:plan_detail", args=[plan.pk]))
    assert "Peer brokerage with Stockport Peer Brokers: Accepted" in main_text(page)
    page.get_by_role("link", name="Peer brokerage with Stockport Peer Brokers").click()
    assert "Peer brokerage with Stockport Peer Brokers: accepted." in main_text(page)

    # 6. Maureen hears of it on My notifications, agrees to be contacted and writes to Sam;
    #    Sam reads it from his notification and answers in the same thread.
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role(
        "link", name="Stockport Peer Brokers accepted the referral for Maureen Hughes"
    ).click()
    page.get_by_role("button", name="Yes, they can contact me here").click()
    page.get_by_text("Stockport Peer Brokers can now write to you here.").wait_for()
    page.get_by_label("Your message").fill("Mornings suit me best. My number is 0161 496 0123.")
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Message sent.").wait_for()

    sign_in(page, "sam@example.org")
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role("link", name=re.compile(r"^New message from Maureen Hughes")).click()
    assert "Mornings suit me best." in main_text(page)
    page.get_by_label("Your message").fill("Thank you, Maureen. I will ring on Tuesday at 10.")
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Message sent.").wait_for()
    referral.refresh_from_db()
    assert referral.messages.count() == 2 and referral.contact_consent_at is not None

    sign_in(page, "tom@example.org")
    response = page.goto(reverse("matching:plan_detail", args=[plan.pk]))
    assert response.status == 404
    client = Client()
    client.force_login(people["tom"])
    assert client.get(reverse("matching:practitioner_plan", args=[plan.pk])).status_code == 404
    assert client.get(reverse("matching:access_log", args=[plan.pk])).status_code == 404
