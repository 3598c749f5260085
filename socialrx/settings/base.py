"""Settings shared by every environment. Every value that varies comes from the environment
through one ``environ.Env`` (see ``.env.example``)."""

from __future__ import annotations

from pathlib import Path

import environ

from socialrx import error_tracking, structured_logs

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Which settings module is in force: "production" (set by settings/production.py, whatever the
# environment says), "development" or "test". Commands that destroy data check it.
SOCIALRX_ENV = "development"

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "template_partials",
    "django_structlog",
    "socialrx",
    "assets",
    "referrals",
    "champions",
    "funding",
    "outcomes",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A request id on every log line of the request and of the Celery tasks it enqueues.
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "socialrx.security.IdleTimeoutMiddleware",
    "socialrx.mfa.SecondFactorMiddleware",
    # After authentication: the acting user for audited changes, and the audit of views.
    "socialrx.audit_views.AuditViewsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "socialrx.security.PrivateResponseMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the login view's answer and turns it into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "socialrx.urls"
WSGI_APPLICATION = "socialrx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Templates are compiled once per process and kept (tests/socialrx/
            # test_template_loaders.py checks every settings module): a page renders from the
            # compiled tree instead of reading and parsing its templates on each request. The
            # partials loader outside it is what django-template-partials would install.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # socialrx's ``date`` filter and ``url`` tag replace Django's (the same output,
            # faster): socialrx/templatetags/dates.py and urls.py.
            "builtins": [
                "template_partials.templatetags.partials",
                "socialrx.templatetags.dates",
                "socialrx.templatetags.urls",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Past one machine (docs/performance.md): a streaming replica that the outcome dashboards,
# their downloads and the outcomes API read (socialrx/db_routing.py). Everything else, every
# write and every background job stays on DATABASE_URL. The replica is never migrated, and the
# tests use it as a mirror of the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
# The replica is read only while no more than this far behind (else the primary serves), and
# a user who has just asked for a computation reads the primary for that long (plus the check
# interval below), so they never see a page older than what they did.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
DATABASE_ROUTERS = ["socialrx.db_routing.ReplicaRouter"]
# DATABASE_POOL_MODE=transaction: the app reaches PostgreSQL through PgBouncer (or another
# pooler) in transaction mode, where consecutive transactions of one connection may run on
# different server connections. No server-side cursors (they live across a transaction's end
# for .iterator()), no prepared statements (psycopg's are per server connection; Django turns
# them off by default and this keeps them off), and persistent connections to the pooler,
# which are cheap. Everything else the app does per connection already ends with its
# transaction (advisory locks are pg_advisory_xact_lock, settings are SET LOCAL, temporary
# tables are dropped before the transaction ends).
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", default="session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ValueError("DATABASE_POOL_MODE must be 'session' or 'transaction'")
_POOLED = DATABASE_POOL_MODE == "transaction"
for _db in DATABASES.values():
    _db["ATOMIC_REQUESTS"] = False
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if _POOLED else 0)
    _db["CONN_HEALTH_CHECKS"] = _db["CONN_MAX_AGE"] != 0
    if _POOLED:
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
        if _db["ENGINE"].endswith("postgresql"):
            _db.setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An index's included columns (``Index(include=…)``, for reading a person's latest referral
# from the index alone) are PostgreSQL's; SQLite builds the same index without them, which is
# what it should do, so its warning about that says nothing to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "socialrx.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The lockout backend comes first: it refuses a locked-out user before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages are installed from npm by `make install` and served straight from
# node_modules: nothing built is committed.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("nhsuk", NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/axe-core", NODE_MODULES / "axe-core"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="socialrx <no-reply@socialrx.invalid>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Cache: Redis when configured (also used for the self-referral rate limit), else local memory.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real broker when CELERY_BROKER_URL is set; otherwise tasks run in-process so
# that a laptop demo needs no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Seconds /readyz waits for a Celery worker to answer its ping.
READYZ_CELERY_TIMEOUT = env.float("READYZ_CELERY_TIMEOUT", default=2.0)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=55 * 60)
# A task's message is acknowledged when the task ends, not when it starts, so a worker that
# dies half way leaves it to be delivered again (every task is safe to run twice). Each
# worker process reserves one message at a time, so a dead worker strands at most one.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged message to another worker after this many seconds. It must be
# longer than the longest task may run (the import's 4 hour limit), or a job still running
# would be started a second time: 5 hours.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=5 * 60 * 60)
}
CELERY_TIMEZONE = TIME_ZONE
# Leases of import and metric runs (outcomes.models.Run): a running job touches its Run every
# RUN_HEARTBEAT_SECONDS; one silent for RUN_LEASE_SECONDS has stopped and may be started again,
# and so may one still queued after RUN_QUEUED_SECONDS. A job taken on RUN_MAX_ATTEMPTS times
# without finishing (it kills its worker each time) is marked failed instead.
RUN_HEARTBEAT_SECONDS = env.int("RUN_HEARTBEAT_SECONDS", default=10)
RUN_LEASE_SECONDS = env.int("RUN_LEASE_SECONDS", default=120)
RUN_QUEUED_SECONDS = env.int("RUN_QUEUED_SECONDS", default=30 * 60)
RUN_MAX_ATTEMPTS = env.int("RUN_MAX_ATTEMPTS", default=3)
# An import waits this long for another import of the same kind to finish, then reports that
# one is running and imports nothing (kept well under the web server's 60 s request timeout).
IMPORT_WAIT_SECONDS = env.int("IMPORT_WAIT_SECONDS", default=20)

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous call with the first class's challenge, and only
    # token authentication has one (401 with "WWW-Authenticate: Token"); session first would
    # make it 403, as though the caller were known and refused.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        # API clients' bearer tokens (socialrx/api_auth.py, docs/api.md).
        "socialrx.api_auth.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "socialrx.api_auth.ApiClientScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["socialrx.api_auth.ApiClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env("API_CLIENT_RATE", default="120/min")},
    # The schema adds the error answers each operation can give (socialrx.api.ApiAutoSchema).
    "DEFAULT_SCHEMA_CLASS": "socialrx.api.ApiAutoSchema",
    # The API reads JSON only: its bodies nest objects, which a form cannot carry, and the
    # schema advertises exactly the parsers in use.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "socialrx.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
# API clients' tokens: days a new token lasts, and the most an administrator may choose.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# Webhooks (docs/api.md): plain http targets, and targets on private, loopback or link-local
# addresses, are refused unless allowed here (development and tests only).
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Seconds before the first retry; each next one waits twice as long, up to the maximum.
WEBHOOK_RETRY_BACKOFF_SECONDS = env.int("WEBHOOK_RETRY_BACKOFF_SECONDS", default=30)
# Days the webhook delivery log is kept (pruned nightly).
WEBHOOK_LOG_DAYS = env.int("WEBHOOK_LOG_DAYS", default=90)
WEBHOOK_RETRY_BACKOFF_MAX_SECONDS = env.int(
    "WEBHOOK_RETRY_BACKOFF_MAX_SECONDS", default=6 * 60 * 60
)
SPECTACULAR_SETTINGS = {
    "TITLE": "socialrx API",
    "DESCRIPTION": "Referral intake, the community directory and outcome metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files from this site, pinned by the installed package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"WebhookEventEnum": "socialrx.integration_models.WebhookEvent"},
}

# --- Sign-in, sessions and security headers (see docs/security.md) -------------------------
# Lockout after failed sign-ins: LOGIN_LOCKOUT_BY lists what is counted, each item a
# parameter or a "+"-joined combination (username, ip_address).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env.list("LOGIN_LOCKOUT_BY", default=["username", "ip_address"])
]
# Hours until a lockout lifts by itself (0: only an administrator can unlock).
LOGIN_LOCKOUT_HOURS = env.float("LOGIN_LOCKOUT_HOURS", default=1.0)
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_HOURS or None
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "socialrx.ratelimit.client_address"
# Successful sign-ins are not logged by the lockout package: "last signed in" is kept on the
# user, and a log of addresses and browsers would need its own retention rule.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Proxies in front of the app that append to X-Forwarded-For (0: use the socket address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Password resets asked for, per hour, from one address and for one email address. Past the
# limit the page says the same as always, and no email is sent.
PASSWORD_RESET_RATE_LIMIT_ADDRESS = env.int("PASSWORD_RESET_RATE_LIMIT_ADDRESS", default=10)
PASSWORD_RESET_RATE_LIMIT_EMAIL = env.int("PASSWORD_RESET_RATE_LIMIT_EMAIL", default=3)
# Production sets this: a system check then refuses email backends that print or drop mail.
REQUIRE_EMAIL_DELIVERY = False

