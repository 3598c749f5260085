"""Rules every import follows (docs/imports.md), shown on the small
lsoa_imd and practices formats, and the import_data command."""

from __future__ import annotations

import inspect
import io

import pytest
from django.core.management import CommandError, call_command

from outcomes.imports import KINDS, data_import
from outcomes.imports.reading import read_records
from socialrx.models import PCN, LsoaImd, Practice
from tests.outcomes.imports_support import messages, table, write_csv

pytestmark = pytest.mark.django_db

LSOA_HEADER = ["lsoa_code", "imd_decile"]


def test_good_file_imports_and_counts(tmp_path):
    f = write_csv(tmp_path / "l.csv", LSOA_HEADER, [["E01000001", 3], ["E01000002", 10]])
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert result.ok, messages(result)
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    assert table(LsoaImd, keep_ids=True) == [
        {"lsoa_code": "E01000001", "imd_decile": 3},
        {"lsoa_code": "E01000002", "imd_decile": 10},
    ]


def test_reimport_changes_nothing_and_a_changed_row_updates(tmp_path):
    f = write_csv(tmp_path / "l.csv", LSOA_HEADER, [["E01000001", 3], ["E01000002", 10]])
    data_import(kind="lsoa_imd", path_or_file=f)
    before = table(LsoaImd, keep_ids=True)
    again = data_import(kind="lsoa_imd", path_or_file=f)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert table(LsoaImd, keep_ids=True) == before
    f2 = write_csv(tmp_path / "l2.csv", LSOA_HEADER, [["E01000001", 4]])
    changed = data_import(kind="lsoa_imd", path_or_file=f2)
    assert (changed.created, changed.updated) == (0, 1)
    assert LsoaImd.objects.get(pk="E01000001").imd_decile == 4
    assert LsoaImd.objects.count() == 2


def test_bom_is_accepted(tmp_path):
    f = write_csv(tmp_path / "l.csv", LSOA_HEADER, [["E01000001", 3]], bom=True)
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert result.ok, messages(result)
    assert LsoaImd.objects.get().lsoa_code == "E01000001"


def test_columns_in_any_order_and_cells_trimmed(tmp_path):
    f = write_csv(tmp_path / "l.csv", ["imd_decile", "lsoa_code"], [[" 7 ", " e01000009 "]])
    assert data_import(kind="lsoa_imd", path_or_file=f).ok
    assert LsoaImd.objects.get().imd_decile == 7


def test_unknown_column_is_an_error_and_imports_nothing(tmp_path):
    f = write_csv(tmp_path / "l.csv", [*LSOA_HEADER, "colour"], [["E01000001", 3, "red"]])
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert not result.ok
    assert messages(result) == [
        'line 1, column colour: "colour" is not a column of lsoa_imd.csv; expected only these '
        "columns: lsoa_code, imd_decile"
    ]
    assert not LsoaImd.objects.exists()


def test_missing_and_repeated_columns_are_errors(tmp_path):
    f = write_csv(tmp_path / "l.csv", ["lsoa_code", "lsoa_code"], [["E01000001", "E01000001"]])
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert messages(result) == [
        "line 1, column lsoa_code: this column appears twice; expected each column once",
        "line 1, column imd_decile: this column is missing from the header row; expected "
        "these columns: lsoa_code, imd_decile",
    ]
    assert not LsoaImd.objects.exists()


