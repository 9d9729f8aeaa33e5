"""The site as a new visitor meets it: home page, navigation, admin door."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_renders_with_navigation_and_skip_link(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en-GB">' in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "<h1>Care and support near you</h1>" in html
    for label, url in [
        ("Directory", "/directory/"),
        ("My plan", "/plan/"),
        ("Marketplace", "/marketplace/"),
        ("Sign in", "/accounts/login/"),
    ]:
        assert f'<a href="{url}"' in html and label in html


def test_navigation_marks_the_current_section(client):
    html = client.get("/directory/").content.decode()
    assert '<a href="/directory/" aria-current="page">Directory</a>' in html


def test_sign_up_and_sign_in_pages_have_labelled_fields(client):
    for url, login_field in [("/accounts/signup/", "id_email"), ("/accounts/login/", "id_login")]:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<label for="{login_field}">' in html
        assert '<label for="id_password' in html


def test_my_plan_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/plan/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wagtail_admin_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert b"Kith API" in response.content


def test_data_sources_page_gives_the_postcode_data_attribution(client):
    html = client.get("/about/data/").content.decode()
    assert "Contains OS data © Crown copyright and database right 2025." in html
    assert "OpenStreetMap contributors" in html
    assert 'href="/about/data/"' in client.get("/").content.decode()


def test_error_pages_are_kiths_own_with_a_way_on(client, rf):
    from django.core.exceptions import PermissionDenied
    from django.template.loader import render_to_string
    from django.views import defaults

    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="en-GB">' in html and "<h1>Page not found</h1>" in html
    assert 'href="/directory/"' in html and 'id="main-content"' in html

    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    forbidden = defaults.permission_denied(request, PermissionDenied())
    assert forbidden.status_code == 403
    assert "<h1>You cannot open this page</h1>" in forbidden.content.decode()

    # The 500 page is drawn without the request's context, so it needs none.
    assert "<h1>Sorry, something went wrong</h1>" in render_to_string("500.html")
