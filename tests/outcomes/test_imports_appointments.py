"""GP appointment extracts: replace per (practice, month), patient keys only, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import tracemalloc

import pytest
from django.db import connection

from outcomes.imports import data_import
from outcomes.models import AppointmentCount, AppointmentExtract
from socialrx.validators import patient_key
from tests.outcomes.imports_support import messages, nhs_numbers, table, write_csv
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

HEADER = ["ods_code", "month", "nhs_number", "appointments"]
KEYED = ["ods_code", "month", "patient_key", "appointments"]
N1, N2, N3 = "9434765919", "9434765870", "4010232137"


@pytest.fixture
def practices(db):
    return PracticeFactory(ods_code="A81001"), PracticeFactory(ods_code="A81002")


def counts() -> set[tuple[str, str, str, int]]:
    return {
        (c["practice__ods_code"], c["month"].isoformat()[:7], c["patient__key"], c["appointments"])
        for c in AppointmentCount.objects.values(
            "practice__ods_code", "month", "patient__key", "appointments"
        )
    }


def extracts() -> set[tuple[str, str, int]]:
    return {
        (e.practice.ods_code, e.month.isoformat()[:7], e.rows)
        for e in AppointmentExtract.objects.select_related("practice")
    }


def test_import_stores_patient_keys_and_extracts(tmp_path, practices):
    f = write_csv(
        tmp_path / "a.csv",
        HEADER,
        [
            ["A81001", "2025-01", N1, 3],
            ["A81001", "2025-01", "943 476 5870", 0],
            ["A81001", "2025-02", N1, 1],
            ["A81002", "2025-01", N3, 12],
        ],
    )
    result = data_import(kind="appointments", path_or_file=f)
    assert result.ok, messages(result)
    assert (result.rows, result.created) == (4, 4)
    assert counts() == {
        ("A81001", "2025-01", patient_key(N1), 3),
        ("A81001", "2025-01", patient_key(N2), 0),
        ("A81001", "2025-02", patient_key(N1), 1),
        ("A81002", "2025-01", patient_key(N3), 12),
    }
    assert extracts() == {
        ("A81001", "2025-01", 2),
        ("A81001", "2025-02", 1),
        ("A81002", "2025-01", 1),
    }
    assert AppointmentExtract.objects.filter(month=dt.date(2025, 2, 1)).exists()


def test_nhs_numbers_are_never_stored(tmp_path, practices):
    f = write_csv(tmp_path / "a.csv", HEADER, [["A81001", "2025-01", N1, 3]])
    assert data_import(kind="appointments", path_or_file=f).ok
    stored = str(table(AppointmentCount)) + str(table(AppointmentExtract))
    assert N1 not in stored
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AppointmentCount._meta.db_table}")
        assert N1 not in str(cursor.fetchall())


def test_reimport_changes_nothing(tmp_path, practices):
    f = write_csv(
        tmp_path / "a.csv", HEADER, [["A81001", "2025-01", N1, 3], ["A81002", "2025-01", N2, 1]]
    )
    data_import(kind="appointments", path_or_file=f)
    before = (table(AppointmentCount), table(AppointmentExtract))
    again = data_import(kind="appointments", path_or_file=f)
    assert again.ok
    assert again.deleted == 2
    assert (table(AppointmentCount), table(AppointmentExtract)) == before


def test_a_pair_in_a_new_file_replaces_only_that_practice_and_month(tmp_path, practices):
    first = [
        ["A81001", "2025-01", N1, 3],
        ["A81001", "2025-01", N2, 2],
        ["A81001", "2025-02", N1, 1],
        ["A81002", "2025-01", N3, 5],
    ]
    data_import(kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, first))
    second = [["A81001", "2025-01", N3, 9]]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, second)
    )
    assert result.ok
    assert result.deleted == 2
    assert counts() == {
        ("A81001", "2025-01", patient_key(N3), 9),
        ("A81001", "2025-02", patient_key(N1), 1),
        ("A81002", "2025-01", patient_key(N3), 5),
    }
    assert ("A81001", "2025-01", 1) in extracts()


def test_pairs_need_not_be_contiguous_in_the_file(tmp_path, practices):
    rows = [
        ["A81001", "2025-01", N1, 3],
        ["A81002", "2025-01", N1, 1],
        ["A81001", "2025-01", N2, 2],
    ]
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    )
    assert result.ok
    assert ("A81001", "2025-01", 2) in extracts()
    assert AppointmentCount.objects.count() == 3


def test_patient_key_column_is_stored_as_is(tmp_path, practices):
    key = patient_key(N1)
    f = write_csv(tmp_path / "a.csv", KEYED, [["A81001", "2025-03", key, 4]])
    assert data_import(kind="appointments", path_or_file=f).ok
    assert counts() == {("A81001", "2025-03", key, 4)}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["ods_code", "month", "nhs_number", "patient_key", "appointments"],
            "line 1, column patient_key: both nhs_number and patient_key; expected one of the "
            "columns nhs_number or patient_key, not both",
        ),
        (
            ["ods_code", "month", "appointments"],
            "line 1: neither nhs_number nor patient_key; expected one of the columns nhs_number "
            "or patient_key, not both",
        ),
    ],
)
def test_exactly_one_key_column(tmp_path, practices, header, message):
    f = write_csv(tmp_path / "a.csv", header, [])
    assert messages(data_import(kind="appointments", path_or_file=f)) == [message]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["Z99999", "2025-01", N2, 1],
            'line 3, column ods_code: "Z99999" matches no practice; expected the ods_code of '
            "practice already imported (practices.csv)",
        ),
        (
            ["A81001", "2025-1", N2, 1],
            'line 3, column month: "2025-1" is not a month; expected a month as YYYY-MM, for '
            "example 2025-04",
        ),
        (
            ["A81001", "2025-13", N2, 1],
            'line 3, column month: "2025-13" is not a month; expected a month as YYYY-MM, for '
            "example 2025-04",
        ),
        (
            ["A81001", "2025-01", "9434765918", 1],
            "line 3, column nhs_number: the value is not a valid NHS number; expected 10 digits "
            "whose last is the modulus 11 check digit (the value is not shown)",
        ),
        (
            ["A81001", "2025-01", "", 1],
            "line 3, column nhs_number: the cell is empty; expected 10 digits whose last is the "
            "modulus 11 check digit (the value is not shown)",
        ),
        (
            ["A81001", "2025-01", N2, "-2"],
            'line 3, column appointments: "-2" is out of range; expected a whole number, 0 or more',
        ),
        (
            ["A81001", "2025-01", N2, "three"],
            'line 3, column appointments: "three" is not a whole number; expected a whole '
            "number, 0 or more",
        ),
        (
            ["A81001", "2025-01", N1, 2],
            "line 3, column nhs_number: the same patient is also on line 2 for this practice and "
            "month; expected one row for each patient in each practice and month",
        ),
    ],
)
def test_bad_cells(tmp_path, practices, row, message):
    f = write_csv(tmp_path / "a.csv", HEADER, [["A81001", "2025-01", N1, 3], row])
    result = data_import(kind="appointments", path_or_file=f)
    assert messages(result) == [message]
    assert N2 not in str(result.as_dict())  # the report never quotes an NHS number
    assert not AppointmentCount.objects.exists()
    assert not AppointmentExtract.objects.exists()


def test_bad_patient_key(tmp_path, practices):
    f = write_csv(tmp_path / "a.csv", KEYED, [["A81001", "2025-01", "ABC", 1]])
    assert messages(data_import(kind="appointments", path_or_file=f)) == [
        'line 2, column patient_key: "ABC" is not in the right form; expected a patient key: 64 '
        "lower-case hexadecimal characters (HMAC-SHA256)"
    ]


def test_bad_file_keeps_the_earlier_extract(tmp_path, practices):
    data_import(
        kind="appointments",
        path_or_file=write_csv(tmp_path / "a.csv", HEADER, [["A81001", "2025-01", N1, 3]]),
    )
    before = (table(AppointmentCount), table(AppointmentExtract))
    bad = [["A81001", "2025-01", N2, 1], ["A81001", "2025-01", N3, "x"]]
    assert not data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, bad)
    ).ok
    assert (table(AppointmentCount), table(AppointmentExtract)) == before


def test_duplicate_patient_across_batches_is_located(tmp_path, practices):
    numbers = list(nhs_numbers(25_000))
    rows = [["A81001", "2025-01", n, 1] for n in numbers]
    rows.append(["A81001", "2025-01", numbers[3], 2])
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "a.csv", HEADER, rows)
    )
    assert messages(result) == [
        "line 25002, column nhs_number: the same patient is also on line 5 for this practice and "
        "month; expected one row for each patient in each practice and month"
    ]
    assert not AppointmentCount.objects.exists()


@pytest.mark.slow
def test_memory_stays_flat_on_a_200k_row_file(tmp_path, practices):
    """Streaming: the peak of Python allocations while importing 200,000 rows stays far below
    what holding the rows would take (about 200 bytes a row, 40 MB)."""
    path = tmp_path / "big.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i, number in enumerate(nhs_numbers(100_000)):
            for ods in ("A81001", "A81002"):
                writer.writerow([ods, "2025-01", number, i % 7])
    tracemalloc.start()
    try:
        result = data_import(kind="appointments", path_or_file=path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok, messages(result)
    assert result.rows == 200_000
    assert AppointmentCount.objects.count() == 200_000
    assert peak < 25 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_new_pair_in_a_later_batch_replaces_its_earlier_rows(tmp_path, practices):
    data_import(
        kind="appointments",
        path_or_file=write_csv(tmp_path / "a.csv", HEADER, [["A81002", "2025-01", N1, 3]]),
    )
    rows = [["A81001", "2025-01", n, 1] for n in nhs_numbers(20_001)]
    rows.append(["A81002", "2025-01", N2, 4])
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, rows)
    )
    assert result.ok, messages(result)
    assert result.deleted == 1
    assert set(
        AppointmentCount.objects.filter(practice__ods_code="A81002").values_list(
            "patient__key", "appointments"
        )
    ) == {(patient_key(N2), 4)}
    assert AppointmentCount.objects.count() == 20_002


def test_bad_last_row_after_written_batches_imports_nothing(tmp_path, practices):
    data_import(
        kind="appointments",
        path_or_file=write_csv(tmp_path / "a.csv", HEADER, [["A81001", "2025-01", N1, 3]]),
    )
    before = (table(AppointmentCount), table(AppointmentExtract))
    rows = [["A81001", "2025-01", n, 1] for n in nhs_numbers(20_500)]
    rows.append(["A81001", "2025-01", "0000000000x", 1])
    result = data_import(
        kind="appointments", path_or_file=write_csv(tmp_path / "b.csv", HEADER, rows)
    )
    assert [p.line for p in result.problems] == [20_502]
    assert (table(AppointmentCount), table(AppointmentExtract)) == before


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_others_during_the_import_on_postgresql(tmp_path, postgres_required):
    """The import's transaction is open until the end, so progress goes through a second
    connection: another session (the page polling the Run) sees it while the import runs."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from outcomes.models import Run

    PracticeFactory(ods_code="A81001")
    run = Run.objects.create(kind="appointments")
    rows = [["A81001", "2025-01", n, 1] for n in nhs_numbers(45_000)]
    f = write_csv(tmp_path / "a.csv", HEADER, rows)
    seen = []

    def look(done, total):
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    f"SELECT progress, total FROM {Run._meta.db_table} WHERE id = %s", [run.pk]
                )
                seen.append((done, cursor.fetchone()))
        finally:
            other.close()

    result = data_import(kind="appointments", path_or_file=f, run=run, on_progress=look)
    assert result.ok, messages(result)
    mid = [(done, row) for done, row in seen if done < 45_000]
    assert mid, "no progress was reported during the import"
    assert all(row == (done, 45_000) for done, row in mid), seen
    run.refresh_from_db()
    assert (run.progress, run.total) == (45_000, 45_000)


