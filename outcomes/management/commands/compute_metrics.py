"""``python manage.py compute_metrics --start YYYY-MM-DD --end YYYY-MM-DD [--window 6]
[--metric NAME]``: the metric jobs, run in this process."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.metrics.definition import DEFAULT_WINDOW
from outcomes.metrics.registry import METRIC_NAMES
from outcomes.services.metrics import metric_compute


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Dates are YYYY-MM-DD; got {value!r}.") from error


class Command(BaseCommand):
    help = "Compute metric snapshots for one period (all metrics, or one with --metric)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="First day of the period, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, help="Last day of the period, YYYY-MM-DD.")
        parser.add_argument(
            "--window", type=int, default=DEFAULT_WINDOW, help="Demand window in months."
        )
        parser.add_argument(
            "--metric", choices=METRIC_NAMES, action="append", help="Repeat for several."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _date(options["start"]), _date(options["end"])
        if start > end:
            raise CommandError("--start is after --end.")
        if options["window"] < 1:
            raise CommandError("--window must be at least 1.")
        metrics = options["metric"] or METRIC_NAMES
        for number, metric in enumerate(metrics, start=1):
            began = time.monotonic()
            rows = metric_compute(metric=metric, start=start, end=end, window=options["window"])
            self.stdout.write(
                f"[{number}/{len(metrics)}] {metric}: {rows} rows "
                f"in {time.monotonic() - began:.2f}s"
            )
        self.stdout.write(self.style.SUCCESS(f"Metrics computed for {start} to {end}."))
