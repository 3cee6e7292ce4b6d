"""Writes of the matchmaking app: rescoring (score, select, store, prune), user states, configs.

Owns the `Match` table. Every rescore goes through `matches_rescore_projects` or
`enterprise_rescore`; tasks and the `rescore` command only call these functions.

What is stored: per project its K best candidates, per enterprise its K best projects
among eligible pairs scoring at least `min_score` (K and the floor from the configuration), plus
every pair a user acted on (viewed, dismissed, contacted), which is rescored but never
deleted by a rescore. Rows are upserted on (project, enterprise) without touching
`state`, so a dismissed match stays dismissed. Pairs that fell out of both top-K sets
and nobody acted on are deleted. Only published projects are scored; when a project
leaves `published`, its untouched matches are deleted and acted-on ones kept as history.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from matchmaking import scoring
from matchmaking.features import (
    EnterpriseSnapshot,
    enterprise_records,
    enterprise_snapshot,
    project_records,
)
from matchmaking.models import Match, MatchingConfig
from matchmaking.scoring.text import shared_terms
from matchmaking.selectors import matching_config_current, matching_weights
from matchmaking.signals import matches_stored
from projects.models import Project

logger = logging.getLogger(__name__)

# Projects per `matchmaking.rescore_chunk` task of a full rescore. Memory of a chunk is
# the enterprise snapshot plus engine.RANK_CHUNK x E floats, whatever the chunk size.
RESCORE_CHUNK_SIZE = 250
# Rows per INSERT ... ON CONFLICT statement and per DELETE.
UPSERT_BATCH_SIZE = 2_000
DELETE_BATCH_SIZE = 5_000
RUN_KEY = "matchmaking:rescore-run:{run_id}"
UPDATE_FIELDS = [
    "score",
    "eligible",
    "ineligibility_reason",
    "components",
    "reasons",
    "config_version",
    "computed_at",
]
STATUS_REASON = {
    scoring.STATUS_PROHIBITED: "negative_list_prohibited",
    scoring.STATUS_CONTROL_ONLY: "negative_list_control_only",
    scoring.STATUS_CONTROL_NO_MODE: "negative_list_control_no_mode",
}


@dataclass
class RescoreSummary:
    projects: int = 0
    enterprises: int = 0
    pairs_scored: int = 0
    stored: int = 0
    created: int = 0
    deleted: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, other: RescoreSummary) -> None:
        for name in ("projects", "pairs_scored", "stored", "created", "deleted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.enterprises = max(self.enterprises, other.enterprises)
        for key, value in other.timings.items():
            self.timings[key] = self.timings.get(key, 0.0) + value


def _components_json(scores: scoring.PairScores, i: int) -> dict[str, dict[str, float]]:
    return {
        name: {
            "project": round(float(parts["project"][i]), 3),
            "enterprise": round(float(parts["enterprise"][i]), 3),
            "fit": round(float(parts["fit"][i]), 3),
            "points": round(float(parts["points"][i]), 2),
        }
        for name, parts in scores.components.items()
    }


def _terms(
    scores: scoring.PairScores,
    pb: scoring.ProjectBatch,
    snap: EnterpriseSnapshot,
    project_texts: list[str],
    eb: scoring.EnterpriseBatch,
    enterprise_texts: list[str] | tuple[str, ...],
) -> dict[tuple[int, int], list[str]]:
    out = {}
    fit = scores.components["text"]["fit"]
    for i in np.flatnonzero(fit >= scoring.reasons.TEXT_REASON_MIN_FIT):
        pr, er = int(scores.project_rows[i]), int(scores.enterprise_rows[i])
        out[(int(pb.ids[pr]), int(eb.ids[er]))] = shared_terms(
            project_texts[pr], enterprise_texts[er], index=eb.text_index
        )
    return out


def _store(
    *,
    pb: scoring.ProjectBatch,
    eb: scoring.EnterpriseBatch,
    scores: scoring.PairScores,
    reasons: list[list[dict]],
    config: MatchingConfig,
    scope: Q,
    summary: RescoreSummary,
) -> None:
    """Upsert the scored pairs, delete untouched pairs of `scope` that were not kept."""
    now = timezone.now()
    objs = []
    for i in range(len(scores.score)):
        status = int(scores.status[i])
        objs.append(
            Match(
                project_id=int(pb.ids[scores.project_rows[i]]),
                enterprise_id=int(eb.ids[scores.enterprise_rows[i]]),
                score=round(float(scores.score[i]), 2),
                eligible=status == scoring.STATUS_ELIGIBLE,
                ineligibility_reason=STATUS_REASON.get(status, ""),
                components=_components_json(scores, i),
                reasons=reasons[i],
                config_version=config.version,
                computed_at=now,
            )
        )
    kept = {(m.project_id, m.enterprise_id) for m in objs}
    with transaction.atomic():
        before = set(Match.objects.filter(scope).values_list("project_id", "enterprise_id"))
        Match.objects.bulk_create(
            objs,
            batch_size=UPSERT_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["project", "enterprise"],
            update_fields=UPDATE_FIELDS,
        )
        new_ids, stale = [], []
        for pk, project_id, enterprise_id, state, eligible in Match.objects.filter(
            scope
        ).values_list("pk", "project_id", "enterprise_id", "state", "eligible"):
            pair = (project_id, enterprise_id)
            if pair not in kept:
                if state == Match.State.NEW:
                    stale.append(pk)
            elif pair not in before and eligible:
                new_ids.append(pk)
        for lo in range(0, len(stale), DELETE_BATCH_SIZE):
            Match.objects.filter(pk__in=stale[lo : lo + DELETE_BATCH_SIZE]).delete()
        matches_stored.send(sender=Match, new_match_ids=sorted(new_ids))
    summary.stored += len(objs)
    summary.created += len(new_ids)
    summary.deleted += len(stale)


def _score_and_store(
    *,
    pb: scoring.ProjectBatch,
    project_texts: list[str],
    eb: scoring.EnterpriseBatch,
    enterprise_texts: list[str] | tuple[str, ...],
    snap: EnterpriseSnapshot,
    selection: scoring.Selection,
    config: MatchingConfig,
    scope: Q,
    summary: RescoreSummary,
) -> None:
    weights = matching_weights(config=config)
    t = time.perf_counter()
    scores = scoring.pair_scores(pb, eb, selection.project_rows, selection.enterprise_rows, weights)
    keep = scores.status != scoring.STATUS_OWNER
    if not keep.all():
        idx = np.flatnonzero(keep)
        scores = scoring.PairScores(
            scores.project_rows[idx],
            scores.enterprise_rows[idx],
            scores.score[idx],
            scores.status[idx],
            {n: {s: v[idx] for s, v in c.items()} for n, c in scores.components.items()},
        )
    terms = _terms(scores, pb, snap, project_texts, eb, enterprise_texts)
    reasons = scoring.explain_pairs(
        scores, projects=pb.records, enterprises=eb.records, vocab=snap.vocab, terms=terms
    )
    summary.timings["explain"] = summary.timings.get("explain", 0) + time.perf_counter() - t
    t = time.perf_counter()
    _store(
        pb=pb, eb=eb, scores=scores, reasons=reasons, config=config, scope=scope, summary=summary
    )
    summary.timings["store"] = summary.timings.get("store", 0) + time.perf_counter() - t


def _acted_pairs(
    scope: Q, pb: scoring.ProjectBatch, eb: scoring.EnterpriseBatch
) -> tuple[np.ndarray, np.ndarray]:
    p_row = {int(pid): i for i, pid in enumerate(pb.ids)}
    ps, es = [], []
    for project_id, enterprise_id in (
        Match.objects.filter(scope)
        .exclude(state=Match.State.NEW)
        .values_list("project_id", "enterprise_id")
    ):
        if project_id in p_row and enterprise_id in eb.id_to_row:
            ps.append(p_row[project_id])
            es.append(eb.id_to_row[enterprise_id])
    return np.array(ps, dtype=np.int64), np.array(es, dtype=np.int64)


def matches_rescore_projects(
    *,
    project_ids: list[int] | None,
    prune: bool = True,
    config: MatchingConfig | None = None,
    snapshot: EnterpriseSnapshot | None = None,
) -> RescoreSummary:
    """Score published projects (all, or `project_ids`) against every enterprise and store.

    With `prune`, enterprises that gained a project drop the ones beyond their K best
    (a full rescore prunes once at the end instead, see `matches_prune`).
    """
    started = time.perf_counter()
    summary = RescoreSummary()
    config = config or matching_config_current()
    weights = matching_weights(config=config)
    t = time.perf_counter()
    snap = snapshot or enterprise_snapshot()
    records, texts = project_records(project_ids=project_ids, rates=snap.rates)
    pb = scoring.project_batch(records, texts, vocab=snap.vocab, enterprises=snap.batch)
    summary.timings["load"] = time.perf_counter() - t
    summary.projects, summary.enterprises = len(pb), len(snap.batch)
    if len(pb) == 0:
        summary.seconds = time.perf_counter() - started
        return summary
    scope = Q(project_id__in=[int(i) for i in pb.ids])
    t = time.perf_counter()
    selection = scoring.rank(pb, snap.batch, weights, keep=_acted_pairs(scope, pb, snap.batch))
    summary.timings["rank"] = time.perf_counter() - t
    summary.pairs_scored = selection.pairs_scored
    _score_and_store(
        pb=pb,
        project_texts=texts,
        eb=snap.batch,
        enterprise_texts=snap.texts,
        snap=snap,
        selection=selection,
        config=config,
        scope=scope,
        summary=summary,
    )
    if prune:
        touched = sorted({int(snap.batch.ids[e]) for e in selection.enterprise_rows})
        summary.deleted += matches_prune(config=config, enterprise_ids=touched)
    summary.seconds = time.perf_counter() - started
    return summary


def _kth_scores(project_ids: list[int], k: int) -> dict[int, float]:
    """The K-th best stored score of each project that has at least K matches."""
    by_project: dict[int, list[float]] = {}
    for project_id, score in Match.objects.filter(project_id__in=project_ids).values_list(
        "project_id", "score"
    ):
        by_project.setdefault(project_id, []).append(score)
    return {
        pid: sorted(scores, reverse=True)[k - 1]
        for pid, scores in by_project.items()
        if len(scores) >= k
    }


def enterprise_rescore(
    *, enterprise_id: int, config: MatchingConfig | None = None
) -> RescoreSummary:
    """Score one enterprise against every published project and store what either side keeps."""
    started = time.perf_counter()
    summary = RescoreSummary()
    config = config or matching_config_current()
    weights = matching_weights(config=config)
    snap = enterprise_snapshot()
    records, texts = enterprise_records(rates=snap.rates, ids=[enterprise_id])
    if not records:
        return summary  # gone: its matches went with it
    eb = scoring.enterprise_batch(
        records, texts, vocab=snap.vocab, text_index=snap.batch.text_index
    )
    p_records, p_texts = project_records(project_ids=None, rates=snap.rates)
    pb = scoring.project_batch(p_records, p_texts, vocab=snap.vocab, enterprises=eb)
    summary.projects, summary.enterprises = len(pb), 1
    scope = Q(enterprise_id=enterprise_id)
    if len(pb):
        all_rows = np.arange(len(pb))
        full = scoring.pair_scores(pb, eb, all_rows, np.zeros(len(pb), dtype=np.int64), weights)
        score, status = full.score, full.status
        valid = status != scoring.STATUS_OWNER
        # The enterprise's side: its K best projects at or above the floor.
        eligible_side = np.flatnonzero(
            valid & (status == scoring.STATUS_ELIGIBLE) & (score >= weights.min_score)
        )
        own = eligible_side[np.argsort(-score[eligible_side], kind="stable")[: weights.top_k]]
        # The projects' side: pairs that beat a project's current K-th stored candidate.
        kth = _kth_scores([int(i) for i in pb.ids], weights.top_k)
        thresholds = np.array([kth.get(int(i), -1.0) for i in pb.ids])
        theirs = np.flatnonzero(valid & (score > thresholds))
        acted_p, _acted_e = _acted_pairs(scope, pb, eb)
        rows = np.unique(np.concatenate([own, theirs, acted_p]))
        selection = scoring.Selection(rows, np.zeros(len(rows), dtype=np.int64), len(pb))
        summary.pairs_scored = len(pb)
        _score_and_store(
            pb=pb,
            project_texts=p_texts,
            eb=eb,
            enterprise_texts=texts,
            snap=snap,
            selection=selection,
            config=config,
            scope=scope,
            summary=summary,
        )
        touched = sorted(int(pb.ids[r]) for r in theirs)
        if touched:
            summary.deleted += matches_prune(config=config, project_ids=touched)
    summary.seconds = time.perf_counter() - started
    return summary


def matches_prune(
    *,
    config: MatchingConfig | None = None,
    project_ids: list[int] | None = None,
    enterprise_ids: list[int] | None = None,
) -> int:
    """Delete untouched matches outside both their project's and their enterprise's K best.

    Ranks are by score (ties by id) over the rows in scope; with a scope, the other side's
    rank is computed on a subset, which can only make it smaller, so pruning a scope
    never deletes a row the full prune would keep.
    """
    config = config or matching_config_current()
    k, floor = config.top_k, config.min_score
    qs = Match.objects.all()
    if project_ids is not None:
        qs = qs.filter(project_id__in=project_ids)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    rows = list(qs.values_list("pk", "project_id", "enterprise_id", "score", "state", "eligible"))
    if not rows:
        return 0
    pk = np.array([r[0] for r in rows], dtype=np.int64)
    proj = np.array([r[1] for r in rows], dtype=np.int64)
    ent = np.array([r[2] for r in rows], dtype=np.int64)
    score = np.array([r[3] for r in rows], dtype=np.float64)
    new = np.array([r[4] == Match.State.NEW for r in rows], dtype=bool)
    eligible = np.array([r[5] for r in rows], dtype=bool)

    def ranks(group: np.ndarray) -> np.ndarray:
        order = np.lexsort((pk, -score, group))
        g = group[order]
        starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
        run = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
        out = np.empty(len(g), dtype=np.int64)
        out[order] = np.arange(len(g)) - run + 1
        return out

    # The enterprise side counts only eligible pairs at or above the floor, as `rank` does.
    side = eligible & (score >= floor)
    ent_rank = ranks(np.where(side, ent, -1 - ent))
    doomed = new & (ranks(proj) > k) & (~side | (ent_rank > k))
    ids = pk[doomed].tolist()
    with transaction.atomic():
        for lo in range(0, len(ids), DELETE_BATCH_SIZE):
            Match.objects.filter(pk__in=ids[lo : lo + DELETE_BATCH_SIZE]).delete()
    return len(ids)


def project_matches_retire(*, project_id: int) -> int:
    """A project that is no longer published is recommended to nobody: drop untouched matches."""
    deleted, _ = Match.objects.filter(project_id=project_id, state=Match.State.NEW).delete()
    return deleted


def project_rescore(*, project_id: int) -> RescoreSummary:
    """Rescore one project if it is published; otherwise retire its untouched matches."""
    status = Project.objects.filter(pk=project_id).values_list("status", flat=True).first()
    if status is None:
        return RescoreSummary()
    if status != Project.Status.PUBLISHED:
        return RescoreSummary(deleted=project_matches_retire(project_id=project_id))
    return matches_rescore_projects(project_ids=[project_id], prune=True)


def published_project_ids() -> list[int]:
    return list(
        Project.objects.filter(status=Project.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def rescore_chunks(*, chunk_size: int = RESCORE_CHUNK_SIZE) -> list[list[int]]:
    ids = published_project_ids()
    return [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]


def matches_retire_unpublished() -> int:
    deleted, _ = (
        Match.objects.exclude(project__status=Project.Status.PUBLISHED)
        .filter(state=Match.State.NEW)
        .delete()
    )
    return deleted


def matches_rescore_all(*, chunk_size: int = RESCORE_CHUNK_SIZE) -> RescoreSummary:
    """Rescore every published project in chunks, in this process, then prune once."""
    started = time.perf_counter()
    summary = RescoreSummary(deleted=matches_retire_unpublished())
    config = matching_config_current()
    snap = enterprise_snapshot()
    for chunk in rescore_chunks(chunk_size=chunk_size):
        summary.add(
            matches_rescore_projects(project_ids=chunk, prune=False, config=config, snapshot=snap)
        )
    summary.deleted += matches_prune(config=config)
    summary.seconds = time.perf_counter() - started
    return summary


def rescore_run_start(*, chunks: int) -> str:
    """Register a fanned-out full rescore of `chunks` chunks; returns its run id."""
    run_id = uuid.uuid4().hex
    cache.set(RUN_KEY.format(run_id=run_id), chunks, timeout=24 * 3600)
    return run_id


def rescore_run_chunk_done(*, run_id: str) -> bool:
    """Count a finished chunk; True exactly once, for the chunk that finishes the run."""
    try:
        remaining = cache.decr(RUN_KEY.format(run_id=run_id))
    except ValueError:
        return False  # unknown or expired run: the nightly rescore prunes anyway
    return remaining == 0


def match_mark(*, match: Match, state: str, by: Any = None) -> Match:
    """Record what a user did with a match (viewed, dismissed, contacted); rescores keep it."""
    if state not in Match.State.values:
        raise ValueError(state)
    if state == Match.State.VIEWED and match.state != Match.State.NEW:
        return match  # viewing never undoes a dismissal or a contact
    match.state = state
    match.state_changed_at = timezone.now()
    match.save(update_fields=["state", "state_changed_at"])
    return match


CONFIG_FIELDS = (
    "weight_sector",
    "weight_text",
    "weight_corridor",
    "weight_region",
    "weight_capacity",
    "weight_mode",
    "weight_ownership",
    "top_k",
    "notify_threshold",
    "min_score",
    "note",
)


@transaction.atomic
def matching_config_create(*, by: Any = None, **values: Any) -> MatchingConfig:
    """A new configuration version (never an edit in place); rescore everything on commit."""
    from matchmaking.tasks import rescore_all_task

    unknown = set(values) - set(CONFIG_FIELDS)
    if unknown:
        raise TypeError(f"unknown configuration fields: {sorted(unknown)}")
    latest = MatchingConfig.objects.select_for_update().order_by("-version").first()
    base = {f: getattr(latest, f) for f in CONFIG_FIELDS} if latest else {}
    base.update(values)
    config = MatchingConfig(version=(latest.version + 1) if latest else 1, created_by=by, **base)
    config.full_clean()
    config.save()
    rescore_all_task.delay_on_commit()
    return config
