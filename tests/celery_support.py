"""A real Celery worker for the tests that need one (marked ``services``)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from socialrx.celery import app


@contextmanager
def celery_worker(
    broker_url: str,
    *,
    prefix: str,
    consumes: Sequence[str] = (),
    module: str = "celery",
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """A real worker process on a queue of its own (so that parallel runs sharing one Redis
    never take each other's task), reading this test's database (under pytest-xdist each
    worker has its own); yields the queue's name. The app sends through the broker meanwhile.

    With ``consumes`` (say ``("bulk", "messages")``) the worker takes the queues named
    "<queue>-bulk" and "<queue>-messages" instead: stand-ins for the production queues of those
    names. ``module`` runs another entry point than ``celery`` (with the same arguments)."""
    db = connection.settings_dict
    login = quote(db["USER"], safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    queue = f"{prefix}-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialrx.settings.dev",
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        **(extra_env or {}),
    }
    queues = ",".join(f"{queue}-{name}" for name in consumes) if consumes else queue
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            "-A",
            "socialrx",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            queues,
            "-n",
            f"{queue}@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    try:
        yield queue
    finally:
        app.conf.update(task_always_eager=True)
        worker.terminate()
        worker.wait(timeout=30)
