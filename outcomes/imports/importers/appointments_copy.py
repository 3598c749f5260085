"""The appointments import on PostgreSQL at COPY speed.

A file that is entirely good (the usual case: an extract written by a GP system) is streamed
once: each record is checked by a loop specialised for this one format (a practice and month
looked up once per distinct pair, the NHS number's modulus 11 check done inline, the keyed hash
taken from a pre-keyed HMAC state), turned into one line of COPY text, and the lines are sent
to a temporary staging table in large chunks. Then one set-based merge, in the same
transaction, replaces every (practice, month) extract the file holds: the pairs' earlier rows
are deleted, the staged rows inserted, the extracts' row counts set.

The first thing the fast loop does not accept (a bad cell, a cell it would have to tidy, a
line that is not UTF-8, a broken quote, a patient twice for one practice and month) makes it
give up: its savepoint is rolled back, so nothing it wrote remains, and the file is imported by
the general path (``outcomes.imports.engine``), which reports every problem with its line and
column exactly as it always has. A bad file costs a second reading; a good one is read once.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from outcomes.models import AppointmentCount, AppointmentExtract, PatientKey
from outcomes.partitions import month_partitions_ensure
from socialrx.validators import nhs_number_is_valid, normalise_nhs_number

from ..columns import Invalid, parse_month
from ..engine import DATABASE_ERRORS
from ..lookups import PracticeCodes
from ..results import ImportResult

STAGING = "appointment_staging"
# Rows per COPY write (one joined string): large enough that the per-call cost vanishes, small
# enough that memory stays flat (about 150 bytes a row).
CHUNK_ROWS = 20_000
READ_BYTES = 1 << 20
MERGE_WORK_MEM = "256MB"


class GiveUpError(Exception):
    """The fast loop met something only the general path may judge and report."""


GIVE_UP: tuple[type[BaseException], ...] = (
    GiveUpError,
    UnicodeDecodeError,
    csv.Error,
    *DATABASE_ERRORS,
)


def keyed_hash(pepper: str) -> Callable[[bytes], str]:
    """HMAC-SHA256 under ``pepper`` (RFC 2104), as lower-case hex, the same value as
    ``socialrx.validators.patient_key``: the inner and outer SHA-256 states are keyed once, and
    each message only copies them (about twice as fast as ``hmac.new`` per call)."""
    key = pepper.encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(key.translate(bytes(b ^ 0x36 for b in range(256))))
    outer = hashlib.sha256(key.translate(bytes(b ^ 0x5C for b in range(256))))

    def digest(message: bytes) -> str:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return digest


def _decoded_lines(f: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, read in 1 MB blocks cut at a line end (a UTF-8 character never
    holds a newline byte). A block that is not UTF-8 raises UnicodeDecodeError."""
    rest = b""
    while True:
        block = f.read(READ_BYTES)
        if not block:
            break
        block = rest + block
        cut = block.rfind(b"\n") + 1
        if not cut:
            rest = block
            continue
        rest = block[cut:]
        yield from io.StringIO(block[:cut].decode("utf-8"), newline="")
    if rest:
        yield from io.StringIO(rest.decode("utf-8"), newline="")


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


