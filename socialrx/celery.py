"""The Celery app. Periodic jobs, and the queue each task goes to, are declared here and
nowhere else."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from django_structlog.celery.steps import DjangoStructLogInitStep
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings.dev")

app = Celery("socialrx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Log lines of a task carry the request id of the web request that enqueued it.
app.steps["worker"].add(DjangoStructLogInitStep)

# Queues (docs/performance.md, "Past one machine"), so that workers can be scaled and sized per
# queue and a long import never holds up an email: "bulk" for imports, metric computations and
# the nightly jobs that read or write many rows; "messages" for email, texts, letters,
# reminders and webhook deliveries; "celery" (the default) for the rest. A worker started without -Q consumes all
# three (`make worker`, CI); production runs one worker service per queue (docker-compose.yml).
# /readyz fails while a queue has no worker.
DEFAULT_QUEUE, BULK, MESSAGES = "celery", "bulk", "messages"
TASK_QUEUES = {
    "outcomes.imports.tasks.import_run": BULK,
    "outcomes.imports.tasks.openreferral_run": BULK,
    "outcomes.tasks.metric_compute_task": BULK,
    "outcomes.tasks.metrics_refresh_task": BULK,
    "funding.tasks.capacity_snapshot_task": BULK,
    "privacy.tasks.retention_apply_task": BULK,
    "socialrx.tasks.webhook_deliveries_prune_task": BULK,
    "referrals.tasks.referral_notify_link_worker_task": MESSAGES,
    "referrals.tasks.feedback_notice_send_task": MESSAGES,
    "referrals.tasks.message_send_task": MESSAGES,
    "referrals.tasks.appointment_reminders_send_task": MESSAGES,
    "assets.tasks.send_listing_reminders": MESSAGES,
    "socialrx.tasks.webhook_deliver_task": MESSAGES,
    "socialrx.tasks.ping": DEFAULT_QUEUE,
}
app.conf.task_default_queue = DEFAULT_QUEUE
app.conf.task_queues = [Queue(DEFAULT_QUEUE), Queue(BULK), Queue(MESSAGES)]
app.conf.task_routes = {name: {"queue": queue} for name, queue in TASK_QUEUES.items()}

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
