"""The Celery app. Periodic jobs are declared here and nowhere else."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings.dev")

app = Celery("socialrx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Log lines of a task carry the request id of the web request that enqueued it.
app.steps["worker"].add(DjangoStructLogInitStep)

app.conf.beat_schedule = {
    # Every periodic job, so one look shows what runs when.
    "assets-listing-reminders": {
        "task": "assets.tasks.send_listing_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    # docs/metrics.md: every metric for the current quarter and the last 12 months, at night.
    "outcomes-metrics-refresh": {
        "task": "outcomes.tasks.metrics_refresh_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # docs/casework.md: the reminder the day before each appointment, once per appointment.
    "referrals-appointment-reminders": {
        "task": "referrals.tasks.appointment_reminders_send_task",
        "schedule": crontab(hour=10, minute=0),
    },
    # docs/funding.md: each listing's places and referrals, this month and last month.
    "funding-capacity-snapshot": {
        "task": "funding.tasks.capacity_snapshot_task",
        "schedule": crontab(hour=2, minute=10),
    },
    # docs/api.md: the webhook delivery log keeps WEBHOOK_LOG_DAYS days.
    "socialrx-webhook-log-prune": {
        "task": "socialrx.tasks.webhook_deliveries_prune_task",
        "schedule": crontab(hour=3, minute=40),
    },
    # docs/security.md: erase people past RETENTION_YEARS_AFTER_CLOSURE, once a night.
    "privacy-retention": {
        "task": "privacy.tasks.retention_apply_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
