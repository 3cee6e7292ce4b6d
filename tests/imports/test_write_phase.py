"""The write phase: a fixed number of queries whatever the row count, and a safe failure."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factory.django import mute_signals

from core.imports import RowError
from enterprises import importers
from enterprises.importers import enterprises_import
from enterprises.models import Enterprise
from enterprises.signals import enterprise_changed
from projects.importers import projects_import
from projects.signals import project_changed, project_status_changed
from tests.factories import EnterpriseFactory, SoeFactory
from tests.imports.files import (
    AIR_LOGISTICS,
    ENTERPRISE_HEADER,
    PROJECT_HEADER,
    STRAITS,
    csv_write,
)

pytestmark = pytest.mark.django_db


def enterprise_rows(count: int, prefix: str) -> list[dict[str, str]]:
    return [{**STRAITS, "reference": f"{prefix}-{i:04d}"} for i in range(count)]


def queries_of(func) -> int:
    """Queries of the import itself: the receivers of its signals are other apps' business."""
    with (
        mute_signals(enterprise_changed, project_changed, project_status_changed),
        CaptureQueriesContext(connection) as context,
    ):
        func()
    return len(context.captured_queries)


def test_enterprise_import_query_count_does_not_grow_with_rows(tmp_path):
    small = csv_write(tmp_path / "small.csv", ENTERPRISE_HEADER, enterprise_rows(3, "S"))
    large = csv_write(tmp_path / "large.csv", ENTERPRISE_HEADER, enterprise_rows(120, "L"))

    create_small = queries_of(lambda: enterprises_import(path=small))
    create_large = queries_of(lambda: enterprises_import(path=large))
    again_small = queries_of(lambda: enterprises_import(path=small))
    again_large = queries_of(lambda: enterprises_import(path=large))

    assert Enterprise.objects.count() == 123
    assert create_large == create_small
    assert again_large == again_small
    assert again_large < create_large


def test_project_import_query_count_does_not_grow_with_rows(tmp_path):
    SoeFactory(reference="ENT-0002")

    def rows(count: int, prefix: str) -> list[dict[str, str]]:
        # Each file names its own list and park, so both imports create one of each.
        return [
            {
                **AIR_LOGISTICS,
                "reference": f"{prefix}-{i:04d}",
                "opportunity_list": f"{prefix} list",
                "park": f"{prefix} park",
            }
            for i in range(count)
        ]

    small = csv_write(tmp_path / "small.csv", PROJECT_HEADER, rows(3, "S"))
    large = csv_write(tmp_path / "large.csv", PROJECT_HEADER, rows(120, "L"))

    assert queries_of(lambda: projects_import(path=large)) == queries_of(
        lambda: projects_import(path=small)
    )


def test_a_record_created_meanwhile_fails_the_import_cleanly(tmp_path, monkeypatch):
    # Someone else stores ENT-0001 after the import looked for it: the database refuses the
    # duplicate, the whole write rolls back and the user is told to run it again.
    EnterpriseFactory(reference="ENT-0001", name="Stored meanwhile")
    monkeypatch.setattr(importers, "records_existing", lambda **kwargs: {})
    rows = [{**STRAITS, "reference": "ENT-0003"}, STRAITS]

    result = enterprises_import(path=csv_write(tmp_path / "e.csv", ENTERPRISE_HEADER, rows))

    assert result.errors == [
        RowError(
            0,
            "",
            "e.csv",
            "the data changed while the file was imported; nothing was changed, try again",
        )
    ]
    assert list(Enterprise.objects.values_list("reference", "name")) == [
        ("ENT-0001", "Stored meanwhile")
    ]
