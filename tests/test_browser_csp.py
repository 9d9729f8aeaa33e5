"""No page breaks Kith's Content-Security-Policy, enforced or report-only
(issue 14, item 9): each main page type is opened in Chromium, and every
``securitypolicyviolation`` event and CSP console message is collected.

Marketplace pages are not covered yet: their invoice and statement templates
carry inline <style> and <script> blocks that need moving to static files or
``nonce="{{ request.csp_nonce }}"`` (listed for the marketplace's owners).
"""

from datetime import date

import pytest
from django.urls import reverse

from accounts.factories import UserFactory
from directory.factories import make_listing
from matching import referrals
from matching.models import Goal
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
    holder = UserFactory(
        email="maureen@example.org", display_name="Maureen", roles=["budget_holder"]
    )
    practitioner = UserFactory(email="priya@example.org", roles=["practitioner"])
    ulo_staff = UserFactory(email="sam@example.org", roles=["ulo_staff"])
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
    plan = create_plan(holder, postcode="SK1 3XE")
    plan.practitioner = practitioner
    plan.save()
    goal = Goal.objects.create(plan=plan, text="I want to go swimming again to get fitter")
    referral, _ = referrals.create_referral(
        organisation=ulo,
        person=holder,
        plan=plan,
        offer="peer_brokerage",
        by_user=holder,
        consent=True,
    )
    return {
        None: [
            "/",
            "/directory/?postcode=SK1+3XE&miles=10",
            pool.url,
            ulo.url,
            "/accounts/login/",
            "/accounts/signup/",
            "/about/data/",
        ],
        holder: [
            "/account/",
            "/plan/",
            reverse("matching:plan_detail", args=[plan.pk]),
            reverse("matching:plan_details", args=[plan.pk]),
            reverse("matching:goal_new", args=[plan.pk]),
            reverse("matching:goal_suggestions", args=[plan.pk, goal.pk]),
            reverse("matching:referral_detail", args=[referral.pk]),
            reverse("matching:referral_new", args=[ulo.pk]),
            "/accounts/2fa/",
        ],
        practitioner: [
            reverse("matching:practitioner_home"),
            reverse("matching:practitioner_plan", args=[plan.pk]),
            reverse("matching:practitioner_search", args=[plan.pk]) + "?postcode=SK1+3XE&miles=10",
        ],
        ulo_staff: [reverse("matching:referral_inbox")],
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
            assert response.status < 400, (path, response.status)
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
