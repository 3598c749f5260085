"""Ethnicity recorded as the NHS ethnic category (A to Z), each category counted in one of the
five groups the outcome figures use, from one mapping: on the record, the person form, the
people import and a FHIR referral (UK Core's ethnic category extension)."""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from outcomes.imports import data_import
from outcomes.metrics.dimensions import PERSON_DIMENSIONS
from referrals.fhir.codes import (
    UK_CORE_ETHNIC_CATEGORY_EXTENSION,
    UK_CORE_ETHNIC_CATEGORY_SYSTEM,
)
from referrals.forms.casework import PersonForm
from referrals.models import (
    ETHNIC_CATEGORY_GROUPS,
    EthnicCategory,
    Ethnicity,
    Person,
    Referral,
    ethnicity_group_for,
)
from tests.outcomes.imports_support import messages, write_csv
from tests.outcomes.test_imports_cases import PEOPLE, person_row
from tests.referrals.factories import PersonFactory
from tests.referrals.test_fhir import service_request

pytestmark = pytest.mark.django_db


def test_every_category_has_one_of_the_figures_groups():
    assert set(ETHNIC_CATEGORY_GROUPS) == set(EthnicCategory.values)
    assert set(ETHNIC_CATEGORY_GROUPS.values()) <= set(Ethnicity.values)
    groups = set(PERSON_DIMENSIONS["ethnicity"])
    assert set(ETHNIC_CATEGORY_GROUPS.values()) <= groups
    # The NHS Data Dictionary's letters (no I, O or Q).
    assert "".join(EthnicCategory.values) == "ABCDEFGHJKLMNPRSZ"


@pytest.mark.parametrize(
    ("category", "group"),
    [
        ("A", "white"),
        ("C", "white"),
        ("D", "mixed"),
        ("H", "asian"),
        ("R", "asian"),
        ("N", "black"),
        ("S", "other"),
        ("Z", "unknown"),
    ],
)
def test_category_sets_the_group(category, group):
    assert ethnicity_group_for(category) == group
    person = PersonFactory(ethnicity="unknown", ethnic_category=category)
    person.refresh_from_db()
    assert person.ethnicity == group


def test_saving_only_the_category_saves_the_group_too():
    person = PersonFactory(ethnicity="white")
    person.ethnic_category = "N"
    person.save(update_fields=["ethnic_category"])
    person.refresh_from_db()
    assert person.ethnicity == "black"


def test_a_record_without_a_category_keeps_its_group():
    person = PersonFactory(ethnicity="mixed", ethnic_category="")
    person.refresh_from_db()
    assert person.ethnicity == "mixed"
    assert ethnicity_group_for("") is None


def test_person_form_takes_the_category_and_derives_the_group(practice_a):
    person = PersonFactory(practice=practice_a)
    form = PersonForm(
        data={
            "given_name": "Jo",
            "ethnic_category": "K",
            "ethnicity": "white",
            "sex": "unknown",
            "version": person.version,
        },
        instance=person,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["ethnicity"] == "asian"
    assert "Not stated" in str(form["ethnic_category"])


def test_people_import_accepts_category_codes(tmp_path, practice_a, link_worker):
    f = write_csv(
        tmp_path / "people.csv",
        PEOPLE,
        [person_row("P1", ethnicity="M"), person_row("P2", ethnicity="asian")],
    )
    result = data_import(kind="people", path_or_file=f)
    assert result.ok, messages(result)
    first, second = (Person.objects.get(person_ref=ref) for ref in ("P1", "P2"))
    assert (first.ethnic_category, first.ethnicity) == ("M", "black")
    assert (second.ethnic_category, second.ethnicity) == ("", "asian")


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _with_category(code: str, system: str = UK_CORE_ETHNIC_CATEGORY_SYSTEM) -> dict:
    sent = service_request()
    sent["contained"][0]["extension"] = [
        {
            "url": UK_CORE_ETHNIC_CATEGORY_EXTENSION,
            "valueCodeableConcept": {"coding": [{"system": system, "code": code}]},
        }
    ]
    return sent


def test_fhir_referral_records_the_uk_core_ethnic_category(practice_staff, practice_a):
    response = _client(practice_staff).generic(
        "POST",
        "/fhir/ServiceRequest",
        json.dumps(_with_category("H")),
        content_type="application/fhir+json",
    )
    assert response.status_code == 201, response.json()
    person = Referral.objects.get().person
    assert (person.ethnic_category, person.ethnicity) == ("H", "asian")


def test_fhir_referral_with_an_unknown_category_is_400(practice_staff, practice_a):
    response = _client(practice_staff).generic(
        "POST",
        "/fhir/ServiceRequest",
        json.dumps(_with_category("Q")),
        content_type="application/fhir+json",
    )
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["ServiceRequest.contained[0].extension[0].valueCodeableConcept"]
    assert not Referral.objects.exists()
