"""Reads for the dashboards and the metrics API: computed periods, snapshot rows, runs.

Snapshot rows are aggregates only; who may read them (commissioners and administrators) is
decided by the views, and how they are shown (suppression) by ``outcomes.suppression``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.postgres.aggregates import StringAgg
from django.db import connections
from django.db.models import Count, F, Func, Max, Q, QuerySet, TextField, Value

from socialrx.models import PCN, Practice

from .metrics.periods import period_key
from .metrics.registry import metrics_sharing
from .models import MetricSnapshot, Run


@dataclass(frozen=True)
class Period:
    metric: str
    start: dt.date
    end: dt.date
    window: int
    computed_at: dt.datetime
    # Snapshot rows of the period (its latest computation's).
    rows: int = 0

    @property
    def key(self) -> str:
        return period_key(self.start, self.end)


def metric_periods_list(*, metric: str | None = None) -> list[Period]:
    """Every computed period (newest end first, then longest), one query."""
    qs = MetricSnapshot.objects.all()
    if metric is not None:
        qs = qs.filter(metric=metric)
    rows = (
        qs.values("metric", "start", "end", "window")
        .annotate(computed_at=Max("computed_at"), rows=Count("id"))
        .order_by("metric", "-end", "start", "window")
    )
    return [Period(**r) for r in rows]


def period_latest(
    *, periods: list[Period], metric: str, window: int | None = None, today: dt.date | None = None
) -> Period | None:
    """The period a page opens on: the latest end, the longest range ending then (the biggest
    cohort, so the fewest withheld numbers); for demand the default window when there is one.
    Ends after ``today`` count as today: the nightly job computes the current quarter, which
    ends in the future, and the 12 months to today, which should win over a quarter begun
    only weeks ago."""
    candidates = [p for p in periods if p.metric == metric]
    if window is not None and any(p.window == window for p in candidates):
        candidates = [p for p in candidates if p.window == window]
    if not candidates:
        return None
    cap = today or dt.date.max
    return max(candidates, key=lambda p: (min(p.end, cap), -p.start.toordinal()))


# The PCN of a practice row (its code is the practice's ODS code), for suppression: practices
# add up to their PCN. Read with the rows, in the same query, by a join (a subquery for each
# row cost 150 ms for the 16,666 rows of an overview at scale 1, the rows themselves 7 ms).
_PCN_OF_CODE = F("practice__pcn__code")
_ROW_FIELDS = ("metric", "level", "code", "dimension", "group", "values", "computed_at", "pcn")


def snapshot_rows_list(
    *,
    metric: str,
    start: dt.date,
    end: dt.date,
    window: int,
    level: str | None = None,
    code: str | None = None,
    sharing: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The stored rows of one period (optionally one level and code), every dimension, as dicts
    (metric, level, code, dimension, group, values, computed_at, and the PCN of a practice).
    ``sharing``: other metrics whose rows of the same period come too (every level). One
    query."""
    mine = Q(metric=metric)
    if level is not None:
        mine &= Q(level=level)
    if code is not None:
        mine &= Q(code=code)
    qs = MetricSnapshot.objects.filter(
        mine | Q(metric__in=sharing), start=start, end=end, window=window
    )
    rows = qs.annotate(pcn=_PCN_OF_CODE).values(*_ROW_FIELDS)
    return cast(list[dict[str, Any]], list(rows))


@dataclass(frozen=True)
class PeriodRowsSummary:
    """What a metric page needs to know about a period's rows before it reads them."""

    # The metric has rows in the period.
    computed: bool
    # When the rows of the shown level and code were computed; None: there are none.
    shown_computed_at: dt.datetime | None
    # A digest, computed by the database, of every row ``snapshot_rows_list`` returns for the
    # period (values, computed times and practices' PCNs included); None where it is not.
    digest: str | None = None


def snapshot_rows_summary(
    *,
    metric: str,
    start: dt.date,
    end: dt.date,
    window: int,
    level: str,
    code: str,
    sharing: tuple[str, ...] = (),
) -> PeriodRowsSummary | None:
    """``PeriodRowsSummary`` of the rows ``snapshot_rows_list`` (same arguments, every level)
    returns, in one query that sends back no row: a page whose suppression answer is
    remembered under the digest need not read the period's rows (2,997 at scale 1) to find it.
    None on a database other than PostgreSQL: callers read the rows instead."""
    qs = MetricSnapshot.objects.filter(
        Q(metric=metric) | Q(metric__in=sharing), start=start, end=end, window=window
    )
    if connections[qs.db].vendor != "postgresql":
        return None
    # One line per row: its fields as text, apart by a unit separator (no field holds one:
    # codes, names and JSON text), in the order of the rows' ids.
    fields = ("metric", "level", "code", "dimension", "group", "values", "computed_at")
    line = Func(
        Value("\x1f"),
        *fields,
        "practice__pcn__code",
        function="CONCAT_WS",
        output_field=TextField(),
    )
    found = qs.aggregate(
        # SHA-256 of the lines (PostgreSQL's own sha256, no extension needed).
        digest=Func(
            StringAgg(line, delimiter="\n", order_by=("id",)),
            template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            output_field=TextField(),
        ),
        computed=Count("id", filter=Q(metric=metric)),
        shown_computed_at=Max("computed_at", filter=Q(metric=metric, level=level, code=code)),
    )
    return PeriodRowsSummary(
        computed=bool(found["computed"]),
        shown_computed_at=found["shown_computed_at"],
        # No rows: nothing to digest, still an answer of its own.
        digest=found["digest"] or "none",
    )


