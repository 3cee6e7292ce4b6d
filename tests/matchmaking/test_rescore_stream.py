"""A rescore stores each enterprise chunk's pairs while the chunk is in memory.

`rank_chunks(emit=...)` hands over a chunk's enterprise-side pairs (and its explicit `keep`
pairs) as soon as the chunk is scored and returns only the projects' side not handed over,
so a chunk task's memory does not grow with the number of enterprises. What is stored must
be what the two-pass path (rank everything, then explain and store) stored, each pair once.
"""

import random

import numpy as np
import pytest

from matchmaking import features, services
from matchmaking.features import StaleFeatures, feature_store
from matchmaking.models import Match
from matchmaking.scoring import Weights, enterprise_batch, rank_chunks
from matchmaking.selectors import matching_config_current, matching_weights
from matchmaking.services import matching_config_create
from tests.factories import EnterpriseFactory, ForeignEnterpriseFactory, ProjectFactory
from tests.matchmaking.helpers import VOCAB, batches
from tests.matchmaking.test_engine_selection import _records

pytestmark = pytest.mark.django_db


def _pairs(project_rows, enterprise_ids) -> list[tuple[int, int]]:
    return list(
        zip(np.asarray(project_rows).tolist(), np.asarray(enterprise_ids).tolist(), strict=True)
    )


@pytest.mark.parametrize("seed", [31, 32])
def test_emitted_chunks_and_the_rest_are_the_whole_selection_each_pair_once(seed):
    projects, p_texts, enterprises, e_texts = _records(seed, 23, 200)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    chunks = [
        enterprise_batch(
            enterprises[lo : lo + 30], e_texts[lo : lo + 30], vocab=VOCAB, text_index=eb.text_index
        )
        for lo in range(0, len(enterprises), 30)
    ]
    weights = Weights(top_k=3, min_score=30)
    rng = np.random.default_rng(seed)
    # Acted-on pairs: some the ranking keeps anyway, some it would not, one repeated.
    keep = (rng.integers(0, len(pb), 40), rng.choice(eb.ids, 40))
    keep = (np.append(keep[0], keep[0][0]), np.append(keep[1], keep[1][0]))
    whole = rank_chunks(pb, iter(chunks), weights, chunk=4, keep=keep)
    emitted = []

    def emit(batch, p_rows, e_rows):
        assert any(batch is c for c in chunks)
        assert np.all(np.diff(p_rows * len(batch) + e_rows) > 0)  # ordered, each pair once
        emitted.extend(_pairs(p_rows, batch.ids[e_rows]))

    rest = rank_chunks(pb, iter(chunks), weights, chunk=4, keep=keep, emit=emit)

    rest_pairs = _pairs(rest.project_rows, rest.enterprise_ids)
    assert len(rest_pairs) <= len(pb) * weights.top_k  # only the projects' side is held
    assert not set(rest_pairs) & set(emitted)
    assert len(set(emitted)) == len(emitted)
    assert sorted(emitted + rest_pairs) == sorted(_pairs(whole.project_rows, whole.enterprise_ids))
    assert rest.pairs_scored == whole.pairs_scored
    assert len(emitted) > len(rest_pairs) > 0  # both sides are exercised


@pytest.fixture
def crowd(monkeypatch, soe, admin_user):
    """12 projects x 40 enterprises in store chunks of 6, K = 3, a floor most pairs pass."""
    monkeypatch.setattr(features, "CHUNK_SIZE", 6)
    rng = random.Random(5)
    sectors = ["logistics", "logistics.warehousing", "logistics.cold_chain", "energy.storage"]
    words = ["bonded", "warehouse", "cold", "chain", "port", "rail", "solar", "storage", "cargo"]
    for i in range(40):
        factory = ForeignEnterpriseFactory if i % 4 == 0 else EnterpriseFactory
        factory(
            sectors=rng.sample(sectors, rng.randint(1, 2)),
            description=" ".join(rng.sample(words, 4)) + f" firm {i}",
        )
    projects = [
        ProjectFactory(
            owner=soe,
            sectors=rng.sample(sectors, rng.randint(1, 2)),
            description=" ".join(rng.sample(words, 5)),
        )
        for _ in range(12)
    ]
    matching_config_create(by=admin_user, top_k=3, min_score=20)
    return [p.pk for p in projects]


def _stored():
    return sorted(
        Match.objects.values_list(
            "project_id", "enterprise_id", "score", "eligible", "components", "reasons"
        )
    )


