"""The appointments import's fast path on PostgreSQL (outcomes/imports/importers/
appointments_copy.py): a good file goes through it alone; anything it does not accept leaves
nothing behind and the general path reports it, by line and column, as before."""

from __future__ import annotations

import pytest

from outcomes.imports import data_import
from outcomes.imports.importers import appointments as appointments_module
from outcomes.imports.importers.appointments import AppointmentsImporter
from outcomes.models import AppointmentCount, AppointmentExtract
from socialrx.validators import nhs_number_is_valid, patient_key
from tests.outcomes.imports_support import messages, nhs_numbers, table, write_csv
from tests.socialrx.factories import PracticeFactory

pytestmark = [pytest.mark.django_db]

HEADER = ["ods_code", "month", "nhs_number", "appointments", "age_band", "sex"]
N1, N2, N3 = "9434765919", "9434765870", "4010232137"


@pytest.fixture
def practices(db):
    return PracticeFactory(ods_code="A81001"), PracticeFactory(ods_code="A81002")


@pytest.fixture
def paths(monkeypatch):
    """Which path wrote: "fast" when the fast loop finished, "general" for every batch the
    general path wrote."""
    used: list[str] = []
    fast = AppointmentsImporter.fast_import
    general = AppointmentsImporter.write

    def fast_import(self, f, header, progress):
        done = fast(self, f, header, progress)
        if done:
            used.append("fast")
        return done

    def write(self, rows):
        used.append("general")
        return general(self, rows)

    monkeypatch.setattr(AppointmentsImporter, "fast_import", fast_import)
    monkeypatch.setattr(AppointmentsImporter, "write", write)
    return used


@pytest.mark.parametrize("pepper", ["test-pepper", "p" * 64, "a much longer pepper " * 5, ""])
def test_the_fast_paths_keyed_hash_is_the_patient_key(
    tmp_path, practices, paths, settings, postgres_required, pepper
):
    """The database computes HMAC-SHA256 from the pads; every pepper length gives the same
    key as ``socialrx.validators.patient_key``."""
    settings.PATIENT_KEY_PEPPER = pepper
    numbers = [N1, N2, N3, *nhs_numbers(30)]
    rows = [["A81001", "2025-01", n, 1, "", ""] for n in dict.fromkeys(numbers)]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    )
    assert result.ok, messages(result)
    assert paths == ["fast"]
    stored = set(AppointmentCount.objects.values_list("patient__key", flat=True))
    assert stored == {patient_key(n) for n in numbers}


def test_a_good_file_goes_through_the_fast_path_only(tmp_path, practices, paths, postgres_required):
    rows = [
        ["A81001", "2025-01", N1, 3, "45-54", "female"],
        ["A81001", "2025-01", "943 476 5870", 0, "", ""],
        ["A81001", "2025-02", N1, 1, "", "male"],
        ["A81002", "2025-01", N3, 12, "0-17", ""],
    ]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    )
    assert result.ok, messages(result)
    assert paths == ["fast"]
    assert (result.rows, result.created, result.deleted) == (4, 4, 0)
    stored = {
        (c.practice.ods_code, c.month.isoformat(), c.patient.key, c.appointments, c.age_band, c.sex)
        for c in AppointmentCount.objects.select_related("practice")
    }
    assert stored == {
        ("A81001", "2025-01-01", patient_key(N1), 3, "45-54", "female"),
        ("A81001", "2025-01-01", patient_key(N2), 0, "", ""),
        ("A81001", "2025-02-01", patient_key(N1), 1, "", "male"),
        ("A81002", "2025-01-01", patient_key(N3), 12, "0-17", ""),
    }
    assert {
        (e.practice.ods_code, e.month.isoformat(), e.rows)
        for e in AppointmentExtract.objects.select_related("practice")
    } == {("A81001", "2025-01-01", 2), ("A81001", "2025-02-01", 1), ("A81002", "2025-01-01", 1)}


def test_fast_and_general_paths_store_the_same_rows(
    tmp_path, practices, monkeypatch, postgres_required
):
    numbers = list(nhs_numbers(3000))
    rows = [
        [("A81001", "A81002")[i % 2], f"2025-{1 + i % 3:02d}", n, i % 5, "25-34", "other"]
        for i, n in enumerate(numbers)
    ]
    f = write_csv(tmp_path / "a.csv", HEADER, rows)
    assert data_import(kind="appointments", path_or_file=f).ok
    fast = (table(AppointmentCount), table(AppointmentExtract))
    AppointmentCount.objects.all().delete()
    AppointmentExtract.objects.all().delete()
    monkeypatch.setattr(AppointmentsImporter, "fast_import", lambda *a: False)
    assert data_import(kind="appointments", path_or_file=f).ok
    assert (table(AppointmentCount), table(AppointmentExtract)) == fast


