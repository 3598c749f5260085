"""Audit entries cannot be changed or deleted, on PostgreSQL, by anyone who is not the table's
owner disabling the trigger. The one change let through is the one Django makes when a user is
deleted (``on_delete=SET_NULL``): ``user_id`` set to NULL with everything else unchanged, and
only on entries that keep the actor's username. TRUNCATE fires no row trigger (tests empty
tables that way). SQLite has no such trigger: it is for laptops and demos only."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION socialrx_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
       AND NEW.actor_username <> ''
       AND (NEW.id, NEW.at, NEW.actor_username, NEW.actor_role, NEW.action, NEW.object_type,
            NEW.object_id, NEW.person_id, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_username, OLD.actor_role, OLD.action, OLD.object_type,
            OLD.object_id, OLD.person_id, OLD.detail)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'socialrx_auditlog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER socialrx_auditlog_append_only
    BEFORE UPDATE OR DELETE ON socialrx_auditlog
    FOR EACH ROW EXECUTE FUNCTION socialrx_auditlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS socialrx_auditlog_append_only ON socialrx_auditlog;
DROP FUNCTION IF EXISTS socialrx_auditlog_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("socialrx", "0002_audit_actor_snapshot"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
