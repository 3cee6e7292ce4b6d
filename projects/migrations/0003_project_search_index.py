"""A GIN index on the weighted full-text document the project search ranks by (PostgreSQL only).

The expression must equal the one the API's search builds (title weight A, description weight B,
'english' configuration) for PostgreSQL to use the index. SQLite (the quick start) has no
full-text search of this kind and gets nothing.
"""

from django.db import migrations

INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS project_search_document ON projects_project USING gin (("
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS project_search_document")


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_audit_history")]

    operations = [migrations.RunPython(create_index, drop_index)]
