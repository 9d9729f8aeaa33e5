"""No page breaks Kith's Content-Security-Policy, enforced or report-only
(issue 14, item 9): a page of every type is opened in Chromium (the directory
and its results, a listing of each kind, plan pages and suggestions,
referrals, the marketplace's enquiries, bookings, invoices, pools and
statements, the evidence reports, account and sign-in pages, the information
pages, and the Wagtail admin's sign-in redirect), and every
``securitypolicyviolation`` event and CSP console message is collected.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.factories import UserFactory
from accounts.models import Representation
from directory.factories import make_listing
from directory.models import Outcome
from matching import referrals
from matching.models import Goal, PaymentRoute
from matching.plans import create_plan
from tests.browser_support import sign_in_by_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    [event.disposition, event.violatedDirective, event.blockedURI, event.sourceFile,
     event.lineNumber].join(" ")
  );
});
"""


@pytest.fixture
def kith():
    """Maureen in Stockport with a plan, a referral, a booking, an invoice and a pool
    place, and the people on the other side of each: the pages every role sees."""
    from evidence.models import CommissionerArea
    from marketplace.bookings import services as bookings
    from marketplace.enquiries import services as enquiries
    from marketplace.models import Offer
    from marketplace.payments import invoices
    from marketplace.pools import services as pools

    holder = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=["budget_holder"]
    )
    representative = UserFactory(
        email="aisha@example.org", display_name="Aisha", roles=["representative"]
    )
    Representation.objects.create(
        budget_holder=holder,
        representative=representative,
        invited_email=representative.email,
        relationship="daughter",
        status=Representation.Status.ACCEPTED,
    )
    practitioner = UserFactory(email="priya@example.org", roles=["practitioner"])
    ulo_staff = UserFactory(email="sam@example.org", roles=["ulo_staff"])
    provider = UserFactory(email="dave@example.org", display_name="Dave", roles=["provider"])
    commissioner = UserFactory(email="cath@oldham.example.gov.uk", roles=["commissioner"])
    CommissionerArea.objects.create(user=commissioner, name="Oldham", districts="OL8,OL1")
    pool = make_listing(
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        summary="Lane swimming and aquafit, with a pool hoist.",
        outcomes=["physical-health"],
        categories=["swimming"],
        price="4.50",
        price_unit="session",
        places_available=12,
        last_confirmed=date(2026, 9, 1),
        owner=provider,
    )
    ulo = make_listing(
        "ulo",
        "Stockport Peer Brokers",
        "SK1 3TA",
        outcomes=["independent-living"],
        offers_peer_brokerage=True,
        accepts_referrals=True,
        owner=ulo_staff,
        last_confirmed=date(2026, 9, 1),
    )
    club = make_listing("club", "Oldham Walking Club", "OL8 1AA", outcomes=["physical-health"])
    pa = make_listing(
        "pa",
        "Amina Hussain",
        "SK4 4NB",
        outcomes=["independent-living"],
        price="14.50",
        price_unit="hour",
    )
    peer_group = make_listing(
        "peer_group", "Tameside Hearing Voices Group", "OL6 7SR", outcomes=["recovery"]
    )
    plan = create_plan(holder, postcode="SK1 3XE")
    plan.practitioner = practitioner
    plan.save()
    goal = Goal.objects.create(
        plan=plan,
        text="I want to go swimming again to get fitter",
        budget_amount=Decimal("60.00"),
        budget_period="month",
    )
    referral, _ = referrals.create_referral(
        organisation=ulo,
        person=holder,
        plan=plan,
        offer="peer_brokerage",
        by_user=holder,
        consent=True,
    )
    offer = Offer.objects.create(
        listing=pool,
        kind=Offer.Kind.BLOCK,
        title="Six one-to-one swimming lessons",
        price=Decimal("45.00"),
        sessions=6,
        places=10,
    )
    booking = bookings.request_booking(
        offer,
        holder,
        by=holder,
        payment_route=PaymentRoute.MANAGED_ACCOUNT,
        goal=goal,
        payer_name="Stockport Direct Payments Support Service",
        payer_email="accounts@example.org",
    )
    bookings.accept(booking, provider)
    invoice = invoices.issue_invoice(booking)
    group = pools.open_pool(
        pool,
        by=provider,
        title="Saturday aquafit, ten places",
        description="A term of Saturday aquafit sessions, shared between ten people.",
        outcomes=[Outcome.objects.get(slug="physical-health")],
        places=10,
        minimum_members=4,
        deadline=timezone.now() + timedelta(days=14),
        price_per_place=Decimal("30.00"),
    )
    enquiry = enquiries.start_enquiry(
        pool, holder, holder, "Hoist", "Do you have a hoist for the pool?"
    )
    return {
        None: [
            "/",
            "/directory/",
            "/directory/?postcode=SK1+3XE&miles=10",
            "/directory/?postcode=SK1+3XE&miles=10&outcome=physical-health&q=swimming",
            "/directory/?postcode=ZZ9+9ZZ",  # the form with an error
            pool.url,
            ulo.url,
            club.url,
            pa.url,
            peer_group.url,
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/about/data/",
            "/privacy/",
            "/contact/",
            "/marketplace/",
            reverse("marketplace:advert_list"),
            reverse("marketplace:pool_list"),
            reverse("marketplace:pool_detail", args=[group.pk]),
            "/admin/",  # Wagtail's admin sends people to allauth's sign-in
        ],
        holder: [
            "/account/",
            reverse("accounts:notifications"),
            reverse("accounts:my_data"),
            reverse("accounts:delete_account"),
            "/plan/",
            reverse("matching:plan_detail", args=[plan.pk]),
            reverse("matching:plan_details", args=[plan.pk]),
            reverse("matching:goal_new", args=[plan.pk]),
            reverse("matching:goal_suggestions", args=[plan.pk, goal.pk]),
            reverse("matching:referral_detail", args=[referral.pk]),
            reverse("matching:referral_new", args=[ulo.pk]),
            "/accounts/2fa/",
            reverse("marketplace:inbox"),
            reverse("marketplace:enquiry_detail", args=[enquiry.pk]),
            reverse("marketplace:enquiry_new", args=[pool.pk]),
            reverse("marketplace:offer_book", args=[offer.pk]),
            reverse("marketplace:booking_list"),
            reverse("marketplace:booking_detail", args=[booking.pk]),
            reverse("marketplace:invoice_detail", args=[invoice.pk]),
            reverse("marketplace:statement", args=[plan.pk]),
            reverse("marketplace:statement_print", args=[plan.pk]),
            reverse("marketplace:pool_detail", args=[group.pk]),
            reverse("marketplace:my_pools"),
            reverse("marketplace:pool_new", args=[pool.pk]),
            reverse("marketplace:advert_new"),
            reverse("evidence:outcome_review", args=[plan.pk]),
            reverse("marketplace:complaint_new", args=[booking.pk]),
            reverse("matching:plan_contingency", args=[plan.pk]),
        ],
        representative: [
            "/account/",
            reverse("marketplace:enquiry_detail", args=[enquiry.pk]),
            reverse("matching:plan_detail", args=[plan.pk]),
            reverse("matching:access_log", args=[plan.pk]),
        ],
        practitioner: [
            reverse("matching:practitioner_home"),
            reverse("matching:practitioner_plan", args=[plan.pk]),
            reverse("matching:practitioner_search", args=[plan.pk]) + "?postcode=SK1+3XE&miles=10",
        ],
        ulo_staff: [reverse("matching:referral_inbox")],
        provider: [
            reverse("marketplace:offer_list"),
            reverse("marketplace:offer_new"),
            reverse("marketplace:booking_requests"),
            reverse("marketplace:booking_detail", args=[booking.pk]),
            reverse("marketplace:invoice_detail", args=[invoice.pk]),
            reverse("marketplace:owner_reviews"),
            reverse("marketplace:enquiry_detail", args=[enquiry.pk]),
            reverse("marketplace:payouts"),
            reverse("marketplace:listing_places", args=[pool.pk]),
            reverse("directory:my_listings"),
            reverse("directory:listing_checks", args=[pool.pk]),
        ],
        commissioner: [
            reverse("evidence:demand"),
            reverse("evidence:pilot"),
        ],
    }


@pytest.mark.parametrize("mode", ["enforced", "report-only"])
def test_no_page_type_breaks_the_policy(browser_page, live_server, settings, kith, mode):
    policy = settings.CONTENT_SECURITY_POLICY
    assert policy is not None
    if mode == "report-only":
        settings.CONTENT_SECURITY_POLICY = None
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = policy
    header = "content-security-policy" + ("-report-only" if mode == "report-only" else "")
    page = browser_page
    page.add_init_script(COLLECT_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    found = {}
    for user, paths in kith.items():
        sign_in_by_cookie(page, live_server, user)
        for path in paths:
            response = page.goto(path)
            # A postcode we cannot place shows the form with its error (200 or 400).
            assert response.status < (500 if "ZZ9" in path else 400), (path, response.status)
            if path == "/admin/":
                assert "/accounts/login/" in page.url, page.url
            assert "default-src 'self'" in response.headers[header], path
            page.wait_for_load_state("load")
            violations = page.evaluate("window.__cspViolations") + console
            console.clear()
            if violations:
                found[path] = violations
    assert found == {}
    # The watch works: an inline style attribute added now is reported.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in page.evaluate("window.__cspViolations"))
