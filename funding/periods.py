"""Months: periods on the funding pages are whole calendar months."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` to the month's first day; ValueError if it is not one."""
    match = _MONTH.match(text.strip())
    if not match:
        raise ValueError("not a month")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError("not a month")
    return dt.date(year, month, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months
