"""Demo offers to book, and a plan for the demo budget holder (run by ``load_demo``).

Idempotent: an offer is recognised by its listing and title, the plan by its person.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model

from accounts.notifications import absolute_url
from directory.models import ListingPage
from marketplace.models import Offer

DEMO_PERSON = "maureen@example.org"
DEMO_PRACTITIONER = "kwame@example.org"
DEMO_POSTCODE = "SK1 3XE"


def offers_for(listing) -> list[Offer]:
    """What a listing's owner would typically offer at its advertised price."""
    price, unit = listing.price_amount, listing.price_unit
    if price is None or price <= 0:
        return []
    places = listing.places_available
    if unit == "session":
        # A listing's places left are its offers' added up (marketplace.places): share them.
        block = None if places is None else places // 2
        single = None if places is None else places - block
        return [
            Offer(
                listing=listing,
                kind=Offer.Kind.SESSION,
                title="One session",
                price=price,
                sessions=1,
                places=single,
            ),
            Offer(
                listing=listing,
                kind=Offer.Kind.BLOCK,
                title="A block of 10 sessions",
                price=price * 10,
                sessions=10,
                places=block,
            ),
        ]
    if unit == "hour":
        return [
            Offer(
                listing=listing,
                kind=Offer.Kind.WEEKLY_HOURS,
                title="4 weeks of support, 6 hours a week",
                price=price * 24,
                hours_per_week=Decimal("6"),
                weeks=4,
                places=places,
            ),
        ]
    if unit == "week":
        return [
            Offer(
                listing=listing,
                kind=Offer.Kind.HOLIDAY,
                title="A week's short break",
                price=price,
                weeks=1,
                places=places,
            ),
        ]
    if unit in ("day", "month", "year", "one-off"):
        titles = {
            "day": "One day",
            "month": "One month",
            "year": "A year's membership",
            "one-off": "One-off",
        }
        return [
            Offer(
                listing=listing,
                kind=Offer.Kind.SESSION,
                title=titles[unit],
                price=price,
                places=places,
            )
        ]
    return []


def ensure_demo_offers() -> int:
    existing = set(Offer.objects.values_list("listing_id", "title"))
    new = [
        offer
        for listing in ListingPage.objects.live().only(
            "id", "price_amount", "price_unit", "places_available"
        )
        for offer in offers_for(listing)
        if (listing.pk, offer.title) not in existing
    ]
    Offer.objects.bulk_create(new, batch_size=500)
    return len(new)


def ensure_demo_plan():
    """Maureen's plan: her postcode, with Kwame named as her practitioner; she adds goals."""
    from matching.models import SupportPlan
    from matching.plans import create_plan

    User = get_user_model()
    person = User.objects.filter(email=DEMO_PERSON).first()
    if person is None or SupportPlan.objects.filter(person=person).exists():
        return None
    plan = create_plan(person, postcode=DEMO_POSTCODE, title="Maureen's support plan")
    plan.practitioner = User.objects.filter(email=DEMO_PRACTITIONER).first()
    plan.save(update_fields=["practitioner"])
    return plan


# --- Getting paid in the demo --------------------------------------------------------


def fake_stripe_in_use() -> bool:
    """Whether Kith talks to a fake Stripe on this machine (``make run``), never a real one."""
    from django.conf import settings

    from kith.config import stripe_test_mode

    base = urlsplit(settings.STRIPE_API_BASE or "")
    return stripe_test_mode(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE) and (
        base.hostname in ("127.0.0.1", "localhost", "::1")
    )


def finish_onboarding(url: str, outcome: str = "enabled") -> str:
    """Go through the fake Stripe's onboarding page as the owner would, without following
    its redirect; returns where it sends them back to. ``outcome`` is the fake's choice of
    how onboarding ends ("enabled", or e.g. "pending" in tests)."""
    separator = "&" if "?" in url else "?"

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(Stay).open(
            f"{url}{separator}outcome={outcome}", timeout=10
        ).close()
    except urllib.error.HTTPError as answer:
        if answer.code not in (301, 302, 303, 307):
            raise
        return answer.headers.get("Location", "")
    return ""


def connect_demo_payees(say=print) -> int:
    """Give every demo listing owner who cannot yet receive money a connected account on
    Kith's fake Stripe, through Kith's own Connect steps and the fake's onboarding page, so
    card payment is offered in the demo and payouts reach them. Returns how many were
    connected. Does nothing unless the fake Stripe is in use."""
    from directory.demo import demo_owners
    from marketplace.payments import connect

    if not fake_stripe_in_use():
        say("Demo payouts: no fake Stripe in use, so no demo owner was connected.")
        return 0
    waiting = [user for user in demo_owners() if not connect.can_receive(user)]
    for done, user in enumerate(waiting, start=1):
        url = connect.onboarding_link(
            user,
            return_url=absolute_url("/marketplace/payouts/return/"),
            refresh_url=absolute_url("/marketplace/payouts/"),
        )
        finish_onboarding(url)
        connect.refresh(user)
        if done % 100 == 0 or done == len(waiting):
            say(f"Demo payouts: {done} of {len(waiting)} demo owners can now be paid by card.")
    return len(waiting)
