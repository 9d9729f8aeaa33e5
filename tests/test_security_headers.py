"""Content-Security-Policy, Permissions-Policy and the compose file's secret
(issue 14, item 9). The browser side is tests/test_browser_csp.py."""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_pages_carry_an_enforced_policy_without_unsafe_inline(client):
    response = client.get("/directory/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "Content-Security-Policy-Report-Only" not in response


def test_permissions_policy_turns_off_unused_features(client):
    header = client.get("/").headers["Permissions-Policy"]
    assert "camera=()" in header
    assert "microphone=()" in header
    assert "geolocation=()" in header


def test_report_only_mode(monkeypatch):
    import kith.settings

    monkeypatch.setenv("KITH_CSP_REPORT_ONLY", "1")
    try:
        reloaded = importlib.reload(kith.settings)
        assert reloaded.CONTENT_SECURITY_POLICY is None
        directives = reloaded.CONTENT_SECURITY_POLICY_REPORT_ONLY["DIRECTIVES"]
        assert directives["default-src"] == ["'self'"]
    finally:
        monkeypatch.delenv("KITH_CSP_REPORT_ONLY")
        importlib.reload(kith.settings)


def test_report_only_header_is_sent(client, settings):
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = policy
    response = client.get("/directory/")
    assert "default-src 'self'" in response["Content-Security-Policy-Report-Only"]
    assert "Content-Security-Policy" not in response


def test_templates_have_no_inline_style_attributes_or_scripts():
    """Every template served as a page; the summary inside "Download my data" is a file
    the person opens from their own disk, where no CSP applies, so it carries its styles."""
    offenders = []
    standalone = {"accounts/templates/accounts/data_summary.html"}
    for app in ["accounts", "cms", "directory", "matching", "marketplace", "evidence"]:
        for template in (ROOT / app / "templates").rglob("*.html"):
            if str(template.relative_to(ROOT)) in standalone:
                continue
            text = template.read_text()
            if ' style="' in text or "<style" in text:
                offenders.append(f"{template.relative_to(ROOT)}: style")
            for chunk in text.split("<script")[1:]:
                tag = chunk.split(">", 1)[0]
                if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                    offenders.append(f"{template.relative_to(ROOT)}: inline script")
    assert offenders == []


def test_compose_has_no_public_secret_key_fallback():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "${SECRET_KEY:-" not in compose
    # Every service that runs Kith (web, worker, scheduler) refuses to start without it.
    assert compose.count("${SECRET_KEY:?") == compose.count("image: kith-web")
