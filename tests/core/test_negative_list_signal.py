"""Matching hears about negative-list changes, whether they come from a file or the admin."""

import pytest

from core.importers import negative_list_import
from core.models import NegativeListRule
from core.signals import negative_list_changed
from tests.imports.files import csv_write

HEADER = ["sector", "rule", "note"]


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(sender)

    negative_list_changed.connect(receiver)
    yield calls
    negative_list_changed.disconnect(receiver)


@pytest.mark.django_db
def test_an_import_that_changes_rules_announces_it_once_and_a_repeat_stays_silent(tmp_path, heard):
    path = csv_write(
        tmp_path / "rules.csv",
        HEADER,
        [{"sector": "energy.grid", "rule": "chinese_control", "note": ""}],
    )

    negative_list_import(path=path)
    negative_list_import(path=path)

    assert heard == [NegativeListRule]


@pytest.mark.django_db
def test_saving_a_rule_in_the_admin_announces_it(client, admin_user, heard):
    client.force_login(admin_user)

    response = client.post(
        "/admin/core/negativelistrule/add/",
        {"sector": "logistics.air_cargo", "rule": "chinese_control", "note": "Minority only."},
    )

    assert response.status_code == 302
    assert NegativeListRule.objects.get(sector_id="logistics.air_cargo").rule == "chinese_control"
    assert heard == [NegativeListRule]
