"""One report lists everything wrong with a file: a row with a badly written cell also has its
references and duplicates checked, so correcting the file is one round, not two. (And the
import page offers every format with a template file.)"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from outcomes.imports import data_import
from outcomes.imports.registry import IMPORTERS, KINDS
from referrals.models import Person, Referral
from tests.outcomes.imports_support import messages, write_csv
from tests.referrals.factories import PersonFactory

pytestmark = pytest.mark.django_db

PEOPLE = ["person_ref", "given_name", "date_of_birth", "practice_ods"]
REFERRALS = [
    "referral_ref",
    "person_ref",
    "received_on",
    "source",
    "referrer_name",
    "referrer_organisation",
    "reason",
    "status",
    "closed_on",
]


def test_a_bad_cell_and_an_unknown_practice_on_one_row_are_both_reported(tmp_path, practice_a):
    f = write_csv(
        tmp_path / "people.csv",
        PEOPLE,
        [
            ["P1", "Ann", "1950-01-01", "A00001"],
            ["P2", "Bob", "31/02/1950", "ZZ9999"],
            ["P1", "Cat", "not a date", ""],
        ],
    )
    result = data_import(kind="people", path_or_file=f)
    found = messages(result)
    assert not result.ok
    assert any("line 3, column date_of_birth" in m for m in found), found
    assert any("line 3, column practice_ods" in m and "ZZ9999" in m for m in found), found
    assert any("line 4, column date_of_birth" in m for m in found), found
    assert any("line 4, column person_ref" in m and "line 2" in m for m in found), found
    assert result.bad_rows == 2
    assert not Person.objects.exists()


def test_a_bad_cell_and_an_unknown_person_on_one_row_are_both_reported(tmp_path):
    PersonFactory(person_ref="P1")
    f = write_csv(
        tmp_path / "referrals.csv",
        REFERRALS,
        [
            ["R1", "P1", "2025-01-10", "gp", "", "", "", "received", ""],
            ["R2", "NOBODY", "10 Jan", "gp", "", "", "", "received", ""],
            ["R3", "", "2025-01-12", "nonsense", "", "", "", "received", ""],
        ],
    )
    result = data_import(kind="referrals", path_or_file=f)
    found = messages(result)
    assert any("line 3, column received_on" in m for m in found), found
    assert any("line 3, column person_ref" in m and "NOBODY" in m for m in found), found
    # An empty required cell is reported once, as empty, not again as an unknown reference.
    (empty,) = [m for m in found if "line 4, column person_ref" in m]
    assert "the cell is empty" in empty
    assert any("line 4, column source" in m for m in found), found
    assert not Referral.objects.exists()


def test_the_formats_page_lists_every_kind_with_its_columns(client_for, admin_user):
    page = client_for(admin_user).get(reverse("outcomes_imports:formats"))
    assert page.status_code == 200
    text = page.content.decode()
    for kind in KINDS:
        assert reverse("outcomes_imports:template_csv", args=[kind]) in text
        for column in IMPORTERS[kind].columns:
            assert f"<code>{column.name}</code>" in text
    imports = client_for(admin_user).get(reverse("outcomes_imports:imports")).content.decode()
    assert reverse("outcomes_imports:formats") in imports


@pytest.mark.parametrize("kind", KINDS)
def test_each_template_is_the_header_the_importer_accepts(client_for, admin_user, kind, tmp_path):
    response = client_for(admin_user).get(reverse("outcomes_imports:template_csv", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{kind}.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode())))
    importer = IMPORTERS[kind]
    assert header == [
        c.name for c in importer.columns if c.name not in importer.template_leaves_out
    ]
    # The template imports as an empty file: no header problem.
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(response.content)
    result = data_import(kind=kind, path_or_file=path)
    assert not [p for p in result.problems if p.line == 1], messages(result)


def test_an_unknown_kind_has_no_template(client_for, admin_user):
    response = client_for(admin_user).get("/manage/imports/formats/nonsense.csv")
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "commissioner", "volunteer"])
def test_only_administrators_see_formats_and_templates(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in (
        reverse("outcomes_imports:formats"),
        reverse("outcomes_imports:template_csv", args=["people"]),
    ):
        assert client.get(url).status_code in (403, 404)
