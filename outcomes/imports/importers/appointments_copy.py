"""The appointments import on PostgreSQL at COPY speed.

A file that is entirely good (the usual case: an extract written by a GP system) is sent to the
database as it is, in 1 MB blocks, by one ``COPY … FROM STDIN (FORMAT csv)`` into a temporary
table of text columns; no Python runs per row. One set-based statement then checks and converts
every row at once (the practice by its ODS code exactly as stored, the month as YYYY-MM, the
count, age band and sex, the NHS number's form and modulus 11 check digit, or the patient key's
form) and turns each NHS number into its patient key by the same keyed hash as
``socialrx.validators.patient_key`` (HMAC-SHA256, written with PostgreSQL's built-in
``sha256``: the key's inner and outer pads are sent as parameters, so no extension is needed
and the pepper is never stored). Then one set-based merge, in the same transaction, replaces
every (practice, month) extract the file holds (``staged_merge``).

Anything the check does not pass (a bad or untidy cell, a line that is not UTF-8, a broken
quote, a blank line, a patient twice for one practice and month) makes it give up: its
savepoint is rolled back, so nothing it wrote remains, and the file is imported by the general
path (``outcomes.imports.engine``), which reports every problem with its line and column
exactly as it always has. A bad file costs a second reading; a good one is read once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from outcomes.metrics.sql import planner
from outcomes.models import AppointmentCount, AppointmentExtract, PatientKey
from outcomes.partitions import month_partitions_ensure
from socialrx.models import Practice

from ..engine import DATABASE_ERRORS
from ..results import ImportResult

STAGING = "appointment_staging"
# The file is sent in blocks of this many bytes: memory stays flat whatever its size.
READ_BYTES = 1 << 20
MERGE_WORK_MEM = "256MB"


class GiveUpError(Exception):
    """The fast path met something only the general path may judge and report."""


GIVE_UP: tuple[type[BaseException], ...] = (GiveUpError, *DATABASE_ERRORS)


def hmac_pads(pepper: str) -> tuple[bytes, bytes]:
    """The inner and outer pads of HMAC-SHA256 under ``pepper`` (RFC 2104): HMAC(m) =
    SHA-256(outer + SHA-256(inner + m)), the same value as ``socialrx.validators.patient_key``."""
    key = pepper.encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def staging_create(cursor: Any) -> None:
    """The temporary table an import's rows wait in until ``staged_merge`` (either path, on
    either database)."""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGING} (practice_id bigint, month date, "
        "patient_key varchar(64), appointments integer, age_band varchar(7), sex varchar(7))"
    )


def import_fast(
    importer: Any, f: IO[Any], header: list[str], progress: Callable[..., None]
) -> bool:
    """Import the rest of ``f`` (positioned after the header) in a savepoint; True when done.
    False, with nothing written and ``f`` back where it was, when the general path must
    judge the file."""
    if connection.vendor != "postgresql" or not isinstance(f.read(0), bytes):
        return False
    start = f.tell()
    result: ImportResult = importer.result
    try:
        with transaction.atomic():
            _run(importer, f, header, progress)
    except GIVE_UP:
        f.seek(start)
        result.rows = result.created = result.deleted = 0
        return False
    return True


RAW = "appointment_raw"
# The file's distinct (practice code, month, count) cells with how many rows have each:
# checked and converted once per value, not once per row.
VALUES = "appointment_values"


def _run(importer: Any, f: IO[bytes], header: list[str], progress: Callable[..., None]) -> None:
    result: ImportResult = importer.result
    present = set(header)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW}")
        columns = ", ".join(f"{connection.ops.quote_name(name)} text" for name in header)
        cursor.execute(f"CREATE TEMPORARY TABLE {RAW} ({columns})")
        names = ", ".join(connection.ops.quote_name(name) for name in header)
        rows = 0
        with cursor.cursor.copy(f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            while block := f.read(READ_BYTES):
                copy.write(block)
                # About the rows sent so far (a quoted cell may hold a line break).
                rows += block.count(b"\n")
                progress(rows)
        # COPY reports how many rows it read.
        result.rows = cursor.rowcount
        cursor.execute(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")
        # No JIT compilation: each statement runs once, and compiling it costs more than
        # it saves.
        cursor.execute("SET LOCAL jit = off")
        # The practice, month and count are checked and converted once per distinct
        # (practice code, month, count) of the file: a few thousand cells however many rows.
        # A value that does not pass leaves its rows out, so the counts no longer add up.
        cursor.execute(f"DROP TABLE IF EXISTS {VALUES}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {VALUES} AS "
            "SELECT v.ods_code, v.month, v.appointments, v.rows, p.id AS practice_id, "
            "to_date(v.month, 'YYYY-MM') AS month_date, "
            "CAST(v.appointments AS integer) AS appointments_number "
            "FROM (SELECT ods_code, month, appointments, COUNT(*) AS rows "
            f"FROM {RAW} GROUP BY ods_code, month, appointments OFFSET 0) v "
            f"JOIN {connection.ops.quote_name(Practice._meta.db_table)} p "
            "ON p.ods_code = v.ods_code "
            "WHERE v.month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' AND v.month >= '0001' "
            "AND length(v.appointments) BETWEEN 1 AND 9 AND v.appointments !~ '[^0-9]'"
        )
        cursor.execute(f"SELECT COALESCE(SUM(rows), 0) FROM {VALUES}")
        if cursor.fetchone()[0] != result.rows:  # a practice, month or count that failed
            raise GiveUpError
        cursor.execute(f"ANALYZE {VALUES}")
        # The rows, checked and given their keys' ids in one statement, straight into the
        # table the merge reads (no staging table in between).
        sql, params = _resolve_sql(importer.key_column, present)
        cursor.execute(f"DROP TABLE IF EXISTS {RESOLVED}")
        # The keys and the checked values by hashing: the checks make the planner expect a
        # few rows, and a loop would look each row's key up in the keys' index (1.5 s at
        # 777,000 rows), a merge would sort the file's rows by key first.
        with planner(enable_nestloop="off", enable_mergejoin="off"):
            cursor.execute(f"CREATE TEMPORARY TABLE {RESOLVED} AS {sql}", params)
            converted = cursor.rowcount
        if converted != result.rows:  # a row the check did not pass
            raise GiveUpError
        result.created = result.rows
        cursor.execute(f"DROP TABLE {RAW}")
        resolved_merge(cursor, result, VALUES)


def _resolve_sql(key_column: str, present: set[str]) -> tuple[str, list[Any]]:
    """SELECT the raw rows that pass every check, converted to the resolved table's columns
    (practice_id, patient_id, month, appointments, age_band, sex, patient_key): the
    practice, month and count from the checked values (``VALUES``), the key's id from the
    keys table. (Forms are checked by length and a negated character class: PostgreSQL's
    regular expressions with a counted repetition such as ``{64}`` cost about 25 µs a row,
    ten times as much.)"""
    from .population import AGE_BANDS, SEXES

    def allowed(column: str, values: tuple[str, ...]) -> str:
        if column not in present:
            return "TRUE"
        listed = ", ".join(f"'{v}'" for v in values)
        return f"COALESCE(r.{column}, '') IN ('', {listed})"

    def optional(column: str) -> str:
        return f"COALESCE(r.{column}, '')" if column in present else "''"

    keys = connection.ops.quote_name(PatientKey._meta.db_table)
    params: list[Any] = []
    if key_column == "nhs_number":
        # Each NHS number is checked and hashed once, however many months the file has it
        # in (a file of a practice's last two years names each patient up to 24 times):
        # ``ids`` has one row per distinct number (``source``) that passes, with its key and
        # the key's id (NULL for a key not seen before). Spaces and dashes between the digits
        # are dropped, as the general path drops them; anything else that is not 10 digits is
        # left to the general path.
        digit = [f"(ascii(substr(n.v, {i}, 1)) - 48)" for i in range(1, 11)]
        weighted = " + ".join(f"{11 - i} * {d}" for i, d in enumerate(digit[:9], start=1))
        number_ok = (
            "CASE WHEN length(n.v) = 10 AND n.v !~ '[^0-9]' "
            f"THEN (11 - ({weighted}) %% 11) %% 11 = {digit[9]} ELSE FALSE END"
        )
        hashed = "encode(sha256(%s::bytea || sha256(%s::bytea || convert_to(n.v, 'UTF8'))), 'hex')"
        inner, outer = hmac_pads(settings.PATIENT_KEY_PEPPER)
        params = [outer, inner]
        ids = f"""SELECT h.source, h.patient_key, k.id AS patient_id
            FROM (SELECT n.nhs_number AS source, {hashed} AS patient_key
                  FROM (SELECT d.nhs_number, translate(d.nhs_number, ' -', '') AS v
                        FROM (SELECT DISTINCT nhs_number FROM {RAW} OFFSET 0) d) n
                  WHERE {number_ok}) h
            LEFT JOIN {keys} k ON k.key = h.patient_key"""
        key_join = f"JOIN ({ids}) i ON i.source = r.nhs_number"
        key_ok = "TRUE"
        patient_id, patient_key = "i.patient_id", "i.patient_key"
    else:
        # Looked up for every row (by hashing the keys table once): taking the file's
        # distinct keys first costs more than it saves. A key already in the keys table has the
        # right form; only new ones are checked.
        key_join = f"LEFT JOIN {keys} k ON k.key = r.patient_key"
        key_ok = (
            "(k.id IS NOT NULL OR (octet_length(r.patient_key) = 64 "
            "AND r.patient_key !~ '[^0-9a-f]'))"
        )
        patient_id, patient_key = "k.id", "r.patient_key"
    sql = f"""
        SELECT v.practice_id, {patient_id} AS patient_id, v.month_date AS month,
            v.appointments_number AS appointments,
            CAST({optional("age_band")} AS varchar(7)) AS age_band,
            CAST({optional("sex")} AS varchar(7)) AS sex,
            CAST({patient_key} AS varchar(64)) AS patient_key
        FROM {RAW} r
        JOIN {VALUES} v ON v.ods_code = r.ods_code AND v.month = r.month
            AND v.appointments = r.appointments
        {key_join}
        WHERE {key_ok} AND {allowed("age_band", AGE_BANDS)} AND {allowed("sex", SEXES)}
    """
    return sql, params


RESOLVED = "appointment_resolved"
CHANGES = "appointment_changes"


def staged_merge(cursor: Any, result: ImportResult) -> None:
    """Replace each (practice, month) extract in the staging table, set-based, then drop the
    staging table. Keys not seen before get their ids; ``result.deleted`` counts the pairs'
    earlier rows and ``result.created`` the file's rows, whichever way they are written; the
    extracts' row counts are set. A patient twice for one pair fails with an integrity error
    (the general path then names the lines)."""
    keys = connection.ops.quote_name(PatientKey._meta.db_table)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {STAGING}")
        # The sorts and hashes below in memory, not in temporary files.
        cursor.execute(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")
        cursor.execute(f"DROP TABLE IF EXISTS {RESOLVED}")
        # Each row with its key's id, found by one hash join (PostgreSQL hashes the file's
        # side and reads the keys once).
        cursor.execute(
            f"CREATE TEMPORARY TABLE {RESOLVED} AS "
            f"SELECT s.practice_id, k.id AS patient_id, s.month, s.appointments, s.age_band, "
            f"s.sex, s.patient_key FROM {STAGING} s LEFT JOIN {keys} k ON k.key = s.patient_key"
        )
        result.created = max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {STAGING}")
        resolved_merge(cursor, result)
        return
    pairs = _pairs(cursor, STAGING)
    cursor.execute(
        f"INSERT OR IGNORE INTO {keys} (key) SELECT DISTINCT s.patient_key FROM {STAGING} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {keys} k WHERE k.key = s.patient_key)"
    )
    _replace(cursor, result, pairs)
    _extracts_set(cursor, STAGING)
    cursor.execute(f"DROP TABLE {STAGING}")


def _pairs(cursor: Any, staged: str, month: str = "month") -> dict[Any, list[int]]:
    """The file's (practice, month) pairs: month -> practice ids (``month``: the column
    holding the month as a date)."""
    cursor.execute(
        f"SELECT {month}, practice_id FROM {staged} GROUP BY {month}, practice_id "
        f"ORDER BY {month}, practice_id"
    )
    pairs: dict[Any, list[int]] = {}
    for value, practice_id in cursor.fetchall():
        pairs.setdefault(value, []).append(practice_id)
    return pairs


def _extracts_set(cursor: Any, staged: str, month: str = "month", rows: str = "COUNT(*)") -> None:
    """Each of the file's extracts, with its row count and the time it was imported
    (``month`` and ``rows``: the columns or aggregate giving them in ``staged``)."""
    extract = connection.ops.quote_name(AppointmentExtract._meta.db_table)
    cursor.execute(
        f"INSERT INTO {extract} (practice_id, month, rows, imported_at) "
        f"SELECT practice_id, {month}, {rows}, %s FROM {staged} WHERE 1 = 1 "
        f"GROUP BY practice_id, {month} "
        "ON CONFLICT (practice_id, month) DO UPDATE "
        "SET rows = EXCLUDED.rows, imported_at = EXCLUDED.imported_at",
        [connection.ops.adapt_datetimefield_value(timezone.now())],
    )


def resolved_merge(cursor: Any, result: ImportResult, values: str | None = None) -> None:
    """PostgreSQL: replace the extracts of the rows in the resolved table (each staged row
    with its key's id, NULL for a key not seen before: ``result.created`` already counts
    them), then drop it. See ``staged_merge``. ``values``: the fast path's table of checked
    (practice, month, count) cells with their row counts, from which the pairs and each
    extract's rows are read instead of from every row."""
    if values is None:
        pairs = _pairs(cursor, RESOLVED)
    else:
        pairs = _pairs(cursor, values, month="month_date")
    month_partitions_ensure(list(pairs))
    _changes_write(cursor, result, pairs)
    if values is None:
        _extracts_set(cursor, RESOLVED)
    else:
        _extracts_set(cursor, values, month="month_date", rows="SUM(rows)")
        cursor.execute(f"DROP TABLE {values}")
    cursor.execute(f"DROP TABLE {RESOLVED}")


