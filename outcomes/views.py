"""Commissioner dashboards: the overview, one page per metric (with its CSV), and for
administrators the recompute button and its progress. Aggregates only: no page here shows or
links to a person."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from socialrx.access import role_required
from socialrx.db_routing import pin_to_primary, reads_from_replica
from socialrx.http import SignedInRequest, get_in_scope_or_404, render_page, wants_partial

from .downloads import CsvContext, metric_csv_rows
from .forms import ComputeForm, MetricFilterForm, OverviewFilterForm
from .metrics.definition import WINDOW_CHOICES, Metric
from .metrics.dimensions import LEVEL_LABELS
from .metrics.periods import (
    parse_period,
    period_key,
    period_label,
    period_words,
    picker_periods,
)
from .metrics.registry import metric_shown, metrics_enabled, metrics_sharing
from .models import Run
from .overview import overview_cards, overview_shown
from .presentation import (
    Table,
    cell_text,
    gradient_words,
    metric_url,
    table_and_chart,
)
from .selectors import (
    Period,
    level_codes_list,
    metric_periods_list,
    metric_run_latest,
    metric_runs,
    metric_runs_for_period,
    period_computed,
    period_latest,
    practices_list,
    snapshot_rows_list,
    snapshot_rows_summary,
    snapshot_rows_summary_of,
)
from .services.metric_runs import (
    TooManyRunsError,
    metric_recompute_start,
    metrics_compute_on_request,
)
from .suppression import exact_for, rows_present_cached, rows_present_part_cached


@require_GET
@role_required("commissioner")
@reads_from_replica
def overview(request: SignedInRequest) -> HttpResponse:
    infos = metrics_enabled()
    periods = metric_periods_list()
    today = timezone.localdate()
    practices = practices_list()
    form = OverviewFilterForm(
        request.GET,
        practices=practices,
        periods=periods,
        today=today,
    )
    exact = exact_for(request.user)
    context: dict[str, Any] = {"form": form, "exact": exact, "inquiry_cards": [], "other_cards": []}
    if not form.is_valid() or form.needs_dates:
        return render(request, "outcomes/overview.html", context)
    level, code = form.where()
    chosen = form.cleaned_data["period"]
    shown = overview_shown(infos=infos, periods=periods, chosen=chosen, today=today)
    name = str(form.names.get(code, code))
    cards = overview_cards(
        infos=infos,
        shown=shown,
        periods=periods,
        practices=practices,
        exact=exact,
        level=level,
        code=code,
        name=name,
    )
    missing = [i for i in infos if shown[i.name] is None]
    if chosen is not None and missing:
        runs = metric_runs_for_period(start=chosen[0], end=chosen[1])
        for card in cards:
            if card["period"] is None:
                card["run"] = runs.get((card["info"].name, card["info"].window_for(None)))
                card["period_words"] = period_words(*chosen)
        context["compute"] = {
            "key": period_key(*chosen),
            "words": period_words(*chosen),
            "missing": [i.title for i in missing],
            "all_missing": len(missing) == len(infos),
            "waiting": any(_waiting(c.get("run")) for c in cards),
        }
    context.update(inquiry_cards=cards[:4], other_cards=cards[4:], level=level, code=code)
    return render(request, "outcomes/overview.html", context)


def _waiting(run: Run | None) -> bool:
    """A computation is queued or running (and its worker has not stopped)."""
    return (
        run is not None
        and run.status in (Run.Status.QUEUED, Run.Status.RUNNING)
        and not run.is_stale()
    )


@require_POST
@role_required("commissioner")
def overview_compute(request: SignedInRequest) -> HttpResponse:
    """Compute, for the overview, every measure not yet computed for a period."""
    form = ComputeForm(request.POST, today=timezone.localdate())
    back = reverse("outcomes:overview")
    if not form.is_valid():
        return _compute_problem(request, form, back)
    start, end = form.cleaned_data["period"]
    computed = {
        (p.metric, p.window) for p in metric_periods_list() if (p.start, p.end) == (start, end)
    }
    wanted = [
        (i.name, i.window_for(None))
        for i in metrics_enabled()
        if (i.name, i.window_for(None)) not in computed
    ]
    try:
        metrics_compute_on_request(metrics=wanted, start=start, end=end, by=request.user)
    except TooManyRunsError as error:
        form.add_error("period", str(error))
        return _compute_problem(request, form, back, status=429)
    pin_to_primary(request)
    params = {"period": period_key(start, end)}
    for name in ("pcn", "practice"):
        value = request.POST.get(name, "")
        if CODE.fullmatch(value):
            params[name] = value
    return redirect(f"{back}?{urlencode(params)}")


# PCN and ODS codes, passed on from a compute form to the page it returns to.
CODE = re.compile(r"[A-Za-z0-9]{1,20}")


def _compute_problem(
    request: SignedInRequest, form: ComputeForm, back: str, *, status: int = 400
) -> HttpResponse:
    return render(
        request, "outcomes/compute_error.html", {"form": form, "back": back}, status=status
    )


# --- one metric ----------------------------------------------------------------------------


@dataclass
class MetricState:
    info: Metric
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
    gradient: str = ""
    computed: bool = False  # the period has rows (at some level) for this metric and window

    @property
    def waiting(self) -> bool:
        """A computation of this period is queued or running: the page fills in after it."""
        return not self.computed and _waiting(self.run)

    @property
    def query(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "period": period_key(self.start, self.end) if self.start and self.end else "",
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
        label = period_label(self.start, self.end) if self.start and self.end else ""
        if self.level == "all":
            return f"whole area, {label}"
        name = dict(self.codes).get(self.code, self.code)
        return f"{LEVEL_LABELS[self.level].lower()} {name}, {label}"


def _metric_state(request: SignedInRequest, info: Metric) -> MetricState:
    periods = metric_periods_list(metric=info.name)
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("period"):
        raw = str(data.get("window", ""))
        window = int(raw) if raw.isdigit() else None
        latest = period_latest(
            periods=periods,
            metric=info.name,
            window=info.window_for(window),
            today=today,
        )
        data["period"] = latest.key if latest else picker_periods(today=today)[0][0][0]
        if latest is not None and info.uses_window and window is None:
            data["window"] = str(latest.window)
    if info.uses_window:
        data.setdefault("window", str(info.window_for(None)))
    data.setdefault("level", "all")
    data.setdefault("dimension", info.default_dimension)
    form = MetricFilterForm(data, info=info, periods=periods, today=today)
    state = MetricState(info=info, form=form)
    if not form.is_valid() or form.needs_dates:
        return state
    state.start, state.end = form.cleaned_data["period"]
    state.window = info.window_for(form.cleaned_data.get("window"))
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
    # Every level and code of the period (and the metrics sharing a count with this one):
    # suppression is decided over all a user could see, then this level and code are shown.
    # On PostgreSQL the rows are read only when their answer is not remembered.
    metric, start, end, window = info.name, state.start, state.end, state.window
    sharing = metrics_sharing(metric=metric)

    def read_rows() -> list[dict[str, Any]]:
        return snapshot_rows_list(
            metric=metric, start=start, end=end, window=window, sharing=sharing
        )

    summary = snapshot_rows_summary(
        metric=metric,
        start=start,
        end=end,
        window=window,
        level=state.level,
        code=state.code,
        sharing=sharing,
    )
    rows: list[dict[str, Any]] = []
    if summary is None:
        rows = read_rows()
        summary = snapshot_rows_summary_of(rows, metric=metric, level=state.level, code=state.code)
    state.computed = summary.computed
    if request.user.is_admin or not state.computed:
        # An administrator's recomputation, or the computation anyone asked for this period.
        state.run = metric_run_latest(metric=metric, start=start, end=end, window=window)
    if state.level != "all" and not state.code:
        return state
    if summary.shown_computed_at is None:
        return state
    state.computed_at = summary.shown_computed_at
    exact, only = exact_for(request.user), (state.level, state.code)
    if summary.digest is None:
        shown = rows_present_cached(metric=metric, rows=rows, exact=exact, only=only)
    else:
        shown = rows_present_part_cached(
            metric=metric, exact=exact, only=only, digest=summary.digest, rows=read_rows
        )
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
    state.gradient = gradient_words(info, shown)
    state.table, state.chart = table_and_chart(
        info=info, rows=shown, dimension=state.dimension, where=state.where
    )
    return state


def _info_or_404(metric: str) -> Metric:
    info = metric_shown(metric=metric)
    if info is None:
        raise Http404("No such metric")
    return info


@require_GET
@role_required("commissioner")
@vary_on_headers("HX-Request")  # the partial and the page share a URL: caches must not mix them
@reads_from_replica
def metric_detail(request: SignedInRequest, metric: str) -> HttpResponse:
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
        "period_words": (period_words(state.start, state.end) if state.start and state.end else ""),
        "period_key": (period_key(state.start, state.end) if state.start and state.end else ""),
        "other_metrics": [m for m in metrics_enabled() if m.name != metric],
        **(_run_context(state.run, info) if state.run else {"run": None}),
    }
    return render_page(request, "outcomes/metric.html", "dashboard", context)


@require_GET
@role_required("commissioner")
@reads_from_replica
def metric_csv(request: SignedInRequest, metric: str) -> HttpResponse:
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
    writer.writerows(
        metric_csv_rows(
            state.table,
            CsvContext(
                info=info,
                start=state.start,  # type: ignore[arg-type]
                end=state.end,  # type: ignore[arg-type]
                window=state.window,
                level=state.level,
                code=state.code,
                dimension=state.dimension,
                computed_at=state.computed_at,
                exact=exact_for(request.user),
            ),
        )
    )
    return response


@require_POST
@role_required()
def metric_recompute(request: SignedInRequest, metric: str) -> HttpResponse:
    """Administrators only: start recomputing one metric for one period."""
    info = _info_or_404(metric)
    parsed = parse_period(request.POST.get("period", ""))
    window_raw = request.POST.get("window", "")
    window = int(window_raw) if window_raw.isdigit() else None
    if parsed is None or (info.uses_window and window not in (None, *WINDOW_CHOICES)):
        return render(
            request,
            "outcomes/_recompute_error.html",
            {"message": "Choose a period from the list, then recompute"},
            status=400,
        )
    start, end = parsed
    window = info.window_for(window)
    run = metric_recompute_start(
        metric=metric, start=start, end=end, window=window, by=request.user
    )
    pin_to_primary(request)
    if wants_partial(request):
        return render(request, "outcomes/metric.html#run", _run_context(run, info))
    return redirect(metric_url(metric, period=Period(metric, start, end, window, run.created_at)))


@require_POST
@role_required("commissioner")
def metric_compute(request: SignedInRequest, metric: str) -> HttpResponse:
    """Commissioners and administrators: compute one metric for a period not yet computed
    (a period already computed is left as it is: an administrator recomputes). Two people
    asking for the same period share one Run."""
    info = _info_or_404(metric)
    form = ComputeForm(request.POST, today=timezone.localdate())
    back = reverse("outcomes:metric", args=[metric])
    if not form.is_valid():
        return _compute_problem(request, form, back)
    start, end = form.cleaned_data["period"]
    window = info.window_for(form.cleaned_data.get("window"))
    if not period_computed(metric=metric, start=start, end=end, window=window):
        try:
            metrics_compute_on_request(
                metrics=[(metric, window)], start=start, end=end, by=request.user
            )
        except TooManyRunsError as error:
            form.add_error("period", str(error))
            return _compute_problem(request, form, back, status=429)
        pin_to_primary(request)
    return redirect(metric_url(metric, period=Period(metric, start, end, window, timezone.now())))


@require_GET
@role_required("commissioner")
def compute_status(request: SignedInRequest, pk: int) -> HttpResponse:
    """The progress of a computation asked for from a page (``outcomes/_compute.html``),
    polled by htmx while it is queued or running. When it is done, htmx reloads the page
    (``HX-Refresh``), which then shows the figures."""
    run = get_in_scope_or_404(metric_runs(), what="run", pk=pk)
    info = _info_or_404(run.kind.removeprefix("metric:"))
    context = _run_context(run, info)
    # "Check again" reloads the page the progress is shown on (htmx says which), else the
    # metric's page for the period.
    htmx = getattr(request, "htmx", None)
    context["check_again_url"] = (htmx and htmx.current_url_abs_path) or context["run_period_url"]
    if run.status == Run.Status.DONE:
        # The page reloaded next shows the new figures: read them where they were written.
        pin_to_primary(request)
    response = render(request, "outcomes/_compute.html", context)
    if run.status == Run.Status.DONE and wants_partial(request):
        response["HX-Refresh"] = "true"
    return response


@require_GET
@role_required()
def run_status(request: SignedInRequest, pk: int) -> HttpResponse:
    """The ``#run`` partial, polled by htmx while a recomputation is queued or running."""
    run = get_in_scope_or_404(metric_runs(), what="run", pk=pk)
    info = _info_or_404(run.kind.removeprefix("metric:"))
    if run.status == Run.Status.DONE:
        pin_to_primary(request)
    return render(request, "outcomes/metric.html#run", _run_context(run, info))


def _run_context(run: Run, info: Metric) -> dict[str, Any]:
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
    return {
        "run": run,
        "info": info,
        "run_period_url": metric_url(info.name, period=period),
        "run_period_key": period.key if period else "",
        "run_period_words": period_words(period.start, period.end) if period else "",
        "run_window": period.window if period and info.uses_window else "",
    }
