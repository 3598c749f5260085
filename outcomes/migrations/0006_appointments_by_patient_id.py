"""Appointment rows name their patient by a small integer (``PatientKey``) instead of the
64-character key, with (practice, patient, month) as the primary key and no surrogate id; on
PostgreSQL the table is partitioned by month (range partitions made as extracts arrive, and a
default partition for anything else). Existing rows are carried over, keys and all. The rows
carry no foreign key constraints (see the model)."""

import django.db.models.deletion
from django.db import migrations, models

OLD = "outcomes_appointmentcount_old"
TABLE = "outcomes_appointmentcount"
KEYS = "outcomes_patientkey"


def _old_table_aside(apps, schema_editor):
    """Rename the old table, and on PostgreSQL free the names of its constraints (an index
    keeps its name when its table is renamed)."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS appointment_count_unique"
            )
            cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {TABLE}_pkey")
        cursor.execute(f"ALTER TABLE {quote(TABLE)} RENAME TO {quote(OLD)}")


POSTGRES_TABLE = f"""
    CREATE TABLE {TABLE} (
        practice_id bigint NOT NULL,
        patient_id bigint NOT NULL,
        month date NOT NULL,
        appointments integer NOT NULL CHECK (appointments >= 0),
        age_band varchar(7) NOT NULL DEFAULT '',
        sex varchar(7) NOT NULL DEFAULT '',
        PRIMARY KEY (practice_id, patient_id, month)
    ) PARTITION BY RANGE (month)
"""


def _new_table_fill(apps, schema_editor):
    """Make the new table, one partition per month already held (PostgreSQL), and copy the
    rows across with their keys turned into ids."""
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(POSTGRES_TABLE)
            cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
            cursor.execute(f"SELECT DISTINCT month FROM {OLD} ORDER BY month")
            for (first,) in cursor.fetchall():
                first = first.replace(day=1)
                after = first.replace(
                    year=first.year + first.month // 12, month=first.month % 12 + 1
                )
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE}_y{first.year}m{first.month:02d} "
                    f"PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                    [first, after],
                )
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        else:
            schema_editor.create_model(apps.get_model("outcomes", "AppointmentCount"))
        cursor.execute(
            f"INSERT INTO {KEYS} (key) SELECT DISTINCT patient_key FROM {OLD} ORDER BY patient_key"
        )
        cursor.execute(
            f"""INSERT INTO {TABLE} (practice_id, patient_id, month, appointments, age_band, sex)
                SELECT o.practice_id, k.id, o.month, o.appointments, o.age_band, o.sex
                FROM {OLD} o JOIN {KEYS} k ON k.key = o.patient_key
                ORDER BY o.practice_id, k.id, o.month"""
        )
        cursor.execute(f"DROP TABLE {OLD}")


class Migration(migrations.Migration):
    # The copy runs in the migration's transaction (PostgreSQL) so a failure leaves the old
    # table as it was.
    atomic = True

    dependencies = [
        ("outcomes", "0005_appointment_one_index_by_practice"),
        ("socialrx", "0007_api_clients_and_webhooks"),
    ]

    operations = [
        migrations.CreateModel(
            name="PatientKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64, unique=True)),
            ],
        ),
        migrations.RunPython(_old_table_aside, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AppointmentCount"),
                migrations.CreateModel(
                    name="AppointmentCount",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "practice_id",
                                "patient_id",
                                "month",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("month", models.DateField()),
                        ("appointments", models.PositiveIntegerField()),
                        ("age_band", models.CharField(blank=True, db_default="", max_length=7)),
                        ("sex", models.CharField(blank=True, db_default="", max_length=7)),
                        (
                            "patient",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="outcomes.patientkey",
                            ),
                        ),
                        (
                            "practice",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="socialrx.practice",
                            ),
                        ),
                    ],
                ),
            ],
        ),
        migrations.RunPython(_new_table_fill, elidable=False),
    ]
