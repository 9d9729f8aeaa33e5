import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import SIGNUP_ROLES

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-42"


def sign_up(client, email, role, name="Asha"):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": name,
            "role": role,
        },
    )


@pytest.mark.parametrize("role", [value for value, _ in SIGNUP_ROLES])
def test_sign_up_with_each_role_records_the_role_and_asks_to_verify_email(client, role):
    response = sign_up(client, f"{role}@example.org", role)
    assert response.status_code == 302
    user = User.objects.get(email=f"{role}@example.org")
    assert user.role_slugs == {role}
    assert user.display_name == "Asha"
    assert len(mail.outbox) == 1
    assert "confirm" in mail.outbox[0].body.lower()
    # Not signed in until the address is confirmed.
    assert client.get("/account/").status_code == 302


def test_moderator_role_cannot_be_chosen_at_sign_up(client):
    response = sign_up(client, "sneaky@example.org", "moderator")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="sneaky@example.org").exists()


def test_confirming_email_signs_in_and_my_account_shows_role(client):
    sign_up(client, "sam@example.org", "budget_holder", name="Sam")
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mail.outbox[0].body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    page = client.get("/account/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Budget holder" in html and "sam@example.org" in html


def test_sign_in_with_unverified_email_is_held_at_verification(client):
    sign_up(client, "unverified@example.org", "provider")
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "unverified@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert client.get("/account/").status_code == 302


def test_bad_sign_up_input_shows_an_error_summary(client):
    response = client.post("/accounts/signup/", {"email": "not-an-email", "role": "budget_holder"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a valid email address" in html


def test_repeated_failed_sign_ins_are_rate_limited(client, user_factory):
    user = user_factory(email="target@example.org")
    pages = [
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
        for _ in range(7)
    ]
    assert "Too many failed login attempts" not in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[-1].content.decode()
    # Even the right password is refused while the limit holds.
    right = client.post(
        "/accounts/login/", {"login": user.email, "password": "a-long-test-passphrase-42"}
    )
    assert "Too many failed login attempts" in right.content.decode()
    assert client.get("/account/").status_code == 302
