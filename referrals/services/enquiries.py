"""Closed-route enquiries: what was sent through a referral route the service has switched
off, kept for an administrator to pass on."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from socialrx.audit import acting_user
from socialrx.audited import record_update

from ..models import ClosedRouteEnquiry

logger = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@acting_user("by")
def closed_route_enquiry_create(
    *, route: str, data: Mapping[str, Any], by: Any | None
) -> ClosedRouteEnquiry:
    """Keep what was submitted through a switched-off route for an administrator."""
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        enquiry = ClosedRouteEnquiry.objects.create(
            route=route, data=_jsonable(dict(data)), submitted_by=user
        )
    logger.info("Closed-route enquiry %s kept (route %s)", enquiry.pk, route)
    return enquiry


@acting_user("by")
def closed_route_enquiry_mark_handled(
    *, enquiry: ClosedRouteEnquiry, by: Any
) -> ClosedRouteEnquiry:
    # Conditional update: marking twice keeps the first handler and time.
    now = timezone.now()
    updated = ClosedRouteEnquiry.objects.filter(pk=enquiry.pk, handled=False).update(
        handled=True, handled_by=by, handled_at=now
    )
    if updated:
        # A conditional update (so two administrators cannot both mark it) does not go
        # through save(): the entry is written as save() would have written it.
        record_update(
            enquiry,
            {"handled": [False, True], "handled_by": [None, by.pk], "handled_at": [None, now]},
        )
    enquiry.refresh_from_db()
    return enquiry
