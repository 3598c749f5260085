"""Commissioner dashboards: the overview, one page per metric (with its CSV), and for
administrators the recompute button and its progress. Aggregates only: no page here shows or
links to a person."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from socialrx.access import role_required

from .forms import MetricFilterForm, parse_period, period_label, picker_periods
from .models import Run
from .selectors import (
    Period,
    level_codes_list,
    metric_periods_list,
    metric_run_get,
    metric_run_latest,
    overview_rows_list,
    period_latest,
    snapshot_rows_list,
)
from .services.dashboard import (
    DEMAND_DEFAULT_WINDOW,
    GROUP_ORDER,
    LEVEL_LABELS,
    MetricInfo,
    dimension_label,
    group_label,
    metric_info_get,
    metric_recompute_start,
    metrics_enabled,
    window_for,
)
from .suppression import exact_for, rows_present


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# --- presentation helpers ------------------------------------------------------------------


def cell_text(value: Any, *, withheld: bool) -> str:
    """A figure as pages (and their CSV) show it: one decimal place, ``*`` when withheld."""
    if withheld:
        return "*"
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{_one_decimal(value):,}"
    return str(value)


def _one_decimal(value: float) -> Decimal:
    # Half away from zero (8.25 -> 8.3), as people round; via str so 8.25 is not 8.2499...
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _chart_number(value: Any, *, withheld: bool) -> float | None:
    if withheld or value is None or isinstance(value, bool):
        return None
    return float(_one_decimal(float(value)))


def _value_names(info: MetricInfo, rows: list[dict]) -> list[str]:
    """The metric's value names present in these rows, in the catalogue's order (any name the
    computation adds that the catalogue does not know goes last)."""
    present: set[str] = set()
    for row in rows:
        present.update(row["values"])
    known = [n for n in info.values if n in present]
    return known + sorted(present - set(info.values))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _group_key(dimension: str, group: str) -> tuple[int, str]:
    order = GROUP_ORDER.get(dimension, ())
    return (order.index(group) if group in order else len(order), group)


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    any_withheld: bool = False

    def csv_rows(self) -> list[list[str]]:
        return [self.headers, *[[c["text"] for c in row] for row in self.rows]]


def _table_and_chart(
    *, info: MetricInfo, rows: list[dict], dimension: str, where: str
) -> tuple[Table, dict[str, Any]]:
    label = info.values
    if dimension == "total":
        table = Table(caption=f"{info.title}: {where}", headers=["Measure", "Figure"])
        row = next((r for r in rows if r["dimension"] == "total"), None)
        if row is None:
            return table, {"labels": [], "datasets": [], "description": ""}
        names = _value_names(info, [row])
        for name in names:
            withheld = name in row["withheld"]
            table.any_withheld |= withheld
            table.rows.append(
                [
                    {"text": label.get(name, name), "header": True},
                    {"text": cell_text(row["values"][name], withheld=withheld), "numeric": True},
                ]
            )
        charted = [n for n in info.chart_total if n in row["values"]]
        chart = {
            "labels": [label.get(n, n) for n in charted],
            "datasets": [
                {
                    "label": info.title,
                    "data": [
                        _chart_number(row["values"][n], withheld=n in row["withheld"])
                        for n in charted
                    ],
                }
            ],
            "description": ", ".join(label.get(n, n) for n in charted),
        }
        return table, chart
    group_rows = sorted(
        (r for r in rows if r["dimension"] == dimension),
        key=lambda r: _group_key(dimension, r["group"]),
    )
    names = _value_names(info, group_rows)
    table = Table(
        caption=f"{info.title} by {_lower_first(dimension_label(dimension=dimension))}: {where}",
        headers=[dimension_label(dimension=dimension)] + [label.get(n, n) for n in names],
    )
    for r in group_rows:
        cells = [{"text": group_label(dimension=dimension, group=r["group"]), "header": True}]
        for name in names:
            withheld = name in r["withheld"]
            table.any_withheld |= withheld
            cells.append(
                {"text": cell_text(r["values"].get(name), withheld=withheld), "numeric": True}
            )
        table.rows.append(cells)
    value = info.chart_group
    chart = {
        "labels": [group_label(dimension=dimension, group=r["group"]) for r in group_rows],
        "datasets": [
            {
                "label": label.get(value, value),
                "data": [
                    _chart_number(r["values"].get(value), withheld=value in r["withheld"])
                    for r in group_rows
                ],
            }
        ],
        "description": f"{label.get(value, value)} by {_lower_first(dimension_label(dimension=dimension))}",
    }
    return table, chart


# --- the overview --------------------------------------------------------------------------


def _overview_card(
    info: MetricInfo, period: Period | None, rows: list[dict], exact: bool
) -> dict[str, Any]:
    card: dict[str, Any] = {"info": info, "period": period, "url": _metric_url(info.name)}
    if period is None:
        return card
    card["period_label"] = period_label(period.start, period.end)
    card["url"] = _metric_url(info.name, period=period)
    shown = rows_present(metric=info.name, rows=rows, exact=exact)
    total = next((r for r in shown if r["dimension"] == "total"), None)
    if total is None:
        return card
    values, withheld = total["values"], total["withheld"]
    card["computed_at"] = max(r["computed_at"] for r in rows)
    card["headline_label"] = info.values.get(info.headline, info.headline)
    card["headline"] = cell_text(values.get(info.headline), withheld=info.headline in withheld)
    card["cohort"] = [
        (info.values.get(n, n), cell_text(values.get(n), withheld=n in withheld))
        for n in info.cohort
        if n in values and n != info.headline
    ]
    card["secondary"] = [
        (info.values.get(n, n), cell_text(values.get(n), withheld=n in withheld))
        for n in info.secondary
        if n in values
    ]
    card["withheld"] = bool(withheld)
    return card


def _metric_url(metric: str, *, period: Period | None = None, **params: Any) -> str:
    url = reverse("outcomes:metric", args=[metric])
    if period is not None:
        params = {"period": period.key, **params}
        if metric == "demand":
            params.setdefault("window", period.window)
    return f"{url}?{urlencode(params)}" if params else url


@require_GET
@role_required("commissioner")
def overview(request: HttpRequest) -> HttpResponse:
    infos = metrics_enabled()
    periods = metric_periods_list()
    latest = {
        i.name: period_latest(
            periods=periods,
            metric=i.name,
            window=window_for(metric=i.name, window=None) if i.uses_window else None,
            today=timezone.localdate(),
        )
        for i in infos
    }
    rows = overview_rows_list(periods=[p for p in latest.values() if p is not None])
    by_metric: dict[str, list[dict]] = {}
    for row in rows:
        by_metric.setdefault(row["metric"], []).append(row)
    exact = exact_for(request.user)
    cards = [_overview_card(i, latest[i.name], by_metric.get(i.name, []), exact) for i in infos]
    return render(
        request,
        "outcomes/overview.html",
        {"inquiry_cards": cards[:4], "other_cards": cards[4:], "exact": exact},
    )


# --- one metric ----------------------------------------------------------------------------


@dataclass
class MetricState:
    info: MetricInfo
    form: MetricFilterForm
    start: dt.date | None = None
    end: dt.date | None = None
    window: int = 0
    level: str = "all"
    code: str = ""
    dimension: str = "total"
    codes: list[tuple[str, str]] = field(default_factory=list)
    computed_at: dt.datetime | None = None
    table: Table | None = None
    chart: dict[str, Any] | None = None
    run: Run | None = None
    cohort: list[tuple[str, str]] = field(default_factory=list)

    @property
    def query(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "period": f"{self.start.isoformat()}/{self.end.isoformat()}",  # type: ignore[union-attr]
            "level": self.level,
            "dimension": self.dimension,
        }
        if self.code:
            params["code"] = self.code
        if self.info.uses_window:
            params["window"] = self.window
        return params

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def breakdown(self) -> bool:
        return self.dimension != "total"

    @property
    def where(self) -> str:
        label = period_label(self.start, self.end)  # type: ignore[arg-type]
        if self.level == "all":
            return f"whole area, {label}"
        name = dict(self.codes).get(self.code, self.code)
        return f"{LEVEL_LABELS[self.level].lower()} {name}, {label}"


def _metric_state(request: HttpRequest, info: MetricInfo) -> MetricState:
    periods = metric_periods_list(metric=info.name)
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("period"):
        raw = str(data.get("window", ""))
        window = int(raw) if raw.isdigit() else None
        latest = period_latest(
            periods=periods,
            metric=info.name,
            window=window_for(metric=info.name, window=window),
            today=today,
        )
        data["period"] = latest.key if latest else picker_periods(today=today)[0][0][0]
        if latest is not None and info.uses_window and window is None:
            data["window"] = str(latest.window)
    if info.uses_window:
        data.setdefault("window", str(DEMAND_DEFAULT_WINDOW))
    data.setdefault("level", "all")
    data.setdefault("dimension", info.default_dimension)
    form = MetricFilterForm(data, info=info, periods=periods, today=today)
    state = MetricState(info=info, form=form)
    if not form.is_valid():
        return state
    state.start, state.end = form.cleaned_data["period"]
    state.window = window_for(metric=info.name, window=form.cleaned_data.get("window"))
    state.level, state.dimension = form.cleaned_data["level"], form.cleaned_data["dimension"]
    state.codes = level_codes_list(
        metric=info.name, start=state.start, end=state.end, window=state.window, level=state.level
    )
    form.fields["code"].widget.choices = state.codes
    if state.level != "all":
        # Shown only for PCN or practice, where one must be chosen (the first by default).
        # (BoundField copies its label when first made, during validation.)
        form.fields["code"].label = form["code"].label = LEVEL_LABELS[state.level]
        form.fields["code"].required = True
        wanted = form.cleaned_data["code"]
        state.code = wanted if wanted in dict(state.codes) else (state.codes or [("", "")])[0][0]
    if request.user.is_admin:  # type: ignore[union-attr]
        state.run = metric_run_latest(
            metric=info.name, start=state.start, end=state.end, window=state.window
        )
    if state.level != "all" and not state.code:
        return state
    rows = snapshot_rows_list(
        metric=info.name,
        start=state.start,
        end=state.end,
        window=state.window,
        level=state.level,
        code=state.code,
    )
    if not rows:
        return state
    state.computed_at = max(r["computed_at"] for r in rows)
    shown = rows_present(metric=info.name, rows=rows, exact=exact_for(request.user))
    total = next((r for r in shown if r["dimension"] == "total"), None)
    if total is not None:
        state.cohort = [
            (
                info.values.get(n, n),
                cell_text(total["values"].get(n), withheld=n in total["withheld"]),
            )
            for n in info.cohort
            if n in total["values"]
        ]
    state.table, state.chart = _table_and_chart(
        info=info, rows=shown, dimension=state.dimension, where=state.where
    )
    return state


def _info_or_404(metric: str) -> MetricInfo:
    info = metric_info_get(metric=metric)
    if info is None:
        raise Http404("No such metric")
    return info


@require_GET
@role_required("commissioner")
@vary_on_headers("HX-Request")  # the partial and the page share a URL: caches must not mix them
def metric_detail(request: HtmxHttpRequest, metric: str) -> HttpResponse:
    info = _info_or_404(metric)
    state = _metric_state(request, info)
    context = {
        "state": state,
        "info": info,
        "form": state.form,
        "exact": exact_for(request.user),
        "csv_url": (
            f"{reverse('outcomes:metric_csv', args=[metric])}?{urlencode(state.query)}"
            if state.table
            else ""
        ),
        "period_text": (period_label(state.start, state.end) if state.start and state.end else ""),
        "other_metrics": [m for m in metrics_enabled() if m.name != metric],
        **(_run_context(state.run, info) if state.run else {"run": None}),
    }
    # htmx asks for the whole page when it restores history it has no copy of.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "outcomes/metric.html#dashboard" if partial else "outcomes/metric.html"
    return render(request, template, context)


@require_GET
@role_required("commissioner")
def metric_csv(request: HttpRequest, metric: str) -> HttpResponse:
    """Exactly the table on the page for the same filters (so, for anyone but an administrator,
    with the same numbers withheld)."""
    info = _info_or_404(metric)
    state = _metric_state(request, info)
    if state.table is None:
        raise Http404("These figures have not been computed")
    name = "_".join(
        str(p)
        for p in (
            metric,
            state.start,
            state.end,
            f"window{state.window}" if info.uses_window else "",
            state.level,
            state.code,
            state.dimension,
        )
        if p
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerows(state.table.csv_rows())
    return response


@require_POST
@role_required()
def metric_recompute(request: HtmxHttpRequest, metric: str) -> HttpResponse:
    """Administrators only: start recomputing one metric for one period."""
    info = _info_or_404(metric)
    parsed = parse_period(request.POST.get("period", ""))
    window_raw = request.POST.get("window", "")
    window = int(window_raw) if window_raw.isdigit() else None
    if parsed is None or (info.uses_window and window not in (None, 3, 6, 12)):
        return render(
            request,
            "outcomes/_recompute_error.html",
            {"message": "Choose a period from the list, then recompute"},
            status=400,
        )
    start, end = parsed
    window = window_for(metric=metric, window=window)
    run = metric_recompute_start(
        metric=metric, start=start, end=end, window=window, by=request.user
    )
    if request.htmx:
        return render(request, "outcomes/metric.html#run", _run_context(run, info))
    return redirect(_metric_url(metric, period=Period(metric, start, end, window, run.created_at)))


@require_GET
@role_required()
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The ``#run`` partial, polled by htmx while a recomputation is queued or running."""
    run = metric_run_get(pk=pk)
    if run is None:
        raise Http404("No such run")
    info = _info_or_404(run.kind.removeprefix("metric:"))
    return render(request, "outcomes/metric.html#run", _run_context(run, info))


def _run_context(run: Run, info: MetricInfo) -> dict[str, Any]:
    params = run.params or {}
    period = None
    if params.get("start") and params.get("end"):
        period = Period(
            info.name,
            dt.date.fromisoformat(params["start"]),
            dt.date.fromisoformat(params["end"]),
            int(params.get("window") or 0),
            run.created_at,
        )
    return {"run": run, "info": info, "run_period_url": _metric_url(info.name, period=period)}
