from __future__ import annotations

import pytest

from funding.models import Award
from outcomes.imports import data_import
from tests.assets.factories import AssetFactory, OrganisationFactory
from tests.outcomes.imports_support import messages, write_csv

pytestmark = pytest.mark.django_db

HEADER = [
    "award_ref",
    "funder",
    "funder_type",
    "recipient",
    "amount",
    "starts_on",
    "ends_on",
    "route",
    "competitive",
    "purpose",
    "listing_refs",
]


@pytest.fixture
def orgs():
    icb = OrganisationFactory(name="North ICB")
    group = OrganisationFactory(name="Craft circle CIC")
    AssetFactory(asset_ref="A1", organisation=group)
    AssetFactory(asset_ref="A2", organisation=group)
    return icb, group


def _rows():
    return [
        [
            "AW1",
            "north icb",
            "icb",
            "Craft circle CIC",
            "2,500.50",
            "2026-04-01",
            "2027-03-31",
            "sp_contract",
            "yes",
            "Places for referrals",
            "A1;A2",
        ],
        [
            "AW2",
            "North ICB",
            "icb",
            "Craft circle CIC",
            "300",
            "2026-05-01",
            "2026-05-31",
            "micro_grant",
            "no",
            "",
            "",
        ],
    ]


def test_awards_import_and_reimport_is_idempotent(tmp_path, orgs):
    f = write_csv(tmp_path / "awards.csv", HEADER, _rows())
    result = data_import(kind="awards", path_or_file=f)
    assert not result.problems
    assert result.created == 2
    aw1 = Award.objects.get(award_ref="AW1")
    assert str(aw1.amount) == "2500.50"
    assert aw1.competitive is True
    assert sorted(aw1.listings.values_list("asset_ref", flat=True)) == ["A1", "A2"]
    assert not Award.objects.get(award_ref="AW2").listings.exists()
    again = data_import(kind="awards", path_or_file=f)
    assert again.unchanged == 2
    assert Award.objects.count() == 2
    assert aw1.listings.count() == 2


def test_bad_rows_import_nothing_and_are_all_named(tmp_path, orgs):
    rows = [*_rows(), list(_rows()[1])]
    rows[2][0] = "AW3"
    rows[2][1] = "Nobody"
    rows[0][4] = "lots"
    rows[1][6] = "2026-04-01"  # before it starts
    rows[1][7] = "grant"
    rows[1][10] = "A9"
    f = write_csv(tmp_path / "awards.csv", HEADER, rows)
    result = data_import(kind="awards", path_or_file=f)
    found = messages(result)
    assert Award.objects.count() == 0
    text = "\n".join(found)
    assert all(f"line {n}" in text.lower() for n in (2, 3, 4))
    for column in ("funder", "amount", "route"):
        assert f"column {column}:" in text


def test_award_ending_before_it_starts_is_a_bad_row(tmp_path, orgs):
    rows = _rows()
    rows[1][6] = "2026-04-01"
    result = data_import(kind="awards", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows))
    assert any("line 3, column ends_on" in m for m in messages(result))
    assert not Award.objects.exists()


def test_unknown_listing_ref_is_a_bad_row(tmp_path, orgs):
    rows = _rows()[:1]
    rows[0][10] = "A1;A9"
    result = data_import(kind="awards", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows))
    assert any("A9" in m for m in messages(result))
    assert not Award.objects.exists()


def test_ambiguous_organisation_name_is_a_bad_row(tmp_path, orgs):
    OrganisationFactory(name="North ICB")
    result = data_import(
        kind="awards", path_or_file=write_csv(tmp_path / "a.csv", HEADER, _rows()[:1])
    )
    assert any("2 organisations" in m for m in messages(result))
    assert not Award.objects.exists()
