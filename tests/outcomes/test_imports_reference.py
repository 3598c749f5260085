"""Reference data imports: practices, population, postcode look-ups and locations."""

from __future__ import annotations

import pytest

from outcomes.imports import data_import
from outcomes.models import PopulationCell
from socialrx.models import PCN, Postcode, Practice
from tests.outcomes.imports_support import messages, table, tables, write_csv
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

PRACTICES = ["ods_code", "name", "pcn_code", "pcn_name"]
POPULATION = ["ods_code", "imd_quintile", "age_band", "sex", "ethnicity", "count"]


# --- practices -------------------------------------------------------------------------------


def test_practices_import_with_pcns_and_reimport_changes_nothing(tmp_path):
    f = write_csv(
        tmp_path / "p.csv",
        PRACTICES,
        [
            ["A81001", "Canal Street Surgery", "U00001", "Central PCN"],
            ["A81002", "Hill Top", "U00001", ""],
            ["A81003", "No PCN Practice", "", ""],
        ],
    )
    result = data_import(kind="practices", path_or_file=f)
    assert result.ok, messages(result)
    assert result.created == 3
    canal, hill, lone = Practice.objects.order_by("ods_code")
    assert canal.pcn == hill.pcn == PCN.objects.get(code="U00001", name="Central PCN")
    assert lone.pcn is None
    before = tables(Practice, PCN)
    again = data_import(kind="practices", path_or_file=f)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert tables(Practice, PCN) == before


def test_practice_update_keeps_its_team(tmp_path, practice_a, team_a):
    f = write_csv(tmp_path / "p.csv", PRACTICES, [["A00001", "New name", "", ""]])
    result = data_import(kind="practices", path_or_file=f)
    assert result.updated == 1
    practice_a.refresh_from_db()
    assert (practice_a.name, practice_a.team, practice_a.pcn) == ("New name", team_a, None)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["a 1", "X", "", ""],
            'line 3, column ods_code: "a 1" is not in the right form; expected an ODS code of '
            "letters and digits, like A81001",
        ),
        (
            ["A81001", "", "", ""],
            "line 3, column name: the cell is empty; expected text of at most 200 characters",
        ),
        (
            ["A81001", "N" * 201, "", ""],
            'line 3, column name: "' + "N" * 39 + '…" is 201 characters long; expected text of '
            "at most 200 characters",
        ),
        (
            ["A81001", "X", "", "Central"],
            "line 3, column pcn_code: the cell is empty but pcn_name is given; expected the "
            "PCN's code",
        ),
        (
            ["A81001", "X", "U99999", ""],
            'line 3, column pcn_name: the cell is empty and PCN "U99999" is not known yet; '
            "expected the PCN's name the first time its code appears",
        ),
    ],
)
def test_practices_bad_cells(tmp_path, row, message):
    f = write_csv(tmp_path / "p.csv", PRACTICES, [["A81009", "Good", "U1", "One"], row])
    result = data_import(kind="practices", path_or_file=f)
    assert messages(result) == [message]
    assert not Practice.objects.exists()
    assert not PCN.objects.exists()


def test_practices_pcn_named_twice_differently_is_refused(tmp_path):
    f = write_csv(
        tmp_path / "p.csv",
        PRACTICES,
        [["A81001", "X", "U1", "One"], ["A81002", "Y", "U1", "Another"]],
    )
    assert messages(data_import(kind="practices", path_or_file=f)) == [
        "line 3, column pcn_name: differs from the name on line 2 for the same pcn_code; "
        "expected one name for each PCN"
    ]


# --- population ------------------------------------------------------------------------------


@pytest.fixture
def two_practices(db):
    return PracticeFactory(ods_code="A81001"), PracticeFactory(ods_code="A81002")