def test_the_fast_path_replaces_each_practice_and_month(
    tmp_path, practices, paths, postgres_required
):
    first = [
        ["A81001", "2025-01", N1, 3, "", ""],
        ["A81001", "2025-01", N2, 2, "", ""],
        ["A81001", "2025-02", N1, 1, "", ""],
        ["A81002", "2025-01", N3, 5, "", ""],
    ]
    data_import(kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, first))
    second = [["A81001", "2025-01", N3, 9, "", ""]]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, second)
    )
    assert result.ok and result.deleted == 2 and paths == ["fast", "fast"]
    assert set(
        AppointmentCount.objects.values_list(
            "practice__ods_code", "month", "patient__key", "appointments"
        )
    ) == {
        ("A81001", first_day("2025-01"), patient_key(N3), 9),
        ("A81001", first_day("2025-02"), patient_key(N1), 1),
        ("A81002", first_day("2025-01"), patient_key(N3), 5),
    }
    assert AppointmentExtract.objects.get(practice__ods_code="A81001", month="2025-01-01").rows == 1


def first_day(month: str):
    import datetime as dt

    return dt.date.fromisoformat(month + "-01")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["A81001", "2025-01", "9434765918", 1, "", ""],
            "line 25002, column nhs_number: the value is not a valid NHS number; expected 10 "
            "digits whose last is the modulus 11 check digit (the value is not shown)",
        ),
        (
            ["A81001", "2025-01", N1, 1, "", ""],
            "line 25002, column nhs_number: the same patient is also on line 2 for this practice "
            "and month; expected one row for each patient in each practice and month",
        ),
        (
            ["Z99999", "2025-01", N2, 1, "", ""],
            'line 25002, column ods_code: "Z99999" matches no practice; expected the ods_code of '
            "practice already imported (practices.csv)",
        ),
        (
            ["A81001", "2025-01", N2, "x", "", ""],
            'line 25002, column appointments: "x" is not a whole number; expected a whole '
            "number, 0 or more",
        ),
        (
            ["A81001", "2025-01", N2, 1, "45 to 54", ""],
            'line 25002, column age_band: "45 to 54" is not one of the codes; expected one of '
            "0-17, 18-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75-84, 85+, unknown",
        ),
    ],
)
def test_a_bad_row_late_in_a_big_file_is_reported_and_nothing_changes(
    tmp_path, practices, paths, postgres_required, row, message
):
    data_import(
        kind="appointments",
        path_or_file=write_csv(tmp_path / "a.csv", HEADER, [["A81002", "2025-01", N1, 7, "", ""]]),
    )
    before = (table(AppointmentCount), table(AppointmentExtract))
    paths.clear()
    numbers = [n for n in nhs_numbers(25_010) if n not in (N1, N2)][:24_999]
    rows = [
        ["A81001", "2025-01", N1, 1, "", ""],
        *(["A81001", "2025-01", n, 1, "", ""] for n in numbers),
        row,
    ]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, rows)
    )
    assert not result.ok
    assert messages(result) == [message]
    assert "fast" not in paths  # the fast path gave up; the general path reported
    assert (table(AppointmentCount), table(AppointmentExtract)) == before


def test_nhs_numbers_failing_the_check_are_refused(tmp_path, practices, postgres_required):
    bad = [n for n in (f"94347659{i:02d}" for i in range(100)) if not nhs_number_is_valid(n)]
    for number in bad[:5]:
        result = data_import(
            kind="appointments",
            path_or_file=write_csv(
                tmp_path / "a.csv", HEADER, [["A81001", "2025-01", number, 1, "", ""]]
            ),
        )
        assert [p.column for p in result.problems] == ["nhs_number"]
    assert not AppointmentCount.objects.exists()


def test_cells_that_need_tidying_still_import(tmp_path, practices, paths, postgres_required):
    """A lower-case ODS code or spaces round a cell: the general path's rules, not refused."""
    rows = [[" a81001", "2025-01 ", N1, " 3", " 45-54", "female "]]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    )
    assert result.ok, messages(result)
    assert paths == ["general"]
    assert list(
        AppointmentCount.objects.values_list("patient__key", "appointments", "age_band")
    ) == [(patient_key(N1), 3, "45-54")]


