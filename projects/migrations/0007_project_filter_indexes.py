"""Two multicolumn GIN indexes for the project list's filters, instead of one per column.

The list's code filters (sector, place, mode, corridor) were answered by one GIN index
each, ANDed as bitmaps: every index built a bitmap of all its matches first, and the place
filter's matches are broad (every project without a target matches any place: a quarter
of them), so a filter for a narrow sector in a country built a bitmap of 39,000-60,000
rows to keep a few hundred (5-10 ms of the page query's 7-9 at 10^5 projects). Within one
multicolumn GIN index the scan walks the rarest condition's entries and skips through the
others' (GIN's fast scan): 2.6 ms. Measured on the API bench's database (10^5 projects,
docs/performance.md): mean page query of the first 139 varied filtered lists 7.2 -> 2.7 ms,
of 150 varied searched lists 3.6 -> 2.4 ms (search words, sector and place in one index).

GIN answers conditions on any subset of its columns equally well, so the single-column
indexes go: `project_region_codes` too (the place filter reads place_codes since 0006).
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS project_filter_codes ON projects_project "
    "USING gin (sector_codes, place_codes, mode_codes, corridor_codes)",
    "CREATE INDEX IF NOT EXISTS project_search_filters ON projects_project "
    "USING gin (search_document, sector_codes, place_codes)",
]
# name -> its definition, as 0004, 0005 and 0006 created them
REPLACED = {
    "project_sector_codes": "gin (sector_codes)",
    "project_mode_codes": "gin (mode_codes)",
    "project_corridor_codes": "gin (corridor_codes)",
    "project_region_codes": "gin (region_codes)",
    "project_place_codes": "gin (place_codes)",
    "project_search_sector": "gin (search_document, sector_codes)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in CREATE:
        schema_editor.execute(statement, params=None)
    for name in REPLACED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in REPLACED.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON projects_project USING {definition}",
            params=None,
        )
    for name in ("project_filter_codes", "project_search_filters"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_project_place_codes")]

    operations = [migrations.RunPython(forwards, backwards)]