def test_population_imports_and_reimport_changes_nothing(tmp_path, two_practices):
    rows = [
        ["A81001", "1", "18-24", "female", "white", 120],
        ["A81001", "unknown", "85+", "unknown", "unknown", 0],
        ["A81002", "5", "0-17", "male", "asian", 40],
    ]
    f = write_csv(tmp_path / "pop.csv", POPULATION, rows)
    result = data_import(kind="population", path_or_file=f)
    assert result.ok, messages(result)
    assert result.created == 3
    before = table(PopulationCell)
    assert {(c["imd_quintile"], c["count"]) for c in before} == {
        ("1", 120),
        ("unknown", 0),
        ("5", 40),
    }
    again = data_import(kind="population", path_or_file=f)
    assert again.ok
    assert table(PopulationCell) == before


def test_population_new_file_for_a_practice_replaces_only_that_practice(tmp_path, two_practices):
    write = [
        ["A81001", "1", "18-24", "female", "white", 120],
        ["A81001", "2", "18-24", "female", "white", 80],
        ["A81002", "5", "0-17", "male", "asian", 40],
    ]
    data_import(kind="population", path_or_file=write_csv(tmp_path / "a.csv", POPULATION, write))
    newer = [["A81001", "3", "25-34", "male", "black", 7]]
    result = data_import(
        kind="population", path_or_file=write_csv(tmp_path / "b.csv", POPULATION, newer)
    )
    assert result.deleted == 2
    cells = {
        (c.practice.ods_code, c.imd_quintile, c.count)
        for c in PopulationCell.objects.select_related("practice")
    }
    assert cells == {("A81001", "3", 7), ("A81002", "5", 40)}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["Z99999", "1", "18-24", "female", "white", 1],
            'line 3, column ods_code: "Z99999" matches no practice; expected the ods_code of '
            "practice already imported (practices.csv)",
        ),
        (
            ["A81001", "6", "18-24", "female", "white", 1],
            'line 3, column imd_quintile: "6" is not one of the codes; expected one of 1, 2, 3, '
            "4, 5, unknown",
        ),
        (
            ["A81001", "1", "18-25", "female", "white", 1],
            'line 3, column age_band: "18-25" is not one of the codes; expected one of 0-17, '
            "18-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75-84, 85+, unknown",
        ),
        (
            ["A81001", "1", "18-24", "F", "white", 1],
            'line 3, column sex: "F" is not one of the codes; expected one of female, male, '
            "other, unknown",
        ),
        (
            ["A81001", "1", "18-24", "female", "british", 1],
            'line 3, column ethnicity: "british" is not one of the codes; expected one of asian, '
            "black, mixed, white, other, unknown",
        ),
        (
            ["A81001", "1", "18-24", "female", "white", -1],
            'line 3, column count: "-1" is out of range; expected a whole number, 0 or more',
        ),
        (
            ["A81001", "1", "18-24", "female", "white", ""],
            "line 3, column count: the cell is empty; expected a whole number, 0 or more",
        ),
        (
            ["A81001", "2", "65-74", "male", "mixed", 3],
            "line 3: the same practice and group is also on line 2; expected one row for each "
            "practice, imd_quintile, age_band, sex and ethnicity",
        ),
    ],
)
def test_population_bad_cells(tmp_path, two_practices, row, message):
    good = ["A81001", "2", "65-74", "male", "mixed", 5]
    f = write_csv(tmp_path / "pop.csv", POPULATION, [good, row])
    result = data_import(kind="population", path_or_file=f)
    assert messages(result) == [message]
    assert not PopulationCell.objects.exists()


def test_population_bad_file_keeps_the_old_population(tmp_path, two_practices):
    data_import(
        kind="population",
        path_or_file=write_csv(
            tmp_path / "a.csv", POPULATION, [["A81001", "1", "18-24", "female", "white", 120]]
        ),
    )
    bad = [["A81001", "2", "18-24", "female", "white", 5], ["A81001", "x", "", "", "", ""]]
    assert not data_import(
        kind="population", path_or_file=write_csv(tmp_path / "b.csv", POPULATION, bad)
    ).ok
    assert list(PopulationCell.objects.values_list("imd_quintile", "count")) == [("1", 120)]


# --- postcodes -------------------------------------------------------------------------------


