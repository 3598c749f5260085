"""Validators shared by forms, the API and the imports: one rule for each kind of input, so a
value refused on a page is refused through the API and in an import file too (docs/security.md,
"Input rules")."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

# The longest free text (a reason for referral, conversation answers, notes) any route accepts.
# Enough for several pages of writing; a bound so that no request stores megabytes.
FREE_TEXT_MAX_LENGTH = 5000

# The earliest date of birth taken as real.
EARLIEST_DATE_OF_BIRTH = dt.date(1900, 1, 1)

NOT_FUTURE_MESSAGE = "The date must be today or in the past"


def validate_date_of_birth(value: dt.date | None) -> None:
    """From 1 January 1900 to today."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError("Date of birth must be in the past", code="date_of_birth_future")
    if value < EARLIEST_DATE_OF_BIRTH:
        raise ValidationError(
            "Enter a real date of birth, on or after 1 January 1900",
            code="date_of_birth_too_early",
        )


def not_in_future(message: str = NOT_FUTURE_MESSAGE) -> Callable[[dt.date | None], None]:
    """A validator for the date something happened (a conversation, a connection, hours
    volunteered, a case closing): today or earlier. ``message`` names the date for the form."""

    def validate(value: dt.date | None) -> None:
        if value is not None and value > timezone.localdate():
            raise ValidationError(message, code="future_date")

    return validate


validate_not_in_future = not_in_future()

_NON_DIGITS = re.compile(r"[\s-]")


def normalise_nhs_number(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def nhs_number_is_valid(value: str) -> bool:
    """10 digits whose last is the modulus 11 check digit of the first nine."""
    digits = normalise_nhs_number(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def validate_nhs_number(value: str) -> None:
    if not nhs_number_is_valid(value):
        raise ValidationError(
            "Enter a valid 10-digit NHS number (for example 943 476 5919)",
            code="invalid_nhs_number",
        )


def patient_key(nhs_number: str) -> str:
    """HMAC-SHA256 of the 10 digits under the deployment's pepper, lower-case hex."""
    digits = normalise_nhs_number(nhs_number)
    return hmac.new(
        settings.PATIENT_KEY_PEPPER.encode(), digits.encode(), hashlib.sha256
    ).hexdigest()


def normalise_postcode(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
# The same for an API schema: any case, one space or none before the inward code.
POSTCODE_PATTERN = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"


def format_postcode(value: str) -> str:
    """Upper-case with one space before the inward code, e.g. ``M1 1AE``."""
    p = normalise_postcode(value)
    return f"{p[:-3]} {p[-3:]}" if len(p) > 3 else p


def validate_postcode(value: str) -> None:
    if value and not _POSTCODE.match(normalise_postcode(value)):
        raise ValidationError("Enter a full UK postcode, like M1 1AE", code="invalid_postcode")


UK_PHONE_MESSAGE = (
    "Enter a UK phone number, like 07700 900123 or 0161 496 0000 "
    "(01, 02, 03 or 07 and 10 or 11 digits; +44 is fine)"
)
_UK_PHONE = re.compile(r"0[1237]\d{8,9}")


def normalise_uk_phone(value: str) -> str:
    """The digits of a UK number as dialled in the UK: spaces gone and +44 read as 0."""
    digits = "".join(value.split())
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    return digits


def validate_uk_phone(value: str) -> None:
    """A UK landline (01, 02), non-geographic 03 or mobile (07) number: the numbers a link
    worker or volunteer can call. Empty is allowed (the field being optional is the form's
    decision)."""
    if value and not _UK_PHONE.fullmatch(normalise_uk_phone(value)):
        raise ValidationError(UK_PHONE_MESSAGE, code="invalid_phone")
