"""What Kith's browser tests share: signing in, and a site with one of everything.

``build_site`` extends the permission matrix's world (Sam, his representative
Aisha, his practitioner Priya, Dave's swimming pool, Jo's peer brokers, a
moderator...) with what the matrix leaves out: a pool Sam has joined, his PA
advert and Joanne's application, a delivered and invoiced booking with his
review, a commissioner for Stockport, a listing of every kind and the
information pages. ``pages_for`` then walks Kith's URL map, the Wagtail page
types and the moderators' admin pages, and lists every page a role gets (an
HTML page answering 200), so a new URL is checked as soon as it exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.test_permissions_matrix import FIXED_URLS, kwargs_for, url_patterns

# The roles the accessibility walk signs in as, with the matrix's names where it has them.
ROLES = [
    "anonymous",
    "holder",
    "representative",
    "practitioner",
    "provider",
    "pa",
    "ulo_staff",
    "moderator",
    "commissioner",
]

# Pages that answer 200 but are not pages to check: downloads, and the sign-out
# confirmation that would end the session half-way through a walk.
NOT_PAGES = {"account_logout", "evidence:csv", "marketplace:statement_csv"}
KITH_APPS = {"accounts", "cms", "directory", "evidence", "marketplace", "matching"}
# Sign-in, password and two-step pages look the same whoever is signed in: they
# are checked for these roles only, which keeps the walk short.
ACCOUNT_PAGES_FOR = {"anonymous", "holder", "moderator"}


def sign_in(page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Sign whoever is signed in out, then sign in as ``email`` through the sign-in page."""
    page.goto("/accounts/logout/")
    sign_out = page.get_by_role("button", name=re.compile("sign out", re.I))
    if sign_out.count():
        sign_out.click()
        page.wait_for_url(re.compile(r"/$"))
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account/$"))


def sign_in_by_cookie(page, live_server, user) -> None:
    """Give the browser a signed-in session for ``user`` (None: nobody), without the form.

    ``Client.force_login`` records the two-step code for people who have an
    authenticator (see conftest.py), so moderators reach their pages."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def main_text(page) -> str:
    return page.locator("main").inner_text()


@dataclass
class Site:
    users: dict
    ids: dict
    # URL names whose ids the matrix leaves missing, with the object to use here.
    objects: dict = field(default_factory=dict)


def build_site(users: dict, ids: dict) -> Site:
    """The matrix's world plus one of everything else a page can show."""
    from accounts.roles import Role
    from cms.information import ensure_information_pages
    from directory.factories import make_listing
    from directory.models import Outcome
    from evidence.models import CommissionerArea
    from marketplace.adverts import services as adverts
    from marketplace.bookings import services as bookings
    from marketplace.models import Invoice, Offer
    from marketplace.pools import services as pools
    from marketplace.reviews import services as reviews
    from matching.models import Goal, PaymentRoute

    holder, provider, pa = users["holder"], users["provider"], users["pa"]
    commissioner = UserFactory(
        email="carol@example.org", display_name="Carol Evans", roles=[Role.COMMISSIONER]
    )
    CommissionerArea.objects.create(
        user=commissioner, name="Stockport", districts="SK1,SK2,SK3,SK4,SK5"
    )
    users = {**users, "commissioner": commissioner}
    ensure_information_pages()

    goal = Goal.objects.get(pk=ids["goal"])
    goal.outcomes.add(Outcome.objects.get(slug="physical-health"))
    offer = Offer.objects.get(pk=ids["offer"])
    listing = offer.listing
    # A one-off session that has happened: accepted, delivered and invoiced, then reviewed.
    session = Offer.objects.create(
        listing=listing,
        kind=Offer.Kind.SESSION,
        title="Taster swim with an instructor",
        price=Decimal("12.00"),
        places=5,
    )
    booking = bookings.request_booking(
        session,
        holder,
        by=holder,
        payment_route=PaymentRoute.MANAGED_ACCOUNT,
        goal=goal,
        payer_name="Stockport Direct Payments Support Service",
        payer_email="accounts@example.org",
    )
    booking = bookings.accept(booking, by=provider)
    booking = bookings.deliver(booking, by=provider)
    invoice = Invoice.objects.get(booking=booking)
    review = reviews.leave_review(booking, holder, 5, "Patient instructor and a warm pool.")

    pool = pools.open_pool(
        listing,
        by=provider,
        title="Saturday aquafit for six",
        description="Ten weeks of aquafit with a hoist and a quiet changing room.",
        outcomes=list(Outcome.objects.filter(slug="physical-health")),
        places=6,
        minimum_members=4,
        deadline=timezone.now() + timedelta(days=10),
        price_per_place=Decimal("40.00"),
    )
    pools.pledge(
        pool,
        holder,
        by=holder,
        goal=goal,
        method="invoice",
        payer_name="Stockport Direct Payments Support Service",
        payer_email="accounts@example.org",
    )
    advert = adverts.post_advert(
        holder,
        holder,
        title="PA for mornings and match days",
        hours_per_week=Decimal("12"),
        postcode="SK1 3XE",
        hourly_rate=Decimal("13.50"),
        what_matters="Someone calm who likes football and can drive.",
    )
    application = adverts.apply(advert, pa, "I live in Edgeley and drive; I support County.")

    # One listing of every kind, so every Wagtail page type is looked at.
    make_listing(
        "pa",
        "Joanne Whitfield",
        "SK4 4NB",
        categories=["personal-assistant"],
        price="13.50",
        price_unit="hour",
        owner=pa,
        hours_wanted_min=3,
        hours_wanted_max=12,
    )
    make_listing("club", "Reddish Vale Walking Group", "SK5 6BD", price_unit="free")
    make_listing("peer_group", "Stockport Hearing Voices Group", "SK1 3TA")
    objects = {
        "marketplace:pool_detail": pool.pk,
        "marketplace:pool_join": pool.pk,
        "marketplace:advert_detail": advert.pk,
        "marketplace:advert_apply": advert.pk,
        "marketplace:application_detail": application.pk,
        "marketplace:invoice_detail": invoice.pk,
        "marketplace:review_reply": review.pk,
        "marketplace:review_new": booking.pk,
    }
    return Site(users=users, ids=ids, objects=objects)


