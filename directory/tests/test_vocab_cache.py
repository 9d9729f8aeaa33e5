"""The in-memory outcomes and categories (API checks, search form, result cards) stay true
to the tables, in this process and when another process changes them."""

import pytest
from django.core.cache import cache
from django.db import transaction

from directory import vocab_cache
from directory.factories import make_listing
from directory.models import Category, Outcome

pytestmark = pytest.mark.django_db

LISTINGS = "/api/v1/listings/"
SEARCH = "/directory/"


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


def test_the_tables_are_read_once_then_only_the_shared_version(django_assert_num_queries):
    assert "physical-health" in vocab_cache.outcome_slugs()
    assert "swimming" in vocab_cache.category_slugs()
    with django_assert_num_queries(1):  # the version, in the shared cache
        vocab_cache.outcome_slugs()
    # Within a request, the version is read once, whatever asks for the terms.
    vocab_cache._request_started(sender=None)
    try:
        with django_assert_num_queries(1):
            vocab_cache.outcome_slugs()
            vocab_cache.category_slugs()
            vocab_cache.outcome_names()
    finally:
        vocab_cache._request_finished(sender=None)


def test_a_change_made_by_another_process_is_seen_on_the_next_use():
    assert vocab_cache.outcome_names()["physical-health"] == "Physical health and fitness"
    # Another web process renames it: its commit writes a new version.
    Outcome.objects.filter(slug="physical-health").update(name="Getting fitter")
    cache.set(vocab_cache.VERSION_KEY, "written-by-another-process", timeout=None)
    assert vocab_cache.outcome_names()["physical-health"] == "Getting fitter"


def test_a_version_gone_from_the_cache_means_reading_the_tables_again():
    assert "physical-health" in vocab_cache.outcome_slugs()
    Outcome.objects.filter(slug="physical-health").update(name="Getting fitter")
    cache.clear()
    assert vocab_cache.outcome_names()["physical-health"] == "Getting fitter"


def test_a_committed_change_writes_a_new_version(django_capture_on_commit_callbacks):
    before = vocab_cache.vocabulary().version
    with django_capture_on_commit_callbacks(execute=True):
        outcome = Outcome.objects.get(slug="physical-health")
        outcome.name = "Getting fitter"
        outcome.save()
    assert cache.get(vocab_cache.VERSION_KEY) not in (None, before)
    assert vocab_cache.outcome_names()["physical-health"] == "Getting fitter"


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


# --- The search page: the form's choices and the result cards ----------------

# Listings are published for real (search records are written after commit).
pages = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _rename_outcome(slug: str, name: str) -> None:
    """What a moderator's edit in the admin does."""
    outcome = Outcome.objects.get(slug=slug)
    outcome.name = name
    outcome.save()


@pages
def test_a_renamed_outcome_is_shown_at_once_in_the_form_and_on_result_cards(client):
    make_listing(
        "provider",
        "Grand Central Pools",
        "SK1 3TA",
        summary="Lane swimming and aquafit.",
        outcomes=["physical-health"],
        categories=["swimming"],
    )
    search = {"postcode": "SK1 3XE", "outcome": "physical-health"}
    for _ in range(2):  # the second time, the form's fields come from memory
        html = client.get(SEARCH, search).content.decode()
        assert html.count("Physical health and fitness") == 3  # form, filter list, card
        assert "Grand Central Pools" in html
        assert "Swimming" in client.get(SEARCH).content.decode()

    _rename_outcome("physical-health", "Getting fitter and stronger")
    category = Category.objects.get(slug="swimming")
    category.name = "Swimming and aquafit"
    category.save()

    html = client.get(SEARCH, search).content.decode()
    assert "Physical health and fitness" not in html
    assert html.count("Getting fitter and stronger") == 3
    empty_form = client.get(SEARCH).content.decode()
    assert "Swimming and aquafit" in empty_form and ">Swimming<" not in empty_form


@pages
def test_a_change_in_another_process_is_shown_on_the_next_page(client):
    assert "Physical health and fitness" in client.get(SEARCH).content.decode()
    # Another process: its change sends no signal here, its commit writes a new version.
    Outcome.objects.filter(slug="physical-health").update(name="Getting fitter")
    cache.set(vocab_cache.VERSION_KEY, "written-by-another-process", timeout=None)
    html = client.get(SEARCH).content.decode()
    assert "Getting fitter" in html and "Physical health and fitness" not in html


@pages
def test_a_new_outcome_is_offered_and_accepted_and_a_deleted_one_refused(client):
    Outcome.objects.create(slug="dog-walking", name="Dog walking", sort_order=99)
    html = client.get(SEARCH, {"postcode": "SK1 3XE", "outcome": "dog-walking"}).content.decode()
    assert 'value="dog-walking"' in html and "Choose what you want to achieve" not in html
    Outcome.objects.get(slug="dog-walking").delete()
    html = client.get(SEARCH, {"postcode": "SK1 3XE", "outcome": "dog-walking"}).content.decode()
    assert "Choose what you want to achieve from the list." in html
    assert 'value="dog-walking"' not in html
