"""Dashboard filters: period, level (and its code), breakdown, and the demand window."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms

from socialrx.forms import NhsFormMixin

from .selectors import Period
from .services.dashboard import (
    DEMAND_DEFAULT_WINDOW,
    LEVEL_LABELS,
    MetricInfo,
    dimension_label,
)

PICKER_QUARTERS = 8
PICKER_YEARS = 12


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_label(start: dt.date, end: dt.date) -> str:
    if start.day == 1 and end == _month_end(end.year, end.month):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 3 and start.month in (1, 4, 7, 10):
            return f"{start:%B} to {end:%B %Y} (quarter)"
        if months == 12:
            return f"12 months to {end:%B %Y} ({start:%b %Y} to {end:%b %Y})"
    if start == _year_before(end) + dt.timedelta(days=1):
        return f"12 months to {end:%-d %B %Y}"
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def picker_periods(*, today: dt.date) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Calendar quarters (the current one and the ones before) and 12-month ranges ending on a
    month end (last month and the ones before), as (key, label)."""
    quarters = []
    q_month = (today.month - 1) // 3 * 3 + 1
    year, month = today.year, q_month
    for _ in range(PICKER_QUARTERS):
        start = dt.date(year, month, 1)
        ey, em = _add_months(year, month, 2)
        end = _month_end(ey, em)
        quarters.append((f"{start.isoformat()}/{end.isoformat()}", period_label(start, end)))
        year, month = _add_months(year, month, -3)
    years = []
    year, month = _add_months(today.year, today.month, -1)
    for _ in range(PICKER_YEARS):
        end = _month_end(year, month)
        sy, sm = _add_months(year, month, -11)
        start = dt.date(sy, sm, 1)
        years.append((f"{start.isoformat()}/{end.isoformat()}", period_label(start, end)))
        year, month = _add_months(year, month, -1)
    return quarters, years


def parse_period(key: str) -> tuple[dt.date, dt.date] | None:
    try:
        start_s, end_s = key.split("/")
        start, end = dt.date.fromisoformat(start_s), dt.date.fromisoformat(end_s)
    except ValueError:
        return None
    return (start, end) if start <= end else None


class MetricFilterForm(NhsFormMixin, forms.Form):
    period = forms.ChoiceField(
        label="Period", error_messages={"invalid_choice": "Choose a period from the list"}
    )
    window = forms.TypedChoiceField(
        label="Months before and after referral",
        coerce=int,
        choices=[(3, "3 months"), (6, "6 months"), (12, "12 months")],
        initial=DEMAND_DEFAULT_WINDOW,
        error_messages={"invalid_choice": "Choose 3, 6 or 12 months"},
    )
    level = forms.ChoiceField(
        label="Level", error_messages={"invalid_choice": "Choose a level from the list"}
    )
    # Its options depend on the period and level, so the view fills them in; a code that is
    # not among them (left over from another level) falls back to the first, not an error.
    code = forms.CharField(label="PCN or practice", required=False, widget=forms.Select)
    dimension = forms.ChoiceField(
        label="Breakdown", error_messages={"invalid_choice": "Choose a breakdown from the list"}
    )

    def __init__(
        self,
        *args: Any,
        info: MetricInfo,
        periods: list[Period],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.info = info
        computed: list[tuple[str, str]] = []
        for p in periods:
            if p.key not in {k for k, _ in computed}:
                computed.append((p.key, f"{period_label(p.start, p.end)}, computed"))
        keys = {k for k, _ in computed}
        quarters, years = picker_periods(today=today)
        groups: list[tuple[str, list[tuple[str, str]]]] = [
            ("Computed periods", computed),
            ("Calendar quarters", [(k, lab) for k, lab in quarters if k not in keys]),
            ("12-month periods", [(k, lab) for k, lab in years if k not in keys]),
        ]
        cast(forms.ChoiceField, self.fields["period"]).choices = [(g, c) for g, c in groups if c]
        cast(forms.ChoiceField, self.fields["level"]).choices = [
            (lv, LEVEL_LABELS[lv]) for lv in info.levels
        ]
        cast(forms.ChoiceField, self.fields["dimension"]).choices = [
            (d, dimension_label(dimension=d)) for d in ("total", *info.dimensions)
        ]
        if not info.uses_window:
            del self.fields["window"]

    def clean_period(self) -> tuple[dt.date, dt.date]:
        parsed = parse_period(self.cleaned_data["period"])
        if parsed is None:
            raise forms.ValidationError("Choose a period from the list")
        return parsed

    def clean_window(self) -> int:
        return self.cleaned_data.get("window") or DEMAND_DEFAULT_WINDOW
