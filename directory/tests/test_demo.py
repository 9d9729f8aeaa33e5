"""The demo data that ``make run`` loads: realistic, stable, idempotent, and usable.

The database tests share one load of a small prefix of the demo set (the
hand-written Stockport listings plus a few generated ones), made once for the
module inside a transaction that is rolled back at the end, so the file runs
in seconds; the full set is checked as plain data, without the database.
"""

import time
from decimal import Decimal
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings

from accounts.management.commands.demo_totp import current_totp_code
from accounts.models import Representation, User
from accounts.representation import can_act_for
from directory import geo, ownership, taxonomy
from directory.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, listing_specs
from directory.demo.accounts import ACCOUNTS_BY_EMAIL, ensure_demo_accounts, totp_secret_for
from directory.models import ListingKind, ListingPage
from directory.search import ListingQuery, search
from directory.search.records import ListingRecord

SMALL = 40
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KINDS = {kind.value for kind in ListingKind}


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """Load the first SMALL demo listings once for this module; roll it all back after.

    Inside the transaction publishing's on-commit indexing never runs, so
    every search snapshot here comes from load_demo's own repair step: the
    guarantee that a load always ends with every demo listing searchable.
    """
    out = StringIO()
    # A fast hasher: the accounts are created here and signed in to by the tests.
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", listings=SMALL, no_progress=True, stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(small_demo, db):
    return small_demo


# --- the data itself (no database) ------------------------------------------


def test_full_demo_set_is_large_varied_and_stable():
    specs = listing_specs()
    assert len(specs) >= 600
    assert len({spec.slug for spec in specs}) == len(specs)
    assert {spec.kind for spec in specs} == KINDS
    assert listing_specs(SMALL) == specs[:SMALL]
    assert {spec.kind for spec in specs[:SMALL]} == KINDS


def test_every_demo_postcode_is_a_real_greater_manchester_sector():
    stockport_outwards = {f"SK{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 12)}
    specs = listing_specs()
    in_stockport = 0
    for spec in specs:
        for location in spec.locations:
            place = geo.locate(location.postcode)
            assert place.precision == "sector", location.postcode
        in_stockport += geo.locate(spec.locations[0].postcode).outward in stockport_outwards
    assert in_stockport / len(specs) > 0.4  # weighted towards Stockport


def test_demo_uses_only_contract_vocabulary():
    outcomes = {slug for slug, _ in taxonomy.OUTCOMES}
    categories = {slug for slug, _ in taxonomy.CATEGORIES}
    languages = {slug for slug, _ in taxonomy.LANGUAGES}
    features = {slug for slug, _ in taxonomy.ACCESSIBILITY_FEATURES}
    for spec in listing_specs():
        assert spec.outcomes and set(spec.outcomes) <= outcomes, spec.title
        assert spec.categories and set(spec.categories) <= categories, spec.title
        assert set(spec.languages) <= languages, spec.title
        assert set(spec.accessibility) <= features, spec.title
        assert len(spec.summary) <= 300, spec.title


@pytest.mark.parametrize(
    "kind, category, unit, low, high",
    [
        ("pa", "personal-assistant", "hour", "12.50", "17.50"),
        ("provider", "support-worker", "hour", "20", "26"),
        ("provider", "swimming", "session", "3.50", "5.50"),
        ("provider", "gym-membership", "session", "4", "7"),
        ("provider", "gym-membership", "month", "25", "40"),
        ("provider", "driving-lessons", "hour", "30", "38"),
        ("provider", "domestic-help", "hour", "15", "20"),
        ("provider", "holiday-short-break", "week", "250", "900"),
        ("provider", "education-courses", "one-off", "60", "250"),
        ("provider", "arts", "session", "5", "12"),
    ],
)
def test_demo_prices_are_realistic(kind, category, unit, low, high):
    prices = [
        spec.price
        for spec in listing_specs()
        if spec.kind == kind and category in spec.categories and spec.price_unit == unit
    ]
    assert prices, f"no {kind} {category} priced per {unit}"
    assert all(Decimal(low) <= price <= Decimal(high) for price in prices)


# --- loading ------------------------------------------------------------------


def test_load_demo_publishes_every_kind_and_indexes_each_listing(demo):
    assert f"Loaded {SMALL} listings (0 already there)" in demo
    listings = ListingPage.objects.all()
    assert listings.count() == SMALL
    assert not listings.filter(live=False).exists()
    assert set(listings.values_list("kind", flat=True)) == KINDS
    assert set(ListingRecord.objects.values_list("listing_id", flat=True)) == set(
        listings.values_list("pk", flat=True)
    )


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (
        ListingPage.objects.count(),
        ListingRecord.objects.count(),
        User.objects.count(),
        Representation.objects.count(),
        Authenticator.objects.count(),
    )
    out = StringIO()
    call_command("load_demo", listings=SMALL, no_progress=True, stdout=out)
    assert f"Loaded 0 listings ({SMALL} already there) and 0 demo accounts" in out.getvalue()
    assert counts == (
        ListingPage.objects.count(),
        ListingRecord.objects.count(),
        User.objects.count(),
        Representation.objects.count(),
        Authenticator.objects.count(),
    )


def test_demo_owners_own_their_listings(demo):
    users = {account.key: User.objects.get(email=account.email) for account in DEMO_ACCOUNTS}
    provider_kinds = set(ownership.held_by(users["provider"]).values_list("kind", flat=True))
    assert provider_kinds == {"provider", "club"}
    assert ownership.held_by(users["pa"]).filter(kind="pa").count() == 1
    assert ownership.held_by(users["ulo"]).filter(kind="ulo").count() == 1
    pa = ownership.held_by(users["pa"]).get().specific
    assert pa.dbs_level == "enhanced" and pa.checks_verified_by == users["moderator"]


def test_physical_health_near_sk1_3xe_finds_gyms_pools_walks_and_pas(demo):
    origin = geo.locate("SK1 3XE").point
    page = search(
        ListingQuery(outcomes=("physical-health",), origin=origin, radius_km=16, page_size=100)
    )
    results = page.results
    assert page.count == len(results) >= 15
    categories = {category for result in results for category in result.categories}
    assert {"gym-membership", "swimming", "personal-assistant"} <= categories
    assert any("Walk" in result.name for result in results)
    assert any(result.kind == "pa" for result in results)
    assert all(result.distance_km <= 16 for result in results)
    assert [r.distance_km for r in results] == sorted(r.distance_km for r in results)
    assert all(result.price_unit for result in results)
    assert any(result.places_available is not None for result in results)
    pa = next(result for result in results if result.kind == "pa")
    assert pa.location.postcode == "SK1 3"  # a PA's home base shows as a sector only


# --- demo accounts --------------------------------------------------------------


def _sign_in(client, email):
    return client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})