def test_empty_file_is_an_error(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert messages(result) == [
        "line 1: the file is empty; expected a header row with these columns: lsoa_code, imd_decile"
    ]


def test_bad_last_row_imports_nothing_even_after_many_good_batches(tmp_path):
    rows = [[f"E01{n:06d}", n % 10 + 1] for n in range(12_000)]
    rows.append(["E01999999", 11])
    f = write_csv(tmp_path / "l.csv", LSOA_HEADER, rows)
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert not result.ok
    assert messages(result) == [
        'line 12002, column imd_decile: "11" is out of range; expected a whole number from 1 to 10'
    ]
    assert result.bad_rows == 1
    assert not LsoaImd.objects.exists()


def test_bad_file_leaves_existing_data_as_it_was(tmp_path):
    data_import(
        kind="lsoa_imd", path_or_file=write_csv(tmp_path / "a.csv", LSOA_HEADER, [["E01000001", 3]])
    )
    before = table(LsoaImd, keep_ids=True)
    f = write_csv(tmp_path / "b.csv", LSOA_HEADER, [["E01000001", 9], ["E01000002", "x"]])
    assert not data_import(kind="lsoa_imd", path_or_file=f).ok
    assert table(LsoaImd, keep_ids=True) == before


def test_every_bad_row_is_listed_with_line_column_and_expectation(tmp_path):
    f = write_csv(
        tmp_path / "l.csv",
        LSOA_HEADER,
        [["E01000001", 3], ["nope", ""], ["E01000003", "2.5"], ["E01000001", 4]],
    )
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert messages(result) == [
        'line 3, column lsoa_code: "nope" is not in the right form; expected an LSOA code like '
        "E01000001",
        "line 3, column imd_decile: the cell is empty; expected a whole number from 1 to 10",
        'line 4, column imd_decile: "2.5" is not a whole number; expected a whole number from 1 '
        "to 10",
        'line 5, column lsoa_code: "E01000001" is also on line 2; expected each lsoa_code once '
        "in a file",
    ]
    assert result.bad_rows == 3


def test_more_than_100_bad_rows_lists_100_and_counts_the_rest(tmp_path):
    f = write_csv(tmp_path / "l.csv", LSOA_HEADER, [[f"E01{n:06d}", 0] for n in range(250)])
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert result.bad_rows == 250
    assert len(result.problems) == 100
    assert result.problems[-1].line == 101
    assert result.unlisted_bad_rows == 150
    assert result.as_dict()["unlisted_bad_rows"] == 150
    assert result.summary() == "Nothing imported: 250 bad rows in the lsoa_imd file."


def test_row_with_wrong_number_of_cells(tmp_path):
    f = tmp_path / "l.csv"
    f.write_text("lsoa_code,imd_decile\nE01000001,3,extra\nE01000002\n", encoding="utf-8")
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert messages(result) == [
        "line 2: this row has 3 cells but the header has 2 columns; expected one cell for each "
        "column of the header row",
        "line 3: this row has 1 cells but the header has 2 columns; expected one cell for each "
        "column of the header row",
    ]


def test_blank_lines_are_skipped_and_crlf_accepted(tmp_path):
    f = tmp_path / "l.csv"
    f.write_bytes(b"lsoa_code,imd_decile\r\n\r\nE01000001,3\r\n\r\n")
    assert data_import(kind="lsoa_imd", path_or_file=f).ok
    assert LsoaImd.objects.count() == 1


def test_file_that_is_not_utf8_names_the_line(tmp_path):
    f = tmp_path / "l.csv"
    f.write_bytes(b"lsoa_code,imd_decile\nE01000001,3\nE0100000\xe9,4\n")
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert messages(result) == [
        "line 3: this line is not UTF-8 text; expected a CSV file saved as UTF-8 (in Excel: CSV "
        "UTF-8)"
    ]
    assert not LsoaImd.objects.exists()


def test_broken_quoting_names_the_line(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('ods_code,name,pcn_code,pcn_name\nA81001,"Canal" Street,,\n', encoding="utf-8")
    result = data_import(kind="practices", path_or_file=f)
    assert len(result.problems) == 1
    assert result.problems[0].line == 2
    assert "the CSV cannot be read here" in str(result.problems[0])
    assert not Practice.objects.exists()


def test_quoted_cells_with_line_breaks_keep_line_numbers_right(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text(
        'ods_code,name,pcn_code,pcn_name\nA81001,"Canal\nStreet",,\nbad!,Hill,,\n',
        encoding="utf-8",
    )
    result = data_import(kind="practices", path_or_file=f)
    assert [p.line for p in result.problems] == [4]


def test_open_binary_and_text_files_are_accepted():
    data = "lsoa_code,imd_decile\nE01000001,3\n"
    assert data_import(kind="lsoa_imd", path_or_file=io.BytesIO(data.encode())).ok
    assert data_import(kind="lsoa_imd", path_or_file=io.StringIO(data)).ok
    assert LsoaImd.objects.count() == 1


def test_reader_streams_records():
    records = read_records(io.BytesIO(b"a,b\n1,2\n"))
    assert inspect.isgenerator(records)
    assert next(records) == (1, ["a", "b"])


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown import kind"):
        data_import(kind="nope", path_or_file=io.BytesIO(b""))


def test_all_kinds_are_offered():
    assert set(KINDS) == {
        "practices",
        "population",
        "lsoa_imd",
        "postcode_lsoa",
        "postcode_locations",
        "appointments",
        "people",
        "referrals",
        "conversations",
        "assets",
        "connections",
        "champions",
        "awards",
    }


# --- the command -----------------------------------------------------------------------------


def test_command_imports_and_reports(tmp_path):
    f = write_csv(
        tmp_path / "p.csv",
        ["ods_code", "name", "pcn_code", "pcn_name"],
        [["A81001", "Canal Street Surgery", "U00001", "Central PCN"]],
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", "practices", str(f), stdout=out, stderr=err)
    assert "Imported 1 rows of practices: 1 created" in out.getvalue()
    assert "rows read" in err.getvalue()  # progress
    assert Practice.objects.get().pcn == PCN.objects.get(code="U00001")


def test_command_prints_the_report_and_fails_on_a_bad_file(tmp_path):
    f = write_csv(tmp_path / "l.csv", LSOA_HEADER, [["E01000001", 0]])
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 bad row in the lsoa_imd file"):
        call_command("import_data", "lsoa_imd", str(f), stderr=err)
    assert "line 2, column imd_decile" in err.getvalue()
    assert not LsoaImd.objects.exists()


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_data", "lsoa_imd", str(tmp_path / "nope.csv"))


def test_a_nul_character_names_its_line_and_column_and_imports_nothing(tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes(
        b"ods_code,name,pcn_code,pcn_name\n"
        b"A81001,Canal Street,,\n"
        b'A81002,"Hill\nHouse\x00",,\n'
        b"A81003,Moor Lane,,\n"
    )
    result = data_import(kind="practices", path_or_file=f)
    assert not result.ok
    assert messages(result) == [
        "line 4, column name: this cell holds a NUL character (a zero byte), which is not "
        "text; nothing after it was read; expected a CSV file saved as UTF-8 text (in Excel: "
        "CSV UTF-8); a file saved as UTF-16 or in a spreadsheet's own format holds zero bytes"
    ]
    assert result.summary() == "Nothing imported: 1 bad row in the practices file."
    assert not Practice.objects.exists()


def test_a_file_of_zero_bytes_is_refused_at_its_first_line(tmp_path):
    f = tmp_path / "l.csv"
    # UTF-16 without a byte order mark: every other byte is zero.
    f.write_bytes("lsoa_code,imd_decile\nE01000001,3\n".encode("utf-16-le"))
    result = data_import(kind="lsoa_imd", path_or_file=f)
    assert [(p.line, p.column) for p in result.problems] == [(1, "")]
    assert "cell 1 holds a NUL character" in messages(result)[0]
    assert not LsoaImd.objects.exists()
