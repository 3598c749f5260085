"""Validators shared by forms, the API and the imports."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError

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


def format_postcode(value: str) -> str:
    """Upper-case with one space before the inward code, e.g. ``M1 1AE``."""
    p = normalise_postcode(value)
    return f"{p[:-3]} {p[-3:]}" if len(p) > 3 else p


def validate_postcode(value: str) -> None:
    if value and not _POSTCODE.match(normalise_postcode(value)):
        raise ValidationError("Enter a full UK postcode, like M1 1AE", code="invalid_postcode")
