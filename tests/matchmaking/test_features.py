"""The worker's enterprise snapshot: patched for a few changed profiles, rebuilt otherwise."""

from datetime import date

import numpy as np
import pytest

from core.services import exchange_rate_save
from enterprises.services import enterprise_update
from matchmaking import features
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loads(monkeypatch):
    """The `ids` argument of every enterprise_records call (None = all enterprises)."""
    calls = []
    real = features.enterprise_records

    def spy(*, rates, ids=None):
        calls.append(None if ids is None else sorted(ids))
        return real(rates=rates, ids=ids)

    monkeypatch.setattr(features, "enterprise_records", spy)
    return calls


def sectors_by_id(snapshot):
    vocab = snapshot.vocab.sectors
    return {
        int(i): {vocab[j] for j in np.flatnonzero(row)}
        for i, row in zip(snapshot.batch.ids, snapshot.batch.sector_bin, strict=True)
    }


def test_a_changed_profile_is_patched_into_the_snapshot_without_a_rebuild(
    admin_user, loads, django_capture_on_commit_callbacks
):
    firms = [EnterpriseFactory(sectors=["logistics"]) for _ in range(3)]
    features.enterprise_snapshot(fresh=True)
    loads.clear()

    with django_capture_on_commit_callbacks(execute=True):
        enterprise_update(
            enterprise=firms[1],
            by=admin_user,
            sectors=["logistics.warehousing"],
            description="Bonded warehouse at Laem Chabang.",
        )
    snapshot = features.enterprise_snapshot()

    assert None not in loads  # never reloaded every enterprise
    assert [firms[1].pk] in loads
    assert sectors_by_id(snapshot) == sectors_by_id(features.enterprise_snapshot(fresh=True))
    assert sectors_by_id(snapshot)[firms[1].pk] == {"logistics.warehousing"}
    row = snapshot.batch.id_to_row[firms[1].pk]
    assert "Laem Chabang" in snapshot.texts[row]


def test_a_new_enterprise_is_appended_to_the_snapshot(loads):
    EnterpriseFactory()
    before = features.enterprise_snapshot(fresh=True)
    loads.clear()

    new = EnterpriseFactory(sectors=["energy.storage"])
    snapshot = features.enterprise_snapshot()

    assert loads == [[new.pk]]
    assert len(snapshot.batch) == len(before.batch) + 1
    assert sectors_by_id(snapshot)[new.pk] == {"energy.storage"}


def test_a_rate_change_rebuilds_the_snapshot(loads, django_capture_on_commit_callbacks):
    EnterpriseFactory(currency="USD")
    features.enterprise_snapshot(fresh=True)
    loads.clear()

    with django_capture_on_commit_callbacks(execute=True):
        exchange_rate_save(currency="USD", rate_to_cny="7.5", valid_on=date(2026, 3, 1))
    features.enterprise_snapshot()

    assert None in loads


def test_an_unchanged_snapshot_is_reused(loads):
    EnterpriseFactory()
    first = features.enterprise_snapshot(fresh=True)
    loads.clear()

    assert features.enterprise_snapshot() is first
    assert loads == []
