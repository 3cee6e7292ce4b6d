"""bin/backup and bin/restore against the real PostgreSQL."""

import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.factories import ProjectFactory

REPO = Path(__file__).resolve().parents[2]


def _url(dbname: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    admin_url = _url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _url(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_project_into_an_empty_database(tmp_path, scratch_database):
    ProjectFactory(reference="ILSTC-BACKUP-1", title="Bonded warehouse")
    ProjectFactory(reference="ILSTC-BACKUP-2", title="Rail-sea hub")
    dump = tmp_path / "parklink.dump"
    source_url = _url(connection.settings_dict["NAME"])

    backup = subprocess.run(  # noqa: S603
        [REPO / "bin/backup", dump],
        env={"DATABASE_URL": source_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert backup.returncode == 0, backup.stderr
    restore = subprocess.run(  # noqa: S603
        [REPO / "bin/restore", dump],
        env={"DATABASE_URL": scratch_database, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert restore.returncode == 0, restore.stderr

    with psycopg.connect(scratch_database) as conn:
        rows = conn.execute(
            "SELECT reference, title FROM projects_project ORDER BY reference"
        ).fetchall()
        migrations = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    assert rows == [("ILSTC-BACKUP-1", "Bonded warehouse"), ("ILSTC-BACKUP-2", "Rail-sea hub")]
    assert migrations > 0


def test_restore_refuses_a_missing_file(tmp_path):
    result = subprocess.run(  # noqa: S603
        [REPO / "bin/restore", tmp_path / "nope.dump"],
        env={"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "no such file" in result.stderr
