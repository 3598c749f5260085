"""An administrator's import journey in the browser, with accessibility checks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from socialrx.models import LsoaImd
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_uploads_a_bad_then_a_good_file(page, admin_user, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("lsoa_code,imd_decile\nE01000001,3\nE01000002,11\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("lsoa_code,imd_decile\nE01000001,3\nE01000002,10\n", encoding="utf-8")
    login(page, "admin_gus")
    page.goto("/manage/imports/")
    assert_accessible(page)

    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("alert").get_by_text("Choose a CSV file to upload")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Kind of file").select_option("lsoa_imd")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    expect(page.get_by_role("cell", name='"11" is out of range')).to_be_visible()
    assert_accessible(page)
    assert not LsoaImd.objects.exists()

    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("Kind of file").select_option("lsoa_imd")
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_text("Imported 2 rows of lsoa_imd")).to_be_visible()
    assert_accessible(page)
    assert LsoaImd.objects.count() == 2