def test_a_blank_line_is_left_to_the_general_path_which_imports_the_file(
    tmp_path, practices, paths, postgres_required
):
    """COPY refuses a blank line; the general path skips it, as it always has."""
    path = tmp_path / "a.csv"
    path.write_text(",".join(HEADER) + f"\nA81001,2025-01,{N1},3,,\n\nA81001,2025-01,{N2},1,,\n")
    result = data_import(kind="appointments", path_or_file=path)
    assert result.ok, messages(result)
    assert paths == ["general"]
    assert AppointmentCount.objects.count() == 2


def test_a_row_short_of_a_cell_is_reported_by_line_and_nothing_changes(
    tmp_path, practices, paths, postgres_required
):
    path = tmp_path / "a.csv"
    path.write_text(",".join(HEADER) + f"\nA81001,2025-01,{N1},3,,\nA81001,2025-01,{N2}\n")
    result = data_import(kind="appointments", path_or_file=path)
    assert not result.ok
    assert "fast" not in paths
    assert messages(result) and all(m.startswith("line 3") for m in messages(result))
    assert AppointmentCount.objects.count() == 0


def test_a_patient_key_file_goes_through_the_fast_path(
    tmp_path, practices, paths, postgres_required
):
    rows = [["A81001", "2025-01", patient_key(N1), 3], ["A81002", "2025-02", patient_key(N2), 0]]
    result = data_import(
        kind="appointments",
        path_or_file=write_csv(
            tmp_path / "a.csv", ["ods_code", "month", "patient_key", "appointments"], rows
        ),
    )
    assert result.ok, messages(result)
    assert paths == ["fast"]
    assert set(AppointmentCount.objects.values_list("patient__key", "appointments")) == {
        (patient_key(N1), 3),
        (patient_key(N2), 0),
    }


def test_the_module_keeps_the_general_path_for_sqlite(tmp_path, practices, paths):
    rows = [["A81001", "2025-01", N1, 3, "", ""]]
    assert data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    ).ok
    expected = "fast" if appointments_module.connection.vendor == "postgresql" else "general"
    assert paths == [expected]


def test_appointment_rows_have_one_index_the_primary_key_by_practice_patient_and_month(
    postgres_required,
):
    """One index to maintain on import (the primary key), in the order every reader uses; no
    surrogate id; the table partitioned by month."""
    from django.db import connection

    from outcomes.partitions import is_partitioned

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s",
            [AppointmentCount._meta.db_table],
        )
        indexes = [d for (d,) in cursor.fetchall()]
    assert len(indexes) == 1, indexes
    assert "UNIQUE" in indexes[0] and "(practice_id, patient_id, month)" in indexes[0]
    assert is_partitioned()


@pytest.mark.parametrize("path", ["fast", "general"])
def test_an_extract_imported_again_writes_only_what_changed(
    tmp_path, practices, monkeypatch, postgres_required, path
):
    """Changed rows are updated, vanished rows deleted, new rows inserted, identical rows
    left as they were (not deleted and written again); the counts are those of a replace."""
    from django.db import connection

    if path == "general":
        monkeypatch.setattr(AppointmentsImporter, "fast_import", lambda *a: False)
    first = [
        ["A81001", "2025-01", N1, 3, "45-54", "female"],
        ["A81001", "2025-01", N2, 2, "", ""],
        ["A81001", "2025-01", N3, 7, "", ""],
    ]
    assert data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, first)
    ).ok

    def versions():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT k.key, a.ctid::text FROM {AppointmentCount._meta.db_table} a "
                "JOIN outcomes_patientkey k ON k.id = a.patient_id"
            )
            return dict(cursor.fetchall())

    before = versions()
    second = [
        ["A81001", "2025-01", N1, 4, "45-54", "female"],  # count changed
        ["A81001", "2025-01", N2, 2, "", ""],  # the same
        ["A81001", "2025-01", N3, 7, "", "male"],  # sex changed
    ]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, second)
    )
    assert result.ok, messages(result)
    assert (result.created, result.deleted) == (3, 3)
    stored = {
        (c.patient.key, c.appointments, c.age_band, c.sex)
        for c in AppointmentCount.objects.select_related("patient")
    }
    assert stored == {
        (patient_key(N1), 4, "45-54", "female"),
        (patient_key(N2), 2, "", ""),
        (patient_key(N3), 7, "", "male"),
    }
    after = versions()
    assert after[patient_key(N2)] == before[patient_key(N2)]  # left alone
    assert after[patient_key(N1)] != before[patient_key(N1)]  # updated
    third = [["A81001", "2025-01", N2, 2, "", ""]]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "c.csv", HEADER, third)
    )
    assert (result.created, result.deleted) == (1, 3)
    assert list(AppointmentCount.objects.values_list("patient__key", flat=True)) == [
        patient_key(N2)
    ]
    assert versions()[patient_key(N2)] == before[patient_key(N2)]


