"""How the dashboards show metric figures: the text of a figure, a metric's table (which its
CSV repeats) and chart, an overview card, and a metric page's URL. Which rows may be seen, and
which figures are withheld, is decided before these are called."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from .metrics.definition import Count, Metric, PctOf
from .metrics.dimensions import LEVEL_LABELS, dimension_label, group_label
from .metrics.intervals import LEVEL, mean_interval, proportion_interval
from .metrics.periods import period_label, period_words
from .metrics.registry import METRICS
from .selectors import Period
from .suppression import rows_present_cached


def cell_text(value: Any, *, withheld: bool, kind: str = "") -> str:
    """A figure as pages (and their CSV) show it: one decimal place, ``*`` when withheld.

    Zero never carries a sign (-0.04 shows as 0.0). An index (``kind`` "index") that one
    decimal would show as 0.0 gets two, so that "no gradient" is not read into a small one."""
    if withheld:
        return "*"
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        rounded = _one_decimal(value)
        if kind == "index" and not rounded:
            rounded = _rounded(value, "0.01")
        return f"{(rounded if rounded else abs(rounded)):,}"
    return str(value)


def _rounded(value: float, step: str) -> Decimal:
    # Half away from zero (8.25 -> 8.3), as people round; via str so 8.25 is not 8.2499...
    return Decimal(str(value)).quantize(Decimal(step), rounding=ROUND_HALF_UP)


def _one_decimal(value: float) -> Decimal:
    return _rounded(value, "0.1")


def _kind(info: Metric, name: str) -> str:
    described = info.value(name)
    return described.kind if described else ""


# --- confidence intervals ------------------------------------------------------------------

INTERVAL_LABEL = f"{LEVEL:.0%} confidence interval"
_PER = {"percent": 100, "rate": 1000}


def interval_of(info: Metric, name: str, values: dict[str, Any]) -> tuple[float, float] | None:
    """The confidence interval of a percentage or rate, from the counts it rests on: its
    numerator (a count, or recovered from a stored percentage) out of its denominator; of a
    mean, the t interval from its standard deviation and ``n``. None when the value is of
    another kind or the row does not hold what the interval needs."""
    described = info.value(name)
    if described is None or values.get(name) is None:
        return None
    if described.kind == "mean":
        return _mean_interval(described.sd, values.get(name), values)
    if described.kind not in _PER:
        return None
    try:
        pct_of = next((b for b in described.bases if isinstance(b, PctOf)), None)
        if pct_of is not None:
            trials = int(values[pct_of.of])
            successes = round(values[pct_of.pct] * trials / 100)
        else:
            counts = [b for b in described.bases if isinstance(b, Count)]
            if len(counts) != 2:
                return None
            successes, trials = (int(sum(values[n] for n in c.names)) for c in counts)
    except (KeyError, TypeError):
        return None
    return proportion_interval(successes, trials, per=_PER[described.kind])


def _mean_interval(sd: str, value: Any, values: dict[str, Any]) -> tuple[float, float] | None:
    n, spread = values.get("n"), values.get(sd) if sd else None
    if spread is None or not isinstance(n, int | float) or isinstance(n, bool):
        return None
    return mean_interval(float(value), float(spread), int(n))


def has_interval(info: Metric, name: str, rows: list[dict] | None = None) -> bool:
    """Whether the value gets an interval: a percentage or rate always; a mean when its
    standard deviation is stored (in any of ``rows``, when given: a snapshot computed before
    standard deviations were stored has none)."""
    described = info.value(name)
    if described is None:
        return False
    if described.kind in _PER:
        return True
    if described.kind != "mean" or not described.sd:
        return False
    return rows is None or any(described.sd in r["values"] for r in rows)


def interval_text(info: Metric, name: str, row: dict) -> str:
    """The interval as pages and CSV show it; ``*`` when the value it is about is withheld
    (it rests on the same counts), ``–`` when there is none."""
    if name in row["withheld"]:
        return "*"
    bounds = interval_of(info, name, row["values"])
    if bounds is None:
        return "–"
    low, high = (cell_text(b, withheld=False) for b in bounds)
    return f"{low} to {high}"


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
    # Values the registry keeps out of tables (standard deviations) stay out.
    described = {v.name for v in info.stored_values}
    return known + sorted(present - described)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    any_withheld: bool = False
    reasons: list[str] = field(default_factory=list)  # why figures are withheld, in words

    def note_withheld(self, info: Metric, row: dict, names: list[str], where: str = "") -> None:
        """Say why the row's withheld figures are withheld, one line per reason."""
        by_reason: dict[str, list[str]] = {}
        for name in names:
            if name in row["withheld"]:
                reason = row.get("reasons", {}).get(name, "a count it rests on is from 1 to 7")
                by_reason.setdefault(reason, []).append(info.label(name))
        for reason, labels in by_reason.items():
            what = ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + labels[-1]
            verb = "are" if len(labels) > 1 else "is"
            self.reasons.append(f"{where}{what} {verb} withheld because {reason}.")

    def csv_rows(self) -> list[list[str]]:
        return [self.headers, *[[c["text"] for c in row] for row in self.rows]]


