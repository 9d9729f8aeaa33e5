"""The API's in-memory outcome and category slugs stay true to the tables."""

import pytest
from django.db import transaction

from directory import vocab_cache
from directory.models import Category, Outcome

pytestmark = pytest.mark.django_db

LISTINGS = "/api/v1/listings/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts and leaves the cache empty (each test's changes roll back)."""
    vocab_cache.reset()
    yield
    vocab_cache.reset()


def outcome_error(client, slug: str):
    response = client.get(LISTINGS, {"outcome": slug})
    if response.status_code == 400:
        return response.json()["errors"]["outcome"]
    assert response.status_code == 200
    return None


def test_the_slugs_are_read_once_not_on_every_request(client, django_assert_num_queries):
    assert "physical-health" in vocab_cache.outcome_slugs()
    assert "swimming" in vocab_cache.category_slugs()
    with django_assert_num_queries(0):
        vocab_cache.outcome_slugs()
        vocab_cache.category_slugs()


def test_a_new_outcome_is_accepted_at_once_and_a_deleted_one_refused(client):
    assert outcome_error(client, "dog-walking") == [
        "'dog-walking' is not an outcome. GET /api/v1/outcomes/ lists them."
    ]
    outcome = Outcome.objects.create(slug="dog-walking", name="Dog walking")
    assert outcome_error(client, "dog-walking") is None
    outcome.delete()
    assert outcome_error(client, "dog-walking") is not None


def test_a_renamed_category_slug_is_seen_at_once():
    assert "swimming" in vocab_cache.category_slugs()
    category = Category.objects.get(slug="swimming")
    category.slug = "swimming-and-aquatics"
    category.save()
    slugs = vocab_cache.category_slugs()
    assert "swimming-and-aquatics" in slugs and "swimming" not in slugs


def test_a_change_rolled_back_leaves_nothing_behind():
    try:
        with transaction.atomic():
            Outcome.objects.create(slug="kite-flying", name="Kite flying")
            assert "kite-flying" in vocab_cache.outcome_slugs()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert "kite-flying" not in vocab_cache.outcome_slugs()
    assert "physical-health" in vocab_cache.outcome_slugs()