def _url_for(site: Site, name: str, route: str) -> str:
    if name in FIXED_URLS:
        return FIXED_URLS[name]
    kwargs = kwargs_for(name, route, site.ids)
    if name in site.objects:
        key = next(iter(k for k in kwargs if k in ("pk", "booking_id")), None)
        if key:
            kwargs[key] = site.objects[name]
    return reverse(name, kwargs=kwargs)


def _is_page(response) -> bool:
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def wagtail_pages() -> list[tuple[str, str]]:
    """One live page of each Wagtail page type (every information page, as they differ)."""
    from wagtail.models import Page

    pages, seen = [], set()
    for page in Page.objects.live().filter(depth__gt=1).specific().order_by("path"):
        kind = type(page).__name__
        if kind in seen and kind != "InformationPage":
            continue
        seen.add(kind)
        pages.append((f"{kind}: {page.title}", page.url))
    return pages


def moderator_admin_pages() -> list[tuple[str, str]]:
    """Kith's own pages in the Wagtail admin (registered by Kith's apps' wagtail_hooks),
    those without parameters: the moderators' queues. Wagtail's own pages are not walked."""
    from django.urls import URLResolver
    from wagtail import hooks

    pages = []
    for hook in hooks.get_hooks("register_admin_urls"):
        if hook.__module__.split(".")[0] not in KITH_APPS:
            continue
        for entry in hook():
            if not isinstance(entry, URLResolver) or not entry.namespace:
                continue
            for pattern in entry.url_patterns:
                if pattern.name and not pattern.pattern.regex.groups:
                    name = f"{entry.namespace}:{pattern.name}"
                    path = reverse(name)
                    if not path.endswith((".csv", ".json")):
                        pages.append((name, path))
    return pages


def pages_for(site: Site, role: str) -> list[tuple[str, str]]:
    """Every page ``role`` can open: (label, path), from the URL map, Wagtail and errors."""
    from wagtail.models import Page

    user = site.users.get(role)
    client = _client_for(user)
    found: list[tuple[str, str]] = []
    seen = set()
    for name, route, _pattern in url_patterns():
        if name in seen or name in NOT_PAGES:
            continue
        if name.startswith(("account_", "mfa_")) and role not in ACCOUNT_PAGES_FOR:
            continue
        seen.add(name)
        url = _url_for(site, name, route)
        if _is_page(client.get(url)):
            found.append((name, url))
    found.append(("search results", "/directory/?postcode=SK1+3XE&miles=10"))
    if role == "anonymous":
        found += wagtail_pages()
    else:
        # Signed in, the home page and a listing (with its booking and message
        # links) change with the role; information pages do not.
        listing = Page.objects.get(pk=site.ids["listing"]).specific
        found += [("home", "/"), (f"listing: {listing.title}", listing.url)]
    if role in ("anonymous", "holder"):
        found.append(("not found (404)", "/no-such-page/"))
    if role == "holder":
        found.append(("forbidden (403)", reverse("matching:practitioner_home")))
    if role == "moderator":
        found += moderator_admin_pages()
    return found
