from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import NegativeListRule
from enterprises.models import Enterprise
from projects.models import Project
from tests.imports.files import (
    AIR_LOGISTICS,
    CQ_PORT,
    ENTERPRISE_HEADER,
    PROJECT_HEADER,
    STRAITS,
    csv_write,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_enterprises_prints_the_counts(tmp_path):
    path = csv_write(tmp_path / "e.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])

    first = run("import_enterprises", str(path))
    second = run("import_enterprises", str(path))

    assert first == ("Created 2, updated 0, unchanged 0.\n", "")
    assert second == ("Created 0, updated 0, unchanged 2.\n", "")


def test_import_enterprises_reports_each_problem_and_fails(tmp_path):
    rows = [
        {**STRAITS, "sectors": "logistics.teleport"},
        {**CQ_PORT, "investment_min": "lots"},
    ]
    path = csv_write(tmp_path / "e.csv", ENTERPRISE_HEADER, rows)
    err = StringIO()

    with pytest.raises(CommandError, match=r"^2 problems found; nothing was changed\.$"):
        call_command("import_enterprises", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue() == (
        'row 2, column "sectors", value "logistics.teleport": unknown sector code\n'
        'row 3, column "investment_min", value "lots": not a number\n'
    )
    assert Enterprise.objects.count() == 0


def test_import_projects_prints_the_counts(tmp_path):
    run("import_enterprises", str(csv_write(tmp_path / "e.csv", ENTERPRISE_HEADER, [CQ_PORT])))

    out, err = run(
        "import_projects", str(csv_write(tmp_path / "p.csv", PROJECT_HEADER, [AIR_LOGISTICS]))
    )

    assert (out, err) == ("Created 1, updated 0, unchanged 0.\n", "")
    assert Project.objects.get().owner.reference == "ENT-0002"


def test_import_projects_fails_on_an_unknown_owner(tmp_path):
    path = csv_write(tmp_path / "p.csv", PROJECT_HEADER, [AIR_LOGISTICS])
    err = StringIO()

    with pytest.raises(CommandError, match=r"^1 problem found; nothing was changed\.$"):
        call_command("import_projects", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue() == (
        'row 2, column "owner", value "ENT-0002": no enterprise with this reference\n'
    )
    assert Project.objects.count() == 0


def test_import_negative_list_prints_the_counts(tmp_path):
    path = csv_write(
        tmp_path / "n.csv",
        ["sector", "rule"],
        [{"sector": "services.finance", "rule": "prohibited"}],
    )

    assert run("import_negative_list", str(path)) == ("Created 1, updated 0, unchanged 0.\n", "")
    assert NegativeListRule.objects.get().sector_id == "services.finance"


def test_import_command_fails_on_a_missing_file(tmp_path):
    err = StringIO()

    with pytest.raises(CommandError, match=r"^1 problem found; nothing was changed\.$"):
        call_command(
            "import_negative_list", str(tmp_path / "nope.csv"), stdout=StringIO(), stderr=err
        )

    assert err.getvalue() == 'file "nope.csv": the file cannot be read\n'


def test_commands_exit_non_zero_from_the_shell(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    bad = csv_write(tmp_path / "e.csv", ["reference"], [{"reference": "ENT-1"}])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    proc = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", "import_enterprises", str(bad)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 1
    assert 'row 1, column "name", value "": missing required column' in proc.stderr
    assert "CommandError: 4 problems found; nothing was changed." in proc.stderr
