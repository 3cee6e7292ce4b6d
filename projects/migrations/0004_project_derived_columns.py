"""Columns PostgreSQL derives from a project for the project list's filters and search.

Measured at 10^5 projects (docs/performance.md, API): ranking recomputed the weighted
document of every matching row (to_tsvector of the description, twice: recheck and rank),
and the M2M filters hashed whole through tables (`NOT pk IN (SELECT project_id ...)`) on
every request. Here the database keeps, on the project row itself:

- `search_document`: the weighted full-text document (title A, description B, 'english'),
  a stored generated column with a GIN index; it replaces 0003's expression index.
- `sector_codes`, `mode_codes`, `corridor_codes`, `region_codes`, `ownership_codes`: the
  codes of the project's sectors, cooperation modes, corridors, target regions and partner
  ownership types, sorted; the first four (the filtered ones) with a GIN index. The list
  shows them too, instead of reading five M2M tables per row. Statement-level triggers on the M2M tables refresh them after every insert,
  delete, update or truncate, so every write path (services, admin, imports, bulk loads,
  raw SQL) keeps them right without knowing they exist.

The model does not declare these columns (Django never reads or writes them; the API's
filters refer to them, projects.api.filters.DERIVED). SQLite (the quick start) gets none
of this and filters through the M2M tables as before.
"""

from django.db import migrations

SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')"
)
OLD_EXPRESSION_INDEX = f"CREATE INDEX IF NOT EXISTS project_search_document ON projects_project USING gin (({SEARCH_DOCUMENT}))"

# array column on projects_project -> (M2M table, its code column)
CODE_COLUMNS = {
    "sector_codes": ("projects_project_sectors", "sector_id"),
    "mode_codes": ("projects_project_cooperation_modes", "cooperationmode_id"),
    "corridor_codes": ("projects_project_corridors", "corridor_id"),
    "region_codes": ("projects_project_target_regions", "region_id"),
    "ownership_codes": ("projects_project_partner_ownership", "ownershiptype_id"),
}

REFRESH_FUNCTION = r"""
CREATE OR REPLACE FUNCTION projects_project_codes_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
-- TG_ARGV[0]: the array column of projects_project; TG_ARGV[1]: the code column of the
-- M2M table the trigger is on. `changed` (and `changed_before` on UPDATE) hold the rows
-- the statement touched.
DECLARE
    touched text := 'SELECT project_id FROM changed';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('UPDATE projects_project SET %1$I = ''{}'' WHERE %1$I <> ''{}''',
                       TG_ARGV[0]);
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        touched := touched || ' UNION SELECT project_id FROM changed_before';
    END IF;
    EXECUTE format(
        'UPDATE projects_project p SET %1$I = ARRAY('
        'SELECT t.%2$I::text FROM %3$I.%4$I t WHERE t.project_id = p.id ORDER BY 1) '
        'WHERE p.id IN (%5$s)',
        TG_ARGV[0], TG_ARGV[1], TG_TABLE_SCHEMA, TG_TABLE_NAME, touched);
    RETURN NULL;
END
$$;
"""


def _triggers(column: str, table: str, code: str) -> list[str]:
    call = f"EXECUTE FUNCTION projects_project_codes_refresh('{column}', '{code}')"
    return [
        f"CREATE TRIGGER {table}_codes_ins AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS changed FOR EACH STATEMENT {call}",
        f"CREATE TRIGGER {table}_codes_del AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS changed FOR EACH STATEMENT {call}",
        f"CREATE TRIGGER {table}_codes_upd AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS changed_before NEW TABLE AS changed "
        f"FOR EACH STATEMENT {call}",
        f"CREATE TRIGGER {table}_codes_trunc AFTER TRUNCATE ON {table} FOR EACH STATEMENT {call}",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [
        "ALTER TABLE projects_project "
        + ", ".join(
            f"ADD COLUMN {column} text[] NOT NULL DEFAULT '{{}}'" for column in CODE_COLUMNS
        ),
        # Fill the arrays before the generated column exists: one table rewrite, not two.
        "UPDATE projects_project p SET "
        + ", ".join(
            f"{column} = ARRAY(SELECT t.{code}::text FROM {table} t "
            f"WHERE t.project_id = p.id ORDER BY 1)"
            for column, (table, code) in CODE_COLUMNS.items()
        ),
        REFRESH_FUNCTION,
    ]
    for column, (table, code) in CODE_COLUMNS.items():
        statements += _triggers(column, table, code)
        if column != "ownership_codes":  # shown, not filtered
            statements.append(
                f"CREATE INDEX project_{column} ON projects_project USING gin ({column})"
            )
    statements += [
        "DROP INDEX IF EXISTS project_search_document",
        "ALTER TABLE projects_project ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED",
        "CREATE INDEX project_search_document ON projects_project USING gin (search_document)",
    ]
    for statement in statements:
        schema_editor.execute(statement, params=None)  # no placeholders: '%' is format()'s


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _column, (table, _code) in CODE_COLUMNS.items():
        for suffix in ("ins", "del", "upd", "trunc"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_codes_{suffix} ON {table}", params=None
            )
    schema_editor.execute("DROP FUNCTION IF EXISTS projects_project_codes_refresh()", params=None)
    schema_editor.execute(
        "ALTER TABLE projects_project DROP COLUMN IF EXISTS search_document, "
        + ", ".join(f"DROP COLUMN IF EXISTS {column}" for column in CODE_COLUMNS),
        params=None,
    )
    schema_editor.execute(OLD_EXPRESSION_INDEX, params=None)


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_project_search_index")]

    operations = [migrations.RunPython(forwards, backwards)]
