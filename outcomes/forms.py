"""Dashboard filters: the period picker (months, quarters, financial years, 12-month periods
or the user's own dates), level (and its code), breakdown, and the demand window; the
overview's PCN and practice; and the period a computation is asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.http import QueryDict

from socialrx.forms import NhsDateField, NhsFormMixin

from .metrics.definition import DEFAULT_WINDOW, WINDOW_CHOICES, Metric
from .metrics.dimensions import LEVEL_LABELS, dimension_label
from .metrics.periods import (
    MAX_CUSTOM_YEARS,
    longest_end,
    parse_period,
    period_label,
    picker_groups,
)
from .selectors import Period

CUSTOM = "custom"
CHOOSE_PERIOD = "Choose a period from the list"


def offered_periods(
    *, periods: list[Period], today: dt.date
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's groups: the periods already computed, then months, quarters, financial
    years and 12-month periods not among them, then "your own dates"."""
    computed: list[tuple[str, str]] = []
    for p in periods:
        if p.key not in {k for k, _ in computed}:
            computed.append((p.key, f"{period_label(p.start, p.end)}, computed"))
    seen = {k for k, _ in computed}
    groups = [("Computed periods", computed)]
    for label, choices in picker_groups(today=today):
        # A period in two groups (a financial year is also 12 months) is listed once, first.
        groups.append((label, [(k, lab) for k, lab in choices if k not in seen]))
        seen.update(k for k, _ in choices)
    groups.append(("Your own dates", [(CUSTOM, "Custom dates (enter them below)")]))
    return [(g, c) for g, c in groups if c]


def custom_period_errors(start: dt.date, end: dt.date, *, today: dt.date) -> dict[str, str]:
    """What is wrong with a range of the user's own, by field ("start", "end"); empty if
    nothing."""
    errors: dict[str, str] = {}
    if start > today:
        errors["start"] = "The start date must be today or in the past"
    if end > today:
        errors["end"] = "The end date must be today or in the past"
    if "start" not in errors and start > end:
        errors["start"] = "The start date must be the same as or before the end date"
    if not errors and end > longest_end(start):
        errors["end"] = (
            f"A custom period can be at most {MAX_CUSTOM_YEARS} years long: choose an end "
            f"date on or before {longest_end(start):%-d %B %Y}"
        )
    return errors


class PeriodForm(NhsFormMixin, forms.Form):
    """The period picker. ``period`` is a key (``YYYY-MM-DD/YYYY-MM-DD``) from the list, or
    ``custom`` with a start and end date typed in. A key that is not in the list (a link to
    a custom range) is shown as custom with its dates filled in, and checked as one.

    With ``custom`` chosen and no dates typed yet, the form is valid with no period (the
    page asks for the dates), unless the "Show figures" button (``show``) was used."""

    period = forms.CharField(
        label="Period", widget=forms.Select, error_messages={"required": CHOOSE_PERIOD}
    )
    start = NhsDateField(label="Start date", required=False)
    end = NhsDateField(label="End date", required=False)

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        periods: list[Period],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        self.today = today
        self.groups = offered_periods(periods=periods, today=today)
        self.offered = {k for _, choices in self.groups for k, _ in choices}
        if data is not None:
            data = _custom_from_key(data, offered=self.offered)
        super().__init__(data, *args, **kwargs)
        cast(forms.Select, self.fields["period"].widget).choices = self.groups
        self.fields["start"].help_text = "For example, 1 4 2026"
        self.fields["end"].help_text = (
            f"For example, 30 6 2026. Today or earlier; at most {MAX_CUSTOM_YEARS} years "
            "after the start date"
        )
        self.needs_dates = False
        self.auto_submit()

    def auto_submit(self) -> None:
        """Lists update the figures as soon as one is changed (htmx, ``sx-auto``); the typed
        dates wait for the "Show figures" button."""
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select) and "sx-auto" not in field.widget.attrs.get(
                "class", ""
            ):
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} sx-auto"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "period" in self.errors:
            return cleaned
        key = cleaned.get("period") or ""
        if key != CUSTOM:
            if key not in self.offered or parse_period(key) is None:
                self.add_error("period", CHOOSE_PERIOD)
                return cleaned
            cleaned["period"] = parse_period(key)
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if "start" in self.errors or "end" in self.errors:
            cleaned["period"] = None
            return cleaned
        if start is None and end is None and not self.data.get("show"):
            self.needs_dates = True
            cleaned["period"] = None
            return cleaned
        if start is None:
            self.add_error("start", "Enter the start date")
        if end is None:
            self.add_error("end", "Enter the end date")
        if start is None or end is None:
            cleaned["period"] = None
            return cleaned
        for name, message in custom_period_errors(start, end, today=self.today).items():
            self.add_error(name, message)
        cleaned["period"] = None if self.errors else (start, end)
        return cleaned


