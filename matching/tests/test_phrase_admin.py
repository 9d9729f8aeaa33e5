"""Phrase rules are edited in the Wagtail admin, drafts first; matching reads only live ones."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.factories import UserFactory
from directory.models import Category, Outcome
from matching.engine import infer
from matching.models import PhraseRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = UserFactory(email="editor@example.org", display_name="Editor", is_superuser=True)
    # The admin opens only with two-step sign-in (accounts.middleware).
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client.force_login(user)
    return client


def _form(phrase, category, action=None):
    data = {
        "phrase": phrase,
        "outcomes": [Outcome.objects.get(slug="physical-health").pk],
        "categories": [Category.objects.get(slug=category).pk],
        "main_category": Category.objects.get(slug=category).pk,
    }
    if action:
        data[action] = "1"
    return data


def test_phrase_rules_are_listed_and_editable_in_the_admin(editor):
    rule = PhraseRule.objects.get(phrase="swimming")
    listing = editor.get(reverse("wagtailsnippets_matching_phraserule:list"))
    assert listing.status_code == 200
    assert "adaptations" in listing.content.decode()  # the first phrase, A to Z
    edit_url = reverse("wagtailsnippets_matching_phraserule:edit", args=[rule.pk])
    assert editor.get(edit_url).status_code == 200


def test_a_draft_is_not_used_until_it_is_published(editor):
    add_url = reverse("wagtailsnippets_matching_phraserule:add")
    response = editor.post(add_url, _form("aqua zumba", "sports-activities"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = PhraseRule.objects.get(phrase="aqua zumba")
    assert not rule.live
    assert "sports-activities" not in infer("I fancy aqua zumba").categories

    edit_url = reverse("wagtailsnippets_matching_phraserule:edit", args=[rule.pk])
    response = editor.post(edit_url, _form("aqua zumba", "swimming", action="action-publish"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.live
    assert infer("I fancy aqua zumba").categories[0] == "swimming"
