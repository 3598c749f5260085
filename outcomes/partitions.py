"""The appointments table's month partitions (PostgreSQL; elsewhere nothing is partitioned).

The table is partitioned by range of ``month``, one partition per calendar month named
``<table>_yYYYYmMM``, plus a default partition that takes any row whose month has no partition
yet (rows written one by one, not through an import). ``month_partitions_ensure`` is called
before appointment rows are written in bulk (imports, the demo and the benchmark): it makes the
missing months' partitions, first moving into each any rows the default partition holds for
it. docs/performance.md, "Appointments partitioned by month".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction

from outcomes.models import AppointmentCount

# pg_advisory_xact_lock key: one partition maker at a time (two imports of a new month).
PARTITION_LOCK = 0x50A17
_made: set[tuple[str, str]] = set()  # (database name, partition) known to exist


def table() -> str:
    return AppointmentCount._meta.db_table


def partition_name(first: dt.date) -> str:
    return f"{table()}_y{first.year}m{first.month:02d}"


def _next_month(first: dt.date) -> dt.date:
    return first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1, day=1)


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [table()]
        )
        return cursor.fetchone() is not None


def month_partitions_ensure(months: Iterable[dt.date]) -> list[str]:
    """Make the partitions of these months (any day of each) that do not exist; return the
    names made. Safe to call from concurrent transactions (an advisory lock), and cheap when
    every partition exists."""
    if connection.vendor != "postgresql":
        return []
    wanted = sorted({m.replace(day=1) for m in months})
    database = str(connection.settings_dict["NAME"])
    missing = [m for m in wanted if (database, partition_name(m)) not in _made]
    if not missing:
        return []
    made = []
    parent = table()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [parent],
        )
        existing = {name for (name,) in cursor.fetchall()}
        todo = [m for m in missing if partition_name(m) not in existing]
        if todo:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTITION_LOCK])
        for first in todo:
            name = partition_name(first)
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:  # made meanwhile by another transaction
                continue
            bounds = [first, _next_month(first)]
            default = f"{parent}_default"
            cursor.execute(
                f"SELECT 1 FROM {default} WHERE month >= %s AND month < %s LIMIT 1", bounds
            )
            held = cursor.fetchone() is not None
            if held:
                # A new partition may not cover rows the default partition holds: move them
                # out, make the partition, and put them back (into it).
                cursor.execute(f"CREATE TEMPORARY TABLE partition_moving (LIKE {parent})")
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {default} WHERE month >= %s AND month < %s "
                    "RETURNING *) INSERT INTO partition_moving SELECT * FROM moved",
                    bounds,
                )
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {parent} FOR VALUES FROM (%s) TO (%s)", bounds
            )
            if held:
                cursor.execute(f"INSERT INTO {parent} SELECT * FROM partition_moving")
                cursor.execute("DROP TABLE partition_moving")
            made.append(name)
    # Remembered only once committed: a rolled-back import must not leave the process believing
    # a partition exists.
    transaction.on_commit(lambda: _made.update((database, partition_name(m)) for m in wanted))
    return made
