from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from socialrx.validators import (
    format_postcode,
    nhs_number_is_valid,
    patient_key,
    validate_nhs_number,
    validate_postcode,
)


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers_pass_the_modulus_11_check(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize(
    "number",
    ["9434765918", "943476591", "94347659190", "abcdefghij", "", "0000000010"],
)
def test_invalid_nhs_numbers_fail(number):
    assert not nhs_number_is_valid(number)
    with pytest.raises(ValidationError):
        validate_nhs_number(number)


def test_check_digit_of_ten_is_never_valid():
    # 1000000010: weights give a remainder of 1, so the check digit would be 10.
    digits = "100000001"
    total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    assert 11 - total % 11 == 10
    assert all(not nhs_number_is_valid(digits + str(d)) for d in range(10))


def test_patient_key_is_hmac_sha256_hex_of_the_digits(settings):
    import hashlib
    import hmac

    settings.PATIENT_KEY_PEPPER = "pepper"
    expected = hmac.new(b"pepper", b"9434765919", hashlib.sha256).hexdigest()
    assert patient_key("943 476 5919") == expected
    assert patient_key("9434765919") == expected.lower()


def test_postcodes_are_formatted_and_checked():
    assert format_postcode("m11ae") == "M1 1AE"
    assert format_postcode("SW1A  1AA") == "SW1A 1AA"
    validate_postcode("m1 1ae")
    with pytest.raises(ValidationError):
        validate_postcode("not a postcode")