_AXIS_UNITS = {
    "percent": "Per cent (%)",
    "rate": "Per 1,000 registered",
    "count": "Number",
    "mean": "Mean",
    "sd": "Standard deviation",
    "median": "Days",
}


def _axis_title(info: Metric, names: list[str]) -> str:
    """What the value axis measures: the value's own label when one is charted, else the
    unit the charted values share."""
    if len(names) == 1:
        return info.label(names[0])
    kinds = {_kind(info, n) for n in names}
    return _AXIS_UNITS.get(kinds.pop(), "Value") if len(kinds) == 1 else "Value"


def _chart(
    info: Metric,
    *,
    labels: list[str],
    cells: list[tuple[str, dict]],
    dataset: str,
    description: str,
    x_title: str,
) -> dict[str, Any]:
    """Chart data for (value name, row) pairs: the bars, which bars are withheld (drawn
    differently from zero), their confidence intervals, and the axis titles."""
    withheld = [name in row["withheld"] for name, row in cells]
    hidden = [label for label, w in zip(labels, withheld, strict=True) if w]
    if hidden:
        description += f"; withheld: {', '.join(hidden)}"
    intervals = [
        None
        if name in row["withheld"]
        else [float(_one_decimal(b)) for b in (interval_of(info, name, row["values"]) or ())]
        or None
        for name, row in cells
    ]
    return {
        "labels": labels,
        "datasets": [
            {
                "label": dataset,
                "data": [
                    _chart_number(row["values"].get(name), withheld=name in row["withheld"])
                    for name, row in cells
                ],
            }
        ],
        "withheld": withheld,
        "intervals": intervals,
        "any_withheld": any(withheld),
        "any_interval": any(intervals),
        "x_title": x_title,
        "y_title": _axis_title(info, sorted({name for name, _ in cells})),
        "description": description,
    }


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
        table.note_withheld(info, row, names)
        for name in names:
            withheld = name in row["withheld"]
            table.any_withheld |= withheld
            text = cell_text(row["values"][name], withheld=withheld, kind=_kind(info, name))
            table.rows.append(
                [
                    {"text": label.get(name, name), "header": True},
                    {"text": text, "numeric": True},
                ]
            )
            if has_interval(info, name, [row]) and text != "–":
                table.rows.append(
                    [
                        {"text": f"{label.get(name, name)}: {INTERVAL_LABEL}", "header": True},
                        {"text": interval_text(info, name, row), "numeric": True},
                    ]
                )
        charted = [n for n in info.chart_total if n in row["values"]]
        chart = _chart(
            info,
            labels=[label.get(n, n) for n in charted],
            cells=[(n, row) for n in charted],
            dataset=info.title,
            description=", ".join(label.get(n, n) for n in charted),
            x_title="Measure",
        )
        return table, chart
    group_rows = info.rows_ordered(r for r in rows if r["dimension"] == dimension)
    names = _value_names(info, group_rows)
    value = info.chart_group
    # The charted figure's interval gets a column beside it (the other figures' intervals
    # are in the overall table).
    with_interval = value if value in names and has_interval(info, value, group_rows) else ""
    headers = [dimension_label(dimension=dimension)]
    for n in names:
        headers.append(label.get(n, n))
        if n == with_interval:
            headers.append(f"{label.get(n, n)}: {INTERVAL_LABEL}")
    table = Table(
        caption=f"{info.title} by {_lower_first(dimension_label(dimension=dimension))}: {where}",
        headers=headers,
    )
    for r in group_rows:
        group = group_label(dimension=dimension, group=r["group"])
        table.note_withheld(info, r, names, where=f"{group}: ")
        cells = [{"text": group, "header": True}]
        for name in names:
            withheld = name in r["withheld"]
            table.any_withheld |= withheld
            text = cell_text(r["values"].get(name), withheld=withheld, kind=_kind(info, name))
            cells.append({"text": text, "numeric": True})
            if name == with_interval:
                cells.append(
                    {
                        "text": interval_text(info, name, r) if text != "–" else "–",
                        "numeric": True,
                    }
                )
        table.rows.append(cells)
    chart = _chart(
        info,
        labels=[group_label(dimension=dimension, group=r["group"]) for r in group_rows],
        cells=[(value, r) for r in group_rows],
        dataset=label.get(value, value),
        description=f"{label.get(value, value)} by {_lower_first(dimension_label(dimension=dimension))}",
        x_title=dimension_label(dimension=dimension),
    )
    return table, chart


# --- the deprivation gradient in words --------------------------------------------------------

MOST, LEAST = "1", "5"  # IMD quintile 1 is the most deprived fifth of areas