# Second factor (TOTP app, with recovery codes). Users with these roles must set one up when
# MFA_ENFORCE is true; anyone else may, and is then asked for it too.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["admin", "commissioner"])
MFA_ENFORCE = env.bool("MFA_ENFORCE", default=True)
MFA_ISSUER = env("MFA_ISSUER", default="socialrx")
OTP_TOTP_ISSUER = MFA_ISSUER

# Sessions end when the browser closes, after SESSION_IDLE_MINUTES without a request, and
# SESSION_MAX_HOURS after sign-in whatever happens.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = int(env.float("SESSION_MAX_HOURS", default=12) * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Browser features no page uses, switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy, enforced: scripts and styles from this site's files only (no inline
# script, on* or hx-on attributes, inline <style> or style="" attributes; see
# docs/security.md). CSP_REPORT_ONLY=true sends the same policy as report-only instead, to try
# a change out without blocking anything.
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # NHS.UK frontend's stylesheet loads the Frutiger font from assets.nhs.uk, the one
        # place its licence lets it be served from.
        "font-src": ["'self'", "https://assets.nhs.uk"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CONTENT_SECURITY_POLICY = None if CSP_REPORT_ONLY else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if CSP_REPORT_ONLY else None

# --- socialrx's own settings -------------------------------------------------------------
# Referral routes this deployment accepts. An enquiry through a route not listed is kept and
# shown to administrators, never dropped.
REFERRAL_ROUTES_OPEN = env.list(
    "REFERRAL_ROUTES_OPEN", default=["gp", "practice_staff", "self", "community", "other"]
)
# Team (by code) that receives people with no registered practice.
DEFAULT_TEAM_CODE = env("DEFAULT_TEAM_CODE", default="")

# Retention (docs/security.md, "Subject rights and retention"): a person whose last referral
# ended more than this many years ago, with none open, is erased by the nightly job.
RETENTION_YEARS_AFTER_CLOSURE = env.int("RETENTION_YEARS_AFTER_CLOSURE", default=8)
# How the public can reach the service other than online, shown on the public home page
# (empty: not shown; the page always says they can ask at their GP practice).
SERVICE_PHONE = env("SERVICE_PHONE", default="")
SERVICE_DROP_IN = env("SERVICE_DROP_IN", default="")
# Self-referrals allowed per client address per hour.
SELF_REFERRAL_RATE_LIMIT = env.int("SELF_REFERRAL_RATE_LIMIT", default=5)
# Unsuccessful contact attempts, over at least this many days, after which a link worker may
# close a referral as unable to contact (docs/casework.md).
UNABLE_TO_CONTACT_ATTEMPTS = env.int("UNABLE_TO_CONTACT_ATTEMPTS", default=3)
UNABLE_TO_CONTACT_DAYS = env.int("UNABLE_TO_CONTACT_DAYS", default=14)
# Days after an unsuccessful contact attempt that "try contacting them again" falls due.
CONTACT_RETRY_DAYS = env.int("CONTACT_RETRY_DAYS", default=2)
# Secret pepper for turning NHS numbers into patient keys (HMAC-SHA256).
PATIENT_KEY_PEPPER = env("PATIENT_KEY_PEPPER", default="dev-pepper-change-me")
# Days after which a directory listing shows "not confirmed recently".
LISTING_STALE_DAYS = env.int("LISTING_STALE_DAYS", default=90)
# How long the link emailed to a group's keeper to answer about a connection works.
GROUP_ANSWER_LINK_DAYS = env.int("GROUP_ANSWER_LINK_DAYS", default=28)
# Days after which a listing nobody has confirmed leaves the public directory (link workers
# still see it, marked) until a keeper confirms it.
LISTING_HIDE_DAYS = env.int("LISTING_HIDE_DAYS", default=365)
# How long the Open Referral UK v3 API keeps a response (docs/api.md).
ORUK_CACHE_SECONDS = env.int("ORUK_CACHE_SECONDS", default=300)
# Hosts an Open Referral feed may be read from although they are on a private network (a feed on
# the local network); every other host must resolve to public addresses only (docs/api.md).
OPENREFERRAL_ALLOWED_HOSTS = env.list("OPENREFERRAL_ALLOWED_HOSTS", default=[])
# Whether the SWEMWBS questionnaire is offered (requires registration with its owners).
SWEMWBS_ENABLED = env.bool("SWEMWBS_ENABLED", default=True)
# Days after a connection is made that its "did they go?" follow-up falls due.
FOLLOW_UP_DAYS = env.int("FOLLOW_UP_DAYS", default=14)
# Days after the first conversation that the wellbeing re-measure falls due (the metrics count
# follow-up measures from this day).
REMEASURE_DAYS = 56
# Messages to people (docs/casework.md, "Messages to people"): with a GOV.UK Notify API key,
# texts, emails and letters go through Notify, each channel through one Notify template whose
# content is ((subject)) and ((body)) (a letter's address comes with it); without one, emails
# go through the email backend and texts and letters are only logged (ids, never content).
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_TEMPLATE_ID_SMS = env("NOTIFY_TEMPLATE_ID_SMS", default="")
NOTIFY_TEMPLATE_ID_EMAIL = env("NOTIFY_TEMPLATE_ID_EMAIL", default="")
NOTIFY_TEMPLATE_ID_LETTER = env("NOTIFY_TEMPLATE_ID_LETTER", default="")
# Tests: turn "service not configured, skip" into a failure (set by .ci/run).
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)

# Logs: JSON lines (LOG_FORMAT=json, the production default) or plain text, with a request id
# and no personal data (socialrx/structured_logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = structured_logs.logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
structured_logs.configure_structlog()
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Optional error tracking (socialrx/error_tracking.py): nothing is sent without SENTRY_DSN, and
# what is sent carries no personal data.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
error_tracking.init(
    dsn=SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT", default="development"),
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
