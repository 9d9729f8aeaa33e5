"""Every priced demo listing has an owner who can sign in, so it can be booked and paid.

The plain-data checks run on the full set without the database; the rest share
one load of the first listings (test_demo's module fixture, loaded again here).
"""

import re
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from directory import ownership
from directory.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_owners, demo_set
from directory.demo.owners import CHAINS, ROLE_FOR_KIND, chain_of, needs_owner
from directory.models import ListingManager, ListingPage
from directory.tests import test_demo as demo_fixtures
from marketplace.models import Offer, PayoutAccount
from marketplace.tests import conftest as money_fixtures

# test_demo's module fixture: the first SMALL listings, loaded once for this module.
SMALL = demo_fixtures.SMALL
small_demo = demo_fixtures.small_demo
demo = demo_fixtures.demo

ROLE_KEYS = {account.key: account for account in DEMO_ACCOUNTS}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo.md"


@pytest.fixture(scope="module")
def full_set():
    return demo_set()


# --- the owners as data (no database) -------------------------------------------------


def test_every_priced_listing_has_an_owner_and_only_those_get_a_new_one(full_set):
    specs, owners = full_set
    priced = [spec for spec in specs if needs_owner(spec)]
    assert len(priced) > 450
    assert all(spec.owner for spec in priced)
    emails = {owner.email for owner in owners}
    for spec in specs:
        if not needs_owner(spec):
            assert spec.owner is None or spec.owner in ROLE_KEYS, spec.title
        elif spec.owner not in ROLE_KEYS:
            assert spec.owner in emails, spec.title
    assert len(emails) == len(owners)
    assert not emails & {account.email for account in DEMO_ACCOUNTS}
    assert all(re.fullmatch(r"[a-z-]+\.[a-z-]+\d*@example\.org", email) for email in emails)


def test_owners_hold_the_role_for_their_kind_of_listing(full_set):
    specs, owners = full_set
    role_of = {owner.email: owner.role for owner in owners}
    for spec in specs:
        if spec.owner in role_of:
            assert role_of[spec.owner] == ROLE_FOR_KIND[spec.kind], spec.title


def test_each_pa_owns_their_own_listing_under_the_name_on_it(full_set):
    specs, owners = full_set
    by_email = {owner.email: owner for owner in owners}
    pa_specs = [spec for spec in specs if spec.kind == "pa" and spec.owner in by_email]
    assert len(pa_specs) > 150
    assert len({spec.owner for spec in pa_specs}) == len(pa_specs)
    for spec in pa_specs:
        first, initial = spec.title.split(" – ")[0].split()
        owner = by_email[spec.owner]
        assert owner.first_name == first and owner.last_name.startswith(initial), spec.title


def test_a_handful_of_companies_run_several_services_and_the_rest_one_each(full_set):
    specs, owners = full_set
    listings = Counter(spec.owner for spec in specs if spec.owner)
    chain_owners = {f"{first}.{last}@example.org".lower() for first, last in CHAINS.values()}
    assert {email: listings[email] >= 3 for email in chain_owners} == dict.fromkeys(
        chain_owners, True
    )
    for spec in specs:
        brand = chain_of(spec.title) if spec.kind != "pa" else None
        if brand and needs_owner(spec):
            first, last = CHAINS[brand]
            assert spec.owner == f"{first}.{last}@example.org".lower(), spec.title
    others = [email for email in listings if email not in chain_owners and "@" in email]
    assert len(others) > 400 and all(listings[email] == 1 for email in others)


def test_a_shorter_demo_keeps_the_same_owners(full_set):
    specs, _ = full_set
    short, short_owners = demo_set(SMALL)
    assert [spec.owner for spec in short] == [spec.owner for spec in specs[:SMALL]]
    assert len(short_owners) >= 20


def test_every_account_the_docs_name_is_a_demo_account(full_set):
    _, owners = full_set
    known = {owner.email for owner in owners} | {account.email for account in DEMO_ACCOUNTS}
    named = set(re.findall(r"`([a-z0-9.-]+@example\.org)`", DOCS.read_text()))
    # The commissioner and the evidence people come from load_demo_evidence.
    assert named - {"evidence-person-N@example.org", "commissioner@example.org"} <= known
    assert len(named & {owner.email for owner in owners}) >= 6


# --- loaded -----------------------------------------------------------------------------


def test_every_priced_listing_loaded_has_an_owner_with_the_right_role(demo):
    listings = ListingPage.objects.filter(price_amount__gt=0)
    assert listings.count() >= 25
    assert not listings.filter(owner__isnull=True).exists()
    for listing in listings.select_related("owner"):
        assert listing.owner.has_role(ROLE_FOR_KIND[listing.kind]), listing.title
        assert listing.owner.emailaddress_set.filter(verified=True).exists()


def test_demo_owners_are_every_account_owning_a_demo_listing(demo):
    owners = set(demo_owners().values_list("email", flat=True))
    owning = set(
        ListingPage.objects.filter(owner__isnull=False).values_list("owner__email", flat=True)
    )
    assert owners == owning
    assert {"lesley@example.org", "joanne@example.org", "karen.shaw@example.org"} <= owners


