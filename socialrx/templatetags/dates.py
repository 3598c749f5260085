"""Django's ``date`` filter with a fast path, installed in place of it for every template
(``TEMPLATES``' ``builtins`` in the settings).

Django's filter parses its format on each call, builds a formatter for each date and looks up
the month's or the day's name through the translation machinery each time: about 15% of the
caseload's server time, which formats three dates on each of its rows. Here each format is
parsed once per process, and the names are kept per language, so a date costs a few string
operations. The output is Django's, character for character
(``tests/socialrx/test_date_filter.py`` compares the two on every format the templates use):
formats with anything else in them (a backslash, any other format character, a format
setting's name such as ``"DATE_FORMAT"``), and values that are neither dates nor datetimes, go to
Django's own filter.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from django import template
from django.template.defaultfilters import date as django_date
from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import FORMAT_SETTINGS

register = template.Library()

# Every format character Django knows (django.utils.dateformat.re_formatchars).
_FORMAT_CHARS = re.compile(r"([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
_DATE_PARTS = frozenset("dDFjlmMnyY")
_TIME_PARTS = frozenset("His")


@functools.lru_cache(maxsize=32)
def _names(language: str | None) -> dict[str, tuple[str, ...]]:
    """The month and day names as ``dateformat`` writes them, in ``language`` (the active
    language, which translates them: the argument is what they are kept under)."""
    return {
        "F": ("", *(str(MONTHS[m]) for m in range(1, 13))),
        "M": ("", *(str(MONTHS_3[m]).title() for m in range(1, 13))),
        "l": tuple(str(WEEKDAYS[d]) for d in range(7)),
        "D": tuple(str(WEEKDAYS_ABBR[d]) for d in range(7)),
    }


Part = Callable[[Any, dict[str, tuple[str, ...]]], str]

_PARTS: dict[str, Part] = {
    "d": lambda v, n: f"{v.day:02d}",
    "j": lambda v, n: str(v.day),
    "m": lambda v, n: f"{v.month:02d}",
    "n": lambda v, n: str(v.month),
    "y": lambda v, n: f"{(v.year % 100):02d}",
    "Y": lambda v, n: f"{v.year:04d}",
    "F": lambda v, n: n["F"][v.month],
    "M": lambda v, n: n["M"][v.month],
    "l": lambda v, n: n["l"][v.weekday()],
    "D": lambda v, n: n["D"][v.weekday()],
    "H": lambda v, n: f"{v.hour:02d}",
    "i": lambda v, n: f"{v.minute:02d}",
    "s": lambda v, n: f"{v.second:02d}",
}


@functools.lru_cache(maxsize=256)
def _compiled(fmt: str) -> tuple[tuple[str | Part, ...], bool] | None:
    """The format's pieces (literal text, or a function of the value and the names) and
    whether it shows the time; ``None`` when Django's filter must do it."""
    if "\\" in fmt or fmt in FORMAT_SETTINGS:
        return None
    pieces: list[str | Part] = []
    has_time = False
    for index, piece in enumerate(_FORMAT_CHARS.split(fmt)):
        if index % 2:
            if piece not in _PARTS:
                return None
            has_time = has_time or piece in _TIME_PARTS
            pieces.append(_PARTS[piece])
        elif piece:
            pieces.append(piece)
    return tuple(pieces), has_time


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: Any = None) -> str:
    """Django's ``date`` filter (the same arguments and output), faster on the formats the
    templates use."""
    compiled = _compiled(arg) if isinstance(arg, str) and arg else None
    if compiled is None or not isinstance(value, dt.date):
        return django_date(value, arg)
    pieces, has_time = compiled
    if has_time and not isinstance(value, dt.datetime):
        return django_date(value, arg)  # Django says what is wrong with the format
    names = _names(translation.get_language())
    return "".join(p if isinstance(p, str) else p(value, names) for p in pieces)
