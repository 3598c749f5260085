"""Imports started from the administrators' upload page: the upload is kept in the default
storage, a ``Run`` row tracks it, and the import runs in the request (small files) or on the
Celery worker (large ones), writing progress and the result to the Run. The uploaded file is
deleted once the import has finished, because it may hold personal data."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from outcomes.models import Run
from outcomes.services.run_leases import (
    Claim,
    RunBusyError,
    run_claim,
    run_finish,
    run_heartbeat,
)

from . import KINDS, data_import

logger = logging.getLogger(__name__)

# Files up to this size are imported while the administrator waits; larger ones go to the
# worker so that the request returns at once and the page shows progress.
IN_REQUEST_MAX_BYTES = 1_000_000


def import_upload_start(*, kind: str, upload: UploadedFile, by: Any) -> Run:
    if kind not in KINDS:
        raise ValueError(f"Unknown import kind {kind!r}")
    import_runs_fail_stale(kind=kind)
    name = default_storage.save(f"imports/{uuid.uuid4().hex}.csv", upload)
    run = Run.objects.create(
        kind=kind,
        params={"file": name, "filename": (upload.name or "")[:200], "size": upload.size},
        created_by=by,
    )
    if (upload.size or 0) <= IN_REQUEST_MAX_BYTES:
        import_run_execute(run_id=run.pk)
        run.refresh_from_db()
    else:
        from .tasks import import_run

        transaction.on_commit(lambda: import_run.delay(run_id=run.pk))
    return run


def import_run_execute(*, run_id: int) -> None:
    """Run a queued import once: a task delivered twice finds the run already claimed, unless
    the worker that claimed it stopped (its lease lapsed, run_leases.py): then this one imports
    the file again, the first attempt having been rolled back with its connection. Raises
    ``RunBusyError`` while another worker still holds the run."""
    claim = run_claim(run_id=run_id)
    if claim is Claim.BUSY:
        raise RunBusyError(f"import run {run_id} is held by a live worker")
    run = Run.objects.select_related("created_by").get(pk=run_id)
    name = run.params.get("file", "")
    if claim is Claim.FINISHED:
        # Given up after stopping its worker too often: the file goes, like any other's.
        _delete_upload(name)
        if run.status == Run.Status.FAILED and "summary" not in (run.result or {}):
            Run.objects.filter(pk=run_id).update(result=_stopped_payload(run))
        return
    try:
        with run_heartbeat(run_id=run_id), default_storage.open(name, "rb") as f:
            result = data_import(kind=run.kind, path_or_file=f, by=run.created_by, run=run)
        status = Run.Status.DONE if result.ok else Run.Status.FAILED
        payload = result.as_dict()
    except Exception:
        # Ids only in the log: the file may hold personal data.
        logger.exception("Import run %s (%s) stopped with an error", run_id, run.kind)
        status = Run.Status.FAILED
        payload = {
            "kind": run.kind,
            "ok": False,
            "problems": [],
            "summary": "The import stopped because of an unexpected error. Nothing was "
            "imported; the error has been logged for the administrators of this service.",
        }
    finally:
        _delete_upload(name)
    run_finish(run_id=run_id, status=status, result=payload, progress=payload.get("rows", 0))


def _delete_upload(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def _stopped_payload(run: Run) -> dict[str, Any]:
    return {
        "kind": run.kind,
        "ok": False,
        "problems": [],
        "stopped": True,
        "summary": "Nothing imported: the import stopped before it finished (the worker "
        "running it stopped). Upload the file again.",
    }


def import_runs_fail_stale(*, kind: str) -> int:
    """Mark failed the imports of ``kind`` whose worker stopped (run_leases.py) and delete
    their files: a new upload of that kind replaces them, and a message for one of them
    delivered later must not import an older file over the new one. Returns how many."""
    stopped = 0
    for run in Run.objects.filter(kind=kind).stale():
        updated = (
            Run.objects.filter(pk=run.pk, status=run.status)
            .stale()
            .update(
                status=Run.Status.FAILED, finished_at=timezone.now(), result=_stopped_payload(run)
            )
        )
        if updated:
            logger.warning("Import run %s (%s) stopped without finishing", run.pk, run.kind)
            _delete_upload(run.params.get("file", ""))
            stopped += 1
    return stopped


def import_runs() -> QuerySet[Run]:
    """Runs of imports (a Run may also be a metric job), with who started each."""
    return Run.objects.filter(kind__in=[*KINDS, "openreferral"]).select_related("created_by")


def import_runs_recent(*, limit: int = 20) -> QuerySet[Run]:
    return import_runs()[:limit]