def snapshot_rows_summary_of(
    rows: list[dict[str, Any]], *, metric: str, level: str, code: str
) -> PeriodRowsSummary:
    """``PeriodRowsSummary`` of rows already read (``snapshot_rows_list``), without a digest."""
    here = [r for r in rows if r["metric"] == metric and r["level"] == level and r["code"] == code]
    return PeriodRowsSummary(
        computed=any(r["metric"] == metric for r in rows),
        shown_computed_at=max((r["computed_at"] for r in here), default=None),
    )


def overview_rows_list(*, periods: list[Period]) -> list[dict[str, Any]]:
    """Every row (every level and dimension, as suppression needs them) of several metrics'
    periods, and of the metrics sharing a count with them for the same period, with their
    period (start, end, window), in one query."""
    if not periods:
        return []
    cond = Q()
    for p in periods:
        for metric in (p.metric, *metrics_sharing(metric=p.metric)):
            cond |= Q(metric=metric, start=p.start, end=p.end, window=p.window)
    rows = (
        MetricSnapshot.objects.filter(cond)
        .annotate(pcn=_PCN_OF_CODE)
        .values(*_ROW_FIELDS, "start", "end", "window")
    )
    return cast(list[dict[str, Any]], list(rows))


def period_computed(*, metric: str, start: dt.date, end: dt.date, window: int) -> bool:
    return MetricSnapshot.objects.filter(
        metric=metric, start=start, end=end, window=window
    ).exists()


def level_codes_list(
    *, metric: str, start: dt.date, end: dt.date, window: int, level: str
) -> list[tuple[str, str]]:
    """(code, label) of the PCNs or practices that have rows in the period, by name. One query
    for the codes, one for their names."""
    if level not in ("pcn", "practice"):
        return []
    codes = set(
        MetricSnapshot.objects.filter(
            metric=metric, start=start, end=end, window=window, level=level
        )
        .values_list("code", flat=True)
        .distinct()
    )
    if not codes:
        return []
    if level == "pcn":
        names = dict(PCN.objects.filter(code__in=codes).values_list("code", "name"))
    else:
        names = dict(Practice.objects.filter(ods_code__in=codes).values_list("ods_code", "name"))
    labelled = [(c, f"{names[c]} ({c})" if c in names else c) for c in codes]
    return sorted(labelled, key=lambda cl: cl[1].lower())


def metric_run_params(*, metric: str, start: dt.date, end: dt.date, window: int) -> dict:
    """What a metric Run records about its job, and how a page finds the latest one."""
    return {"metric": metric, "start": start.isoformat(), "end": end.isoformat(), "window": window}


def metric_run_latest(*, metric: str, start: dt.date, end: dt.date, window: int) -> Run | None:
    params = metric_run_params(metric=metric, start=start, end=end, window=window)
    return Run.objects.filter(kind=f"metric:{metric}", params=params).order_by("-pk").first()


def metric_runs() -> QuerySet[Run]:
    """The Runs of metric jobs (not imports)."""
    return Run.objects.filter(kind__startswith="metric:")


def practices_list() -> list[tuple[str, str, str, str]]:
    """(ODS code, name, PCN code, PCN name) of every practice, by name: the overview's PCN and
    practice filters. One query."""
    rows = Practice.objects.order_by("name", "ods_code").values_list(
        "ods_code", "name", "pcn__code", "pcn__name"
    )
    return [(ods, name, pcn or "", pcn_name or "") for ods, name, pcn, pcn_name in rows]


def metric_runs_for_period(*, start: dt.date, end: dt.date) -> dict[tuple[str, int], Run]:
    """The latest Run of each metric (and window) for one period, by (metric, window). One
    query."""
    runs = metric_runs().filter(params__start=start.isoformat(), params__end=end.isoformat())
    latest: dict[tuple[str, int], Run] = {}
    for run in runs.order_by("pk"):
        params = run.params or {}
        latest[(str(params.get("metric", "")), int(params.get("window") or 0))] = run
    return latest
