"""The overview's cards, kept per computation: built by the overview page, and ahead of it by
the metric job once a period is stored (``outcomes.services.warming``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.cache import cache

from socialrx.disclosure import SMALLEST_SHOWN

from .metrics.definition import Metric
from .metrics.registry import metrics_sharing
from .presentation import overview_card
from .selectors import Period, overview_rows_list, period_latest

# The overview's cards depend only on the snapshot rows of the periods shown (and of the
# metrics sharing a count with them), which a computation replaces all at once under a new
# time: the periods' latest computation times and row counts, the practices' PCNs and who is
# asking identify them. Kept under that key, the cards are built once per computation instead
# of loading and deciding suppression over every row of every level on each request.
OVERVIEW_CARDS_SECONDS = 24 * 60 * 60


def overview_shown(
    *,
    infos: list[Metric],
    periods: list[Period],
    chosen: tuple[dt.date, dt.date] | None,
    today: dt.date,
) -> dict[str, Period | None]:
    """The period each card shows: the latest (``period_latest``), or the one chosen."""
    shown: dict[str, Period | None] = {}
    for i in infos:
        if chosen is None:
            candidates = periods
        else:
            candidates = [p for p in periods if (p.start, p.end) == chosen]
        shown[i.name] = period_latest(
            periods=candidates, metric=i.name, window=i.window_for(None), today=today
        )
    return shown


def overview_cards(
    *,
    infos: list[Metric],
    shown: dict[str, Period | None],
    periods: list[Period],
    practices: list[tuple[str, str, str, str]],
    exact: bool,
    level: str = "all",
    code: str = "",
    name: str = "",
) -> list[dict[str, Any]]:
    """Every card of the overview, from the cache when this computation's were built."""
    key = _cards_key(shown, periods, practices, exact=exact, level=level, code=code, name=name)
    packed = cache.get(key)
    if packed is not None:
        by_name = {i.name: i for i in infos}
        return [{**card, "info": by_name[card["info"]]} for card in packed]
    rows = overview_rows_list(periods=[p for p in shown.values() if p is not None])
    by_period: dict[tuple, list[dict]] = {}
    for row in rows:
        by_period.setdefault((row["start"], row["end"], row["window"]), []).append(row)
    cards = [
        overview_card(
            i,
            shown[i.name],
            _period_rows(i, shown[i.name], by_period),
            exact,
            level=level,
            code=code,
            name=name,
        )
        for i in infos
    ]
    packed = [{**card, "info": card["info"].name} for card in cards]
    cache.set(key, packed, OVERVIEW_CARDS_SECONDS)
    return cards


def _cards_key(
    shown: dict[str, Period | None],
    periods: list[Period],
    practices: list[tuple[str, str, str, str]],
    **where: Any,
) -> str:
    spans = {(p.start, p.end, p.window) for p in shown.values() if p is not None}
    used = sorted(
        (p.metric, p.start, p.end, p.window, p.computed_at, p.rows)
        for p in periods
        if (p.start, p.end, p.window) in spans
    )
    chosen = sorted((m, p and (p.start, p.end, p.window)) for m, p in shown.items())
    basis = repr((SMALLEST_SHOWN, sorted(where.items()), chosen, used, practices))
    return f"outcomes:overview-cards:v1:{hashlib.sha256(basis.encode()).hexdigest()}"


def _period_rows(info: Metric, period: Period | None, by_period: dict) -> list[dict]:
    """The rows suppression needs for a metric's period: its own and those of the metrics
    sharing a count with it, for the same period."""
    if period is None:
        return []
    wanted = {info.name, *metrics_sharing(metric=info.name)}
    return [
        r
        for r in by_period.get((period.start, period.end, period.window), [])
        if r["metric"] in wanted
    ]
