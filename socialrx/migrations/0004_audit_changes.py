"""Audit entries carry the before/after values of a change (``changes``). The append-only
trigger now lets through exactly two updates, each with every other column unchanged:
Django clearing ``user_id`` when a user is deleted (the actor's username is kept), and
erasure clearing ``changes`` (the values are personal data; the fact of the change stays)."""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION socialrx_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.id, NEW.at, NEW.actor_username, NEW.actor_role, NEW.action, NEW.object_type,
            NEW.object_id, NEW.person_id, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_username, OLD.actor_role, OLD.action, OLD.object_type,
            OLD.object_id, OLD.person_id, OLD.detail)
    THEN
        IF OLD.user_id IS NOT NULL AND NEW.user_id IS NULL AND NEW.actor_username <> ''
           AND NEW.changes::text IS NOT DISTINCT FROM OLD.changes::text THEN
            RETURN NEW;
        END IF;
        IF NEW.changes IS NULL AND OLD.changes IS NOT NULL
           AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'socialrx_auditlog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
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
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("socialrx", "0003_audit_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditlog",
            name="changes",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(PREVIOUS)),
    ]
