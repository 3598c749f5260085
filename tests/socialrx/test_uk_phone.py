"""Phone numbers are checked as UK numbers by one validator, used by the pages, the API and
the forms of every role; a refused number changes nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from referrals.models import Referral
from socialrx.forms import UkPhoneField
from socialrx.validators import UK_PHONE_MESSAGE, normalise_uk_phone, validate_uk_phone
from tests.referrals.test_api import URL as API_URL
from tests.referrals.test_api import payload, token_client
from tests.referrals.test_intake_public import ASK, ask_data


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "0161 496 0000",
        "020 7946 0000",
        "0300 123 1234",
        "01632 96000",  # ten digits: some 01 numbers are
        "",
    ],
)
def test_uk_numbers_pass(number):
    validate_uk_phone(number)


@pytest.mark.parametrize(
    "number",
    [
        "0700",  # too short
        "07700 9001234",  # twelve digits
        "0800 123 4567",  # freephone: not a number to reach a person on
        "0845 123 4567",
        "+1 202 555 0100",
        "07700-900123",  # only spaces are allowed between digits
        "phone me",
        "447700900123",  # without the +
    ],
)
def test_other_numbers_are_refused_with_a_clear_message(number):
    with pytest.raises(ValidationError) as caught:
        validate_uk_phone(number)
    assert caught.value.messages == [UK_PHONE_MESSAGE]


def test_plus_44_is_read_as_0():
    assert normalise_uk_phone("+44 7700 900 123") == "07700900123"


def test_the_form_field_uses_the_validator():
    field = UkPhoneField(required=False)
    assert field.clean("07700 900123") == "07700 900123"
    with pytest.raises(ValidationError):
        field.clean("12345")


@pytest.mark.django_db
def test_the_self_referral_page_refuses_a_bad_number_and_saves_nothing(anon_client, practice_a):
    response = anon_client.post(ASK, ask_data(phone="0800 123 4567", practice=str(practice_a.pk)))
    assert response.status_code == 200
    assert "Enter a UK phone number" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_bad_number_and_saves_nothing(practice_staff):
    data = payload()
    data["person"]["phone"] = "555-0100"
    response = token_client(practice_staff).post(API_URL, data, format="json")
    assert response.status_code == 400
    assert "Enter a UK phone number" in str(response.json())
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_api_accepts_plus_44(practice_staff):
    data = payload()
    data["person"]["phone"] = "+44 7700 900123"
    response = token_client(practice_staff).post(API_URL, data, format="json")
    assert response.status_code == 201
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_the_volunteer_and_person_forms_check_the_number():
    from champions.forms import ChampionForm, ProfileForm
    from referrals.forms.casework import PersonForm

    for form_class in (ProfileForm, ChampionForm, PersonForm):
        form = form_class(data={"phone": "12345"})
        assert not form.is_valid()
        assert form.errors["phone"] == [UK_PHONE_MESSAGE], form_class
