"""The audit log keeps who did what, even after the user is deleted, and on PostgreSQL its rows
cannot be changed or deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from socialrx.audit import audit_record
from socialrx.models import AuditLog
from tests.socialrx.factories import LinkWorkerFactory


def test_an_entry_keeps_the_actors_username_and_role(link_worker):
    entry = audit_record(user=link_worker, action=AuditLog.Action.VIEW, obj=link_worker)
    entry.refresh_from_db()
    assert (entry.actor_username, entry.actor_role) == ("lw_anna", "link_worker")


def test_bulk_written_entries_keep_the_actor_too(admin_user, link_worker):
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                user=admin_user,
                action=AuditLog.Action.CREATE,
                object_type="socialrx.user",
                object_id=str(link_worker.pk),
            )
        ]
    )
    entry = AuditLog.objects.get(object_id=str(link_worker.pk))
    assert (entry.actor_username, entry.actor_role) == ("admin_gus", "admin")


def test_an_anonymous_entry_has_no_actor(link_worker):
    entry = audit_record(user=None, action=AuditLog.Action.CREATE, obj=link_worker)
    assert (entry.user_id, entry.actor_username) == (None, "")


def test_deleting_a_user_keeps_who_did_what(team_a, link_worker):
    leaver = LinkWorkerFactory(username="lw_leaver", team=team_a)
    audit_record(user=leaver, action=AuditLog.Action.VIEW, obj=link_worker, person_id=7)
    leaver.delete()
    entry = AuditLog.objects.get(person_id=7)
    assert entry.user_id is None
    assert (entry.actor_username, entry.actor_role) == ("lw_leaver", "link_worker")
    assert (entry.action, entry.object_id) == ("view", str(link_worker.pk))


# --- PostgreSQL: append-only ---------------------------------------------------------------


@pytest.fixture
def entry(postgres_required, link_worker):
    return audit_record(user=link_worker, action=AuditLog.Action.VIEW, obj=link_worker)


def _refused(sql: str, params: list) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_postgresql_refuses_to_update_an_audit_entry(entry):
    _refused("UPDATE socialrx_auditlog SET action = 'create' WHERE id = %s", [entry.pk])
    _refused("UPDATE socialrx_auditlog SET actor_username = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(detail="changed")
    entry.refresh_from_db()
    assert (entry.action, entry.detail, entry.actor_username) == ("view", "", "lw_anna")


def test_postgresql_refuses_to_delete_an_audit_entry(entry):
    _refused("DELETE FROM socialrx_auditlog WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_postgresql_refuses_to_clear_the_user_while_changing_anything_else(entry):
    _refused("UPDATE socialrx_auditlog SET user_id = NULL, detail = 'x' WHERE id = %s", [entry.pk])


def test_postgresql_lets_a_user_be_deleted_and_keeps_their_entries(postgres_required, team_a):
    leaver = LinkWorkerFactory(username="lw_gone", team=team_a)
    kept = audit_record(user=leaver, action=AuditLog.Action.UPDATE, obj=team_a, detail="x")
    leaver.delete()
    kept.refresh_from_db()
    assert (kept.user_id, kept.actor_username, kept.detail) == (None, "lw_gone", "x")


def test_postgresql_lets_erasure_clear_the_values_and_nothing_else(postgres_required, link_worker):
    entry = audit_record(
        user=link_worker,
        action=AuditLog.Action.UPDATE,
        obj=link_worker,
        person_id=9,
        changes={"email": ["a@example.org", "b@example.org"]},
    )
    _refused("UPDATE socialrx_auditlog SET changes = '{}'::jsonb WHERE id = %s", [entry.pk])
    _refused("UPDATE socialrx_auditlog SET changes = NULL, detail = 'x' WHERE id = %s", [entry.pk])
    AuditLog.objects.filter(pk=entry.pk).update(changes=None)
    entry.refresh_from_db()
    assert (entry.changes, entry.action, entry.person_id) == (None, "update", 9)
