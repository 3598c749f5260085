"""Period arithmetic for the metrics, the nightly job and the dashboards: months as indexes,
calendar quarters, 12-month periods, and how a period is named and written in a URL."""

from __future__ import annotations

import datetime as dt

# How many periods of each kind the dashboard's period picker offers.
PICKER_MONTHS = 24
PICKER_QUARTERS = 8
PICKER_FINANCIAL_YEARS = 6
PICKER_YEARS = 12

# The longest custom range the dashboards compute on request: every metric is computed for
# the whole range at once, and a longer one would mostly say less (see docs/dashboards.md).
MAX_CUSTOM_YEARS = 5


def month_of(day: dt.date) -> int:
    """Months since year 0 (year × 12 + month − 1), the same number as SQL ``month_index``."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> dt.date:
    return month_start(index + 1) - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = month_of(day) - (day.month - 1) % 3
    return month_start(first), month_end(first + 2)


def financial_year_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The NHS financial year (1 April to 31 March) that ``day`` falls in."""
    first = day.year if day.month >= 4 else day.year - 1
    return dt.date(first, 4, 1), dt.date(first + 1, 3, 31)


def last_12_months(end: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending on ``end``: from the day after the same date a year earlier."""
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return year_before + dt.timedelta(days=1), end


def standard_periods(*, today: dt.date, quarters: int = 1) -> list[tuple[dt.date, dt.date]]:
    """The current quarter and the ``quarters − 1`` before it, then the 12 months ending on
    ``today``: what the nightly job refreshes and the demo fills."""
    periods = []
    start, end = quarter_of(today)
    for _ in range(quarters):
        periods.append((start, end))
        start, end = quarter_of(start - dt.timedelta(days=1))
    periods.append(last_12_months(today))
    return periods


def period_key(start: dt.date, end: dt.date) -> str:
    """A period as the dashboards write it in a URL: ``YYYY-MM-DD/YYYY-MM-DD``."""
    return f"{start.isoformat()}/{end.isoformat()}"


def parse_period(key: str) -> tuple[dt.date, dt.date] | None:
    try:
        start_s, end_s = key.split("/")
        start, end = dt.date.fromisoformat(start_s), dt.date.fromisoformat(end_s)
    except ValueError:
        return None
    return (start, end) if start <= end else None


def period_label(start: dt.date, end: dt.date) -> str:
    if start.day == 1 and end == month_end(month_of(end)):
        months = month_of(end) - month_of(start) + 1
        if months == 3 and start.month in (1, 4, 7, 10):
            return f"{start:%B} to {end:%B %Y} (quarter)"
        if months == 12 and start.month == 4:
            return f"{start:%B %Y} to {end:%B %Y} (financial year)"
        if months == 1:
            return f"{start:%B %Y}"
        if months == 12:
            return f"12 months to {end:%B %Y} ({start:%b %Y} to {end:%b %Y})"
    if (start, end) == last_12_months(end):
        return f"12 months to {end:%-d %B %Y}"
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def period_words(start: dt.date, end: dt.date) -> str:
    """A period in words, both dates in full: "1 April 2026 to 30 June 2026"."""
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


def longest_end(start: dt.date) -> dt.date:
    """The last end date a custom range starting on ``start`` may have (``MAX_CUSTOM_YEARS``
    years, less a day)."""
    try:
        later = start.replace(year=start.year + MAX_CUSTOM_YEARS)
    except ValueError:  # 29 February
        later = start.replace(year=start.year + MAX_CUSTOM_YEARS, month=3, day=1)
    return later - dt.timedelta(days=1)


def picker_groups(*, today: dt.date) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every period the picker offers, by kind, newest first, as (group label, [(key,
    label)]): months, calendar quarters, financial years (April to March) and 12-month
    periods. Each list starts with the period ``today`` falls in (the current month, quarter
    or financial year), whose end may lie ahead."""
    months = []
    index = month_of(today)
    for _ in range(PICKER_MONTHS):
        start, end = month_start(index), month_end(index)
        months.append((period_key(start, end), f"{start:%B %Y}"))
        index -= 1
    financial = []
    start, end = financial_year_of(today)
    for _ in range(PICKER_FINANCIAL_YEARS):
        financial.append((period_key(start, end), period_label(start, end)))
        start, end = start.replace(year=start.year - 1), end.replace(year=end.year - 1)
    quarters, years = picker_periods(today=today)
    return [
        ("Months", months),
        ("Calendar quarters", quarters),
        ("Financial years", financial),
        ("12-month periods", years),
    ]


def picker_periods(*, today: dt.date) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Calendar quarters (the current one and the ones before) and 12-month ranges ending on a
    month end (last month and the ones before), as (key, label)."""
    quarters = []
    first = month_of(quarter_of(today)[0])
    for _ in range(PICKER_QUARTERS):
        start, end = month_start(first), month_end(first + 2)
        quarters.append((period_key(start, end), period_label(start, end)))
        first -= 3
    years = []
    last = month_of(today) - 1
    for _ in range(PICKER_YEARS):
        start, end = month_start(last - 11), month_end(last)
        years.append((period_key(start, end), period_label(start, end)))
        last -= 1
    return quarters, years
