"""Connections to community groups and activities in the directory, and their follow-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset, ListingStatus
from socialrx.audit import acting_user, audit_note
from socialrx.concurrency import version_claim

from ..hooks import funded_on
from ..models import (
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    ConsentPurpose,
    Person,
)
from ..selectors.casework import referral_open_for
from ..selectors.consent import consent_given
from .activity import person_touch
from .tasks import task_for_connection, tasks_done_for_connection


def connection_warnings(*, asset: Asset) -> list[str]:
    return list(asset.connection_warnings(today=timezone.localdate()))


@acting_user("by")
def connection_make(
    *,
    person: Person,
    asset: Asset,
    kind: str,
    made_on: dt.date,
    by: Any,
    notes: str = "",
    warnings_confirmed: bool = False,
) -> Connection:
    """Connect the person to a community asset. If the directory warns about the asset (ended,
    full, not confirmed recently…), the link worker must have seen the warnings and chosen to
    connect anyway. Only an approved listing can be connected to: a rejected (or not yet
    approved) one is not in the directory link workers see.

    Whether the group may be told who the person is follows their current answer for
    sharing with a group (not asked is no): the connection is made either way, and
    ``details_shared`` records what was allowed at the time, for the link worker's page and
    for anything that tells a group about the people connected to it."""
    if asset.listing_status != ListingStatus.APPROVED:
        raise ValidationError(
            "This group is not in the directory, so no one can be connected to it",
            code="listing_not_approved",
        )
    if kind not in ConnectionKind.values:
        raise ValidationError("Choose how you connected them", code="connection_kind")
    warnings = connection_warnings(asset=asset)
    if warnings and not warnings_confirmed:
        raise ValidationError(
            "Confirm that you want to connect them despite the warnings",
            code="warnings_not_confirmed",
        )
    shared = consent_given(person=person, purpose=ConsentPurpose.SHARE_WITH_GROUP)
    note = ", ".join(
        d
        for d in ("despite warnings" if warnings else "", "" if shared else "details not shared")
        if d
    )
    with transaction.atomic(), audit_note(note):
        connection = Connection.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            asset=asset,
            made_on=made_on,
            kind=kind,
            made_by=by if getattr(by, "is_authenticated", False) else None,
            notes=notes,
            details_shared=shared,
            funded_at_connection=funded_on(asset_id=asset.pk, on=made_on),
        )
        task_for_connection(connection=connection, by=by)
        person_touch(person)
    return connection


@acting_user("by")
def connection_outcome_set(
    *,
    connection: Connection,
    outcome: str,
    by: Any,
    on: dt.date | None = None,
    version: int | None = None,
) -> Connection:
    """Record the follow-up of a connection; each change is kept. ``version`` is the one the
    row was shown with (default: ``connection``'s own): of two follow-ups recorded at once from
    the same outcome only the first is made; the other gets
    :class:`socialrx.concurrency.EditConflict`."""
    if outcome not in ConnectionOutcome.values:
        raise ValidationError("Choose what happened", code="connection_outcome")
    expected = connection.version if version is None else version
    if connection.outcome == outcome:
        return connection
    with transaction.atomic():
        version_claim(connection, expected=expected)
        connection.outcome = outcome
        connection.outcome_updated_on = on or timezone.localdate()
        connection.save(update_fields=["outcome", "outcome_updated_on"])
        ConnectionOutcomeChange.objects.create(
            connection=connection,
            outcome=outcome,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        tasks_done_for_connection(connection=connection, by=by)
        person_touch(connection.person)
    return connection
