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


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
