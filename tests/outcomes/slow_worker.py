"""A Celery worker for tests whose metric computations first wait ``SLOW_METRIC_SECONDS``, so
that a test can kill it half way through a job. Run as
``python -m tests.outcomes.slow_worker -A socialrx worker ...`` (the arguments of ``celery``).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def main() -> None:
    import django

    django.setup()
    from celery.bin.celery import main as celery_main

    from outcomes.services import metric_runs

    compute = metric_runs.metric_compute
    delay = float(os.environ.get("SLOW_METRIC_SECONDS", "60"))

    def slow_compute(**kwargs: Any) -> int:
        time.sleep(delay)
        return compute(**kwargs)

    # Worker processes are forked from this one, so they run the slow computation too.
    metric_runs.metric_compute = slow_compute
    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
