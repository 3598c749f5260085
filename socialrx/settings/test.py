from __future__ import annotations

import copy

from .base import *  # noqa: F403
from .base import DATABASES, env

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
# A "replica" alias always exists, as a mirror of the primary (DATABASE_REPLICA_URL or not), so
# code naming it works; reads go there only in the tests that point it at a database of its
# own and turn DATABASE_REPLICA_READS on (tests/socialrx/test_replica_reads.py).
if "replica" not in DATABASES:
    DATABASES["replica"] = {**copy.deepcopy(DATABASES["default"]), "TEST": {"MIRROR": "default"}}
DATABASE_REPLICA_READS = False
