"""The cost PostgreSQL's planner gives pg_trgm's word-similarity operators (``%>``, ``<%``),
so that a near-spelling search of listing names uses the trigram index (PostgreSQL only).

pg_trgm declares each operator's function at the default cost of one simple operator, while
comparing a word with every word of a name costs about a hundred times as much: with that
cost the planner tests every listing (40 ms at 20,000 listings) instead of reading the trigram
and full-text indexes together (8 ms). Changing the cost needs the functions' owner; where the
database user is not, the migration says so and changes nothing (the search still works, only
slower; docs/performance.md, "Directory search").
"""

from django.db import migrations

COST = """
DO $$
BEGIN
    ALTER FUNCTION word_similarity_commutator_op(text, text) COST {cost};
    ALTER FUNCTION word_similarity_op(text, text) COST {cost};
EXCEPTION WHEN insufficient_privilege OR undefined_function THEN
    RAISE NOTICE 'pg_trgm word similarity keeps its cost: %', SQLERRM;
END $$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(COST.format(cost=100))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(COST.format(cost=1))


class Migration(migrations.Migration):
    dependencies = [("assets", "0014_asset_public_count_index")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
