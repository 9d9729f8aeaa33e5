"""Fixtures shared by every app's tests."""

import os
import shutil

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# Property tests explore fresh examples on every local run, so new defects turn
# up while you work. CI (KITH_HYPOTHESIS_PROFILE=ci, set by .ci/run) uses a fixed
# seed per test instead: a merge is judged by the code, not by which random
# examples came up that day. Any counterexample found locally is then pinned
# with @example so CI keeps checking it.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("KITH_HYPOTHESIS_PROFILE", "dev"))

# Checks every Stripe request against stripe-mock when STRIPE_MOCK_URL is set.
pytest_plugins = ["tests.stripe_mock"]


def require_service(env_name: str, what: str) -> str:
    """Return the service URL, or skip (fail when KITH_REQUIRE_SERVICES=1) if unset."""
    url = os.environ.get(env_name, "")
    if url:
        return url
    message = f"{env_name} is not set, so this test cannot reach {what}."
    if settings.KITH_REQUIRE_SERVICES:
        pytest.fail(message + " KITH_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(message)


def chromium_path() -> str:
    path = (
        os.environ.get("KITH_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if path and os.path.exists(path):
        return path
    message = "Chromium is not installed (apt-get install chromium), so browser tests cannot run."
    if settings.KITH_REQUIRE_SERVICES:
        pytest.fail(message + " KITH_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(message)


def pytest_collection_modifyitems(items):
    """Transactional tests restore the migrations' seed data (vocabularies, the
    directory page, Wagtail's root, groups and workflow) instead of leaving
    them flushed for the tests that follow. They are also marked
    ``transactional``, so `-m "not transactional"` leaves them out (as
    `make mutation` does: they would flush the database it keeps)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            item.add_marker(pytest.mark.transactional)
            if "serialized_rollback" not in marker.kwargs:
                kwargs = {**marker.kwargs, "serialized_rollback": True}
                item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True, scope="session")
def tasks_run_immediately():
    """Background tasks (search-log writes, emails, index updates) run at once in tests,
    so a test sees their effect without a worker. Tests of the queue itself override
    TASKS again (e.g. with the dummy backend)."""
    from django.test import override_settings

    # Each search-log line is queued as it is made (batching has its own tests).
    with override_settings(TASKS=IMMEDIATE_TASKS, KITH_SEARCH_LOG_BATCH=1):
        yield


@pytest.fixture(autouse=True)
def _no_search_log_lines_left_over():
    """A test that gathers search-log lines in a batch never leaves them for the next."""
    yield
    from directory.search_log import buffer

    buffer.discard()


@pytest.fixture
def user_factory(db):
    from accounts.factories import UserFactory

    return UserFactory


@pytest.fixture
def browser_page(live_server):
    """A Playwright page in Debian's headless Chromium, against the live test server."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # calls made by the test itself are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def record_two_step_sign_in(client, user) -> None:
    """Write into ``client``'s session the record allauth keeps when someone
    enters their two-step code (see accounts.mfa.passed_mfa)."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.http import HttpRequest

    authenticator = Authenticator.objects.filter(user=user).first()
    session = client.session
    request = HttpRequest()
    request.session = session
    request.user = user
    record_authentication(
        request, user, "mfa", id=authenticator.pk if authenticator else None, type="totp"
    )
    session.save()


@pytest.fixture(autouse=True)
def _force_login_completes_two_step_sign_in(monkeypatch):
    """``client.force_login`` stands for a finished sign-in: for someone with an
    authenticator app, that includes the two-step code, as allauth records it.
    (``client.login`` with a password alone does not: it is how tests make a
    session that skipped the code.)"""
    from allauth.mfa.models import Authenticator
    from django.test.client import ClientMixin

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if Authenticator.objects.filter(user=user).exists():
            record_two_step_sign_in(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing is deliberately slow; tests sign in often."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate limits live in kith_rate_limit and sign-in lockouts in the cache; each
    test starts with none used.

    The cache is a database table, so only tests with database access can have
    used it (and only they may clear it)."""
    from django.core.cache import cache

    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        yield
        return
    transactional = "transactional_db" in names or "live_server" in names
    if marker is not None and marker.kwargs.get("transaction"):
        transactional = True
    request.getfixturevalue("transactional_db" if transactional else "db")
    from kith.models import RateLimit

    cache.clear()
    RateLimit.objects.all().delete()
    yield


@pytest.fixture(autouse=True)
def _search_index_per_test(settings):
    """With Elasticsearch configured, each test searches and writes an index of its own.

    The database rolls back after each test; Elasticsearch does not, so a
    listing published by one test would otherwise show in the next.
    """
    url = settings.ELASTICSEARCH_URL
    if not url:
        yield
        return
    import uuid

    from django.test import override_settings

    from directory import elasticsearch
    from directory.search import elastic

    prefix = f"kith-test-{uuid.uuid4().hex[:10]}"
    settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    yield
    elasticsearch.get_client.cache_clear()
    with override_settings(ELASTICSEARCH_URL=url, ELASTICSEARCH_INDEX_PREFIX=prefix):
        try:
            elastic.delete_index()
        except Exception:  # Elasticsearch went away during the test; nothing to tidy
            pass
    elasticsearch.get_client.cache_clear()
