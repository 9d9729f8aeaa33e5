"""Every page type, for every role, passes axe-core's WCAG 2.2 AA rules and fits a phone.

One test per role: the role signs in once, then every page it can open is
visited in headless Chromium (pages found by walking the URL map, the Wagtail
page types and the moderators' admin pages: see tests/browser_support.py),
checked with axe-core (tests/axe.py) and then at 320 by 640 pixels for
sideways scrolling. All problems are listed together at the end, each with
the rule, its impact, the elements and a link explaining the fix.
"""

import re

import pytest

from accounts.factories import DEFAULT_PASSWORD
from tests.axe import Findings
from tests.browser_support import ROLES, build_site, pages_for, sign_in_by_cookie
from tests.test_browser_directory import keep_off_the_internet
from tests.test_permissions_matrix import world  # noqa: F401  (a fixture used below)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Wagtail's own admin frame around Kith's moderator pages is Wagtail's to fix;
# Kith's content inside it is checked.
WAGTAIL_CHROME = ("#wagtail-sidebar", "header.w-header", ".w-breadcrumbs", "[data-side-panel]")


@pytest.fixture
def site(world):  # noqa: F811
    users, ids = world
    return build_site(users, ids)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_a_phone(browser_page, live_server, site, role):
    page = browser_page
    keep_off_the_internet(page, live_server)
    pages = pages_for(site, role)
    assert len(pages) >= 5, pages
    sign_in_by_cookie(page, live_server, site.users.get(role))
    findings = Findings()
    for label, path in pages:
        page.goto(path)
        in_admin = path.startswith("/admin/")
        findings.check(
            page, f"{role}: {label}", exclude=WAGTAIL_CHROME if in_admin else (), phone=not in_admin
        )
    if role == "anonymous":
        # The two-step code page, met half-way through a moderator's sign-in.
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(site.users["moderator"].email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        findings.check(page, "anonymous: two-step code")
    print(f"{role}: {findings.pages} pages checked")
    findings.assert_none()


BROKEN_PAGE = """<!DOCTYPE html><html><head><title>Broken</title></head><body>
<main><img src="/static/nothing.png"><a href="/somewhere/"></a>
<div style="width: 600px">Too wide for a phone</div>
<div role="region" aria-label="Wide table" tabindex="0" style="overflow-x: auto">
<div style="width: 900px">Scrolls inside its own labelled region</div></div>
</main></body></html>"""


def test_the_checks_find_what_they_look_for(browser_page):
    """The helper reports axe's rules by id and a page wider than a phone, and lets a
    labelled scrolling region be wide."""
    page = browser_page
    page.set_content(BROKEN_PAGE)
    findings = Findings()
    findings.check(page, "broken page")
    report = findings.report()
    for rule in ("html-has-lang", "image-alt", "link-name"):
        assert f"axe: {rule} [" in report, report
    assert "dequeuniversity.com/rules/axe/4.14/image-alt" in report
    assert "phone width: the page is 6" in report and "div reaches" in report
    assert "reaches 9" not in report  # the 900px content is inside its labelled region
    with pytest.raises(AssertionError, match="Accessibility problems on 1 of 1 pages"):
        findings.assert_none()
