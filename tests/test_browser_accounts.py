"""A person signs up and signs in through the real pages, in headless Chromium."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_email_sign_out_and_sign_in(browser_page):
    page = browser_page
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()

    page.get_by_label("Email").fill("priya@example.org")
    page.get_by_label("Your name").fill("Priya")
    page.get_by_label("Budget holder").check()
    page.get_by_label("Password", exact=True).fill("swimming-again-2026")
    page.get_by_label("Password (again)").fill("swimming-again-2026")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    assert "Verify Your Email Address" in page.content() or "verify" in page.content().lower()

    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mail.outbox[-1].body)
    page.goto(re.sub(r"^https?://[^/]+", "", link.group(0)))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/account/$"))
    assert page.get_by_role("heading", name="My account").is_visible()
    assert "Budget holder" in page.content()

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("priya@example.org")
    page.get_by_label("Password").fill("swimming-again-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account/$"))
    assert "priya@example.org" in page.content()