def test_only_the_files_practice_and_month_pairs_are_replaced(
    tmp_path, practices, paths, postgres_required
):
    """A file replaces the extracts it holds, and nothing else: another month of the same
    practice, and the same month of another practice, keep their rows; a new patient and
    a vanished one in the same extract are counted as a replace counts them."""
    first = [
        ["A81001", "2025-01", N1, 3, "", ""],
        ["A81001", "2025-01", N2, 2, "", ""],
        ["A81001", "2025-02", N1, 5, "", ""],
        ["A81002", "2025-01", N1, 9, "", ""],
    ]
    assert data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, first)
    ).ok
    second = [
        ["A81001", "2025-01", N2, 2, "", ""],  # the same
        ["A81001", "2025-01", N3, 1, "", ""],  # new; N1 has gone from this extract
    ]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, second)
    )

    assert result.ok and paths == ["fast", "fast"]
    assert (result.created, result.deleted) == (2, 2)
    stored = {
        (c.practice.ods_code, c.month.isoformat()[:7], c.patient.key, c.appointments)
        for c in AppointmentCount.objects.select_related("patient", "practice")
    }
    assert stored == {
        ("A81001", "2025-01", patient_key(N2), 2),
        ("A81001", "2025-01", patient_key(N3), 1),
        ("A81001", "2025-02", patient_key(N1), 5),
        ("A81002", "2025-01", patient_key(N1), 9),
    }


@pytest.mark.parametrize(
    "bad_key",
    ["A" * 64, "a" * 63, "a" * 65, "g" + "a" * 63, ""],
    ids=["upper-case", "short", "long", "not-hex", "empty"],
)
def test_a_new_patient_key_of_the_wrong_form_is_refused_beside_known_ones(
    tmp_path, practices, paths, postgres_required, bad_key
):
    """Keys already in the keys table are taken as they are; a key not seen before is
    checked, so one of the wrong form sends the file to the general path, which refuses it."""
    header = ["ods_code", "month", "patient_key", "appointments"]
    known = [patient_key(n) for n in (N1, N2)]
    first = [["A81001", "2025-01", key, 1] for key in known]
    assert data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", header, first)
    ).ok
    before = (table(AppointmentCount), table(AppointmentExtract))
    paths.clear()
    rows = [["A81001", "2025-02", key, 2] for key in known] + [["A81001", "2025-02", bad_key, 1]]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", header, rows)
    )
    assert not result.ok
    assert "fast" not in paths
    assert [(p.line, p.column) for p in result.problems] == [(4, "patient_key")]
    assert (table(AppointmentCount), table(AppointmentExtract)) == before


@pytest.mark.parametrize("month", ["2025-13", "2025-1", "25-01", "2025-00", ""])
def test_a_month_of_the_wrong_form_is_refused_by_line(
    tmp_path, practices, paths, postgres_required, month
):
    """The months are checked once per distinct value on the fast path: one bad month among
    good ones still sends the file to the general path, which names the line."""
    rows = [["A81001", "2025-01", N1, 1, "", ""], ["A81001", month, N2, 1, "", ""]]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    )
    assert not result.ok
    assert "fast" not in paths
    assert [(p.line, p.column) for p in result.problems] == [(3, "month")]
    assert not AppointmentCount.objects.exists()


def test_new_and_changed_rows_are_counted_and_written_apart(
    tmp_path, practices, paths, postgres_required
):
    """New rows are inserted and changed ones updated; the counts say how many rows the file
    replaced."""
    rows = [["A81001", "2025-01", n, 1, "", ""] for n in (N1, N2)]
    assert data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    ).ok
    rows = [
        ["A81001", "2025-01", N1, 1, "", ""],
        ["A81001", "2025-01", N2, 5, "", ""],
        ["A81001", "2025-01", N3, 2, "", ""],
    ]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, rows)
    )
    assert result.ok, messages(result)
    assert paths[-1] == "fast"
    assert (result.rows, result.created, result.deleted) == (3, 3, 2)
    assert set(AppointmentCount.objects.values_list("patient__key", "appointments")) == {
        (patient_key(N1), 1),
        (patient_key(N2), 5),
        (patient_key(N3), 2),
    }
    assert AppointmentExtract.objects.get(practice__ods_code="A81001").rows == 3