def test_owners_sign_in_with_the_demo_password(demo):
    for email in (
        "karen.shaw@example.org",
        "gareth.lomax@example.org",
        "imran.hussain@example.org",
    ):
        if not User.objects.filter(email=email).exists():
            continue  # not in the first listings loaded here
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
        assert client.get(reverse("directory:my_listings")).status_code == 200


def test_a_priced_listing_offers_card_booking_to_maureen(demo, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_kith_demo"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # never called: the form is only shown
    offered = Offer.objects.filter(listing__price_amount__gt=0).select_related("listing")
    assert offered.count() >= 25
    client = Client()
    client.force_login(User.objects.get(email="maureen@example.org"))
    offer = offered.filter(listing__title="Grand Central Pools").first()
    # Card is offered once the owner can be paid (make run connects every demo owner).
    owner = ownership.account_holder(offer.listing)
    PayoutAccount.objects.create(
        user=owner,
        stripe_account="acct_demo_karen",
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        transfers_active=True,
    )
    response = client.get(reverse("marketplace:offer_book", args=[offer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Card (direct payment or own money)" in html and "Test card" in html
    assert "does not take bookings through Kith yet" not in html


def test_loading_again_gives_owners_to_listings_loaded_before_they_had_them(demo):
    ids = list(ListingPage.objects.filter(price_amount__gt=0).values_list("pk", flat=True)[:3])
    owners = {pk: ownership.account_holder_id(ListingPage.objects.get(pk=pk)) for pk in ids}
    ListingPage.objects.filter(pk__in=ids).update(owner=None)
    ListingManager.objects.filter(listing_id__in=ids).delete()
    users = User.objects.count()
    out = StringIO()
    call_command("load_demo", listings=SMALL, stdout=out)
    assert "Listings loaded earlier given their owner: 3" in out.getvalue()
    assert {pk: ownership.account_holder_id(ListingPage.objects.get(pk=pk)) for pk in ids} == owners
    assert User.objects.count() == users
    out = StringIO()
    call_command("load_demo", listings=SMALL, stdout=out)
    assert "given their owner" not in out.getvalue()
    assert "(0 new)" in out.getvalue()


def test_demo_owners_command_lists_owners_with_their_listings(demo):
    out = StringIO()
    call_command("demo_owners", "pools", stdout=out)
    text = out.getvalue()
    assert "karen.shaw@example.org  (Karen Shaw)\n    Grand Central Pools\n" in text
    assert DEMO_PASSWORD in text
    out = StringIO()
    call_command("demo_owners", stdout=out)
    lines = defaultdict(list)
    email = None
    for line in out.getvalue().splitlines()[:-1]:
        if line.startswith("    "):
            lines[email].append(line.strip())
        else:
            email = line.split()[0]
    assert set(lines["lesley@example.org"]) == {
        "Mersey Vale Care and Support",
        "Mersey Vale Short Breaks",
        "Mersey Vale Friendship Club",
    }
    assert len(lines) == demo_owners().count()


def test_owners_reminders_to_confirm_are_recorded_not_emailed_on_first_start(demo, mailoutbox):
    from wagtail.models import PageLogEntry

    from directory.moderation import (
        REMINDER_ACTION,
        listings_due_for_reminder,
        send_confirm_reminders,
    )

    role_emails = {account.email for account in DEMO_ACCOUNTS}
    recorded = PageLogEntry.objects.filter(action=REMINDER_ACTION, data__demo__isnull=False)
    assert recorded.count() >= 5
    assert not recorded.filter(page__owner__email__in=role_emails).exists()
    assert not listings_due_for_reminder().exclude(owner__email__in=role_emails).exists()
    reminded = ListingPage.objects.filter(pk__in=recorded.values("page_id"))
    assert not reminded.filter(reminded_at__isnull=True).exists()
    send_confirm_reminders()  # what the scheduler runs when make run starts
    assert not [m for m in mailoutbox if m.to[0] not in role_emails]


# --- Getting paid in the demo (make run's connect_demo_payees) --------------------------

localstripe = money_fixtures.localstripe
stripe_test_settings = money_fixtures.stripe_test_settings


def test_every_demo_owner_is_connected_on_the_fake_stripe_once(demo, stripe_test_settings):
    from marketplace.demo import connect_demo_payees
    from marketplace.payments import connect

    owners = list(demo_owners())
    assert len(owners) >= 5
    said = []
    assert connect_demo_payees(said.append) == len(owners)
    assert all(connect.can_receive(owner) for owner in owners)
    assert connect.status_of(owners[0]) == connect.ENABLED
    assert said[-1] == (
        f"Demo payouts: {len(owners)} of {len(owners)} demo owners can now be paid by card."
    )
    assert connect_demo_payees(said.append) == 0


def test_demo_owners_are_never_connected_on_a_real_stripe(demo, settings):
    from marketplace.demo import connect_demo_payees

    settings.STRIPE_SECRET_KEY = "sk_test_kith_demo"
    settings.STRIPE_API_BASE = ""
    said = []
    assert connect_demo_payees(said.append) == 0
    assert said == ["Demo payouts: no fake Stripe in use, so no demo owner was connected."]
