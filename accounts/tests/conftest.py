"""A small world for the data-rights tests: Sam with a plan, money and messages, and others."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Representation
from directory.factories import make_listing
from marketplace.models import (
    Booking,
    Enquiry,
    Invoice,
    LedgerEntry,
    Message,
    Offer,
    Payment,
    PaymentRoute,
    Pledge,
    Pool,
    Review,
)
from matching.models import Goal, PlanAccess, Referral, ReferralEvent, Shortlist, ShortlistItem
from matching.plans import create_plan

SAM_GOAL = "I want to go swimming again to get fitter"
JOAN_GOAL = "Help at home with my diabetes injections on weekday mornings"


def _paid_booking(person, offer, amount, reference):
    """A booking paid by card, with its payment and statement line, as the marketplace leaves it."""
    booking = Booking.objects.create(
        offer=offer,
        person=person,
        requested_by=person,
        payment_route=PaymentRoute.CARD,
        amount=Decimal(amount),
        status=Booking.Status.PAID,
        note="Please meet me at the main entrance, I use a wheelchair.",
    )
    Payment.objects.create(
        booking=booking,
        person=person,
        amount=booking.amount,
        status=Payment.Status.CAPTURED,
        stripe_payment_intent=f"pi_{reference}",
        idempotency_key=f"key-{reference}",
    )
    LedgerEntry.objects.create(
        person=person,
        booking=booking,
        kind=LedgerEntry.Kind.CARD_PAYMENT,
        amount=booking.amount,
        description=f"{offer.title} from {offer.listing.title}",
        supplier=offer.listing.title,
        reference=f"pi_{reference}",
    )
    return booking


@pytest.fixture
def world(user_factory, django_capture_on_commit_callbacks):
    sam = user_factory(display_name="Sam Patel", roles=["budget_holder"])
    joan = user_factory(display_name="Joan Okafor", roles=["budget_holder"])
    aisha = user_factory(display_name="Aisha Patel", roles=["representative"])
    Representation.objects.create(
        budget_holder=sam,
        representative=aisha,
        invited_email=aisha.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    priya = user_factory(display_name="Priya Shah", roles=["practitioner"])
    dave = user_factory(display_name="Dave Lomas", roles=["provider"])
    jo = user_factory(display_name="Jo Birch", roles=["ulo_staff"])

    with django_capture_on_commit_callbacks(execute=True):
        pools = make_listing(
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            outcomes=["physical-health"],
            categories=["swimming"],
            owner=dave,
        )
        ulo = make_listing(
            "ulo",
            "Stockport Peer Brokers",
            "SK1 3XE",
            owner=jo,
            offers_peer_brokerage=True,
            accepts_referrals=True,
        )
    offer = Offer.objects.create(
        listing=pools,
        kind=Offer.Kind.BLOCK,
        title="Six one-to-one swimming lessons",
        price=Decimal("45.00"),
        sessions=6,
    )

    plan = create_plan(sam, postcode="SK1 3XE")
    plan.practitioner = priya
    plan.brokerage_reason = "My daughter helps me with forms."
    plan.save()
    goal = Goal.objects.create(plan=plan, text=SAM_GOAL, budget_amount=Decimal("60.00"))
    PlanAccess.objects.create(person=plan.person, plan=plan, viewer=priya, action="viewed plan")
    shortlist = Shortlist.objects.create(
        plan=plan, created_by=priya, title="Swimming near you", shared_at=timezone.now()
    )
    ShortlistItem.objects.create(shortlist=shortlist, goal=goal, listing=pools, note="Step-free")
    referral = Referral.objects.create(
        person=sam,
        plan=plan,
        organisation=ulo,
        offer=Referral.Offer.PEER_BROKERAGE,
        referred_by=priya,
        consent_given_at=timezone.now(),
        message="Sam would like a peer broker.",
    )
    ReferralEvent.objects.create(referral=referral, status=Referral.Status.SENT, by=priya)

    joan_plan = create_plan(joan, postcode="OL8 1AA")
    Goal.objects.create(plan=joan_plan, text=JOAN_GOAL)

    enquiry = Enquiry.objects.create(
        listing=pools, person=sam, started_by=sam, subject="Lessons on Saturdays?"
    )
    Message.objects.create(enquiry=enquiry, sender=sam, body="Do you have a hoist at the pool?")
    Message.objects.create(enquiry=enquiry, sender=dave, body="Yes, at the shallow end.")
    joan_enquiry = Enquiry.objects.create(
        listing=pools, person=joan, started_by=joan, subject="Joan's question"
    )
    Message.objects.create(enquiry=joan_enquiry, sender=joan, body="Is parking free for Joan?")

    booking = _paid_booking(sam, offer, "270.00", "sam1")
    booking.goal = goal
    booking.save()
    Invoice.objects.create(
        number="KITH-2026-0001",
        booking=booking,
        person=sam,
        payer_name="Stockport Direct Payments Support Service",
        payer_email="accounts@example.org",
        description="Swimming lessons",
        amount=Decimal("270.00"),
        due_on=timezone.now().date() + timedelta(days=30),
    )
    Review.objects.create(
        booking=booking, listing=pools, author=sam, rating=5, text="Patient teachers."
    )
    joan_booking = _paid_booking(joan, offer, "45.00", "joan1")
    pool = Pool.objects.create(
        listing=pools,
        organiser=dave,
        title="Group swim on Fridays",
        description="Four places.",
        price_per_place=Decimal("10.00"),
        places=4,
        minimum_members=2,
        deadline=timezone.now() + timedelta(days=10),
        status=Pool.Status.FUNDED,
    )
    pledge = Pledge.objects.create(
        pool=pool,
        member=sam,
        pledged_by=sam,
        goal=goal,
        amount=Decimal("10.00"),
        method=Pledge.Method.CARD_SAVED,
        status=Pledge.Status.CAPTURED,
    )
    Payment.objects.create(
        pledge=pledge,
        person=sam,
        amount=Decimal("10.00"),
        captured_amount=Decimal("10.00"),
        status=Payment.Status.CAPTURED,
        stripe_customer="cus_sam",
        stripe_payment_method="pm_sam",
        stripe_payment_intent="pi_sam_pool",
        idempotency_key="pool-pledge-sam-card-1",
    )
    return SimpleNamespace(
        sam=sam,
        joan=joan,
        aisha=aisha,
        priya=priya,
        dave=dave,
        jo=jo,
        pools=pools,
        ulo=ulo,
        offer=offer,
        plan=plan,
        goal=goal,
        joan_plan=joan_plan,
        referral=referral,
        enquiry=enquiry,
        booking=booking,
        joan_booking=joan_booking,
        pool=pool,
    )
