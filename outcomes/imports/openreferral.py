"""Open Referral UK v3 feeds imported from the administrators' page (docs/api.md, "Importing a
feed"): a ``Run`` tracks each one. A feed read from a web address, or an uploaded file larger
than ``IN_REQUEST_MAX_BYTES``, is imported on the Celery worker and the run's page shows its
progress; a small file is imported while the administrator waits. The import itself is
``assets.oruk_import`` (all or nothing, matched per feed)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from assets.oruk_import import KIND, FeedError, oruk_import, services_from_file, services_from_url
from outcomes.models import Run
from outcomes.services.run_leases import Claim, RunBusyError, run_claim, run_finish, run_heartbeat

from .progress import Progress
from .runs import IN_REQUEST_MAX_BYTES

logger = logging.getLogger(__name__)


def openreferral_start(
    *,
    source: str,
    url: str = "",
    upload: UploadedFile | None = None,
    whole_feed: bool = False,
    by: Any,
) -> Run:
    """A web address is always the whole feed; a file only when the administrator says so."""
    params: dict[str, Any] = {"source": source, "url": url, "whole_feed": whole_feed or not upload}
    if upload is not None:
        params["file"] = default_storage.save(f"imports/{uuid.uuid4().hex}.json", upload)
        params["filename"] = (upload.name or "")[:200]
        params["size"] = upload.size
    else:
        params["filename"] = url
    run = Run.objects.create(kind=KIND, params=params, created_by=by)
    if upload is not None and (upload.size or 0) <= IN_REQUEST_MAX_BYTES:
        openreferral_execute(run_id=run.pk)
        run.refresh_from_db()
    else:
        from .tasks import openreferral_run

        transaction.on_commit(lambda: openreferral_run.delay(run_id=run.pk))
    return run


def openreferral_execute(*, run_id: int) -> None:
    """Import the feed of a queued run once (a second delivery finds it claimed)."""
    claim = run_claim(run_id=run_id)
    if claim is Claim.BUSY:
        raise RunBusyError(f"import run {run_id} is held by a live worker")
    if claim is Claim.FINISHED:
        return
    run = Run.objects.select_related("created_by").get(pk=run_id)
    name = run.params.get("file", "")
    progress = Progress(run=run)
    try:
        with run_heartbeat(run_id=run_id):
            progress.start(None)

            def report(done: int, total: int | None) -> None:
                progress.total = total
                progress(done)

            if name:
                with default_storage.open(name, "rb") as f:
                    services = services_from_file(f)
            else:
                services = services_from_url(run.params["url"], on_progress=report)
            progress.start(len(services))
            result = oruk_import(
                source=run.params["source"],
                services=services,
                url=run.params.get("url", ""),
                by=run.created_by,
                whole_feed=bool(run.params.get("whole_feed", not name)),
                on_progress=report,
            )
        payload = result.as_dict()
        status = Run.Status.DONE if result.ok else Run.Status.FAILED
    except FeedError as exc:
        payload = _failed(f"Nothing imported: {exc}.")
        status = Run.Status.FAILED
    except Exception:
        logger.exception("Open Referral import run %s stopped with an error", run_id)
        payload = _failed(
            "The import stopped because of an unexpected error. Nothing was imported; the "
            "error has been logged for the administrators of this service."
        )
        status = Run.Status.FAILED
    finally:
        progress.close()
        if name and default_storage.exists(name):
            default_storage.delete(name)
    run_finish(run_id=run_id, status=status, result=payload, progress=payload.get("rows", 0))


def _failed(summary: str) -> dict[str, Any]:
    return {"kind": KIND, "ok": False, "problems": [], "summary": summary}
