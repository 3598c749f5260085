"""A metric over time and its PCNs or practices side by side (docs/dashboards.md, "Trends"
and "Side by side").

The trend reads the stored snapshots of the last 8 calendar quarters (or 24 calendar months):
nothing is computed on the way, a period not computed yet is said to be so. Each period is
suppressed on its own, over every row of that period (every level, code and breakdown, and
the metrics sharing a count), exactly as its own page would show it, so a figure withheld on
the metric page is withheld in the trend too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from socialrx.models import PCN, Practice

from .metrics.definition import Metric
from .metrics.periods import month_end, month_of, month_start, period_label, quarter_of
from .metrics.registry import METRICS, metrics_sharing
from .models import MetricSnapshot
from .presentation import _chart, _kind, cell_text, interval_of, interval_text
from .selectors import _PCN_OF_CODE, _ROW_FIELDS
from .suppression import rows_present_cached

TREND_QUARTERS = 8  # two years
TREND_MONTHS = 24
STEPS = {"quarter": "By quarter", "month": "By month"}


def trend_periods(*, today: dt.date, step: str) -> list[tuple[dt.date, dt.date]]:
    """The calendar quarters (or months) of the last two years, oldest first, ending with the
    one ``today`` is in."""
    if step == "month":
        last = month_of(today)
        return [(month_start(m), month_end(m)) for m in range(last - TREND_MONTHS + 1, last + 1)]
    periods = []
    start, end = quarter_of(today)
    for _ in range(TREND_QUARTERS):
        periods.append((start, end))
        start, end = quarter_of(start - dt.timedelta(days=1))
    return periods[::-1]


def trend_quarters_missing(*, today: dt.date, window: int) -> list[tuple[str, dt.date, dt.date]]:
    """(metric, start, end) of the quarters before the current one, in the last two years,
    that a metric has no snapshot for: the nightly job fills them once (the current quarter
    it refreshes every night). One query."""
    past = trend_periods(today=today, step="quarter")[:-1]
    when = Q()
    for start, end in past:
        when |= Q(start=start, end=end)
    done = set(
        MetricSnapshot.objects.filter(when)
        .values_list("metric", "start", "end", "window")
        .distinct()
    )
    return [
        (name, start, end)
        for name, info in METRICS.items()
        for start, end in past
        if (name, start, end, info.window_for(window)) not in done
    ]


def short_label(start: dt.date, end: dt.date, step: str) -> str:
    """The axis label of a period: ``Jan–Mar 2026`` or ``Jan 2026``."""
    if step == "month":
        return f"{start:%b %Y}"
    return f"{start:%b}–{end:%b %Y}"


def _period_rows(
    info: Metric, periods: list[tuple[dt.date, dt.date]], window: int
) -> dict[tuple[dt.date, dt.date], list[dict[str, Any]]]:
    """Every stored row of these periods (every level, code and breakdown, and the metrics
    sharing a count), by period, in one query."""
    if not periods:
        return {}
    when = Q()
    for start, end in periods:
        when |= Q(start=start, end=end)
    qs = (
        MetricSnapshot.objects.filter(
            when,
            metric__in=(info.name, *metrics_sharing(metric=info.name)),
            window=window,
        )
        .annotate(pcn=_PCN_OF_CODE)
        .values(*_ROW_FIELDS, "start", "end", "window")
    )
    out: dict[tuple[dt.date, dt.date], list[dict[str, Any]]] = {}
    for row in qs:
        out.setdefault((row["start"], row["end"]), []).append(row)
    return out


def _totals_present(
    info: Metric, rows: list[dict[str, Any]], *, exact: bool
) -> list[dict[str, Any]]:
    """The overall (``total``) rows of a period as shown (suppression is remembered per set
    of rows by ``rows_present_cached``)."""
    return [
        r
        for r in rows_present_cached(metric=info.name, rows=rows, exact=exact)
        if r["dimension"] == "total"
    ]


@dataclass
class Point:
    start: dt.date
    end: dt.date
    label: str  # short, for the chart's axis
    long_label: str  # in full, for the table
    computed: bool = False
    text: str = ""  # the figure as pages show it ("*" withheld, "–" no value)
    number: float | None = None  # for the chart: None is a gap
    withheld: bool = False
    interval: tuple[float, float] | None = None
    interval_text: str = ""
    cohort: str = ""
    computed_at: dt.datetime | None = None


@dataclass
class Trend:
    info: Metric
    value: str
    level: str
    code: str
    step: str
    points: list[Point] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.info.label(self.value)

    @property
    def cohort_label(self) -> str:
        return self.info.label(self.info.cohort[0]) if self.info.cohort else ""

    @property
    def not_computed(self) -> list[Point]:
        return [p for p in self.points if not p.computed]

    @property
    def withheld(self) -> list[Point]:
        return [p for p in self.points if p.withheld]

    @property
    def with_interval(self) -> bool:
        return any(p.interval for p in self.points)

    def chart(self, *, where: str) -> dict[str, Any]:
        """Data for the line chart: ``null`` points are gaps (withheld or not computed),
        never zeros; the intervals are drawn as whiskers."""
        from .presentation import _AXIS_UNITS

        kind = _kind(self.info, self.value)
        unit = _AXIS_UNITS.get(kind, "Value")
        gaps = [p.label for p in self.points if p.number is None]
        description = f"Line chart of {self.label[:1].lower()}{self.label[1:]}, {where}"
        if gaps:
            description += f"; no point for {', '.join(gaps)}"
        return {
            "labels": [p.label for p in self.points],
            "datasets": [{"label": self.label, "data": [p.number for p in self.points]}],
            "withheld": [p.withheld for p in self.points],
            "intervals": [
                [round(b, 1) for b in p.interval] if p.interval else None for p in self.points
            ],
            "x_title": "Quarter" if self.step == "quarter" else "Month",
            "y_title": f"{self.label} ({unit.lower()})" if kind != "count" else self.label,
            "description": description,
        }


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    return round(float(value), 1)


def trend_build(
    *,
    info: Metric,
    value: str,
    level: str,
    code: str,
    window: int,
    step: str,
    today: dt.date,
    exact: bool,
) -> Trend:
    """The metric's ``value`` for one level and code over the last two years. One query for
    the rows; suppression is decided per period over all of its rows."""
    periods = trend_periods(today=today, step=step)
    by_period = _period_rows(info, periods, window)
    trend = Trend(info=info, value=value, level=level, code=code, step=step)
    kind = _kind(info, value)
    for start, end in periods:
        point = Point(
            start=start,
            end=end,
            label=short_label(start, end, step),
            long_label=period_label(start, end),
        )
        trend.points.append(point)
        rows = by_period.get((start, end), [])
        mine = [r for r in rows if r["metric"] == info.name]
        if not mine:
            continue
        point.computed = True
        point.computed_at = max(r["computed_at"] for r in mine)
        shown = _totals_present(info, rows, exact=exact)
        row = next(
            (
                r
                for r in shown
                if r["level"] == level and r["code"] == code and r["dimension"] == "total"
            ),
            None,
        )
        if row is None or value not in row["values"]:
            point.text = "–"
            continue
        point.withheld = value in row["withheld"]
        point.text = cell_text(row["values"][value], withheld=point.withheld, kind=kind)
        point.number = None if point.withheld else _number(row["values"][value])
        point.interval = None if point.withheld else interval_of(info, value, row["values"])
        point.interval_text = interval_text(info, value, row) if point.text != "–" else "–"
        if info.cohort:
            first = info.cohort[0]
            point.cohort = cell_text(row["values"].get(first), withheld=first in row["withheld"])
    return trend


def trend_codes(*, info: Metric, level: str, window: int) -> list[tuple[str, str]]:
    """(code, label) of the PCNs or practices with rows in any stored period, by name."""
    if level not in ("pcn", "practice"):
        return []
    codes = set(
        MetricSnapshot.objects.filter(metric=info.name, level=level, window=window)
        .values_list("code", flat=True)
        .distinct()
    )
    return _labelled(level, codes)


def _labelled(level: str, codes: set[str]) -> list[tuple[str, str]]:
    if level == "pcn":
        names = dict(PCN.objects.filter(code__in=codes).values_list("code", "name"))
    else:
        names = dict(Practice.objects.filter(ods_code__in=codes).values_list("ods_code", "name"))
    labelled = [(c, f"{names[c]} ({c})" if c in names else c) for c in codes]
    return sorted(labelled, key=lambda cl: cl[1].lower())


# --- side by side -------------------------------------------------------------------------


@dataclass
class Side:
    code: str
    name: str
    text: str
    interval_text: str
    cohort: str
    withheld: bool

    @property
    def cells(self) -> tuple[str, str, str]:
        return (self.text, self.interval_text, self.cohort)


@dataclass
class SideBySide:
    info: Metric
    value: str
    level: str
    start: dt.date
    end: dt.date
    rows: list[Side] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)
    computed_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return self.info.label(self.value)

    @property
    def cohort_label(self) -> str:
        return self.info.label(self.info.cohort[0]) if self.info.cohort else "Cohort"

    @property
    def any_withheld(self) -> bool:
        return any(r.withheld for r in self.rows)


def side_by_side(
    *,
    info: Metric,
    value: str,
    level: str,
    start: dt.date,
    end: dt.date,
    window: int,
    exact: bool,
) -> SideBySide | None:
    """Every PCN or practice's figure for one period, in alphabetical order of name (never
    ranked), each with its 95% interval. None when the period has not been computed."""
    rows = _period_rows(info, [(start, end)], window).get((start, end), [])
    if not any(r["metric"] == info.name for r in rows):
        return None
    shown = _totals_present(info, rows, exact=exact)
    totals = {r["code"]: r for r in shown if r["level"] == level and r["dimension"] == "total"}
    result = SideBySide(info=info, value=value, level=level, start=start, end=end)
    result.computed_at = max(r["computed_at"] for r in rows if r["metric"] == info.name)
    kind = _kind(info, value)
    cells = []
    for code, name in _labelled(level, set(totals)):
        row = totals[code]
        withheld = value in row["withheld"]
        text = cell_text(row["values"].get(value), withheld=withheld, kind=kind)
        first = info.cohort[0] if info.cohort else ""
        result.rows.append(
            Side(
                code=code,
                name=name,
                text=text,
                interval_text=interval_text(info, value, row) if text != "–" else "–",
                cohort=(
                    cell_text(row["values"].get(first), withheld=first in row["withheld"])
                    if first
                    else ""
                ),
                withheld=withheld,
            )
        )
        cells.append((value, row))
    result.chart = _chart(
        info,
        labels=[r.name for r in result.rows],
        cells=cells,
        dataset=info.label(value),
        description=f"{info.label(value)} by {'PCN' if level == 'pcn' else 'practice'}, "
        "in alphabetical order",
        x_title="Primary care network" if level == "pcn" else "Practice",
    )
    return result
