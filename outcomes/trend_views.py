"""Commissioner dashboards over time: a metric's trend (last two years by quarter or month)
and its PCNs or practices side by side for one period. Aggregates only, suppressed as on
every other page (``outcomes.trends``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from socialrx.access import role_required
from socialrx.db_routing import reads_from_replica
from socialrx.http import SignedInRequest

from .metrics.definition import Metric
from .metrics.dimensions import LEVEL_LABELS
from .metrics.periods import period_label, picker_periods
from .metrics.registry import metric_shown
from .selectors import metric_periods_list, period_latest
from .suppression import exact_for
from .trend_forms import CompareForm, TrendForm
from .trends import side_by_side, trend_build, trend_codes


def _info_or_404(metric: str) -> Metric:
    info = metric_shown(metric=metric)
    if info is None:
        raise Http404("No such metric")
    return info


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


@require_GET
@role_required("commissioner")
@reads_from_replica
def metric_trend(request: SignedInRequest, metric: str) -> HttpResponse:
    info = _info_or_404(metric)
    data = request.GET.copy()
    data.setdefault("value", info.headline)
    data.setdefault("level", "all")
    data.setdefault("step", "quarter")
    if info.uses_window:
        data.setdefault("window", str(info.window_for(None)))
    form = TrendForm(data, info=info)
    context: dict[str, Any] = {"info": info, "form": form, "trend": None, "codes": []}
    if form.is_valid():
        level = form.cleaned_data["level"]
        window = info.window_for(form.cleaned_data.get("window"))
        code = ""
        if level != "all":
            codes = trend_codes(info=info, level=level, window=window)
            context["codes"] = codes
            form.fields["code"].widget.choices = codes
            form.fields["code"].label = form["code"].label = LEVEL_LABELS[level]
            wanted = form.cleaned_data["code"]
            code = wanted if wanted in dict(codes) else (codes or [("", "")])[0][0]
        if level == "all" or code:
            trend = trend_build(
                info=info,
                value=form.cleaned_data["value"],
                level=level,
                code=code,
                window=window,
                step=form.cleaned_data["step"],
                today=timezone.localdate(),
                exact=exact_for(request.user),
            )
            name = dict(context["codes"]).get(code, code)
            where = "whole area" if level == "all" else f"{LEVEL_LABELS[level].lower()} {name}"
            context.update(trend=trend, where=where, chart=trend.chart(where=where))
    return render(request, "outcomes/trend.html", context, status=_status(form))


@require_GET
@role_required("commissioner")
@reads_from_replica
def metric_compare(request: SignedInRequest, metric: str) -> HttpResponse:
    info = _info_or_404(metric)
    if info.levels == ("all",):
        raise Http404("This metric is given for the whole area only")
    today = timezone.localdate()
    periods = metric_periods_list(metric=info.name)
    data = request.GET.copy()
    data.setdefault("value", info.headline)
    data.setdefault("level", "practice" if "practice" in info.levels else info.levels[-1])
    if info.uses_window:
        data.setdefault("window", str(info.window_for(None)))
    if not data.get("period"):
        latest = period_latest(
            periods=periods, metric=info.name, window=info.window_for(None), today=today
        )
        data["period"] = latest.key if latest else picker_periods(today=today)[0][0][0]
    form = CompareForm(data, info=info, periods=periods, today=today)
    context: dict[str, Any] = {"info": info, "form": form, "side": None, "period_text": ""}
    if form.is_valid():
        start, end = form.cleaned_data["period"]
        context["side"] = side_by_side(
            info=info,
            value=form.cleaned_data["value"],
            level=form.cleaned_data["level"],
            start=start,
            end=end,
            window=info.window_for(form.cleaned_data.get("window")),
            exact=exact_for(request.user),
        )
        context["period_text"] = period_label(start, end)
    return render(request, "outcomes/compare.html", context, status=_status(form))
