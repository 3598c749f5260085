"""Every settings module a server runs with keeps compiled templates (the cached loader): a
page is rendered from templates parsed once per process, never read and parsed per request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import django; django.setup();"
    "from django.conf import settings; from django.template import engines;"
    "from tests.socialrx.test_template_loaders import cached_throughout;"
    "print(settings.DEBUG, cached_throughout(engines['django'].engine.template_loaders))"
)


def cached_throughout(loaders: list) -> bool:
    """Every template reaches a file loader only through the cached loader: the loaders
    wrapping it (the partials loader) lead to nothing else."""
    return bool(loaders) and all(
        isinstance(loader, CachedLoader)
        or (bool(getattr(loader, "loaders", None)) and cached_throughout(loader.loaders))
        for loader in loaders
    )


def test_the_test_settings_use_the_cached_loader():
    assert cached_throughout(engines["django"].engine.template_loaders)


@pytest.mark.parametrize(
    "module", ["socialrx.settings.production", "socialrx.settings.dev", "socialrx.settings.test"]
)
def test_every_non_debug_settings_module_uses_the_cached_loader(module):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "DEBUG": "false",
        "SECRET_KEY": "probe",
        "PATIENT_KEY_PEPPER": "probe",
        "EMAIL_URL": "smtp://localhost:25",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]