def _custom_from_key(data: Any, *, offered: set[str]) -> Any:
    """A period key that is not offered, but is a range, stands for custom dates."""
    key = data.get("period", "")
    parsed = parse_period(key) if key and key not in offered else None
    if parsed is None:
        return data
    data = data.copy() if isinstance(data, QueryDict) else dict(data)
    data["period"] = CUSTOM
    data["show"] = "1"
    for name, day in zip(("start", "end"), parsed, strict=True):
        data[f"{name}_day"], data[f"{name}_month"], data[f"{name}_year"] = (
            str(day.day),
            str(day.month),
            str(day.year),
        )
    return data


def _dates_typed(data: Any) -> bool:
    return any(
        (data.get(f"{name}_{part}") or "").strip()
        for name in ("start", "end")
        for part in ("day", "month", "year")
    )


class MetricFilterForm(PeriodForm):
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
        super().__init__(*args, periods=periods, today=today, **kwargs)
        self.info = info
        cast(forms.ChoiceField, self.fields["level"]).choices = [
            (lv, LEVEL_LABELS[lv]) for lv in info.levels
        ]
        cast(forms.ChoiceField, self.fields["dimension"]).choices = [
            (d, dimension_label(dimension=d)) for d in ("total", *info.dimensions)
        ]
        if not info.uses_window:
            del self.fields["window"]
        self.auto_submit()

    def clean_window(self) -> int:
        return self.info.window_for(self.cleaned_data.get("window"))


LATEST = "latest"  # the overview's default choice: each measure's latest computed period


class OverviewFilterForm(PeriodForm):
    """The overview's filters: a period (or each measure's latest), a PCN, a practice."""

    pcn = forms.ChoiceField(label="Primary care network (PCN)", required=False)
    practice = forms.ChoiceField(label="Practice", required=False)

    def __init__(
        self,
        *args: Any,
        practices: list[tuple[str, str, str, str]],
        periods: list[Period],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        """``practices``: (ODS code, name, PCN code, PCN name) of every practice."""
        data = args[0] if args else kwargs.pop("data", None)
        if data is not None and (data.get("period") or LATEST) == LATEST:
            data = data.copy() if isinstance(data, QueryDict) else dict(data)
            # Dates typed with the period left at "latest": the dates are what was meant.
            data["period"] = CUSTOM if _dates_typed(data) else LATEST
        super().__init__(data, *args[1:], periods=periods, today=today, **kwargs)
        self.groups = [("", [(LATEST, "Latest computed, for each measure")]), *self.groups]
        cast(forms.Select, self.fields["period"].widget).choices = self.groups
        self.pcn_of = {ods: pcn for ods, _, pcn, _ in practices}
        pcns = sorted({(pcn, name) for _, _, pcn, name in practices if pcn}, key=lambda p: p[1])
        pcn_names = {code: f"{name} ({code})" for code, name in pcns}
        practice_names = {ods: f"{name} ({ods})" for ods, name, _, _ in practices}
        self.names = {**pcn_names, **practice_names}  # code -> how pages name it
        cast(forms.ChoiceField, self.fields["pcn"]).choices = [
            ("", "All PCNs"),
            *pcn_names.items(),
        ]
        cast(forms.ChoiceField, self.fields["practice"]).choices = [
            ("", "All practices"),
            *practice_names.items(),
        ]
        self.fields["pcn"].error_messages["invalid_choice"] = "Choose a PCN from the list"
        self.fields["practice"].error_messages["invalid_choice"] = "Choose a practice from the list"

    def clean(self) -> dict[str, Any]:
        if self.latest:
            cleaned = forms.Form.clean(self) or {}
            cleaned["period"] = None
        else:
            cleaned = super().clean()
        pcn, practice = cleaned.get("pcn"), cleaned.get("practice")
        if pcn and practice and self.pcn_of.get(practice) != pcn:
            self.add_error("practice", "Choose a practice in the PCN you chose, or all practices")
        return cleaned

    @property
    def latest(self) -> bool:
        return (self.data.get("period") or LATEST) == LATEST

    def where(self) -> tuple[str, str]:
        """(level, code) of the figures asked for."""
        if self.cleaned_data.get("practice"):
            return "practice", self.cleaned_data["practice"]
        if self.cleaned_data.get("pcn"):
            return "pcn", self.cleaned_data["pcn"]
        return "all", ""


class ComputeForm(forms.Form):
    """The period (and, for demand, the window) a computation is asked for: a period the
    picker offers, or a custom range within its bounds."""

    period = forms.CharField(error_messages={"required": CHOOSE_PERIOD})
    window = forms.TypedChoiceField(
        coerce=int, choices=[(w, w) for w in WINDOW_CHOICES], required=False, empty_value=None
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.offered = {k for _, choices in picker_groups(today=today) for k, _ in choices}

    def clean_period(self) -> tuple[dt.date, dt.date]:
        key = self.cleaned_data["period"]
        parsed = parse_period(key)
        if parsed is None:
            raise forms.ValidationError(CHOOSE_PERIOD)
        if key not in self.offered:
            errors = custom_period_errors(*parsed, today=self.today)
            if errors:
                raise forms.ValidationError(next(iter(errors.values())))
        return parsed
