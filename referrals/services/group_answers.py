"""Groups answer connections without signing in: when a person is connected to a group that
has keepers, each keeper is emailed one-click links ("they came", "they haven't come", "we
can't take them"). The answer is kept as a :class:`GroupAnswer` beside the link worker's own
follow-up; "they came" on a connection still pending also records it as attended.

The link's token is signed and timestamped (``GROUP_ANSWER_LINK_DAYS``) and holds two ids only
(connection and keeper), so the URL carries no personal data."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from socialrx.audit import acting_user, audit_note
from socialrx.concurrency import EditConflict

from ..models import (
    Connection,
    ConnectionOutcome,
    ConsentPurpose,
    GroupAnswer,
    GroupAnswerChoice,
)
from ..selectors.consent import consent_given
from .connections import connection_outcome_set

logger = logging.getLogger(__name__)

SALT = "referrals.group-answer"
AUDIT_NOTE = "group's answer by emailed link"


class GroupAnswerLinkInvalid(Exception):
    """The link is tampered with, or no longer points at a connection its keeper may answer."""


def group_answer_link_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.GROUP_ANSWER_LINK_DAYS)


def group_answer_token_make(*, connection: Connection, keeper: Any) -> str:
    return signing.dumps({"c": connection.pk, "k": keeper.pk}, salt=SALT, compress=False)


def group_answer_token_read(*, token: str) -> tuple[int, int]:
    """(connection id, keeper id). Raises ``signing.SignatureExpired`` or
    ``signing.BadSignature``."""
    data = signing.loads(token, salt=SALT, max_age=group_answer_link_max_age())
    if not isinstance(data, dict) or not {"c", "k"} <= data.keys():
        raise signing.BadSignature("Malformed token")
    return int(data["c"]), int(data["k"])


def group_answer_url(*, connection: Connection, keeper: Any, answer: str = "") -> str:
    path = reverse(
        "referrals:group_answer",
        args=[group_answer_token_make(connection=connection, keeper=keeper)],
    )
    query = f"?answer={answer}" if answer else ""
    return settings.SITE_URL.rstrip("/") + path + query


def group_answer_target(*, token: str) -> tuple[Connection, Any]:
    """The connection and keeper a valid link is for. The keeper must still keep the group and
    be active, and the person must still agree to their details being shared with groups.
    Raises ``signing.SignatureExpired``, or :class:`GroupAnswerLinkInvalid`."""
    try:
        connection_id, keeper_id = group_answer_token_read(token=token)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature as exc:
        raise GroupAnswerLinkInvalid from exc
    connection = (
        Connection.objects.select_related("person", "asset", "made_by")
        .filter(pk=connection_id)
        .first()
    )
    if connection is None:
        raise GroupAnswerLinkInvalid
    keeper = connection.asset.maintainers.filter(pk=keeper_id, is_active=True).first()
    if keeper is None or not consent_given(
        person=connection.person, purpose=ConsentPurpose.SHARE_WITH_GROUP
    ):
        raise GroupAnswerLinkInvalid
    return connection, keeper


def group_answer_request_send(*, connection: Connection) -> int:
    """Email each active keeper of the connection's group the one-click answers. Nothing is
    sent unless the person agreed (now) to their details being shared with groups. Returns the
    number of keepers emailed (0: the link worker is told no one was asked)."""
    if not consent_given(person=connection.person, purpose=ConsentPurpose.SHARE_WITH_GROUP):
        return 0
    keepers = [k for k in connection.asset.maintainers.all() if k.is_active and k.email]
    worker = connection.made_by
    worker_line = (
        f"{worker.get_full_name() or worker.username} ({worker.email})"
        if worker is not None
        else "their link worker"
    )
    first_name = connection.person.given_name
    sent = 0
    for keeper in keepers:
        links = "\n\n".join(
            f"{label}:\n{group_answer_url(connection=connection, keeper=keeper, answer=value)}"
            for value, label in GroupAnswerChoice.choices
        )
        try:
            send_mail(
                subject=f"Someone has been put in touch with {connection.asset.name}",
                message=(
                    f"Hello,\n\n{first_name} has been put in touch with {connection.asset.name} "
                    f"by {worker_line}.\n\nWhen you know, please tell us with one click:\n\n"
                    f"{links}\n\nThese links work for {settings.GROUP_ANSWER_LINK_DAYS} days. "
                    "To talk about it, contact the link worker.\n"
                ),
                from_email=None,
                recipient_list=[keeper.email],
            )
        except Exception:  # one bad address must not stop the others
            logger.exception("Group answer mail failed for connection %s", connection.pk)
        else:
            sent += 1
    return sent


@acting_user("by")
def group_answer_record(*, token: str, answer: str, by: Any = None) -> GroupAnswer:
    """Record a keeper's answer from the emailed link. No one is signed in, so the acting user
    is none (``by`` stays None) and the audit entries carry the note "group's answer by emailed
    link". "They came" on a connection still pending also sets the outcome to attended through
    :func:`connection_outcome_set`, from the version read here: if the link worker recorded a
    follow-up meanwhile, theirs stands and only the group's answer is kept."""
    if answer not in GroupAnswerChoice.values:
        raise GroupAnswerLinkInvalid
    connection, keeper = group_answer_target(token=token)
    with transaction.atomic(), audit_note(AUDIT_NOTE):
        row = GroupAnswer.objects.create(connection=connection, answer=answer, keeper=keeper)
        if answer == GroupAnswerChoice.CAME and connection.outcome == ConnectionOutcome.PENDING:
            try:
                with transaction.atomic():
                    connection_outcome_set(
                        connection=connection,
                        outcome=ConnectionOutcome.ATTENDED,
                        by=None,
                        version=connection.version,
                    )
            except EditConflict:
                pass
    return row
