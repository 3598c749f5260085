"""The columns of the formats: what a cell may hold, how it is parsed and what the error
report says when it is wrong. A parser raises ``Invalid`` with a phrase ("is not a date"); the
engine puts the column, the line and the expected value around it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from socialrx.validators import (
    FREE_TEXT_MAX_LENGTH,
    normalise_postcode,
    validate_date_of_birth,
    validate_not_in_future,
    validate_postcode,
)

ECHO_LIMIT = 40  # characters of a bad value quoted back in a message


class Invalid(ValueError):
    """A cell's value is wrong. The message says how, as a phrase: "is not a date"."""


@dataclass(frozen=True)
class Column:
    """One column of a format. ``required``: the cell may not be empty. ``optional``: the
    column may be left out of the header. ``personal``: the value is never quoted back."""

    name: str
    expected: str
    parse: Callable[[str], Any] = str
    required: bool = False
    optional: bool = False
    personal: bool = False

    def clean(self, text: str) -> Any:
        """The cell's value, or None for an empty cell (not known)."""
        if not text:
            if self.required:
                raise Invalid("is empty")
            return None
        return self.parse(text)

    def describe(self, text: str, problem: str) -> str:
        if not text or self.personal:
            return f"the cell {problem}" if not text else f"the value {problem}"
        shown = text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"
        return f'"{shown}" {problem}'


def text_parser(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise Invalid(f"is {len(text)} characters long")
        return text

    return parse


def text(name: str, *, max_length: int, **kw: Any) -> Column:
    return Column(name, f"text of at most {max_length} characters", text_parser(max_length), **kw)


def free_text(name: str, **kw: Any) -> Column:
    return Column(
        name,
        f"any text of at most {FREE_TEXT_MAX_LENGTH} characters",
        text_parser(FREE_TEXT_MAX_LENGTH),
        **kw,
    )


def ref(name: str, **kw: Any) -> Column:
    return Column(
        name, "the source system's reference, at most 64 characters", text_parser(64), **kw
    )


def choice(name: str, choices: Iterable[str], **kw: Any) -> Column:
    allowed = tuple(choices)
    allowed_set = frozenset(allowed)

    def parse(text: str) -> str:
        if text not in allowed_set:
            raise Invalid("is not one of the codes")
        return text

    return Column(name, "one of " + ", ".join(allowed), parse, **kw)


def parse_date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise Invalid("is not a date")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid("is not a real date") from None


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def date(name: str, **kw: Any) -> Column:
    return Column(name, "a date as YYYY-MM-DD, for example 2025-04-30", parse_date, **kw)


# How the import report words each shared validator's refusal (by its code).
_DATE_PROBLEMS = {
    "future_date": "is in the future",
    "date_of_birth_future": "is in the future",
    "date_of_birth_too_early": "is before 1900-01-01",
}


def _checked_date(validator: Callable[[dt.date], None]) -> Callable[[str], dt.date]:
    def parse(text: str) -> dt.date:
        value = parse_date(text)
        try:
            validator(value)
        except ValidationError as error:
            raise Invalid(_DATE_PROBLEMS.get(error.code or "", "is not allowed")) from None
        return value

    return parse


def past_date(name: str, **kw: Any) -> Column:
    """The date something happened: today or earlier (the rule the forms and API apply)."""
    return Column(
        name,
        "a date as YYYY-MM-DD, today or earlier, for example 2025-04-30",
        _checked_date(validate_not_in_future),
        **kw,
    )


def birth_date(name: str, **kw: Any) -> Column:
    """A date of birth: from 1900-01-01 to today (the rule the forms and API apply)."""
    return Column(
        name,
        "a date of birth as YYYY-MM-DD from 1900-01-01 to today, for example 1950-04-30",
        _checked_date(validate_date_of_birth),
        **kw,
    )


def parse_month(text: str) -> dt.date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise Invalid("is not a month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month(name: str, **kw: Any) -> Column:
    return Column(name, "a month as YYYY-MM, for example 2025-04", parse_month, **kw)


def integer_parser(minimum: int, maximum: int | None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
            raise Invalid("is not a whole number")
        value = int(text)
        if value < minimum or (maximum is not None and value > maximum):
            raise Invalid("is out of range")
        return value

    return parse


def integer(name: str, *, minimum: int = 0, maximum: int | None = None, **kw: Any) -> Column:
    expected = (
        f"a whole number from {minimum} to {maximum}"
        if maximum is not None
        else f"a whole number, {minimum} or more"
    )
    return Column(name, expected, integer_parser(minimum, maximum), **kw)


def decimal(name: str, *, minimum: float, maximum: float, expected: str, **kw: Any) -> Column:
    def parse(text: str) -> float:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Invalid("is not a number") from None
        if not value.is_finite() or not minimum <= value <= maximum:
            raise Invalid("is out of range")
        return float(value)

    return Column(name, expected, parse, **kw)


def pattern(name: str, regex: str, expected: str, *, upper: bool = True, **kw: Any) -> Column:
    compiled = re.compile(regex)

    def parse(text: str) -> str:
        value = text.upper() if upper else text
        if not compiled.match(value):
            raise Invalid("is not in the right form")
        return value

    return Column(name, expected, parse, **kw)


# Codes that several formats share.

ODS_EXPECTED = "an ODS code of letters and digits, like A81001"
ODS_REGEX = r"^[A-Z0-9]{3,10}$"


def ods_code(name: str = "ods_code", **kw: Any) -> Column:
    return pattern(name, ODS_REGEX, ODS_EXPECTED, **kw)


def lsoa_code(name: str = "lsoa_code", **kw: Any) -> Column:
    return pattern(name, r"^[A-Z][0-9]{8}$", "an LSOA code like E01000001", **kw)


def parse_postcode(text: str) -> str:
    try:
        validate_postcode(text)
    except ValidationError:
        raise Invalid("is not a full UK postcode") from None
    return normalise_postcode(text)


def postcode(name: str = "postcode", **kw: Any) -> Column:
    return Column(name, "a full UK postcode, like M1 1AE", parse_postcode, **kw)
