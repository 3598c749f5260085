"""The appointments table partitioned by month on PostgreSQL (outcomes/partitions.py): imports
make their months' partitions, rows written one by one wait in the default partition and move
when their month is made, two makers at once make one partition, and an extract's replace and
the metric jobs read through the partitions (the demand tests run on both databases)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from outcomes import partitions
from outcomes.imports import data_import
from outcomes.models import AppointmentCount, PatientKey
from outcomes.partitions import is_partitioned, month_partitions_ensure, partition_name
from tests.outcomes.factories import AppointmentCountFactory
from tests.outcomes.imports_support import write_csv
from tests.socialrx.factories import PracticeFactory

N1, N2 = "9434765919", "9434765870"


def _where(month: dt.date) -> list[str]:
    """The partitions holding the appointment rows of ``month``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT tableoid::regclass::text FROM {AppointmentCount._meta.db_table} "
            "WHERE month = %s",
            [month],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db
def test_not_partitioned_elsewhere():
    if connection.vendor == "postgresql":
        assert is_partitioned()
    else:
        assert not is_partitioned()
        assert month_partitions_ensure([dt.date(2025, 1, 1)]) == []


@pytest.mark.django_db
def test_an_import_makes_its_months_partitions_and_its_rows_go_there(tmp_path, postgres_required):
    PracticeFactory(ods_code="A81001")
    path = write_csv(
        tmp_path / "appointments.csv",
        ["ods_code", "month", "nhs_number", "appointments"],
        [["A81001", "2031-03", N1, "2"], ["A81001", "2031-04", N2, "1"]],
    )
    result = data_import(kind="appointments", path_or_file=path)
    assert result.ok, result.summary()
    assert _where(dt.date(2031, 3, 1)) == [partition_name(dt.date(2031, 3, 1))]
    assert _where(dt.date(2031, 4, 1)) == [partition_name(dt.date(2031, 4, 1))]
    # Imported again: the extract is replaced within its partition.
    result = data_import(kind="appointments", path_or_file=path)
    assert (result.created, result.deleted) == (2, 2)
    assert AppointmentCount.objects.count() == 2


@pytest.mark.django_db
def test_rows_written_one_by_one_wait_in_the_default_partition_until_their_month_is_made(
    postgres_required,
):
    month = dt.date(2032, 5, 1)
    row = AppointmentCountFactory(month=month, appointments=7, age_band="45-54", sex="male")
    table = AppointmentCount._meta.db_table
    assert _where(month) == [f"{table}_default"]
    assert month_partitions_ensure([dt.date(2032, 5, 17)]) == [partition_name(month)]
    assert _where(month) == [partition_name(month)]
    moved = AppointmentCount.objects.get()
    assert (moved.practice_id, moved.patient_id, moved.month, moved.appointments) == (
        row.practice_id,
        row.patient_id,
        month,
        7,
    )
    assert (moved.age_band, moved.sex) == ("45-54", "male")
    assert month_partitions_ensure([month]) == []


@pytest.mark.django_db(transaction=True)
def test_two_makers_of_one_month_at_once_make_one_partition(postgres_required):
    month = dt.date(2033, 7, 1)
    made: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def maker() -> None:
        try:
            start.wait()
            made.append(month_partitions_ensure([month]))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=maker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors
        assert sorted(made) == [[], [partition_name(month)]]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {partition_name(month)}")
        partitions._made.clear()


@pytest.mark.django_db
def test_a_patient_key_has_one_id_whoever_names_it(tmp_path):
    PracticeFactory(ods_code="A81001")
    PracticeFactory(ods_code="A81002")
    path = write_csv(
        tmp_path / "appointments.csv",
        ["ods_code", "month", "nhs_number", "appointments"],
        [["A81001", "2025-01", N1, "2"], ["A81002", "2025-01", N1, "1"]],
    )
    assert data_import(kind="appointments", path_or_file=path).ok
    assert data_import(kind="appointments", path_or_file=path).ok
    assert PatientKey.objects.count() == 1
    assert set(AppointmentCount.objects.values_list("patient_id", flat=True)) == {
        PatientKey.objects.get().pk
    }
