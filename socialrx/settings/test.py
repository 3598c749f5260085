from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

SOCIALRX_ENV = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PATIENT_KEY_PEPPER = "test-pepper"
DEFAULT_TEAM_CODE = env("DEFAULT_TEAM_CODE", default="")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Unit tests run tasks in-process; the Celery round-trip test starts a real worker itself
# when CELERY_BROKER_URL is set.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Look static files up when asked, instead of indexing every file the finders know (node_modules
# included) each time a test client builds the middleware: that index took over a second per
# client.
WHITENOISE_AUTOREFRESH = True
# Tests that are about the second factor switch it on themselves.
MFA_ENFORCE = False