def test_postcode_lsoa_normalises_postcodes_and_reimport_changes_nothing(tmp_path):
    f = write_csv(
        tmp_path / "pc.csv",
        ["postcode", "lsoa_code"],
        [["m1 1ae", "E01005131"], ["SW1A 2AA", ""]],
    )
    result = data_import(kind="postcode_lsoa", path_or_file=f)
    assert result.ok, messages(result)
    assert dict(Postcode.objects.values_list("postcode", "lsoa_code")) == {
        "M11AE": "E01005131",
        "SW1A2AA": "",
    }
    before = table(Postcode, keep_ids=True)
    assert data_import(kind="postcode_lsoa", path_or_file=f).unchanged == 2
    assert table(Postcode, keep_ids=True) == before


def test_postcode_lsoa_bad_cells(tmp_path):
    f = write_csv(
        tmp_path / "pc.csv",
        ["postcode", "lsoa_code"],
        [["M1 1AE", "E01005131"], ["NOT A CODE", "E01005131"], ["M11AE", "X1"], ["", "E01005131"]],
    )
    assert messages(data_import(kind="postcode_lsoa", path_or_file=f)) == [
        'line 3, column postcode: "NOT A CODE" is not a full UK postcode; expected a full UK '
        "postcode, like M1 1AE",
        'line 4, column lsoa_code: "X1" is not in the right form; expected an LSOA code like '
        "E01000001",
        # A row with a bad cell is still checked for duplicates: one report, one round.
        'line 4, column postcode: "M11AE" is also on line 2; expected each postcode once in a file',
        "line 5, column postcode: the cell is empty; expected a full UK postcode, like M1 1AE",
    ]
    assert not Postcode.objects.exists()


def test_postcode_duplicates_ignore_case_and_spaces(tmp_path):
    f = write_csv(tmp_path / "pc.csv", ["postcode", "lsoa_code"], [["M1 1AE", ""], ["m11ae", ""]])
    assert messages(data_import(kind="postcode_lsoa", path_or_file=f)) == [
        'line 3, column postcode: "M11AE" is also on line 2; expected each postcode once in a file'
    ]


def test_postcode_locations_fill_coordinates_and_keep_the_lsoa(tmp_path):
    Postcode.objects.create(postcode="M11AE", lsoa_code="E01005131")
    f = write_csv(
        tmp_path / "loc.csv",
        ["postcode", "latitude", "longitude"],
        [["M1 1AE", "53.4808", "-2.2426"], ["LS1 1UR", "53.7997", "-1.5492"], ["M2 5DB", "", ""]],
    )
    result = data_import(kind="postcode_locations", path_or_file=f)
    assert result.ok, messages(result)
    assert (result.created, result.updated) == (2, 1)
    m1 = Postcode.objects.get(pk="M11AE")
    assert (m1.lsoa_code, m1.latitude, m1.longitude) == ("E01005131", 53.4808, -2.2426)
    assert Postcode.objects.get(pk="M25DB").latitude is None
    before = table(Postcode, keep_ids=True)
    assert data_import(kind="postcode_locations", path_or_file=f).unchanged == 3
    assert table(Postcode, keep_ids=True) == before


def test_postcode_locations_bad_cells(tmp_path):
    f = write_csv(
        tmp_path / "loc.csv",
        ["postcode", "latitude", "longitude"],
        [["M1 1AE", "99.999999", "0"], ["M2 5DB", "53.1", ""], ["LS1 1UR", "north", "-1"]],
    )
    assert messages(data_import(kind="postcode_locations", path_or_file=f)) == [
        'line 2, column latitude: "99.999999" is out of range; expected a latitude in decimal '
        "degrees within the UK, from 49 to 61",
        "line 3, column longitude: the cell is empty; expected both latitude and longitude, or "
        "neither",
        'line 4, column latitude: "north" is not a number; expected a latitude in decimal '
        "degrees within the UK, from 49 to 61",
    ]
    assert not Postcode.objects.exists()
