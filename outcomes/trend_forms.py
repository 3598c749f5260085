"""Filters of the trend and side-by-side pages (docs/dashboards.md, "Trends")."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms

from socialrx.forms import NhsFormMixin

from .metrics.definition import DEFAULT_WINDOW, WINDOW_CHOICES, Metric
from .metrics.dimensions import LEVEL_LABELS
from .metrics.periods import parse_period, period_label, picker_periods
from .selectors import Period
from .trends import STEPS


def _window_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Months before and after referral",
        coerce=int,
        choices=[(w, f"{w} months") for w in WINDOW_CHOICES],
        initial=DEFAULT_WINDOW,
        error_messages={
            "invalid_choice": "Choose "
            + ", ".join(str(w) for w in WINDOW_CHOICES[:-1])
            + f" or {WINDOW_CHOICES[-1]} months"
        },
    )


class _MetricForm(NhsFormMixin, forms.Form):
    value = forms.ChoiceField(
        label="Figure", error_messages={"invalid_choice": "Choose a figure from the list"}
    )
    window = _window_field()

    def __init__(self, *args: Any, info: Metric, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.info = info
        cast(forms.ChoiceField, self.fields["value"]).choices = list(info.values.items())
        if not info.uses_window:
            del self.fields["window"]

    def clean_window(self) -> int:
        return self.info.window_for(self.cleaned_data.get("window"))


class TrendForm(_MetricForm):
    level = forms.ChoiceField(
        label="Level", error_messages={"invalid_choice": "Choose a level from the list"}
    )
    # Filled in by the view (the codes stored); a code not among them falls back to the first.
    code = forms.CharField(label="PCN or practice", required=False, widget=forms.Select)
    step = forms.ChoiceField(
        label="Periods",
        choices=list(STEPS.items()),
        error_messages={"invalid_choice": "Choose quarters or months"},
    )

    field_order = ["value", "level", "code", "step", "window"]

    def __init__(self, *args: Any, info: Metric, **kwargs: Any) -> None:
        super().__init__(*args, info=info, **kwargs)
        cast(forms.ChoiceField, self.fields["level"]).choices = [
            (lv, LEVEL_LABELS[lv]) for lv in info.levels
        ]


class CompareForm(_MetricForm):
    period = forms.ChoiceField(
        label="Period", error_messages={"invalid_choice": "Choose a period from the list"}
    )
    level = forms.ChoiceField(
        label="Side by side",
        error_messages={"invalid_choice": "Choose PCNs or practices"},
    )

    field_order = ["value", "period", "level", "window"]

    def __init__(
        self, *args: Any, info: Metric, periods: list[Period], today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, info=info, **kwargs)
        computed: list[tuple[str, str]] = []
        for p in periods:
            if p.key not in {k for k, _ in computed}:
                computed.append((p.key, f"{period_label(p.start, p.end)}, computed"))
        keys = {k for k, _ in computed}
        quarters, _years = picker_periods(today=today)
        groups = [
            ("Computed periods", computed),
            ("Calendar quarters", [(k, lab) for k, lab in quarters if k not in keys]),
        ]
        cast(forms.ChoiceField, self.fields["period"]).choices = [(g, c) for g, c in groups if c]
        cast(forms.ChoiceField, self.fields["level"]).choices = [
            (lv, "Primary care networks" if lv == "pcn" else "Practices")
            for lv in info.levels
            if lv != "all"
        ]

    def clean_period(self) -> tuple[dt.date, dt.date]:
        parsed = parse_period(self.cleaned_data["period"])
        if parsed is None:
            raise forms.ValidationError("Choose a period from the list")
        return parsed
