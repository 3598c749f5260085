"""How the dashboards show metric figures: the text of a figure, a metric's table (which its
CSV repeats) and chart, an overview card, and a metric page's URL. Which rows may be seen, and
which figures are withheld, is decided before these are called."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from .metrics.definition import Metric
from .metrics.dimensions import dimension_label, group_label
from .metrics.periods import period_label
from .metrics.registry import METRICS
from .selectors import Period
from .suppression import rows_present


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


def _value_names(info: Metric, rows: list[dict]) -> list[str]:
    """The metric's value names present in these rows, in the registry's order (any name the
    computation adds that the registry does not know goes last)."""
    present: set[str] = set()
    for row in rows:
        present.update(row["values"])
    known = [n for n in info.values if n in present]
    return known + sorted(present - set(info.values))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    any_withheld: bool = False

    def csv_rows(self) -> list[list[str]]:
        return [self.headers, *[[c["text"] for c in row] for row in self.rows]]


def table_and_chart(
    *, info: Metric, rows: list[dict], dimension: str, where: str
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
    group_rows = info.rows_ordered(r for r in rows if r["dimension"] == dimension)
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


def overview_card(
    info: Metric, period: Period | None, rows: list[dict], exact: bool
) -> dict[str, Any]:
    card: dict[str, Any] = {"info": info, "period": period, "url": metric_url(info.name)}
    if period is None:
        return card
    card["period_label"] = period_label(period.start, period.end)
    card["url"] = metric_url(info.name, period=period)
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


def metric_url(metric: str, *, period: Period | None = None, **params: Any) -> str:
    url = reverse("outcomes:metric", args=[metric])
    if period is not None:
        params = {"period": period.key, **params}
        if METRICS[metric].uses_window:
            params.setdefault("window", period.window)
    return f"{url}?{urlencode(params)}" if params else url