def test_optional_age_band_and_sex_columns_are_stored(tmp_path, practices):
    f = write_csv(
        tmp_path / "a.csv",
        [*HEADER, "age_band", "sex"],
        [
            ["A81001", "2025-01", N1, 3, "45-54", "female"],
            ["A81001", "2025-01", N2, 0, "", ""],  # empty: not known
        ],
    )
    result = data_import(kind="appointments", path_or_file=f)
    assert result.ok, messages(result)
    stored = {c.patient.key: (c.age_band, c.sex) for c in AppointmentCount.objects.all()}
    assert stored == {patient_key(N1): ("45-54", "female"), patient_key(N2): ("", "")}


def test_files_without_age_band_and_sex_store_them_empty(tmp_path, practices):
    f = write_csv(tmp_path / "a.csv", HEADER, [["A81001", "2025-01", N1, 3]])
    assert data_import(kind="appointments", path_or_file=f).ok
    assert list(AppointmentCount.objects.values_list("age_band", "sex")) == [("", "")]


def test_an_unknown_age_band_or_sex_is_a_bad_row_and_nothing_is_stored(tmp_path, practices):
    f = write_csv(
        tmp_path / "a.csv",
        [*HEADER, "age_band", "sex"],
        [
            ["A81001", "2025-01", N1, 3, "45 to 54", "female"],
            ["A81001", "2025-01", N2, 1, "45-54", "F"],
        ],
    )
    result = data_import(kind="appointments", path_or_file=f)
    assert not result.ok
    text = " ".join(messages(result))
    assert "age_band" in text and "sex" in text
    assert not AppointmentCount.objects.exists()
