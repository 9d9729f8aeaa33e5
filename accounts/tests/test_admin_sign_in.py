"""Nobody reaches /admin/ or /django-admin/ with a password alone (issue 14, item 1)."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.test import Client

from accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "KITHTESTMODERATORSECRETAAAAAAAAA"


def current_code(secret: str = SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


@pytest.fixture
def moderator(user_factory):
    user = user_factory(email="mod@example.org", roles=["moderator"], is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    TOTP.activate(user, SECRET)
    return user


@pytest.fixture
def superuser(user_factory):
    user = user_factory(email="root@example.org", is_staff=True, is_superuser=True)
    TOTP.activate(user, "KITHTESTSUPERUSERSECRETAAAAAAAAA")
    return user


def _signed_in_with_password(client, user) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_old_admin_sign_in_pages_send_people_to_allauth(client, path):
    response = client.get(path, {"next": "/admin/pages/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_password_posted_to_old_admin_sign_in_pages_gives_no_admin(client, moderator, path):
    response = client.post(path, {"username": moderator.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not _signed_in_with_password(client, moderator)
    for admin_path in ["/admin/", "/django-admin/"]:
        refused = client.get(admin_path)
        assert refused.status_code == 302
        assert "/accounts/login/" in refused["Location"] or "/login/" in refused["Location"]


def test_open_redirects_are_not_passed_on(client):
    response = client.get("/admin/login/", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/accounts/login/"


def test_wagtail_password_reset_is_allauths(client):
    response = client.get("/admin/password_reset/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/"


def test_a_password_only_session_is_asked_for_the_code(moderator, superuser):
    """A session signed in without the code (Django's own login here) is sent to
    enter it before the admin opens."""
    for user in [moderator, superuser]:
        client = Client()
        assert client.login(email=user.email, password=DEFAULT_PASSWORD)
        for path in ["/admin/", "/admin/pages/", "/django-admin/"]:
            response = client.get(path)
            assert response.status_code == 302, path
            expected = "/accounts/2fa/reauthenticate/?next=" + path.replace("/", "%2F")
            assert response["Location"] == expected


def test_allauth_password_step_alone_does_not_sign_staff_in(client, moderator):
    response = client.post(
        "/accounts/login/", {"login": moderator.email, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302
    assert client.get("/django-admin/").status_code == 302


def test_moderator_with_password_and_code_reaches_the_admin(client, moderator):
    client.post("/accounts/login/", {"login": moderator.email, "password": DEFAULT_PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_entering_the_code_again_opens_the_admin(moderator):
    client = Client()
    client.login(email=moderator.email, password=DEFAULT_PASSWORD)
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/reauthenticate/?next=/admin/", {"code": current_code()})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_old_code_must_be_entered_again(client, moderator, settings):
    client.post("/accounts/login/", {"login": moderator.email, "password": DEFAULT_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert client.get("/admin/").status_code == 200
    settings.KITH_STAFF_MFA_MAX_AGE = 0
    time.sleep(0.01)
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_ten_wrong_passwords_then_the_right_one_is_refused(client, moderator):
    for _ in range(10):
        wrong = client.post("/accounts/login/", {"login": moderator.email, "password": "nope"})
        assert wrong.status_code in (200, 429)
    right = client.post(
        "/accounts/login/", {"login": moderator.email, "password": DEFAULT_PASSWORD}
    )
    assert right.status_code in (200, 429)
    assert not _signed_in_with_password(client, moderator)
    assert "account_authentication_methods" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_the_old_pages_are_no_way_round_the_rate_limit(client, moderator, path):
    for _ in range(10):
        client.post(path, {"username": moderator.email, "password": "nope"})
        client.post("/accounts/login/", {"login": moderator.email, "password": "nope"})
    client.post(path, {"username": moderator.email, "password": DEFAULT_PASSWORD})
    assert not _signed_in_with_password(client, moderator)
    assert client.get("/admin/").status_code == 302
