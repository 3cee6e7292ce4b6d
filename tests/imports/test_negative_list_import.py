import pytest

from core.importers import negative_list_import
from core.imports import ImportResult, RowError
from core.models import NegativeListRule
from tests.imports.files import csv_write

pytestmark = pytest.mark.django_db

HEADER = ["sector", "rule", "note"]
RULES = [
    {"sector": "services.finance", "rule": "chinese_control", "note": "Banks: Chinese control."},
    {"sector": "infrastructure.port", "rule": "prohibited", "note": ""},
    {"sector": "energy", "rule": "chinese_control", "note": "Grid and nuclear."},
]


def test_rules_are_created_then_a_second_import_changes_nothing(tmp_path):
    path = csv_write(tmp_path / "negative.csv", HEADER, RULES)

    first = negative_list_import(path=path)
    stamps = dict(NegativeListRule.objects.values_list("sector_id", "updated_at"))
    second = negative_list_import(path=path)

    assert first == ImportResult(created=3, updated=0, unchanged=0, errors=[])
    assert second == ImportResult(created=0, updated=0, unchanged=3, errors=[])
    assert set(NegativeListRule.objects.values_list("sector_id", "rule", "note")) == {
        ("services.finance", "chinese_control", "Banks: Chinese control."),
        ("infrastructure.port", "prohibited", ""),
        ("energy", "chinese_control", "Grid and nuclear."),
    }
    assert dict(NegativeListRule.objects.values_list("sector_id", "updated_at")) == stamps


def test_a_changed_rule_is_updated_and_others_are_kept(tmp_path):
    negative_list_import(path=csv_write(tmp_path / "a.csv", HEADER, RULES))

    result = negative_list_import(
        path=csv_write(
            tmp_path / "b.csv",
            HEADER,
            [{"sector": "infrastructure.port", "rule": "chinese_control", "note": "Eased."}],
        )
    )

    assert result == ImportResult(created=0, updated=1, unchanged=0, errors=[])
    assert NegativeListRule.objects.get(sector_id="infrastructure.port").rule == "chinese_control"
    assert NegativeListRule.objects.count() == 3


def test_unknown_sector_bad_rule_and_repeated_sector_are_reported(tmp_path):
    rows = [
        *RULES,
        {"sector": "mining", "rule": "prohibited", "note": ""},
        {"sector": "energy", "rule": "forbidden", "note": ""},
    ]

    result = negative_list_import(path=csv_write(tmp_path / "a.csv", HEADER, rows))

    assert result.errors == [
        RowError(5, "sector", "mining", "unknown sector code"),
        RowError(6, "sector", "energy", "repeated in the file (first in row 4)"),
        RowError(6, "rule", "forbidden", "must be one of: prohibited, chinese_control"),
    ]
    assert NegativeListRule.objects.count() == 0
