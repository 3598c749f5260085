"""Warming the dashboards' caches once a metric's period is stored, so that the first
commissioner to look after a computation waits no longer than the next one
(docs/performance.md, "Warm caches after a computation")."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from outcomes.metrics.registry import metric_get, metrics_enabled, metrics_sharing
from outcomes.overview import overview_cards, overview_shown
from outcomes.selectors import metric_periods_list, practices_list, snapshot_rows_list
from outcomes.suppression import rows_present_cached

logger = logging.getLogger(__name__)

_DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"


def dashboards_warm(*, metric: str, start: dt.date, end: dt.date, window: int) -> None:
    """Work out, for anyone who is not an administrator, what the pages will ask for about the
    period just stored: the suppression of the metric's rows (and of the metrics sharing a
    count with it, whose pages see its rows) as the metric page, its CSV and the API ask for
    it, and the overview's cards, latest and for this period. Never raises: a failure is
    logged and the pages do the work themselves, as they would anyway."""
    if settings.CACHES["default"]["BACKEND"] == _DUMMY_CACHE:
        return
    try:
        _warm(metric=metric, start=start, end=end, window=window)
    except Exception as error:
        # Only the names of the metric and the error's type: no value of any row.
        logger.warning(
            "metric %s for %s..%s: could not warm the dashboards' caches (%s)",
            metric,
            start,
            end,
            type(error).__name__,
        )


def _warm(*, metric: str, start: dt.date, end: dt.date, window: int) -> None:
    snapshot_window = metric_get(metric=metric).window_for(window)
    for name in (metric, *metrics_sharing(metric=metric)):
        # The same call, so the same rows, as the metric page and the API make.
        rows = snapshot_rows_list(
            metric=name,
            start=start,
            end=end,
            window=snapshot_window,
            sharing=metrics_sharing(metric=name),
        )
        if any(r["metric"] == name for r in rows):
            rows_present_cached(metric=name, rows=rows, exact=False)
    infos = metrics_enabled()
    periods = metric_periods_list()
    practices = practices_list()
    today = timezone.localdate()
    for chosen in (None, (start, end)):
        shown = overview_shown(infos=infos, periods=periods, chosen=chosen, today=today)
        overview_cards(infos=infos, shown=shown, periods=periods, practices=practices, exact=False)
