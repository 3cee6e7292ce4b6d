"""The fast block arithmetic and the threshold selection of `rank_chunks` against the per-pair
path (`pair_scores`, the formula written pair by pair), on random data with edge cases."""

import random
from dataclasses import replace

import numpy as np
import pytest

from matchmaking.scoring import (
    Weights,
    engine,
    enterprise_batch,
    pair_scores,
    rank_chunks,
    rows_of,
    score_block,
)
from tests.matchmaking.helpers import VOCAB, batches
from tests.matchmaking.test_scoring import _random_records

TOLERANCE = 1e-4


def _records(seed: int, n_projects: int, n_enterprises: int):
    projects, p_texts, enterprises, e_texts = _random_records(
        random.Random(seed), n_projects, n_enterprises
    )
    # Edge cases the closed forms must keep: no sectors, corridors or modes on either side,
    # an unknown amount sought, an enterprise with only a maximum, only a minimum, a range
    # given upside down, and a project located where no enterprise is.
    projects[0] = replace(projects[0], sought_cny=None, corridors=(), target_places=())
    projects[1] = replace(projects[1], sectors=(), modes=())
    projects[2] = replace(projects[2], location_country="BR", target_places=("TH",))
    enterprises[0] = replace(enterprises[0], sectors=(), modes=(), corridors=())
    enterprises[1] = replace(enterprises[1], investment_min_cny=None, investment_max_cny=5e7)
    enterprises[2] = replace(enterprises[2], investment_min_cny=3e8, investment_max_cny=None)
    enterprises[3] = replace(enterprises[3], investment_min_cny=1e9, investment_max_cny=1e7)
    enterprises[4] = replace(enterprises[4], investment_min_cny=None, investment_max_cny=None)
    return projects, p_texts, enterprises, e_texts


@pytest.mark.parametrize(
    "weights",
    [
        Weights(),
        Weights(sector=0, text=0.5, corridor=0, mode=0.3, region=0.1, capacity=0, ownership=0.1),
        Weights(sector=1, text=0, corridor=0, region=0, capacity=0, mode=0, ownership=0),
    ],
)
def test_block_scores_equal_the_per_pair_path(weights):
    projects, p_texts, enterprises, e_texts = _records(21, 20, 60)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)

    block, status = score_block(pb, eb, 0, len(pb), weights)

    p_idx, e_idx = np.divmod(np.arange(len(pb) * len(eb)), len(eb))
    pairs = pair_scores(pb, eb, p_idx, e_idx, weights)
    np.testing.assert_allclose(block.ravel(), pairs.score, atol=TOLERANCE, rtol=0)
    assert status.ravel().tolist() == pairs.status.tolist()
    # The statuses of explicit pairs (what the selection reads) are the block's.
    assert engine._pair_status(pb, eb, p_idx, e_idx).tolist() == pairs.status.tolist()


def _expected(pb, eb, weights):
    """Pairs every correct selection keeps (`must`) and may keep (`may`: ties within 1e-4)."""
    p_idx, e_idx = np.divmod(np.arange(len(pb) * len(eb)), len(eb))
    pairs = pair_scores(pb, eb, p_idx, e_idx, weights)
    score = pairs.score.reshape(len(pb), len(eb)).astype(np.float64)
    status = pairs.status.reshape(len(pb), len(eb))
    k = weights.top_k
    project_side = np.where(status == engine.STATUS_OWNER, -1.0, score)
    project_kth = np.sort(project_side, axis=1)[:, -k]
    enterprise_side = np.where(
        (status == engine.STATUS_ELIGIBLE) & (score >= weights.min_score), score, -1.0
    )
    enterprise_kth = np.maximum(np.sort(enterprise_side, axis=0)[-k, :], weights.min_score)
    must_p = project_side > project_kth[:, None] + TOLERANCE
    may_p = (project_side >= project_kth[:, None] - TOLERANCE) & (project_side >= 0)
    must_e = enterprise_side > enterprise_kth[None, :] + TOLERANCE
    may_e = (enterprise_side >= enterprise_kth[None, :] - TOLERANCE) & (enterprise_side >= 0)
    as_set = lambda m: set(zip(*np.nonzero(m), strict=True))  # noqa: E731
    return as_set(must_p | must_e), as_set(may_p | may_e), score


@pytest.mark.parametrize("per_merge", [7, engine.CANDIDATES_PER_MERGE])
def test_streamed_selection_is_each_sides_best_k_with_running_thresholds(monkeypatch, per_merge):
    # Enterprise-side candidates merged every few pairs or once per chunk: the same pairs.
    monkeypatch.setattr(engine, "CANDIDATES_PER_MERGE", per_merge)
    projects, p_texts, enterprises, e_texts = _records(23, 37, 240)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=4, min_score=35)
    # Six chunks of 40: after the first, most blocks only merge the pairs above the
    # running K-th best of their projects.
    chunks = [
        enterprise_batch(
            enterprises[lo : lo + 40], e_texts[lo : lo + 40], vocab=VOCAB, text_index=eb.text_index
        )
        for lo in range(0, len(enterprises), 40)
    ]

    found = rank_chunks(pb, iter(chunks), weights, chunk=5)

    must, may, score = _expected(pb, eb, weights)
    got = set(
        zip(found.project_rows.tolist(), rows_of(eb, found.enterprise_ids).tolist(), strict=True)
    )
    assert must <= got <= may
    for p in range(len(pb)):  # each project keeps exactly K on its side, more via enterprises
        assert sum(1 for q, _e in got if q == p) >= weights.top_k
    assert found.pairs_scored == 37 * 240
    assert len(must) > 150  # the check is not vacuous
    assert score.max() > weights.min_score


def test_a_min_score_nobody_reaches_keeps_only_each_projects_best_k():
    projects, p_texts, enterprises, e_texts = _records(25, 9, 50)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=3, min_score=100.5)

    found = rank_chunks(pb, [eb], weights, chunk=4)

    must, may, _score = _expected(pb, eb, weights)
    got = set(
        zip(found.project_rows.tolist(), rows_of(eb, found.enterprise_ids).tolist(), strict=True)
    )
    assert must <= got <= may
    assert len(got) == 9 * 3


def test_a_block_whose_candidates_are_all_ineligible_keeps_only_the_project_side():
    projects, p_texts, enterprises, e_texts = _records(27, 4, 30)
    # Every pair prohibited: a foreign enterprise and a CN project under `prohibited`.
    projects = [replace(p, location_country="CN", negative_rule="prohibited") for p in projects]
    enterprises = [replace(e, foreign=True, country="TH") for e in enterprises]
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=3, min_score=0)

    found = rank_chunks(pb, [eb], weights, chunk=2)

    assert len(found.project_rows) == 4 * 3
