"""Demo offers to book, and a plan for the demo budget holder (run by ``load_demo``).

Idempotent: an offer is recognised by its listing and title, the plan by its person.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

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
