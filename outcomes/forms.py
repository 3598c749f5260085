"""Dashboard filters: period, level (and its code), breakdown, and the demand window."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms

from socialrx.forms import NhsFormMixin

from .metrics.definition import DEFAULT_WINDOW, WINDOW_CHOICES, Metric
from .metrics.dimensions import LEVEL_LABELS, dimension_label
from .metrics.periods import parse_period, period_label, picker_periods
from .selectors import Period


class MetricFilterForm(NhsFormMixin, forms.Form):
    period = forms.ChoiceField(
        label="Period", error_messages={"invalid_choice": "Choose a period from the list"}
    )
    window = forms.TypedChoiceField(
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
        info: Metric,
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
        return self.info.window_for(self.cleaned_data.get("window"))
