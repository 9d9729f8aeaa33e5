"""Start-up as an operator meets it: bad settings are one clear line, production is hardened."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "KITH_ENV": "production",
    "SECRET_KEY": "x8Hq2mVb7TzR4pL9sKd1wYc6NfJg3Ue0AaQiOoPrStUvWxYz-_kith-test",
    "ALLOWED_HOSTS": "kith.example.org",
}


def manage(*args, env=None, timeout=120):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "ELASTICSEARCH_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.pop("DJANGO_SETTINGS_MODULE", None)
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_malformed_database_url_is_one_line_naming_the_variable():
    result = manage("check", env={"DATABASE_URL": "postgres//nonsense"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Kith cannot start: DATABASE_URL")


def test_missing_secret_key_in_production_refuses_to_start():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_unreachable_elasticsearch_at_start_up_is_one_warning_naming_the_variable():
    result = manage("check", env={"ELASTICSEARCH_URL": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "ELASTICSEARCH_URL (http://127.0.0.1:9) cannot be reached" in output


# What a real deployment sets (README, "Configuration"): behind one TLS-terminating
# proxy, with PostgreSQL, email, Stripe and its own https address.
DEPLOYMENT_ENV = {
    **PRODUCTION_ENV,
    "CSRF_TRUSTED_ORIGINS": "https://kith.example.org",
    "KITH_BASE_URL": "https://kith.example.org",
    "KITH_TRUSTED_PROXIES": "1",
    "DATABASE_URL": "postgres://kith:kith@db.internal:5432/kith",
    "EMAIL_HOST": "smtp.example.org",
    "STRIPE_SECRET_KEY": "sk_test_kith",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_kith",
    "STRIPE_WEBHOOK_SECRET": "whsec_kith",
    "KITH_OPERATOR_NAME": "Stockport User-Led Network CIC",
    "KITH_PRIVACY_EMAIL": "privacy@kith.example.org",
}
# docker-compose.yml's web service: production settings over plain http on localhost.
COMPOSE_ENV = {
    **PRODUCTION_ENV,
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
    "CSRF_TRUSTED_ORIGINS": "http://localhost:8000,http://127.0.0.1:8000",
    "KITH_HTTPS": "false",
    "KITH_BASE_URL": "http://localhost:8000",
}


@pytest.mark.parametrize(
    "env, silenced",
    [(PRODUCTION_ENV, 0), (DEPLOYMENT_ENV, 0), (COMPOSE_ENV, 4)],
    ids=["minimal", "deployment", "docker-compose"],
)
def test_check_deploy_is_clean_in_production_mode(env, silenced):
    """No warnings at all. Over plain http on localhost Django's four HTTPS warnings are
    silenced, with the reason in kith/settings.py."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"System check identified no issues ({silenced} silenced)." in result.stdout


def test_plain_http_on_a_public_host_name_is_a_deploy_warning():
    env = {**COMPOSE_ENV, "ALLOWED_HOSTS": "kith.example.org,localhost"}
    result = manage("check", "--deploy", env=env)
    assert "kith.W002" in result.stderr + result.stdout
    assert "ALLOWED_HOSTS names kith.example.org:" in result.stderr + result.stdout


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_server_process_has_loaded_every_view_and_frozen_it_out_of_the_collectors_way():
    """kith.wsgi (what gunicorn loads) imports the views at start and freezes what it loaded,
    so full garbage collections no longer walk Django, Wagtail and the vocabularies on
    requests (kith/startup.py)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ELASTICSEARCH_URL"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    probe = (
        "import gc, sys, kith.wsgi; "
        "print(gc.get_freeze_count(), 'matching.views' in sys.modules, gc.isenabled())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    frozen, views_loaded, collecting = done.stdout.split()
    assert int(frozen) > 100_000
    assert views_loaded == "True" and collecting == "True"  # new garbage is still collected
