"""GP appointment extracts (``appointments.csv``): the big file, 24 million rows at full scale.

Every (practice, month) pair in a file is a whole extract: its rows wait in a temporary staging
table (COPY on PostgreSQL, bulk inserts elsewhere), and once the whole file is good one merge
replaces each pair's earlier rows with them (``appointments_copy.staged_merge``). NHS numbers
are checked and turned into patient keys on the way in; they are never written anywhere. Memory
holds one batch, nothing per patient: a patient listed twice for one pair is caught by the
table's primary key, and only then is the file read a second time, into a temporary table, to
name the lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connection, transaction

from socialrx.validators import nhs_number_is_valid, normalise_nhs_number, patient_key

from ..columns import Column, Invalid, choice, integer, month, ods_code, pattern
from ..engine import parse_rows
from ..importer import Importer, Row
from ..lookups import PracticeCodes
from ..reading import PathOrFile, open_binary, read_records
from ..results import MAX_LISTED_BAD_ROWS, Problem
from .appointments_copy import STAGING, import_fast, staged_merge, staging_create
from .population import AGE_BANDS, SEXES


def parse_nhs_number(text: str) -> str:
    if not nhs_number_is_valid(text):
        raise Invalid("is not a valid NHS number")
    return patient_key(normalise_nhs_number(text))


KEY_COLUMNS = ("nhs_number", "patient_key")
_TEMP = "import_appointment_lines"


class AppointmentsImporter(Importer):
    kind = "appointments"
    batch_size = 20_000
    columns = (
        ods_code(required=True),
        month("month", required=True),
        Column(
            "nhs_number",
            "10 digits whose last is the modulus 11 check digit (the value is not shown)",
            parse_nhs_number,
            required=True,
            optional=True,
            personal=True,
        ),
        pattern(
            "patient_key",
            r"^[0-9a-f]{64}$",
            "a patient key: 64 lower-case hexadecimal characters (HMAC-SHA256)",
            upper=False,
            required=True,
            optional=True,
        ),
        integer("appointments", minimum=0, required=True),
        # Optional columns: the patient's age band and sex that month, which the demand
        # comparison group is matched on. Left out (or empty): stored as "".
        choice("age_band", AGE_BANDS, optional=True),
        choice("sex", SEXES, optional=True),
    )

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.practices = PracticeCodes()
        self.key_column = "nhs_number"
        self._stack = ExitStack()
        self._copy: Any = None
        self._staged = False

    # The template offers the NHS number; a file of keys already hashed uses patient_key.
    template_leaves_out = ("patient_key",)
    writes_stream = True

    def header_problems(self, names: list[str]) -> list[Problem]:
        problems = super().header_problems(names)
        present = [c for c in KEY_COLUMNS if c in names]
        expected = "one of the columns nhs_number or patient_key, not both"
        if len(present) == 2:
            problems.append(Problem(1, "patient_key", "both nhs_number and patient_key", expected))
        elif not present:
            problems.append(Problem(1, "", "neither nhs_number nor patient_key", expected))
        else:
            self.key_column = present[0]
        return problems

    def fast_import(self, f: Any, header: list[str], progress: Callable[..., None]) -> bool:
        """PostgreSQL, a file the fast loop accepts whole: COPY into staging, one merge
        (``appointments_copy``)."""
        return import_fast(self, f, header, progress)

    def check_row(self, row: Row) -> None:
        row.values["practice_id"] = self.practices.check(self, row)

    def write(self, rows: list[Row]) -> None:
        """Stage the batch (COPY on PostgreSQL, a bulk insert elsewhere); ``finish`` merges."""
        key_column = self.key_column
        records = [
            (
                r.values["practice_id"],
                r.values["month"],
                r.values[key_column],
                r.values["appointments"],
                r.values.get("age_band") or "",
                r.values.get("sex") or "",
            )
            for r in rows
        ]
        if not self._staged:
            with connection.cursor() as cursor:
                staging_create(cursor)
            self._staged = True
        if connection.vendor == "postgresql":
            if self._copy is None:
                self._copy = self._stack.enter_context(_copy_open())
            for record in records:
                self._copy.write_row(record)
        else:
            _insert(records)
        self.result.created += len(records)

    def close(self) -> None:
        self._copy = None
        self._stack.close()

    def finish(self) -> None:
        if not self._staged:  # a file of a header alone
            return
        with connection.cursor() as cursor:
            staged_merge(cursor, self.result)

    def refused(self, error: Exception, path_or_file: PathOrFile) -> list[Problem]:
        problems = _duplicate_lines(self, path_or_file)
        return problems or super().refused(error, path_or_file)


@contextmanager
def _copy_open() -> Iterator[Any]:
    """One COPY stream into the staging table, kept open across batches. Its writer thread
    sends rows to the server while this thread parses the next ones."""
    from psycopg.copy import QueuedLibpqWriter

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper
        with raw.copy(
            f"COPY {STAGING} (practice_id, month, patient_key, appointments, age_band, sex) "
            "FROM STDIN",
            writer=QueuedLibpqWriter(raw),
        ) as copy:
            yield copy


def _insert(records: list[tuple[Any, ...]]) -> None:
    """Elsewhere (SQLite), one prepared INSERT into the staging table for the batch."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {STAGING} (practice_id, month, patient_key, appointments, age_band, "
            "sex) VALUES (%s, %s, %s, %s, %s, %s)",
            [(p, m.isoformat(), k, n, a, s) for p, m, k, n, a, s in records],
        )


