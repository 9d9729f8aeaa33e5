import re

import pytest
from django.core import mail

from accounts import representation as rules
from accounts.models import Representation
from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(user_factory):
    return user_factory(
        email="holder@example.org", display_name="Maureen", roles=[Role.BUDGET_HOLDER]
    )


@pytest.fixture
def daughter(user_factory):
    return user_factory(email="daughter@example.org", display_name="Claire")


def test_representative_cannot_see_a_budget_holder_who_has_not_invited_them(
    client, holder, daughter
):
    client.force_login(daughter)
    assert client.get(f"/account/people/{holder.pk}/").status_code == 404
    assert "Maureen" not in client.get("/account/").content.decode()


def test_invited_representative_sees_the_budget_holder_only_after_accepting(
    client, holder, daughter
):
    client.force_login(holder)
    response = client.post(
        "/account/representatives/invite/",
        {"email": "Daughter@Example.org", "relationship": "daughter"},
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["daughter@example.org"]
    path = re.search(r"/account/representatives/invitation/[^\s]+/", mail.outbox[-1].body).group(0)

    client.force_login(daughter)
    assert client.get(f"/account/people/{holder.pk}/").status_code == 404
    assert client.get(path).status_code == 200
    assert client.post(path, {"action": "accept"}).status_code == 302
    assert client.get(f"/account/people/{holder.pk}/").status_code == 200
    assert "Maureen" in client.get("/account/").content.decode()
    assert daughter.has_role(Role.REPRESENTATIVE)


def test_an_invitation_cannot_be_accepted_by_someone_else(client, holder, daughter, user_factory):
    invitation = rules.invite_representative(holder, "daughter@example.org")
    stranger = user_factory(email="stranger@example.org")
    client.force_login(stranger)
    response = client.post(
        f"/account/representatives/invitation/{invitation.token}/", {"action": "accept"}
    )
    assert response.status_code == 400
    assert "different email address" in response.content.decode()
    assert client.get(f"/account/people/{holder.pk}/").status_code == 404


def test_representative_acts_only_for_people_who_named_them(holder, daughter, user_factory):
    other_holder = user_factory(roles=[Role.BUDGET_HOLDER])
    invitation = rules.invite_representative(holder, daughter.email)
    rules.accept_invitation(invitation.token, daughter)
    assert rules.can_act_for(daughter, holder)
    assert not rules.can_act_for(daughter, other_holder)
    assert list(rules.represented_people(daughter)) == [holder]


def test_accepting_twice_is_harmless(holder, daughter):
    invitation = rules.invite_representative(holder, daughter.email)
    first = rules.accept_invitation(invitation.token, daughter)
    second = rules.accept_invitation(invitation.token, daughter)
    assert first.pk == second.pk and second.status == Representation.Status.ACCEPTED
    assert Representation.objects.filter(status="accepted").count() == 1


def test_budget_holder_can_end_a_representation(client, holder, daughter):
    invitation = rules.invite_representative(holder, daughter.email)
    rules.accept_invitation(invitation.token, daughter)
    client.force_login(holder)
    assert client.post(f"/account/representatives/{invitation.pk}/end/").status_code == 302
    assert not rules.can_act_for(daughter, holder)
    client.force_login(daughter)
    assert client.get(f"/account/people/{holder.pk}/").status_code == 404


def test_someone_else_cannot_end_a_representation(client, holder, daughter):
    invitation = rules.invite_representative(holder, daughter.email)
    rules.accept_invitation(invitation.token, daughter)
    client.force_login(daughter)
    assert client.post(f"/account/representatives/{invitation.pk}/end/").status_code == 404
    assert rules.can_act_for(daughter, holder)


def test_only_budget_holders_can_invite(client, daughter):
    with pytest.raises(rules.RepresentationError):
        rules.invite_representative(daughter, "someone@example.org")


def test_invitation_link_with_unknown_token_says_so(client, daughter):
    client.force_login(daughter)
    response = client.get("/account/representatives/invitation/not-a-token/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
