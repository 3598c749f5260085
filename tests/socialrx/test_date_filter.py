"""socialrx's ``date`` filter (socialrx/templatetags/dates.py) writes what Django's does, on every
format the templates use and on the values they pass it."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation

from socialrx.templatetags.dates import date as fast_date

LONDON = zoneinfo.ZoneInfo("Europe/London")
USED = re.compile(r'\|date:"([^"]*)"')


def _formats_in_templates() -> set[str]:
    found: set[str] = set()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(directory).rglob("*.html"):
            found.update(USED.findall(path.read_text()))
    return found


FORMATS = sorted(
    _formats_in_templates()
    | {"d/m/y", "D d M Y, n", "Y-m-d H:i:s", "j M Y \\a\\t H:i", "DATE_FORMAT", "N j, Y", "g:i a"}
)

VALUES = [
    dt.date(2026, 1, 1),
    dt.date(2026, 12, 31),
    dt.date(2024, 2, 29),
    dt.date(999, 5, 9),
    dt.datetime(2026, 3, 29, 0, 59, 5, tzinfo=dt.UTC),  # the hour before British Summer Time
    dt.datetime(2026, 3, 29, 1, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # the hour that repeats
    dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 4, 23, 7, 9, tzinfo=LONDON),
    dt.datetime(2026, 6, 15, 9, 5),  # noqa: DTZ001 (a naive datetime, as Django formats it)
]


def _django(value: object, fmt: str) -> str:
    try:
        return str(django_date(value, fmt))
    except TypeError as error:
        return f"TypeError: {error}"


def _ours(value: object, fmt: str) -> str:
    try:
        return fast_date(value, fmt)
    except TypeError as error:
        return f"TypeError: {error}"


def test_the_templates_formats_are_checked() -> None:
    assert {"j M Y", "j F Y", "j M Y, H:i", "l j F Y, H:i", "D j M, H:i", "F Y"} <= set(FORMATS)


@pytest.mark.parametrize("language", ["en-gb", "cy", "fr"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_same_as_djangos(fmt: str, language: str) -> None:
    with translation.override(language), timezone.override(LONDON):
        for value in VALUES:
            # What the template engine passes a filter that expects local time.
            local = timezone.template_localtime(value)
            assert _ours(local, fmt) == _django(local, fmt), (value, fmt)


@pytest.mark.parametrize("value", [None, "", "not a date", 7, dt.time(9, 30)])
def test_other_values_as_django_does(value: object) -> None:
    for fmt in ("j M Y", "H:i", "DATE_FORMAT"):
        assert _ours(value, fmt) == _django(value, fmt)
    assert fast_date(dt.date(2026, 1, 2)) == django_date(dt.date(2026, 1, 2))


def test_templates_use_it_and_convert_to_local_time() -> None:
    template = Template('{{ when|date:"j M Y, H:i" }} {{ day|date:"l j F Y" }}')
    context = Context({"when": dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), "day": None})
    with timezone.override(LONDON):
        assert template.render(context) == "2 Jul 2026, 00:30 "
    # The last library of built-ins to define a filter is the one templates use.
    libraries = [lib for lib in template.engine.template_builtins if "date" in lib.filters]
    assert libraries[-1].filters["date"] is fast_date