def _duplicate_lines(importer: AppointmentsImporter, path_or_file: PathOrFile) -> list[Problem]:
    """Name the lines that repeat a patient for one practice and month. Runs only after the
    database refused the file: the file is read again into a temporary table and the database
    groups it, so memory stays flat however large the file."""
    key_column = importer.key_column
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_TEMP} "
                "(practice_id bigint, month varchar(10), patient_key varchar(64), line bigint)"
            )
            try:
                with open_binary(path_or_file) as f:
                    records = read_records(f)
                    header = [name.strip() for name in next(records)[1]]
                    batch: list[tuple[Any, ...]] = []
                    for row in parse_rows(importer, records, header):
                        v = row.values
                        batch.append(
                            (v["practice_id"], v["month"].isoformat(), v[key_column], row.line)
                        )
                        if len(batch) >= 5000:
                            _stage(cursor, batch)
                            batch = []
                    _stage(cursor, batch)
                cursor.execute(
                    f"SELECT a.line, d.first_line FROM {_TEMP} a JOIN ("
                    f"  SELECT practice_id, month, patient_key, MIN(line) AS first_line"
                    f"  FROM {_TEMP} GROUP BY practice_id, month, patient_key"
                    f"  HAVING COUNT(*) > 1"
                    f") d ON a.practice_id = d.practice_id AND a.month = d.month"
                    f" AND a.patient_key = d.patient_key"
                    f" WHERE a.line > d.first_line ORDER BY a.line"
                )
                found = cursor.fetchmany(MAX_LISTED_BAD_ROWS)
                rest = len(cursor.fetchall())
            finally:
                cursor.execute(f"DROP TABLE {_TEMP}")
    except Exception:  # locating is best effort; the refusal itself stands
        return []
    importer.result.bad_rows = len(found) + rest
    return [
        Problem(
            line,
            key_column,
            f"the same patient is also on line {first} for this practice and month",
            "one row for each patient in each practice and month",
        )
        for line, first in found
    ]


def _stage(cursor: Any, batch: list[tuple[Any, ...]]) -> None:
    if batch:
        cursor.executemany(
            f"INSERT INTO {_TEMP} (practice_id, month, patient_key, line) VALUES (%s, %s, %s, %s)",
            batch,
        )
