"""Two imports of the same kind at once (two administrators uploading the same file, or a
double submission), on PostgreSQL with two threads and two connections: the second waits for
the first and then imports, and one that cannot wait long enough says that another import of
that kind is running and changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from outcomes.imports import runs
from outcomes.imports.importers.lsoa_imd import LsoaImdImporter
from outcomes.models import Run
from socialrx.models import LsoaImd

pytestmark = [pytest.mark.django_db(transaction=True)]

CSV = b"lsoa_code,imd_decile\n" + b"".join(
    f"E0100{n:04d},{n % 10 + 1}\n".encode() for n in range(200)
)
WAIT = 10  # seconds: the longest any thread here waits for another


def in_thread(target: Callable[[], Any], results: dict[str, Any], key: str) -> threading.Thread:
    def run() -> None:
        try:
            results[key] = target()
        except Exception as error:  # reported by the test, not lost in the thread
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def upload(by: Any) -> Run:
    return runs.import_upload_start(
        kind="lsoa_imd", upload=SimpleUploadedFile("lsoa.csv", CSV), by=by
    )


def overlapping(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Make the first import hold its transaction, rows written and not yet committed, until the
    second import has started."""
    first_wrote, second_started = threading.Event(), threading.Event()
    write = LsoaImdImporter.write

    def write_and_hold(self: LsoaImdImporter, rows: list[Any]) -> None:
        write(self, rows)
        if not first_wrote.is_set():
            first_wrote.set()
            second_started.wait(WAIT)
            threading.Event().wait(1.0)  # the second import reaches the database meanwhile

    monkeypatch.setattr(LsoaImdImporter, "write", write_and_hold)
    return first_wrote, second_started


def test_two_imports_of_the_same_file_at_once_both_succeed(
    postgres_required, admin_user, monkeypatch
):
    first_wrote, second_started = overlapping(monkeypatch)
    results: dict[str, Any] = {}

    def second() -> Run:
        assert first_wrote.wait(WAIT)
        second_started.set()
        return upload(admin_user)

    threads = [in_thread(lambda: upload(admin_user), results, "a"), in_thread(second, results, "b")]
    for thread in threads:
        thread.join(3 * WAIT)

    a, b = results["a"], results["b"]
    assert isinstance(a, Run) and isinstance(b, Run), results
    assert (a.status, a.result["summary"]) == (
        "done",
        "Imported 200 rows of lsoa_imd: 200 created, 0 updated, 0 unchanged.",
    )
    assert (b.status, b.result["summary"]) == (
        "done",
        "Imported 200 rows of lsoa_imd: 0 created, 0 updated, 200 unchanged.",
    )
    assert LsoaImd.objects.count() == 200


def test_an_import_that_cannot_wait_for_another_says_so_and_changes_nothing(
    postgres_required, admin_user, monkeypatch, settings
):
    settings.IMPORT_WAIT_SECONDS = 0
    first_wrote, second_started = overlapping(monkeypatch)
    results: dict[str, Any] = {}

    def second() -> Run:
        assert first_wrote.wait(WAIT)
        try:
            return upload(admin_user)
        finally:
            second_started.set()

    threads = [in_thread(lambda: upload(admin_user), results, "a"), in_thread(second, results, "b")]
    for thread in threads:
        thread.join(3 * WAIT)

    a, b = results["a"], results["b"]
    assert isinstance(a, Run) and isinstance(b, Run), results
    assert a.status == "done"
    assert b.status == "failed"
    assert b.result["summary"] == (
        "Nothing imported: another import of lsoa_imd was running. Import the file again "
        "once it has finished."
    )
    assert b.result["problems"] == []
    assert LsoaImd.objects.count() == 200
