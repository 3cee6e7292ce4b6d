"""The shared store of encoded enterprise features: loaded, patched, never rebuilt needlessly."""

from datetime import date, timedelta
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
        for memo in (
            features._memo,
            features._index_memo,
            features._patch_memo,
            features._stale_memo,
            features._patches_memo,
        ):
            memo.clear()

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


def _tokens():
    return sorted(EnterpriseFeatureChunk.objects.values_list("first_id", "token"))


def test_an_edited_profile_is_merged_at_load_and_its_chunk_rewritten_only_by_the_refresh(
    admin_user, encodes, cold_worker, django_capture_on_commit_callbacks
):
    firms = [EnterpriseFactory(sectors=["logistics"]) for _ in range(3)]
    features.feature_store()
    tokens = _tokens()

    with django_capture_on_commit_callbacks(execute=True):
        enterprise_update(enterprise=firms[0], by=admin_user, sectors=["energy.storage"])
    Enterprise.objects.filter(pk=firms[2].pk).update(
        description="Cold chain.", updated_at=timezone.now()
    )  # a write that bypasses the services
    encodes.clear()
    store = features.feature_store()
    cold_worker()  # another process: its own decoding, the same changes merged
    again = features.feature_store()

    assert _tokens() == tokens  # no chunk rewritten
    assert loaded(store)[firms[0].pk][0] == {"energy.storage"}
    assert loaded(again)[firms[2].pk][1].endswith("Cold chain.")
    assert set(encodes) == {("ids", (firms[0].pk, firms[2].pk))}
    merged = loaded(store)
    assert loaded(again) == merged

    refreshed = features.feature_store(refit_after=timedelta(days=1))  # the full rescore's

    assert _tokens() != tokens
    assert refreshed.patches == {}
    assert loaded(refreshed) == merged
    assert features.feature_store().patches == {}


def test_more_changes_than_patch_max_rewrite_their_chunk(monkeypatch):
    monkeypatch.setattr(features, "PATCH_MAX", 1)
    firms = EnterpriseFactory.create_batch(3)
    features.feature_store()
    tokens = _tokens()

    Enterprise.objects.filter(pk__in=[f.pk for f in firms[:2]]).update(updated_at=timezone.now())
    store = features.feature_store()

    assert store.patches == {}
    assert _tokens() != tokens


def test_an_addition_and_a_deletion_in_one_range_encode_it_again_when_loaded(
    monkeypatch, cold_worker
):
    firms = EnterpriseFactory.create_batch(3)
    features.feature_store()
    # The count of the range is unchanged: only the new row's updated_at shows a change.
    monkeypatch.setattr(features, "_stale", _counts_hidden(features._stale))
    firms[1].delete()
    new = EnterpriseFactory()

    store = features.feature_store()

    assert set(loaded(store)) == {firms[0].pk, firms[2].pk, new.pk}


def _counts_hidden(real):
    def stale(metas, *, memo=True):
        found, changes, _resized, signature = real(metas, memo=memo)
        return found, changes, set(), signature

    return stale


def test_a_rate_change_converts_the_held_chunks_again_without_reading_them(
    cold_worker, django_assert_num_queries
):
    firm = EnterpriseFactory(
        currency="USD", investment_min=Decimal("1000000"), investment_max=Decimal("2000000")
    )
    exchange_rate_save(currency="USD", rate_to_cny="7", valid_on=date(2026, 1, 1))
    assert loaded(features.feature_store())[firm.pk][2] == (7_000_000.0, 14_000_000.0)
    exchange_rate_save(currency="USD", rate_to_cny="7.5", valid_on=date(2026, 3, 1))
    store = features.feature_store()

    with django_assert_num_queries(0):
        chunks = list(store.chunks())

    row = chunks[0].batch.id_to_row[firm.pk]
    assert chunks[0].batch.records[row].investment_min_cny == 7_500_000.0
    assert chunks[0].batch.cap_lo[row] == pytest.approx(np.log10(7_500_000.0))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_workers_pool_process_decodes_the_store_as_it_starts():
    from tests.workers import running_worker, wait_until

    EnterpriseFactory.create_batch(3)
    features.feature_store()

    with running_worker(concurrency=1) as proc:

        def warmed() -> bool:
            proc.log.seek(0)
            return "feature store warmed: 3 enterprises decoded" in proc.log.read()

        # worker_process_init -> features_warm_in_background, in the pool process.
        wait_until(warmed, timeout=30)


def test_an_announced_change_that_leaves_updated_at_alone_is_merged_again(
    encodes, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(sectors=["logistics"])
    features.feature_store()
    Enterprise.objects.filter(pk=firm.pk).update(updated_at=timezone.now())
    assert loaded(features.feature_store())[firm.pk][0] == {"logistics"}  # patched once

    with django_capture_on_commit_callbacks(execute=True):
        firm.sectors.set(["energy.storage"])  # an M2M write: updated_at unchanged
        features.features_invalidate(enterprise_ids=[firm.pk])

    assert loaded(features.feature_store())[firm.pk][0] == {"energy.storage"}


def test_pending_patches_cost_a_warm_load_no_more_queries_than_a_clean_store():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    firm = EnterpriseFactory()
    features.feature_store()
    with CaptureQueriesContext(connection) as clean:
        features.feature_store()
    Enterprise.objects.filter(pk=firm.pk).update(description="Rail.", updated_at=timezone.now())
    assert features.feature_store().patches  # the first load finds and encodes the edit

    with CaptureQueriesContext(connection) as pending:
        store = features.feature_store()

    assert len(pending.captured_queries) == len(clean.captured_queries)
    assert loaded(store)[firm.pk][1].endswith("Rail.")
