"""Settings read from the environment, with an embedded default that needs no server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SHOW_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "language": settings.LANGUAGE_CODE,
    "time_zone": settings.TIME_ZONE,
    "debug": settings.DEBUG,
    "secret_key_length": len(settings.SECRET_KEY),
}))
"""


def run_python(code: str, tmp_path, **variables) -> subprocess.CompletedProcess:
    # Only what a shell on a new machine has, so that nothing of the test run leaks in.
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environment.update(
        VAR_DIR=str(tmp_path / "var"),
        ENV_FILE=str(tmp_path / "no.env"),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(tmp_path, **variables) -> dict:
    result = run_python(SHOW_SETTINGS, tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_no_service_configured_the_portal_uses_sqlite_and_a_filesystem_broker(tmp_path):
    shown = settings_with(tmp_path, DEBUG="1")

    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(tmp_path / "var" / "portal.sqlite3")
    assert shown["broker"] == "filesystem://"
    assert (tmp_path / "var" / "celery-broker" / "queue").is_dir()
    assert shown["cache"].endswith("FileBasedCache")
    assert (shown["language"], shown["time_zone"]) == ("th", "Asia/Bangkok")


def test_a_development_key_is_generated_once_and_kept(tmp_path):
    first = settings_with(tmp_path, DEBUG="1")
    key_file = tmp_path / "var" / "secret_key"
    assert first["secret_key_length"] >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    key = key_file.read_text()

    settings_with(tmp_path, DEBUG="1")
    assert key_file.read_text() == key


def test_without_debug_a_missing_secret_key_stops_the_start(tmp_path):
    result = run_python(SHOW_SETTINGS, tmp_path)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_database_and_redis_urls_move_the_portal_to_postgresql_and_redis(tmp_path):
    shown = settings_with(
        tmp_path,
        DEBUG="1",
        DATABASE_URL="postgres://portal:pw@db.internal:5432/portal",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["name"] == "portal"
    assert shown["broker"] == "redis://cache.internal:6379/0"
    assert shown["cache"].endswith("RedisCache")


def test_a_separate_broker_url_wins_over_redis_url(tmp_path):
    shown = settings_with(
        tmp_path,
        DEBUG="1",
        REDIS_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="amqp://guest:guest@mq.internal:5672//",
    )
    assert shown["broker"] == "amqp://guest:guest@mq.internal:5672//"


DEPLOY_CHECK = (
    "import django\n"
    "from django.core.management import call_command\n"
    "django.setup()\n"
    "call_command('check', deploy=True, fail_level='WARNING')\n"
)
PRODUCTION = {
    "SECRET_KEY": "a-production-key-that-is-long-and-random-enough-" + "x7Q9z" * 6,
    "ALLOWED_HOSTS": "referral.example.go.th",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.go.th:587",
    "FIELD_ENCRYPTION_KEY": "b3pbpfC4iv9kXr_lVAv9lDZP6s0xJ4AqaYO2ZhGk5pE=",
    "LOOKUP_HASH_KEY": "a-lookup-key-of-its-own-0123456789abcdef",
    "SITE_URL": "https://referral.example.go.th",
}


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = run_python(DEPLOY_CHECK, tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "warning"),
    [
        ("SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("SECURE_SSL_REDIRECT", "0", "security.W008"),
        ("FIELD_ENCRYPTION_KEY", "", "referrals.W001"),
        ("LOOKUP_HASH_KEY", "", "referrals.W002"),
        # The value .env.example shows: not a Fernet key, so the first national ID was a 500.
        (
            "FIELD_ENCRYPTION_KEY",
            "generate-with-cryptography.fernet.Fernet.generate_key",
            "referrals.E001",
        ),
        # No SITE_URL: emails linked to http://127.0.0.1:8000.
        ("SITE_URL", "", "referrals.W004"),
        ("SITE_URL", "http://localhost:8000", "referrals.W004"),
        # Limits counted by a cache that loses increments under concurrent requests.
        ("REDIS_URL", "", "referrals.W005"),
        # The SMS gateway chosen without its address and keys: every SMS would fail.
        ("SMS_BACKEND", "referrals.sms.HttpGatewayBackend", "referrals.W006"),
    ],
)
def test_weakening_production_security_is_reported_by_the_checklist(
    tmp_path, variable, value, warning
):
    result = run_python(DEPLOY_CHECK, tmp_path, **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert warning in result.stderr
