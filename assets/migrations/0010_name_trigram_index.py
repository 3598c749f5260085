"""Trigram matching on listing names (PostgreSQL only), so a misspelt search ("walkng",
"alotment", "choirr") still finds the group by name.

Why raw SQL guarded by the database vendor rather than ``TrigramExtension`` and a
``GinIndex(opclasses=...)`` on the model: those fail on SQLite (the laptop demo), which has
neither extensions nor operator classes; this migration does nothing there and search falls
back to substring matching. ``pg_trgm`` is a trusted extension (PostgreSQL 13+), so the
database owner may create it.
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS assets_asset_name_trgm ON assets_asset USING gin (name gin_trgm_ops);
"""

# The extension stays: other tables may come to use it, and dropping it is not ours to decide.
BACKWARD = "DROP INDEX IF EXISTS assets_asset_name_trgm;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("assets", "0009_listing_reports")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
