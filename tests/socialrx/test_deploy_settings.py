"""Production settings: `check --deploy` is clean, and mail that would print reset links stops
the app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "socialrx.settings.production",
    "SECRET_KEY": "k8$Qz" * 12,
    "PATIENT_KEY_PEPPER": "p" * 40,
    "DEFAULT_TEAM_CODE": "north",
    "ALLOWED_HOSTS": "socialrx.example.nhs.uk",
}


@pytest.fixture(autouse=True)
def _no_dotenv() -> None:
    # settings/base.py reads BASE_DIR/.env, which would override what these tests leave out.
    dotenv = Path(settings.BASE_DIR) / ".env"
    if dotenv.exists() and re.search(r"^\s*EMAIL_URL\s*=", dotenv.read_text(), re.MULTILINE):
        pytest.skip(".env sets EMAIL_URL")


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_on_production_settings():
    env = {**PRODUCTION, "EMAIL_URL": "smtp+tls://user:secret@smtp.example.com:587"}
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_without_email_url_fails_its_checks_and_prints_no_mail():
    result = _manage(PRODUCTION, "check")
    assert result.returncode != 0
    assert "socialrx.E002" in result.stderr
    shown = _manage(
        PRODUCTION, "shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    )
    assert "console" not in shown.stdout
    assert "dummy" in shown.stdout