def test_demo_accounts_sign_in_with_the_documented_password(demo):
    users = {account.key: User.objects.get(email=account.email) for account in DEMO_ACCOUNTS}
    for account in DEMO_ACCOUNTS:
        client = Client()
        response = _sign_in(client, account.email)
        assert response.status_code == 302, account.email
        if account.totp_secret:
            assert response["Location"] == "/accounts/2fa/authenticate/"
            assert "_auth_user_id" not in client.session
        else:
            assert client.session["_auth_user_id"] == str(users[account.key].pk), account.email
    assert can_act_for(users["representative"], users["budget_holder"])
    assert not can_act_for(users["representative"], users["provider"])
    assert users["budget_holder"].has_role("budget_holder")
    assert users["practitioner"].has_role("practitioner")


@pytest.mark.parametrize("email", ["moderator@example.org", "admin@example.org"])
def test_demo_staff_reach_the_admin_after_two_step_sign_in(demo, email):
    client = Client()
    assert _sign_in(client, email)["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(email)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_demo_staff_use_the_documented_totp_secrets(demo):
    users = ensure_demo_accounts()  # already there: returns the same people
    moderator = users["moderator"]
    assert totp_secret_for(moderator) == ACCOUNTS_BY_EMAIL[moderator.email].totp_secret
    assert moderator.is_staff and moderator.groups.filter(name="Moderators").exists()
    assert users["admin"].is_superuser


def test_demo_totp_prints_the_current_code_in_debug(demo, settings):
    settings.DEBUG = True
    before = current_totp_code("moderator@example.org", at=time.time())
    out = StringIO()
    call_command("demo_totp", "moderator@example.org", stdout=out, stderr=StringIO())
    after = current_totp_code("moderator@example.org", at=time.time())
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert code in {before, after}


def test_demo_totp_refuses_without_debug(demo, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "moderator@example.org")


def test_demo_totp_refuses_accounts_that_are_not_demo_staff(demo, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_totp", "someone@example.org")
    with pytest.raises(CommandError, match="two-step"):
        call_command("demo_totp", "maureen@example.org")


def test_demo_pages_are_published_as_a_moderator_would(demo):
    """Built in bulk, each page still has its owner's revision and the moderator's approval."""
    from wagtail.models import PageLogEntry

    moderator = User.objects.get(email="moderator@example.org")
    pa = ListingPage.objects.get(owner__email="joanne@example.org")
    assert pa.live and not pa.has_unpublished_changes and pa.first_published_at
    assert pa.live_revision_id == pa.latest_revision_id
    assert pa.live_revision.user == pa.owner
    assert pa.live_revision.as_object().title == pa.title
    entry = PageLogEntry.objects.get(page=pa, action="wagtail.publish")
    assert entry.user == moderator and entry.revision_id == pa.live_revision_id
    assert pa.url_path.endswith(f"/{pa.slug}/") and pa.get_parent().numchild == SMALL


def test_load_demo_prints_progress_lines_when_not_on_a_terminal(demo):
    out = StringIO()  # not a TTY, like a log file or a pipe
    call_command("load_demo", listings=SMALL + 3, stdout=out)
    lines = out.getvalue().splitlines()
    assert any("Demo listings: 3 of 3 published" in line for line in lines)
    assert any("Offers to book:" in line for line in lines)
    assert any("Information and advice pages:" in line for line in lines)
    assert all(line.startswith("[") for line in lines[:4])