def _two_pass(project_ids):
    """The path before streaming: rank every chunk, then explain and store the selection."""
    config = matching_config_current()
    store = feature_store()
    records, texts = features.project_records(project_ids=project_ids, rates=store.rates)
    pb = services.scoring.project_batch(
        records, texts, vocab=store.vocab, text_index=store.text_index
    )
    scope = services.Q(project_id__in=project_ids)
    selection = rank_chunks(
        pb,
        (c.batch for c in store.chunks()),
        matching_weights(config=config),
        keep=services._acted_pairs(scope, pb),
    )
    services._score_and_store(
        pb=pb,
        project_texts=texts,
        parts=services._parts_of(store, selection),
        vocab=store.vocab,
        config=config,
        scope=scope,
        summary=services.RescoreSummary(),
    )


@pytest.mark.parametrize("postgresql", [True, False])
def test_a_streamed_rescore_stores_what_the_two_pass_path_stored_each_pair_once(
    crowd, monkeypatch, postgresql
):
    if not postgresql:
        monkeypatch.setattr(services, "_copy_upsert_available", lambda: False)
    monkeypatch.setattr(services, "DETAILS_FROM_DB", 0)  # every chunk stored as it is ranked
    _two_pass(crowd)
    expected = _stored()
    Match.objects.all().delete()
    assert len(features.feature_store().metas) == 7
    parts = []
    real = services._parts_of
    monkeypatch.setattr(
        services,
        "_parts_of",
        lambda store, sel: parts.append(len(sel.project_rows)) or real(store, sel),
    )

    summary = services.matches_rescore_projects(project_ids=crowd, prune=False)

    assert _stored() == expected
    assert summary.stored == len(expected)  # no pair explained and upserted twice
    assert len(parts) == 1
    assert parts[0] <= len(crowd) * 3  # only the projects' side waits for the end
    assert summary.created == sum(1 for row in expected if row[3])


def test_pairs_users_acted_on_are_rescored_once_and_stale_untouched_pairs_deleted(
    crowd, monkeypatch, admin_user
):
    monkeypatch.setattr(services, "DETAILS_FROM_DB", 0)
    services.matches_rescore_projects(project_ids=crowd, prune=False)
    # The lowest-scored pair of a project, dismissed: kept and rescored whatever its rank.
    outside = Match.objects.filter(project_id=crowd[0]).order_by("score").first()
    outside.state = Match.State.DISMISSED
    outside.save()
    config = matching_config_create(by=admin_user, top_k=2, min_score=20)

    summary = services.matches_rescore_projects(project_ids=crowd, prune=False)

    outside.refresh_from_db()
    assert outside.state == Match.State.DISMISSED
    assert outside.config_version == config.version  # rescored, not left as it was
    assert summary.stored == Match.objects.count()
    assert summary.deleted > 0  # pairs of K = 3 that K = 2 no longer keeps


def test_a_chunk_rewritten_while_a_rescore_streams_rolls_everything_back(crowd, monkeypatch):
    monkeypatch.setattr(services, "DETAILS_FROM_DB", 0)
    services.matches_rescore_projects(project_ids=crowd, prune=False)
    before = _stored()
    Match.objects.filter(project_id=crowd[0]).update(score=1)
    changed = _stored()
    for memo in (features._memo, features._stale_memo, features._patches_memo):
        memo.clear()
    real = features.FeatureStore._decode
    decoded = []

    def decode(self, meta, rates):
        decoded.append(meta.pk)
        if len(decoded) == 4:  # three chunks already stored, then another worker rewrote one
            raise StaleFeatures(meta.pk)
        return real(self, meta, rates)

    monkeypatch.setattr(features.FeatureStore, "_decode", decode)

    with pytest.raises(StaleFeatures):
        services.matches_rescore_projects(project_ids=crowd, prune=False)

    assert _stored() == changed != before  # nothing of the interrupted run remains


def test_dropping_the_fragment_caches_between_batches_changes_no_reason(crowd, monkeypatch):
    """Tables of encoded reason fragments are dropped past FRAGMENT_CACHE_MAX (they grow with
    the pairs explained, so with the number of enterprises): the same rows either way."""
    services.matches_rescore_projects(project_ids=crowd, prune=False)
    expected = _stored()
    Match.objects.all().delete()
    monkeypatch.setattr(services, "FRAGMENT_CACHE_MAX", 0)
    monkeypatch.setattr(services, "STORE_BATCH_SIZE", 5)
    dropped = []
    real = services.scoring.explain_pairs_json

    def explain(*args, cache, **kwargs):
        dropped.append("text" not in cache and "region" not in cache)
        return real(*args, cache=cache, **kwargs)

    monkeypatch.setattr(services.scoring, "explain_pairs_json", explain)

    services.matches_rescore_projects(project_ids=crowd, prune=False)

    assert _stored() == expected
    assert sum(dropped) > 1  # dropped again and again
