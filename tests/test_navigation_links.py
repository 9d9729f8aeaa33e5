"""Links between the pages of the directory, plans, shortlists, referrals and accounts.

Each page is fetched as its reader would see it and the links are checked by
their address and words, so a renamed URL or a dropped link fails here rather
than leaving someone stranded on a page with no way on.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import Representation
from accounts.views import account_tools
from directory.factories import make_listing
from matching import referrals, shortlists
from matching.models import Referral
from matching.plans import create_plan
from matching.templatetags.matching_tags import takes_referrals

pytestmark = pytest.mark.django_db

REFER_TEXT = "Refer someone for peer brokerage or peer support"


def html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def tools_section(page: str) -> str:
    """The "Your tools" list only: the header's navigation has a "My plan" link for everyone."""
    if "Your tools" not in page:
        return ""
    start = page.index("Your tools")
    end = page.find("<h2", start)
    return page[start : end if end != -1 else page.index("</main>")]


def href(url: str) -> str:
    return f'href="{url}"'


# --- A user-led organisation's listing page ----------------------------------


@pytest.fixture
def organisations(user_factory):
    staff = user_factory(display_name="Sam Okafor", roles=["ulo_staff"])
    return SimpleNamespace(
        open=make_listing(
            "ulo",
            "Stockport Peer Brokers",
            "SK1 3TA",
            offers_peer_brokerage=True,
            accepts_referrals=True,
            owner=staff,
        ),
        closed=make_listing(
            "ulo",
            "Oldham Carers Together",
            "OL1 1NL",
            offers_peer_support=True,
            accepts_referrals=False,
            owner=staff,
        ),
        nothing_offered=make_listing(
            "ulo", "Tameside Disability Voice", "OL6 7SR", accepts_referrals=True, owner=staff
        ),
        provider=make_listing("provider", "Heatons Home Help", "SK4 4NB"),
    )


def test_ulo_that_takes_referrals_links_to_the_referral_form(client, organisations):
    page = html(client.get(organisations.open.url))
    assert REFER_TEXT in page
    assert href(reverse("matching:referral_new", args=[organisations.open.pk])) in page


@pytest.mark.parametrize("which", ["closed", "nothing_offered", "provider"])
def test_listing_that_takes_no_referrals_has_no_referral_link(client, organisations, which):
    listing = getattr(organisations, which)
    page = html(client.get(listing.url))
    assert REFER_TEXT not in page
    assert href(reverse("matching:referral_new", args=[listing.pk])) not in page


def test_takes_referrals_answers_false_for_anything_but_a_live_referrable_ulo(organisations):
    assert takes_referrals(organisations.open) is True
    # A plain ListingPage (not the specific type) is looked at as its specific page.
    assert takes_referrals(organisations.open.listingpage_ptr) is True
    assert takes_referrals(organisations.closed) is False
    assert takes_referrals(organisations.provider) is False
    assert takes_referrals(None) is False


# --- The person's plan page ----------------------------------------------------


@pytest.fixture
def plan_world(user_factory, organisations):
    maureen = user_factory(
        email="maureen@example.org", display_name="Maureen Hughes", roles=["budget_holder"]
    )
    priya = user_factory(
        email="priya@example.org", display_name="Priya Shah", roles=["practitioner"]
    )
    plan = create_plan(maureen, postcode="SK1 3XE")
    plan.practitioner = priya
    plan.save()
    swim = make_listing(
        "provider", "Grand Central Pools", "SK1 3TA", price="4.50", price_unit="session"
    )
    clean = make_listing(
        "provider", "Brinnington Cleaning Co-op", "SK5 8BX", price="15.50", price_unit="hour"
    )
    shortlists.add_to_shortlist(plan, swim, priya)
    shared = shortlists.share_shortlist(shortlists.open_shortlist(plan), priya)
    # Added after sharing, so it starts a new list the person cannot see yet.
    shortlists.add_to_shortlist(plan, clean, priya)
    unshared = shortlists.open_shortlist(plan)
    by_priya, _ = referrals.create_referral(
        organisation=organisations.open,
        person=maureen,
        plan=plan,
        offer="peer_brokerage",
        by_user=priya,
        consent=True,
    )
    return SimpleNamespace(
        maureen=maureen,
        priya=priya,
        plan=plan,
        shared=shared,
        unshared=unshared,
        by_priya=by_priya,
        organisations=organisations,
    )


def test_plan_page_links_to_access_log_shared_shortlists_and_referrals(client, plan_world):
    client.force_login(plan_world.maureen)
    page = html(client.get(reverse("matching:plan_detail", args=[plan_world.plan.pk])))
    assert href(reverse("matching:access_log", args=[plan_world.plan.pk])) in page
    assert "See the full access log" in page
    assert href(reverse("matching:shortlist_detail", args=[plan_world.shared.pk])) in page
    # A list Priya is still putting together stays hers until she shares it.
    assert href(reverse("matching:shortlist_detail", args=[plan_world.unshared.pk])) not in page
    assert href(reverse("matching:referral_detail", args=[plan_world.by_priya.pk])) in page
    assert "Peer brokerage with Stockport Peer Brokers</a>: Sent" in page
    assert href(reverse("matching:referral_list")) in page


