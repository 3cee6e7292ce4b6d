"""`place_codes`: the places a project targets, as one indexed array (PostgreSQL).

The project list's place filter (`place=TH`: projects targeting the country, a region that
contains it, or nowhere in particular) tested `target_countries` with a regular expression
and `region_codes` row by row, so PostgreSQL read every row the sector (and mode or corridor)
indexes let through: at 10^5 projects, `sector=logistics&place=TH&ordering=title` read
17,781 heap pages (65 ms warm), `sector=logistics&mode=leasing&place=MIDDLE_EAST` 6,220
(21 ms). With the places in a GIN index the bitmap has them too: 9,897 and 2,677 pages,
26 and 13 ms (EXPLAIN ANALYZE, the same statements, docs/performance.md).

A stored generated column, so every write of the row keeps it (services, admin, importers,
bulk loads, the triggers of 0004 that rewrite `region_codes`): the countries as `c:TH` (a
region code is never one, whatever its letters: they have no colon), the region codes as they
are, and `*` for a project that targets nowhere in particular. Adding it rewrites the table
once and fills it for the existing rows.
"""

from django.db import migrations

PLACE_CODES = (
    "CASE WHEN target_countries = '' AND region_codes = '{}' THEN ARRAY['*'] "
    "ELSE coalesce(string_to_array('c:' || replace(nullif(target_countries, ''), ',', ',c:'), "
    "','), '{}') || region_codes END"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE projects_project ADD COLUMN place_codes text[] "
        f"GENERATED ALWAYS AS ({PLACE_CODES}) STORED",
        params=None,
    )
    schema_editor.execute(
        "CREATE INDEX project_place_codes ON projects_project USING gin (place_codes)",
        params=None,
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS project_place_codes", params=None)
    schema_editor.execute(
        "ALTER TABLE projects_project DROP COLUMN IF EXISTS place_codes", params=None
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_project_search_sector_index")]

    operations = [migrations.RunPython(forwards, backwards)]
