import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(user_factory):
    user = user_factory(email="mod@example.org", roles=["moderator"])
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def test_moderator_without_mfa_is_refused_the_admin(client, moderator):
    client.force_login(moderator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/admin/pages/").status_code == 302


def test_staff_without_mfa_is_refused_the_django_admin(client, user_factory):
    staff = user_factory(email="staff@example.org", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/django-admin/").status_code == 302


def test_moderator_with_mfa_reaches_the_admin(client, moderator):
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client.force_login(moderator)
    response = client.get("/admin/")
    assert response.status_code == 200


def test_people_who_are_not_staff_are_not_forced_into_mfa(client, user_factory):
    person = user_factory(roles=["budget_holder"])
    client.force_login(person)
    assert client.get("/account/").status_code == 200