def _run(importer: Any, f: IO[bytes], header: list[str], progress: Callable[..., None]) -> None:
    result: ImportResult = importer.result
    width = len(header)
    at = {name: i for i, name in enumerate(header)}
    i_ods, i_month, i_n = at["ods_code"], at["month"], at["appointments"]
    by_nhs = importer.key_column == "nhs_number"
    i_key = at[importer.key_column]
    i_age, i_sex = at.get("age_band", -1), at.get("sex", -1)
    from .population import AGE_BANDS, SEXES

    ages = {"": "", **{a: a for a in AGE_BANDS}}
    sexes = {"": "", **{s: s for s in SEXES}}
    codes = PracticeCodes().ids
    prefixes: dict[tuple[str, str], str] = {}

    def prefix_of(ods: str, month: str) -> str:
        practice_id = codes.get(ods)  # an ODS code exactly as stored: anything else is checked
        try:  # by the general path (it may need tidying, or be unknown)
            first_day = parse_month(month)
        except Invalid:
            raise GiveUpError from None
        if practice_id is None:
            raise GiveUpError
        prefixes[ods, month] = p = f"{practice_id}\t{first_day.isoformat()}\t"
        return p

    digest = keyed_hash(settings.PATIENT_KEY_PEPPER)
    hex_digits = frozenset("0123456789abcdef")
    rows = 0
    buf: list[str] = []
    append = buf.append
    with connection.cursor() as cursor:
        staging_create(cursor)
        raw = cursor.cursor
        with raw.copy(
            f"COPY {STAGING} (practice_id, month, patient_key, appointments, age_band, sex) "
            "FROM STDIN"
        ) as copy:
            for cells in csv.reader(_decoded_lines(f), strict=True):
                if len(cells) != width:
                    if not cells:
                        continue  # a blank line
                    raise GiveUpError
                prefix = prefixes.get((cells[i_ods], cells[i_month])) or prefix_of(
                    cells[i_ods], cells[i_month]
                )
                k = cells[i_key]
                if by_nhs:
                    if len(k) != 10 or not k.isdigit() or not k.isascii():
                        # Spaces or dashes between the digits: the shared rule decides.
                        if not nhs_number_is_valid(k.strip()):
                            raise GiveUpError
                        k = normalise_nhs_number(k)
                        if not k.isascii():
                            raise GiveUpError
                    b = k.encode()
                    check = (
                        11
                        - (
                            10 * b[0]
                            + 9 * b[1]
                            + 8 * b[2]
                            + 7 * b[3]
                            + 6 * b[4]
                            + 5 * b[5]
                            + 4 * b[6]
                            + 3 * b[7]
                            + 2 * b[8]
                            - 2592  # 48 × (10 + 9 + … + 2): the digits' character codes
                        )
                        % 11
                    )
                    if check == 11:
                        check = 0
                    if check != b[9] - 48:  # a check digit of 10 matches no digit
                        raise GiveUpError
                    key = digest(b)
                else:
                    if len(k) != 64 or not hex_digits.issuperset(k):
                        raise GiveUpError
                    key = k
                n = cells[i_n]
                if not n.isdigit() or not n.isascii() or len(n) > 9:
                    raise GiveUpError
                age = ages.get(cells[i_age]) if i_age >= 0 else ""
                sex = sexes.get(cells[i_sex]) if i_sex >= 0 else ""
                if age is None or sex is None:
                    raise GiveUpError
                append(f"{prefix}{key}\t{n}\t{age}\t{sex}\n")
                rows += 1
                if len(buf) >= CHUNK_ROWS:
                    copy.write("".join(buf))
                    buf.clear()
                    result.rows = rows
                    # The first chunk always shows: a small file is over within a second.
                    progress(rows, force=rows == CHUNK_ROWS)
            if buf:
                copy.write("".join(buf))
                buf.clear()
        result.rows = rows
        staged_merge(cursor, result)


def staged_merge(cursor: Any, result: ImportResult) -> None:
    """Replace each (practice, month) extract in the staging table, set-based, then drop the
    staging table: the pairs' earlier rows are deleted (month by month, so that on PostgreSQL
    each delete reads one partition), keys not seen before get their ids, the rows are
    inserted in primary-key order, and the extracts' row counts are set. A patient twice for
    one pair fails the INSERT on the primary key (the general path then names the lines)."""
    table = connection.ops.quote_name(AppointmentCount._meta.db_table)
    keys = connection.ops.quote_name(PatientKey._meta.db_table)
    extract = connection.ops.quote_name(AppointmentExtract._meta.db_table)
    postgres = connection.vendor == "postgresql"
    if postgres:
        cursor.execute(f"ANALYZE {STAGING}")
        # The sort below (a file's rows in index order) in memory, not in temporary files.
        cursor.execute(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")
    cursor.execute(f"SELECT DISTINCT month FROM {STAGING} ORDER BY month")
    months = [month for (month,) in cursor.fetchall()]
    if postgres:
        month_partitions_ensure(months)
    for month in months:
        cursor.execute(
            f"DELETE FROM {table} WHERE month = %s AND practice_id IN "
            f"(SELECT DISTINCT practice_id FROM {STAGING} WHERE month = %s)",
            [month, month],
        )
        result.deleted += max(cursor.rowcount, 0)
    new_keys = (
        f"SELECT DISTINCT s.patient_key FROM {STAGING} s WHERE NOT EXISTS "
        f"(SELECT 1 FROM {keys} k WHERE k.key = s.patient_key)"
    )
    if postgres:
        cursor.execute(
            f"INSERT INTO {keys} (key) {new_keys} ORDER BY 1 ON CONFLICT (key) DO NOTHING"
        )
    else:
        cursor.execute(f"INSERT OR IGNORE INTO {keys} (key) {new_keys}")
    cursor.execute(
        f"INSERT INTO {table} (practice_id, patient_id, month, appointments, age_band, sex) "
        f"SELECT s.practice_id, k.id, s.month, s.appointments, s.age_band, s.sex "
        f"FROM {STAGING} s JOIN {keys} k ON k.key = s.patient_key "
        "ORDER BY s.practice_id, k.id, s.month"
    )
    result.created = max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {extract} (practice_id, month, rows, imported_at) "
        f"SELECT practice_id, month, COUNT(*), %s FROM {STAGING} WHERE 1 = 1 "
        "GROUP BY practice_id, month "
        "ON CONFLICT (practice_id, month) DO UPDATE "
        "SET rows = EXCLUDED.rows, imported_at = EXCLUDED.imported_at",
        [connection.ops.adapt_datetimefield_value(timezone.now())],
    )
    cursor.execute(f"DROP TABLE {STAGING}")
