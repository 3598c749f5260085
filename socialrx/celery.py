"""The Celery app. Periodic jobs are declared here and nowhere else."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings.dev")

app = Celery("socialrx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Entries are added by the apps' issues; keep them all here.
}
