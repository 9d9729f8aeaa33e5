"""Download my data and delete my account through the real pages, with JavaScript switched off."""

import io
import json
import re
import zipfile

import pytest

from accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _confirm_password_if_asked(page):
    """allauth asks for the password again before downloading or deleting."""
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name=re.compile("confirm", re.I)).click()


def test_download_then_delete_without_javascript(browser_page, live_server):
    sam = UserFactory(email="sam@example.org", display_name="Sam Patel", roles=["budget_holder"])
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(sam.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/account/$"))

        page.get_by_role("link", name="Download my data or delete my account").click()
        assert page.get_by_role("heading", name="Your data", exact=True).is_visible()
        page.get_by_role("button", name="Download my data").click()
        # Asked for the password again; once it is entered the download carries on by itself.
        assert "/accounts/reauthenticate/" in page.url
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        with page.expect_download() as download_info:
            page.get_by_role("button", name=re.compile("confirm", re.I)).click()
        download = download_info.value
        assert download.suggested_filename.startswith("kith-my-data-")
        with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
            data = json.loads(archive.read("data.json"))
        assert data["account"]["email"] == "sam@example.org"

        page.goto("/account/data/")
        page.get_by_role("link", name="Find out about deleting your account").click()
        assert page.get_by_role("heading", name="Delete my account", exact=True).is_visible()
        page.get_by_role("button", name="Delete my account").click()
        assert "Tick the box" in page.content()
        page.get_by_label(re.compile("I understand")).check()
        page.get_by_role("button", name="Delete my account").click()
        _confirm_password_if_asked(page)
        page.wait_for_url(re.compile(r"/account/deleted/$"))
        assert page.get_by_role("heading", name="Your account has been deleted").is_visible()
        sam.refresh_from_db()
        assert not sam.is_active and sam.email == f"deleted-{sam.pk}@invalid"
    finally:
        context.close()