def _replace(cursor: Any, result: ImportResult, pairs: dict[Any, list[int]]) -> None:
    """Delete every row of the pairs, then insert the staged rows (SQLite)."""
    table = connection.ops.quote_name(AppointmentCount._meta.db_table)
    keys = connection.ops.quote_name(PatientKey._meta.db_table)
    for month, practices in pairs.items():
        marks = ", ".join(["%s"] * len(practices))
        cursor.execute(
            f"DELETE FROM {table} WHERE month = %s AND practice_id IN ({marks})",
            [month, *practices],
        )
        result.deleted += max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {table} (practice_id, patient_id, month, appointments, age_band, sex) "
        f"SELECT s.practice_id, k.id, s.month, s.appointments, s.age_band, s.sex "
        f"FROM {STAGING} s JOIN {keys} k ON k.key = s.patient_key "
        "ORDER BY s.practice_id, k.id, s.month"
    )
    result.created = max(cursor.rowcount, 0)


def _changes_write(cursor: Any, result: ImportResult, pairs: dict[Any, list[int]]) -> None:
    """Replace the pairs' rows by writing only what changed (PostgreSQL): rows no longer in
    the extract are deleted, new rows inserted, rows whose count, age band or sex changed
    updated, and identical rows left alone. A month's extract imported again unchanged then
    writes nothing, and no row is deleted and inserted again in one transaction (a unique
    check against the row just deleted costs a visit to it)."""
    table = connection.ops.quote_name(AppointmentCount._meta.db_table)
    keys = connection.ops.quote_name(PatientKey._meta.db_table)
    # Keys not seen before get their ids, and only their rows are looked up again.
    cursor.execute(
        f"INSERT INTO {keys} (key) SELECT DISTINCT patient_key FROM {RESOLVED} "
        "WHERE patient_id IS NULL ORDER BY 1 ON CONFLICT (key) DO NOTHING"
    )
    if cursor.rowcount:
        cursor.execute(
            f"UPDATE {RESOLVED} r SET patient_id = k.id FROM {keys} k "
            "WHERE r.patient_id IS NULL AND k.key = r.patient_key"
        )
    # Unique: a patient twice for one practice and month fails here.
    cursor.execute(f"CREATE UNIQUE INDEX ON {RESOLVED} (practice_id, patient_id, month)")
    # What changes, found by one join of the file's rows with the rows its extracts held
    # before (reading only those months' partitions: the months and practices are
    # constants): rows new or changed, and rows no longer in the extract. An extract
    # imported again unchanged then writes nothing and looks nothing up row by row.
    months = list(pairs)
    practices = sorted({p for ps in pairs.values() for p in ps})
    pair_list = [(p, m) for m, ps in pairs.items() for p in ps]
    pair_values = ", ".join(["(%s, CAST(%s AS date))"] * len(pair_list))
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGES}")
    # By hashing: the earlier rows are estimated at a few thousand when they can be every
    # row of the file, and a loop over them would look each one up (seconds at 777,000).
    with planner(enable_nestloop="off"):
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHANGES} AS "
            "SELECT r.practice_id, r.patient_id, r.month, r.appointments, r.age_band, r.sex, "
            "e.practice_id AS old_practice_id, e.patient_id AS old_patient_id, "
            "e.month AS old_month "
            f"FROM (SELECT t.* FROM {table} t WHERE t.month = ANY(%s) AND t.practice_id = ANY(%s) "
            f"AND (t.practice_id, t.month) IN (VALUES {pair_values})) e "
            f"FULL JOIN {RESOLVED} r ON e.practice_id = r.practice_id "
            "AND e.patient_id = r.patient_id AND e.month = r.month "
            "WHERE e.patient_id IS NULL OR r.patient_id IS NULL "
            "OR (e.appointments, e.age_band, e.sex) IS DISTINCT FROM (r.appointments, r.age_band, r.sex)",
            [months, practices, *(v for pair in pair_list for v in pair)],
        )
    cursor.execute(
        "SELECT COALESCE(SUM(CASE WHEN old_patient_id IS NULL THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN patient_id IS NULL THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN patient_id IS NOT NULL AND old_patient_id IS NOT NULL "
        "THEN 1 ELSE 0 END), 0) "
        f"FROM {CHANGES}"
    )
    new, vanished, changed = cursor.fetchone()
    # The pairs' earlier rows: those the file's rows matched, and those it no longer has.
    result.deleted += result.created - new + vanished
    if vanished:
        cursor.execute(
            f"DELETE FROM {table} t USING {CHANGES} c WHERE c.patient_id IS NULL "
            "AND t.month = ANY(%s) AND t.practice_id = c.old_practice_id "
            "AND t.patient_id = c.old_patient_id AND t.month = c.old_month",
            [months],
        )
    if changed:
        # Rows whose count, age band or sex changed.
        cursor.execute(
            f"UPDATE {table} t SET appointments = c.appointments, age_band = c.age_band, "
            f"sex = c.sex FROM {CHANGES} c WHERE c.patient_id IS NOT NULL "
            "AND c.old_patient_id IS NOT NULL AND t.month = ANY(%s) "
            "AND t.practice_id = c.practice_id AND t.patient_id = c.patient_id "
            "AND t.month = c.month",
            [months],
        )
    # New rows: a plain insert, half the time of an upsert (each is known not to be there:
    # no other appointments import runs at the same time, ``engine.kind_lock``).
    if new:
        cursor.execute(
            f"INSERT INTO {table} "
            "(practice_id, patient_id, month, appointments, age_band, sex) "
            "SELECT practice_id, patient_id, month, appointments, age_band, sex "
            f"FROM {CHANGES} WHERE patient_id IS NOT NULL AND old_patient_id IS NULL "
            "ORDER BY month, practice_id, patient_id"
        )
    cursor.execute(f"DROP TABLE {CHANGES}")