def test_every_link_on_the_plan_page_opens_for_the_person(client, plan_world):
    client.force_login(plan_world.maureen)
    for url in (
        reverse("matching:access_log", args=[plan_world.plan.pk]),
        reverse("matching:shortlist_detail", args=[plan_world.shared.pk]),
        reverse("matching:referral_detail", args=[plan_world.by_priya.pk]),
        reverse("matching:referral_list"),
    ):
        assert client.get(url).status_code == 200, url


def test_practitioner_sees_no_access_log_link_and_only_referrals_they_may_open(client, plan_world):
    """The access log is the person's; a referral the person made themselves is theirs too."""
    # Priya's referral has finished, so Maureen can refer herself again for the same thing.
    Referral.objects.filter(pk=plan_world.by_priya.pk).update(status=Referral.Status.CLOSED)
    own, created = referrals.create_referral(
        organisation=plan_world.organisations.open,
        person=plan_world.maureen,
        plan=plan_world.plan,
        offer="peer_brokerage",
        by_user=plan_world.maureen,
        consent=True,
    )
    assert created
    client.force_login(plan_world.priya)
    page = html(client.get(reverse("matching:plan_detail", args=[plan_world.plan.pk])))
    assert href(reverse("matching:access_log", args=[plan_world.plan.pk])) not in page
    assert href(reverse("matching:shortlist_detail", args=[plan_world.shared.pk])) in page
    assert href(reverse("matching:referral_detail", args=[plan_world.by_priya.pk])) in page
    assert href(reverse("matching:referral_detail", args=[own.pk])) not in page


def test_plan_page_without_referrals_points_to_user_led_organisations(client, user_factory):
    person = user_factory(roles=["budget_holder"])
    plan = create_plan(person, postcode="SK1 3XE")
    client.force_login(person)
    page = html(client.get(reverse("matching:plan_detail", args=[plan.pk])))
    assert "No referrals yet" in page
    assert href(reverse("directory:search") + "?kind=ulo") in page
    assert "Options your practitioner shared" not in page


# --- My account: the tools for each role ----------------------------------------

ALL_TOOLS = {
    "My listings": "directory:my_listings",
    "People I support": "matching:practitioner_home",
    "Referrals to your organisation": "matching:referral_inbox",
    "My plan": "matching:my_plan",
}


@pytest.mark.parametrize(
    "roles, expected",
    [
        (["provider"], {"My listings"}),
        (["personal_assistant"], {"My listings"}),
        (["ulo_staff"], {"My listings", "Referrals to your organisation"}),
        (["practitioner"], {"People I support"}),
        (["budget_holder"], {"My plan"}),
        (["representative"], {"My plan"}),
        (["budget_holder", "personal_assistant"], {"My plan", "My listings"}),
        ([], set()),
    ],
)
def test_my_account_lists_the_tools_for_each_role(client, user_factory, roles, expected):
    client.force_login(user_factory(roles=roles))
    page = html(client.get(reverse("accounts:my_account")))
    assert ("Your tools" in page) == bool(expected)
    for label, name in ALL_TOOLS.items():
        link = f'<a href="{reverse(name)}">{label}</a>'
        assert (link in tools_section(page)) == (label in expected), label
    assert ("List a service" in page) == ("My listings" in expected)


def test_list_a_service_goes_straight_to_the_form_when_there_is_one_kind(client, user_factory):
    client.force_login(user_factory(roles=["personal_assistant"]))
    page = html(client.get(reverse("accounts:my_account")))
    assert f'<a href="{reverse("directory:owner_create", args=["pa"])}">List a service</a>' in page


def test_list_a_service_offers_each_kind_a_provider_may_add(client, user_factory):
    client.force_login(user_factory(roles=["provider"]))
    page = html(client.get(reverse("accounts:my_account")))
    for kind, words in [
        ("provider", "Add a provider listing"),
        ("club", "Add a club or group listing"),
        ("peer_group", "Add a peer support group listing"),
    ]:
        assert f'<a href="{reverse("directory:owner_create", args=[kind])}">{words}</a>' in page
    assert reverse("directory:owner_create", args=["pa"]) not in page


def test_someone_acting_for_a_budget_holder_gets_my_plan_without_the_role(client, user_factory):
    holder = user_factory(roles=["budget_holder"])
    daughter = user_factory(roles=[])
    Representation.objects.create(
        budget_holder=holder,
        representative=daughter,
        invited_email=daughter.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    client.force_login(daughter)
    page = html(client.get(reverse("accounts:my_account")))
    assert f'<a href="{reverse("matching:my_plan")}">My plan</a>' in tools_section(page)


def test_every_tool_opens_for_its_role(client, user_factory):
    """No tool leads to a "this page is not for you" page for the role it is shown to."""
    for roles in (["provider"], ["ulo_staff"], ["practitioner"], ["budget_holder"]):
        user = user_factory(roles=roles)
        client.force_login(user)
        for tool in account_tools(user):
            urls = [tool["url"]] if "url" in tool else [url for _l, url in tool["choices"]]
            for url in urls:
                assert client.get(url).status_code == 200, (roles, url)
