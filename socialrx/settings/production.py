from __future__ import annotations

from socialrx import structured_logs

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env

SOCIALRX_ENV = "production"
DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # no default: production refuses to start without one
PATIENT_KEY_PEPPER = env("PATIENT_KEY_PEPPER")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind the HTTPS proxy (SECURE_PROXY_SSL_HEADER); the container's own health check speaks
# plain HTTP to the app, so it is exempt.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# One JSON object a line, for the log collector.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = structured_logs.logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
# Without EMAIL_URL mail is dropped, never printed (a printed reset link is a password), and
# the system check socialrx.E002 stops `migrate` and `check` until a real backend is set.
vars().update(env.email_url("EMAIL_URL", default="dummymail://"))
REQUIRE_EMAIL_DELIVERY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
