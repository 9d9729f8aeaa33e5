"""Sign-in, sign-up and two-step sign-in pages and emails use Kith's plain wording."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from accounts.tests.test_signup import PASSWORD, sign_up

pytestmark = pytest.mark.django_db

JARGON = ("Two-Factor", "two-factor", "Authenticator App", "authenticator code", "example.com")


def assert_plain(text):
    for word in JARGON:
        assert word not in text, word


def test_verification_email_is_plain_and_names_kiths_address(client):
    sign_up(client, "asha@example.org", "budget_holder")
    [email] = mail.outbox
    assert email.subject == "Kith: Confirm your email address to finish signing up"
    assert email.body.startswith("Hello Asha,")
    assert "/accounts/confirm-email/" in email.body
    assert "127.0.0.1:8000" in email.body  # the test settings' KITH_BASE_URL
    assert_plain(email.body + email.subject)
    assert "&#x27;" not in email.body


def test_two_step_code_page_says_two_step_sign_in_code(client, user_factory):
    user = user_factory(email="mod@example.org", password=PASSWORD)
    user.set_password(PASSWORD)
    user.save()
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/2fa/authenticate/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Enter your two-step sign-in code</h1>" in page
    assert_plain(page)
    wrong = client.post(response["Location"], {"code": "000000"}).content.decode()
    assert "That code is not right" in wrong
    assert 'for="id_code"' in wrong


def test_turning_on_two_step_sign_in_is_plain(client, user_factory):
    client.force_login(user_factory(email="staff@example.org"))
    response = client.get("/accounts/2fa/totp/activate/")
    if response.status_code == 302 and "/reauthenticate/" in response["Location"]:
        # allauth asks for the password again before two-step sign-in is turned on.
        assert_plain(client.get(response["Location"]).content.decode())
        client.post(response["Location"], {"password": "a-long-test-passphrase-42"})
        response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200, response.get("Location")
    page = response.content.decode()
    assert "Turn on two-step sign-in" in page
    assert "two-step sign-in code" in page.lower()
    assert_plain(page)
    assert_plain(client.get("/accounts/2fa/").content.decode())


def test_signed_in_message_is_plain(client, user_factory):
    user = user_factory(email="sam@example.org", display_name="Sam")
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "a-long-test-passphrase-42"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "You are signed in as" in page
    assert "Successfully" not in page
