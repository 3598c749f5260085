"""Full-text search on PostgreSQL: a stored tsvector kept by a trigger, with a GIN index.

Why stored and trigger-kept rather than an expression index: ranking (ts_rank) reads the stored
vector instead of re-parsing every matching description, and the trigger keeps it true for
every write path (forms, imports' bulk_create, the admin, raw SQL). SQLite has no tsvector: the
column stays empty there and search falls back to icontains.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION assets_asset_search_vector_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.name, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B') ||
    setweight(to_tsvector('english',
      coalesce(NEW.venue_name, '') || ' ' || coalesce(NEW.address, '') || ' ' ||
      coalesce(NEW.schedule_text, '') || ' ' || coalesce(NEW.languages, '')), 'C');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS assets_asset_search_vector ON assets_asset;
CREATE TRIGGER assets_asset_search_vector
  BEFORE INSERT OR UPDATE OF name, description, venue_name, address, schedule_text, languages
  ON assets_asset FOR EACH ROW EXECUTE FUNCTION assets_asset_search_vector_update();
CREATE INDEX IF NOT EXISTS assets_asset_search_gin ON assets_asset USING gin (search_vector);
UPDATE assets_asset SET name = name;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS assets_asset_search_vector ON assets_asset;
DROP FUNCTION IF EXISTS assets_asset_search_vector_update();
DROP INDEX IF EXISTS assets_asset_search_gin;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters, so psycopg sends it as one simple query (several statements).
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("assets", "0003_directory")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
