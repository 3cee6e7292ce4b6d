"""The shared store of encoded enterprise features: loaded, patched, never rebuilt needlessly."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from core.services import exchange_rate_save
from enterprises.models import Enterprise
from enterprises.services import enterprise_update
from matchmaking import features
from matchmaking.models import EnterpriseFeatureChunk, Match
from matchmaking.services import matches_rescore_projects
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def encodes(monkeypatch):
    """What every encoding from the ORM read: ("ids", [...]) or ("range", (lo, hi))."""
    calls = []
    real = features._enterprise_rows

    def spy(*, ids=None, id_range=None):
        calls.append(("ids", tuple(sorted(ids))) if ids is not None else ("range", id_range))
        return real(ids=ids, id_range=id_range)

    monkeypatch.setattr(features, "_enterprise_rows", spy)
    return calls


@pytest.fixture
def cold_worker():
    """Forget what this process decoded, as a freshly started worker would."""

    def forget():
        features._memo.clear()
        features._index_memo.clear()

    forget()
    yield forget
    forget()


def loaded(store):
    """{enterprise id: (sector codes, text, CNY range)} over every chunk of a store."""
    out = {}
    sectors = store.vocab.sectors
    for chunk in store.chunks():
        b = chunk.batch
        for row, pk in enumerate(b.ids.tolist()):
            r = b.records[row]
            out[pk] = (
                {sectors[j] for j in np.flatnonzero(b.sector_bin[row])},
                chunk.texts[row],
                (r.investment_min_cny, r.investment_max_cny),
            )
    return out


def test_a_changed_profile_is_patched_into_the_store_without_encoding_every_enterprise(
    admin_user, encodes, django_capture_on_commit_callbacks
):
    firms = [EnterpriseFactory(sectors=["logistics"]) for _ in range(3)]
    features.feature_store()
    encodes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        enterprise_update(
            enterprise=firms[1],
            by=admin_user,
            sectors=["logistics.warehousing"],
            description="Bonded warehouse at Laem Chabang.",
        )
    store = features.feature_store()

    # The store's patch and the enterprise_rescore task: that one enterprise, nothing else.
    assert encodes
    assert set(encodes) == {("ids", (firms[1].pk,))}
    sectors, text, _ = loaded(store)[firms[1].pk]
    assert sectors == {"logistics.warehousing"}
    assert "Laem Chabang" in text
    features.feature_store_build()
    assert loaded(features.feature_store()) == loaded(store)


def test_a_new_enterprise_is_added_to_the_last_chunk(encodes):
    EnterpriseFactory()
    before = features.feature_store()
    encodes.clear()

    new = EnterpriseFactory(sectors=["energy.storage"])
    store = features.feature_store()

    assert encodes == [("ids", (new.pk,))]
    assert len(store) == len(before) + 1
    assert loaded(store)[new.pk][0] == {"energy.storage"}


def test_a_write_that_bypasses_the_services_and_a_deletion_are_noticed(encodes):
    firms = [EnterpriseFactory(sectors=["logistics"]) for _ in range(3)]
    features.feature_store()
    encodes.clear()

    Enterprise.objects.filter(pk=firms[0].pk).update(
        description="Cold chain.", updated_at=timezone.now()
    )
    firms[2].delete()
    store = features.feature_store()

    assert set(loaded(store)) == {firms[0].pk, firms[1].pk}
    assert "Cold chain." in loaded(store)[firms[0].pk][1]
    assert ("range", (None, None)) in encodes  # the deletion: the chunk was encoded again


def test_a_rate_change_moves_capacity_without_encoding_anything(
    encodes, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(
        currency="USD", investment_min=Decimal("1000000"), investment_max=Decimal("2000000")
    )
    exchange_rate_save(currency="USD", rate_to_cny="7", valid_on=date(2026, 1, 1))
    before = loaded(features.feature_store())[firm.pk][2]
    encodes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        exchange_rate_save(currency="USD", rate_to_cny="7.5", valid_on=date(2026, 3, 1))
    after = loaded(features.feature_store())[firm.pk][2]

    assert encodes == []
    assert before == (7_000_000.0, 14_000_000.0)
    assert after == (7_500_000.0, 15_000_000.0)


def test_an_unchanged_store_is_neither_encoded_nor_decoded_again(encodes, cold_worker):
    EnterpriseFactory()
    first = list(features.feature_store().chunks())
    encodes.clear()

    again = list(features.feature_store().chunks())

    assert encodes == []
    assert [c.batch for c in again] == [c.batch for c in first]
    assert all(a is b for a, b in zip(again, first, strict=True))


def test_a_warmed_worker_reads_no_chunk_in_its_first_task(cold_worker, django_assert_num_queries):
    EnterpriseFactory.create_batch(3)
    features.feature_store()
    cold_worker()

    assert features.features_warm() == 3
    store = features.feature_store()
    with django_assert_num_queries(0):
        assert len(list(store.chunks())) == len(store.metas)


def test_warming_builds_no_store(cold_worker):
    EnterpriseFactory()

    assert features.features_warm() == 0
    assert not EnterpriseFeatureChunk.objects.exists()


def _matches():
    return sorted(
        Match.objects.values_list("project_id", "enterprise_id", "score", "eligible", "reasons")
    )


def test_a_cold_worker_loading_the_persisted_chunks_stores_the_same_matches(
    monkeypatch, encodes, cold_worker
):
    monkeypatch.setattr(features, "CHUNK_SIZE", 2)  # five chunks for nine enterprises
    sectors = ["logistics", "logistics.warehousing", "energy.storage"]
    for i in range(9):
        EnterpriseFactory(sectors=[sectors[i % 3]], description=f"bonded warehouse {i}")
    project = ProjectFactory(sectors=["logistics.warehousing"])
    matches_rescore_projects(project_ids=[project.pk], prune=False)
    warm = _matches()
    assert EnterpriseFeatureChunk.objects.count() == 5
    assert len(warm) == 9
    tokens = sorted(EnterpriseFeatureChunk.objects.values_list("token", flat=True))
    Match.objects.all().delete()
    cold_worker()
    encodes.clear()

    matches_rescore_projects(project_ids=[project.pk], prune=False)

    # Loaded, not encoded: no chunk rewritten, nothing read by id range; the reasons'
    # records and texts of the few enterprises kept are read by id.
    assert sorted(EnterpriseFeatureChunk.objects.values_list("token", flat=True)) == tokens
    assert {kind for kind, _ in encodes} == {"ids"}
    assert _matches() == warm


def test_a_memo_smaller_than_the_store_and_stored_details_give_the_same_matches(
    monkeypatch, cold_worker
):
    monkeypatch.setattr(features, "CHUNK_SIZE", 2)
    for i in range(7):
        EnterpriseFactory(sectors=["logistics"], description=f"rail freight {i}")
    project = ProjectFactory(sectors=["logistics"])
    matches_rescore_projects(project_ids=[project.pk], prune=False)
    everything_memoised = _matches()
    Match.objects.all().delete()
    cold_worker()
    monkeypatch.setattr(features, "MEMO_ENTERPRISES", 2)
    monkeypatch.setattr(features, "DETAILS_FROM_DB", 0)  # reasons from the stored details

    matches_rescore_projects(project_ids=[project.pk], prune=False)

    assert _matches() == everything_memoised
    assert sum(len(c.batch) for _t, _r, c in features._memo.values()) <= 2


def test_the_last_chunk_is_split_when_new_enterprises_pile_up(monkeypatch):
    monkeypatch.setattr(features, "CHUNK_SIZE", 2)
    EnterpriseFactory()
    features.feature_store()
    new = [EnterpriseFactory() for _ in range(5)]

    store = features.feature_store()

    sizes = list(EnterpriseFeatureChunk.objects.values_list("size", flat=True))
    assert max(sizes) <= 4
    assert sum(sizes) == 6
    assert set(loaded(store)) >= {e.pk for e in new}