def gradient_words(info: Metric, rows: list[dict]) -> str:
    """Whether the most deprived fifth is reached more or less than the least deprived, in
    one sentence, from shown rows of one level and code. Empty for a metric without a
    gradient or rows without the quintiles."""
    name = info.gradient
    if not name:
        return ""
    by_group = {r["group"]: r for r in rows if r["dimension"] == "imd_quintile"}
    total = next((r for r in rows if r["dimension"] == "total"), None)
    most, least = by_group.get(MOST), by_group.get(LEAST)
    if total is None or most is None or least is None:
        return ""
    label = _lower_first(info.label(name))
    if name in most["withheld"] or name in least["withheld"]:
        return (
            "The most and least deprived fifths cannot be compared here: a figure they rest "
            "on is from 1 to 7 and is withheld."
        )
    a, b = most["values"].get(name), least["values"].get(name)
    if a is None or b is None:
        return (
            "The most and least deprived fifths cannot be compared here: one of them has no "
            "registered population."
        )
    rounded_a, rounded_b = _one_decimal(a), _one_decimal(b)
    if rounded_a < rounded_b:
        how = "less than"
    elif rounded_a > rounded_b:
        how = "more than"
    else:
        how = "as much as"
    text = (
        f"The most deprived fifth of areas (IMD quintile 1) is reached {how} the least "
        f"deprived fifth (quintile 5): {cell_text(a, withheld=False)} against "
        f"{cell_text(b, withheld=False)} {label}"
    )
    overall = total["values"].get(name)
    if overall is not None and name not in total["withheld"]:
        text += f", and {cell_text(overall, withheld=False)} across everyone"
    text += "."
    ia, ib = interval_of(info, name, most["values"]), interval_of(info, name, least["values"])
    if how != "as much as" and ia and ib and ia[0] <= ib[1] and ib[0] <= ia[1]:
        text += f" Their {INTERVAL_LABEL}s overlap, so the difference may be no more than chance."
    return text


def by_quintile(info: Metric, rows: list[dict]) -> list[tuple[str, str]]:
    """(group label, figure) of the gradient value for each IMD quintile, most deprived first."""
    if not info.gradient:
        return []
    return [
        (
            group_label(dimension="imd_quintile", group=r["group"]),
            cell_text(r["values"].get(info.gradient), withheld=info.gradient in r["withheld"]),
        )
        for r in info.rows_ordered(r for r in rows if r["dimension"] == "imd_quintile")
        if r["group"] in ("1", "2", "3", "4", "5")
    ]


# --- the overview --------------------------------------------------------------------------


def overview_card(
    info: Metric,
    period: Period | None,
    rows: list[dict],
    exact: bool,
    *,
    level: str = "all",
    code: str = "",
    name: str = "",
) -> dict[str, Any]:
    """One measure's card: its headline figure and the counts it rests on, for the whole area
    or one PCN or practice (``name`` says which), with its period in words. A measure not
    given at that level shows the whole area's figures and says so."""
    card: dict[str, Any] = {"info": info, "period": period, "url": metric_url(info.name)}
    if level not in info.levels:
        card["whole_area_only"] = LEVEL_LABELS[level].lower()
        level, code = "all", ""
    card["where"] = "Whole area" if level == "all" else f"{LEVEL_LABELS[level]} {name or code}"
    if period is None:
        return card
    card["period_label"] = period_label(period.start, period.end)
    card["period_words"] = period_words(period.start, period.end)
    extra = {"level": level, "code": code} if level != "all" else {}
    card["url"] = metric_url(info.name, period=period, **extra)
    # Suppression sees every level; the card shows the level and code asked for.
    shown = [
        r
        for r in rows_present_cached(metric=info.name, rows=rows, exact=exact)
        if r["level"] == level and r["code"] == code
    ]
    total = next((r for r in shown if r["dimension"] == "total"), None)
    if total is None:
        return card
    values, withheld = total["values"], total["withheld"]
    card["computed_at"] = max(r["computed_at"] for r in rows if r["metric"] == info.name)
    card["headline_label"] = info.values.get(info.headline, info.headline)
    card["headline"] = cell_text(
        values.get(info.headline),
        withheld=info.headline in withheld,
        kind=_kind(info, info.headline),
    )
    card["cohort"] = [
        (info.values.get(n, n), cell_text(values.get(n), withheld=n in withheld))
        for n in info.cohort
        if n in values and n != info.headline
    ]
    card["secondary"] = [
        (
            info.values.get(n, n),
            cell_text(values.get(n), withheld=n in withheld, kind=_kind(info, n)),
        )
        for n in info.secondary
        if n in values
    ]
    card["withheld"] = bool(withheld)
    card["gradient"] = gradient_words(info, shown)
    card["by_quintile"] = by_quintile(info, shown)
    card["gradient_label"] = info.label(info.gradient) if info.gradient else ""
    return card


def metric_url(metric: str, *, period: Period | None = None, **params: Any) -> str:
    url = reverse("outcomes:metric", args=[metric])
    if period is not None:
        params = {"period": period.key, **params}
        if METRICS[metric].uses_window:
            params.setdefault("window", period.window)
    return f"{url}?{urlencode(params)}" if params else url
