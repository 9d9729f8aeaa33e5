"""Information and advice pages, the accessibility statement, the contact form and the footer."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from cms.contact import CONTACT_LIMIT
from cms.information import PAYROLL_SEARCH, ensure_information_pages
from cms.models import InformationPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    return ensure_information_pages()


def headings(html: str) -> list[str]:
    return re.findall(r"<h([1-6])", html)


def test_pages_are_created_once_and_edits_are_kept(pages):
    assert pages == InformationPage.objects.count() >= 11
    guide = InformationPage.objects.get(slug="glossary")
    guide.title = "Glossary (edited)"
    guide.save_revision().publish()
    assert ensure_information_pages() == 0
    assert InformationPage.objects.get(slug="glossary").title == "Glossary (edited)"


def test_help_index_lists_every_guide(client, pages):
    response = client.get("/help/")
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Personal budgets and direct payments",
        "Employing a personal assistant (PA)",
        "Getting help to plan: brokerage routes",
        "Making a support plan",
        "Words we use",
        "Easy read",
    ):
        assert title in html
    assert headings(html)[0] == "1" and headings(html).count("1") == 1


@pytest.mark.parametrize(
    "path, words",
    [
        ("/help/personal-budgets-and-direct-payments/", ["direct payment", "Managed account"]),
        (
            "/help/employing-a-personal-assistant/",
            ["Employer&#x27;s liability insurance", "5.6 weeks", "contract", PAYROLL_SEARCH],
        ),
        ("/help/brokerage-routes/", ["Peer brokerage", "independent broker"]),
        ("/help/making-a-support-plan/", ["fishing", "Reddish Vale", "38%"]),
        ("/help/glossary/", ["<dt>Individual service fund</dt>"]),
        ("/accessibility/", ["(WCAG) 2.2", "/contact/"]),
    ],
)
def test_each_page_says_what_it_should(client, pages, path, words):
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    for word in words:
        assert word in html, word


def test_payroll_link_finds_payroll_providers(client, pages):
    response = client.get(PAYROLL_SEARCH)
    assert response.status_code == 200


def test_key_pages_link_to_their_easy_read_versions_and_back(client, pages):
    html = client.get("/help/employing-a-personal-assistant/").content.decode()
    assert 'href="/help/easy-read/easy-read-employing-a-pa/"' in html
    easy = client.get("/help/easy-read/easy-read-employing-a-pa/").content.decode()
    assert "Read the standard version of this page" in easy
    assert "If you pay a PA, you are their boss." in easy
    body = easy.split("<h1>", 1)[1].split("</main>", 1)[0]
    # One idea per line: short paragraphs.
    sentences = re.findall(r"<p>([^<]+)</p>", body)
    assert sentences and all(len(s.split()) <= 12 for s in sentences)


def test_footer_links_and_favicon_on_every_page(client, pages):
    html = client.get("/help/").content.decode()
    for href in ('href="/help/"', 'href="/privacy/"', 'href="/accessibility/"', 'href="/contact/"'):
        assert href in html
    assert "favicon.svg" in html and "favicon.ico" in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("kith/img/favicon.ico")


# --- contact form --------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


FORM = {
    "name": "Maureen Hughes",
    "email": "maureen@example.org",
    "topic": "accessibility",
    "message": "The map on the results page does not work with my switch.",
}


def test_contact_form_emails_the_contact_address(client, settings):
    settings.KITH_CONTACT_EMAIL = "team@kith.example.org"
    page = client.get("/contact/").content.decode()
    assert '<label for="id_name">Your name</label>' in page and "<legend>" in page
    response = client.post("/contact/", FORM)
    assert response.status_code == 302 and response["Location"] == "/contact/?sent=1"
    [email] = mail.outbox
    assert email.to == ["team@kith.example.org"]
    assert email.reply_to == ["maureen@example.org"]
    assert "An accessibility problem" in email.subject
    assert "does not work with my switch" in email.body
    assert "Message sent" in client.get("/contact/?sent=1").content.decode()


def test_contact_form_says_what_is_missing(client):
    response = client.post("/contact/", {"name": "", "email": "nope", "message": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter your name." in html and "Enter an email address like" in html
    assert mail.outbox == []


def test_contact_form_needs_csrf(pages):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/contact/", FORM).status_code == 403
    assert mail.outbox == []


def test_contact_form_is_rate_limited(client):
    for _ in range(CONTACT_LIMIT):
        assert client.post("/contact/", FORM).status_code == 302
    response = client.post("/contact/", FORM)
    assert response.status_code == 429
    assert "wait an hour" in response.content.decode()
    assert len(mail.outbox) == CONTACT_LIMIT


def test_contact_form_limit_is_per_real_client_behind_kiths_proxy(settings):
    """Behind Kith's own proxy every connection comes from the proxy: the limit
    counts the client the proxy reports, so one person sending too many does not
    shut the form for everyone, and a forged header does not get round it."""
    settings.KITH_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    noisy = Client(HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    for _ in range(CONTACT_LIMIT):
        assert noisy.post("/contact/", FORM).status_code == 302
    assert noisy.post("/contact/", FORM).status_code == 429
    # The client's own made-up address, left of what the proxy appended, is ignored.
    forged = Client(HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9", **proxy)
    assert forged.post("/contact/", FORM).status_code == 429
    someone_else = Client(HTTP_X_FORWARDED_FOR="198.51.100.23", **proxy)
    assert someone_else.post("/contact/", FORM).status_code == 302
    assert len(mail.outbox) == CONTACT_LIMIT + 1
