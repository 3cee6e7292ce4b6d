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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from core.history import history_user_set
from matchmaking import scoring
from matchmaking.features import (
    DETAILS_FROM_DB,
    LOAD_BATCH_SIZE,
    REFIT_AFTER,
    FeatureChunk,
    FeatureStore,
    enterprise_records,
    feature_store,
    project_records,
)
from matchmaking.models import Match, MatchingConfig
from matchmaking.scoring.reasons import MAX_TERMS
from matchmaking.scoring.text import TermTable, TextIndex, analyse, rank_terms, text_words
from matchmaking.selectors import matching_config_current, matching_weights
from matchmaking.signals import matches_stored
from projects.models import Project

logger = logging.getLogger(__name__)

# Projects per `matchmaking.rescore_chunk` task of a full rescore. Memory of a chunk task is
# one decoded enterprise chunk at a time (plus this process's memo, features.MEMO_ENTERPRISES)
# and a chunk size x K buffer, whatever the number of enterprises (`matches_rescore_projects`).
RESCORE_CHUNK_SIZE = 250
# Pairs explained and upserted at once: bounds the memory of a rescore whatever its size.
STORE_BATCH_SIZE = 20_000
# Encoded reason fragments a rescore keeps between batches, per table (text reasons: one per
# distinct list of shared words; region, mode...: one per distinct pair of interned fields);
# past it the table is dropped, so the cache does not grow with the enterprises explained.
FRAGMENT_CACHE_MAX = 50_000
# Rows per INSERT ... ON CONFLICT statement (non-PostgreSQL path) and per DELETE.
UPSERT_BATCH_SIZE = 2_000
DELETE_BATCH_SIZE = 5_000
# New pairs named per `matches_stored` signal by a full rescore's final prune.
ANNOUNCE_BATCH_SIZE = 10_000
RUN_KEY = "matchmaking:rescore-run:{run_id}"
# How much earlier than its start a full rescore looks for the pairs it created (clock skew
# between the machines of its tasks); see `rescore_run_since`.
RUN_CLOCK_MARGIN = timedelta(minutes=10)
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


def _components_rows(scores: scoring.PairScores) -> list[dict[str, dict[str, float]]]:
    """Per pair: {component: {project, enterprise, fit, points}}, rounded, built column-wise."""
    columns = {
        name: {
            side: np.round(parts[side].astype(np.float64), 2 if side == "points" else 3).tolist()
            for side in ("project", "enterprise", "fit", "points")
        }
        for name, parts in scores.components.items()
    }
    return [
        {
            name: {
                "project": c["project"][i],
                "enterprise": c["enterprise"][i],
                "fit": c["fit"][i],
                "points": c["points"][i],
            }
            for name, c in columns.items()
        }
        for i in range(len(scores.score))
    ]


_SIDES = ("project", "enterprise", "fit", "points")


def _components_json(scores: scoring.PairScores) -> list[str]:
    """`_components_rows` as compact JSON text per pair, built column by column.

    The values are the same rounded Python floats, written with `repr` as `json` does. Each
    component's text is formatted once per distinct (project, enterprise, fit, points)
    quadruple (compared by their bytes, so 0.0 and -0.0 stay apart), then the seven
    components are concatenated as object arrays.
    """
    n = len(scores.score)
    joined = np.full(n, "{", dtype=object)
    for position, (name, parts) in enumerate(scores.components.items()):
        values = np.stack(
            [
                np.round(parts[side].astype(np.float64), 2 if side == "points" else 3)
                for side in _SIDES
            ],
            axis=1,
        )
        keys = np.ascontiguousarray(values).view(np.dtype((np.void, 8 * len(_SIDES)))).ravel()
        _unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        lead = "," if position else ""
        texts = [
            f'{lead}"{name}":{{"project":{a!r},"enterprise":{b!r},"fit":{c!r},"points":{d!r}}}'
            for a, b, c, d in values[first].tolist()
        ]
        joined += np.array(texts, dtype=object)[inverse.ravel()]
    joined += "}"
    return joined.tolist()


def _without_owner(scores: scoring.PairScores) -> scoring.PairScores:
    keep = scores.status != scoring.STATUS_OWNER
    if keep.all():
        return scores
    idx = np.flatnonzero(keep)
    return scoring.PairScores(
        scores.project_rows[idx],
        scores.enterprise_rows[idx],
        scores.score[idx],
        scores.status[idx],
        {n: {s: v[idx] for s, v in c.items()} for n, c in scores.components.items()},
    )


class _Tokens:
    """Token sets of texts, computed once per text (the evidence of a text match)."""

    def __init__(self, texts, cache: dict[int, frozenset[str]] | None = None) -> None:
        self.texts, self.cache = texts, {} if cache is None else cache

    def __getitem__(self, row: int) -> frozenset[str]:
        tokens = self.cache.get(row)
        if tokens is None:
            tokens = self.cache[row] = frozenset(analyse(self.texts[row]))
        return tokens


def _terms(
    scores: scoring.PairScores,
    pb: scoring.ProjectBatch,
    eb: scoring.EnterpriseBatch,
    p_tokens: _Tokens,
    e_tokens: _Tokens,
    rarity: dict[str, tuple[float, str]] | None = None,
) -> dict[tuple[int, int], list[str]]:
    out = {}
    fit = scores.components["text"]["fit"]
    rows = np.flatnonzero(fit >= scoring.reasons.TEXT_REASON_MIN_FIT)
    p_rows = scores.project_rows[rows].tolist()
    e_rows = scores.enterprise_rows[rows].tolist()
    p_ids, e_ids = pb.ids[p_rows].tolist(), eb.ids[e_rows].tolist()
    index = eb.text_index
    for pr, er, p_id, e_id in zip(p_rows, e_rows, p_ids, e_ids, strict=True):
        common = p_tokens[pr] & e_tokens[er]
        out[(p_id, e_id)] = rank_terms(common, index=index, limit=MAX_TERMS, rarity=rarity)
    return out


def _term_table(tables: dict, index: TextIndex, p_tokens: _Tokens, n_projects: int) -> TermTable:
    """The projects' words as columns, rarest first by `index` (built once per index)."""
    found = tables.get(id(index))
    if found is None or found[1] is not index:
        table = TermTable.of([p_tokens[row] for row in range(n_projects)], index=index)
        found = tables[id(index)] = (table, index)
    return found[0]


def _pair_terms(scores: scoring.PairScores, table: TermTable, e_terms) -> list[list[str]]:
    """Per pair, the words both texts use, rarest first (what `_terms` gives), or [] where
    the text fit is too low to be a reason."""
    out: list[list[str]] = [[]] * len(scores.score)
    rows = np.flatnonzero(scores.components["text"]["fit"] >= scoring.reasons.TEXT_REASON_MIN_FIT)
    shared = table.shared(
        scores.project_rows[rows], e_terms, scores.enterprise_rows[rows], MAX_TERMS
    )
    for i, terms in zip(rows.tolist(), shared, strict=True):
        out[i] = terms
    return out


_PG_STAGE = "matchmaking_match_stage"
_PG_KEPT = "matchmaking_match_kept"
_PG_NEW = "matchmaking_match_new"
_PG_COLUMNS = (
    "project_id",
    "enterprise_id",
    "score",
    "eligible",
    "ineligibility_reason",
    "components",
    "reasons",
    "config_version",
    "computed_at",
)


def _copy_upsert_available() -> bool:
    """PostgreSQL takes the COPY + INSERT ... ON CONFLICT path; other databases bulk_create."""
    return connection.vendor == "postgresql"


# What makes a stored row differ from a recomputed one (`computed_at` is not part of it).
_PG_COMPARED = tuple(c for c in UPDATE_FIELDS if c != "computed_at")


def _kept_start() -> None:
    """An empty temporary table of the pairs this transaction stores (dropped on commit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_KEPT} ("
            "project_id bigint, enterprise_id bigint) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {_PG_KEPT}")


def _copy_columns(
    *,
    project_ids: list[int],
    enterprise_ids: list[int],
    scores: list[float],
    statuses: list[int],
    components: list[str],
    reasons: list[str],
    version: int,
    at,
) -> str:
    """Rows in COPY's text format, given as columns and built as one string (faster than
    psycopg's `write_row`). Only the JSON columns can hold a backslash (JSON escapes), which
    COPY's text format doubles, so one doubling goes over the whole text; ids, scores,
    codes and versions never hold a tab, newline or backslash."""
    flags = {
        s: ("t" if s == scoring.STATUS_ELIGIBLE else "f") + "\t" + STATUS_REASON.get(s, "")
        for s in set(statuses)
    }
    tail = f"\t{version}\t{at.isoformat()}\n"
    text = "".join(
        f"{p}\t{e}\t{score!r}\t{flags[st]}\t{comps}\t{why}{tail}"
        for p, e, score, st, comps, why in zip(
            project_ids, enterprise_ids, scores, statuses, components, reasons, strict=True
        )
    )
    return text.replace("\\", "\\\\")


def _upsert_copy(text: str) -> list[int]:
    """COPY into a temporary table, then one INSERT ... ON CONFLICT; returns new eligible ids.

    A stored row whose score, eligibility, components, reasons and configuration version are
    all unchanged is not rewritten (nor its `computed_at`): a nightly rescore of unchanged
    data writes almost nothing. The stored pairs are recorded in `_PG_KEPT` whatever the
    outcome, so staleness is decided by that key set, not by `computed_at`.
    """
    table = Match._meta.db_table
    cols = ", ".join(_PG_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATE_FIELDS)
    stored = ", ".join(f"m.{c}" for c in _PG_COMPARED)
    computed = ", ".join(f"EXCLUDED.{c}" for c in _PG_COMPARED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGE} ("
            "project_id bigint, enterprise_id bigint, score double precision, eligible boolean, "
            "ineligibility_reason varchar(255), components jsonb, reasons jsonb, "
            "config_version integer, computed_at timestamptz) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {_PG_STAGE}")
        with cursor.cursor.copy(f"COPY {_PG_STAGE} ({cols}) FROM STDIN") as copy:
            copy.write(text)
        cursor.execute(
            f"INSERT INTO {_PG_KEPT} SELECT project_id, enterprise_id FROM {_PG_STAGE}"  # noqa: S608
        )
        cursor.execute(
            f"WITH written AS (INSERT INTO {table} AS m ({cols}, state) "  # noqa: S608
            f"SELECT {cols}, %s FROM {_PG_STAGE} "
            f"ON CONFLICT (project_id, enterprise_id) DO UPDATE SET {updates} "
            f"WHERE ROW({stored}) IS DISTINCT FROM ROW({computed}) "
            "RETURNING id, (xmax = 0) AND eligible AS fresh) "
            "SELECT id FROM written WHERE fresh",  # only the new rows come back
            [Match.State.NEW],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _delete_not_kept(scope: Q) -> int:
    """Delete the untouched rows of `scope` that this transaction did not store (PostgreSQL)."""
    table = Match._meta.db_table
    deleted, _ = (
        Match.objects.filter(scope, state=Match.State.NEW)
        .extra(  # noqa: S610 - fixed identifiers only
            where=[
                f"NOT EXISTS (SELECT 1 FROM {_PG_KEPT} k "  # noqa: S608
                f"WHERE k.project_id = {table}.project_id "
                f"AND k.enterprise_id = {table}.enterprise_id)"
            ]
        )
        .delete()
    )
    return deleted


def _upsert_generic(rows: list[tuple]) -> None:
    Match.objects.bulk_create(
        [
            Match(
                project_id=r[0],
                enterprise_id=r[1],
                score=r[2],
                eligible=r[3],
                ineligibility_reason=r[4],
                components=r[5],
                reasons=r[6],
                config_version=r[7],
                computed_at=r[8],
            )
            for r in rows
        ],
        batch_size=UPSERT_BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["project", "enterprise"],
        update_fields=UPDATE_FIELDS,
    )


@dataclass
class _Part:
    """Selected pairs of one enterprise batch: rows of the project and enterprise batches."""

    eb: scoring.EnterpriseBatch
    texts: Sequence[str]
    tokens: dict[int, frozenset[str]] | None
    project_rows: np.ndarray
    enterprise_rows: np.ndarray


def _parts_of(store: FeatureStore, selection: scoring.IdSelection) -> Iterator[_Part]:
    """The selection split by enterprise chunk (each chunk decoded once more, or memoised)."""
    found = None  # the few kept enterprises' records and texts, read once when needed
    for chunk in store.chunks():
        mask = np.isin(selection.enterprise_ids, chunk.batch.ids)
        if mask.any():
            rows = scoring.rows_of(chunk.batch, selection.enterprise_ids[mask])
            if chunk.batch.records.details.missing(rows):
                if found is None:
                    found = store.details_for(selection.enterprise_ids)
                chunk.provide(rows, found)
            yield _Part(chunk.batch, chunk.texts, chunk.tokens, selection.project_rows[mask], rows)


class _Writer:
    """Explains and upserts selected pairs part by part, inside the caller's transaction.

    `store` takes one part (its pairs in STORE_BATCH_SIZE batches); `finish` deletes the
    untouched pairs left in `scope` and announces the new eligible ones (with `notify`;
    without, the caller announces them after its prune, `matches_notify_created`).

    The untouched rows of `scope` this run did not store are the pairs no longer kept. On
    PostgreSQL they are found by the stored key set (unchanged rows are not rewritten, so
    `computed_at` is when a row's score or explanation last changed); elsewhere every row is
    rewritten with this run's `computed_at` and the rows still carrying an older one go.

    The explanation caches hold what repeats across parts (interned record fields, encoded
    fragments); a table of fragments grows with the pairs explained (text reasons: one per
    distinct list of shared words), so it is dropped past FRAGMENT_CACHE_MAX entries.
    """

    def __init__(
        self,
        *,
        pb: scoring.ProjectBatch,
        project_texts: list[str],
        vocab: scoring.Vocabulary,
        config: MatchingConfig,
        scope: Q,
        summary: RescoreSummary,
        notify: bool,
        new_ids: bool | None = None,
    ) -> None:
        self.pb, self.vocab, self.config = pb, vocab, config
        self.scope, self.summary = scope, summary
        self.notify = notify
        self.keep_new_ids = notify if new_ids is None else new_ids
        self.weights = matching_weights(config=config)
        self.now = timezone.now()
        self.fast = _copy_upsert_available()
        self.p_tokens = _Tokens(project_texts)
        self.fragments: dict = {}
        self.rarity: dict[str, tuple[float, str]] = {}
        self.tables: dict[int, tuple[TermTable, TextIndex]] = {}
        # The new eligible pairs' ids, with `notify` or `new_ids` (else only counted: a chunk
        # task of a full rescore creates O(enterprises) of them).
        self.new_ids: list[int] = []
        self.created = 0
        self.seconds = 0.0  # spent in `store`
        self.before = (
            None
            if self.fast
            else set(Match.objects.filter(scope).values_list("project_id", "enterprise_id"))
        )
        if self.fast:
            _kept_start()

    def _time(self, key: str, started: float) -> None:
        timings = self.summary.timings
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - started

    def store(self, part: _Part) -> None:
        began = time.perf_counter()
        pb, eb, config, now = self.pb, part.eb, self.config, self.now
        e_tokens = _Tokens(part.texts, part.tokens)
        if self.fast:
            t = time.perf_counter()
            table = _term_table(self.tables, eb.text_index, self.p_tokens, len(pb))
            e_terms = table.encode(
                lambda row, texts=part.texts: text_words(texts[row]),
                part.enterprise_rows,
                len(eb),
            )
            self._time("explain", t)
        for lo in range(0, len(part.project_rows), STORE_BATCH_SIZE):
            t = time.perf_counter()
            scores = _without_owner(
                scoring.pair_scores(
                    pb,
                    eb,
                    part.project_rows[lo : lo + STORE_BATCH_SIZE],
                    part.enterprise_rows[lo : lo + STORE_BATCH_SIZE],
                    self.weights,
                )
            )
            p_ids = pb.ids[scores.project_rows].tolist()
            e_ids = eb.ids[scores.enterprise_rows].tolist()
            score = np.round(scores.score.astype(np.float64), 2).tolist()
            status = scores.status.tolist()
            if self.fast:
                scoring.explain_cache_trim(self.fragments, FRAGMENT_CACHE_MAX)
                text = _copy_columns(
                    project_ids=p_ids,
                    enterprise_ids=e_ids,
                    scores=score,
                    statuses=status,
                    components=_components_json(scores),
                    reasons=scoring.explain_pairs_json(
                        scores,
                        projects=pb.records,
                        enterprises=eb.records,
                        vocab=self.vocab,
                        pair_terms=_pair_terms(scores, table, e_terms),
                        cache=self.fragments,
                    ),
                    version=config.version,
                    at=now,
                )
                self._time("explain", t)
                t = time.perf_counter()
                new = _upsert_copy(text)
                self.created += len(new)
                if self.keep_new_ids:
                    self.new_ids.extend(new)
            else:
                reasons = scoring.explain_pairs(
                    scores,
                    projects=pb.records,
                    enterprises=eb.records,
                    vocab=self.vocab,
                    terms=_terms(scores, pb, eb, self.p_tokens, e_tokens, self.rarity),
                )
                components = _components_rows(scores)
                rows = [
                    (
                        p_ids[i],
                        e_ids[i],
                        score[i],
                        status[i] == scoring.STATUS_ELIGIBLE,
                        STATUS_REASON.get(status[i], ""),
                        components[i],
                        reasons[i],
                        config.version,
                        now,
                    )
                    for i in range(len(score))
                ]
                self._time("explain", t)
                t = time.perf_counter()
                _upsert_generic(rows)
            self.summary.stored += len(score)
            self._time("store", t)
        self.seconds += time.perf_counter() - began

    def finish(self) -> None:
        t = time.perf_counter()
        scope, now, new_ids = self.scope, self.now, self.new_ids
        created = self.created
        if self.before is not None:
            new_ids = [
                pk
                for pk, p, e in Match.objects.filter(scope, computed_at=now, eligible=True)
                .values_list("pk", "project_id", "enterprise_id")
                .iterator(chunk_size=LOAD_BATCH_SIZE)
                if (p, e) not in self.before
            ]
            created = len(new_ids)
            self.new_ids = new_ids
        if self.fast:
            deleted = _delete_not_kept(scope)
        else:
            deleted, _ = (
                Match.objects.filter(scope, state=Match.State.NEW).exclude(computed_at=now).delete()
            )
        if self.notify:
            matches_stored.send(sender=Match, new_match_ids=sorted(new_ids))
        self._time("store", t)
        self.summary.created += created
        self.summary.deleted += deleted


def _score_and_store(
    *,
    pb: scoring.ProjectBatch,
    project_texts: list[str],
    parts: Iterable[_Part],
    vocab: scoring.Vocabulary,
    config: MatchingConfig,
    scope: Q,
    summary: RescoreSummary,
    notify: bool = True,
) -> None:
    """Explain and upsert the selected pairs in batches; delete untouched pairs left in `scope`
    (one transaction; see `_Writer`)."""
    with transaction.atomic():
        writer = _Writer(
            pb=pb,
            project_texts=project_texts,
            vocab=vocab,
            config=config,
            scope=scope,
            summary=summary,
            notify=notify,
        )
        for part in parts:
            writer.store(part)
        writer.finish()


def _acted_pairs(scope: Q, pb: scoring.ProjectBatch) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of `scope` a user acted on, as (project rows, enterprise ids)."""
    p_row = {int(pid): i for i, pid in enumerate(pb.ids)}
    ps, es = [], []
    for project_id, enterprise_id in (
        Match.objects.filter(scope)
        .exclude(state=Match.State.NEW)
        .values_list("project_id", "enterprise_id")
    ):
        if project_id in p_row:
            ps.append(p_row[project_id])
            es.append(enterprise_id)
    return np.array(ps, dtype=np.int64), np.array(es, dtype=np.int64)


def matches_rescore_projects(
    *,
    project_ids: list[int] | None,
    prune: bool = True,
    config: MatchingConfig | None = None,
    store: FeatureStore | None = None,
    notify: bool = True,
) -> RescoreSummary:
    """Score published projects (all, or `project_ids`) against every enterprise and store.

    Enterprises are streamed chunk by chunk from the feature store. Each chunk's
    enterprise-side pairs are final once it is scored (its enterprises saw every project),
    so they are explained and stored while the chunk is in memory; the projects' side
    (P x K pairs, known once every chunk is scored) is stored at the end, reading again
    only the chunks that hold its enterprises (from this process's memo when it has them).
    Memory therefore does not grow with the number of enterprises (`scoring.rank_chunks`).
    Chunks with few pairs (a single project's rescore) are stored at the end too, up to
    DETAILS_FROM_DB pairs in all, with the project side, one upsert per enterprise chunk as
    before, and the records their reasons quote read by id in one go (not by decoding each
    chunk's details). Everything is stored in one transaction. With `prune`, enterprises
    that gained a project drop the ones beyond their K best in a `matchmaking.prune` task
    enqueued on commit (a full rescore prunes once at the end instead, see `matches_prune`).
    A chunk of a full rescore passes `notify=False`: each chunk keeps every enterprise's K
    best among its own projects, most of which the final prune deletes, so the pairs are
    announced after that prune (`matches_prune(created_since=...)`), never before. For the
    same reason, with `prune` and `notify` the new pairs are not announced here but by the
    prune task, those it keeps (a project's rescore stores, for every enterprise, the pair
    when it is among its K best among these projects alone; the prune deletes those whose
    enterprise holds K better ones).
    """
    started = time.perf_counter()
    summary = RescoreSummary()
    config = config or matching_config_current()
    weights = matching_weights(config=config)
    t = time.perf_counter()
    store = store or feature_store()
    records, texts = project_records(project_ids=project_ids, rates=store.rates)
    pb = scoring.project_batch(records, texts, vocab=store.vocab, text_index=store.text_index)
    summary.timings["load"] = time.perf_counter() - t
    summary.projects, summary.enterprises = len(pb), len(store)
    if len(pb) == 0:
        summary.seconds = time.perf_counter() - started
        return summary
    scope = Q(project_id__in=[int(i) for i in pb.ids])
    keep = _acted_pairs(scope, pb)
    held: list[FeatureChunk] = []  # the chunk being ranked
    later_p: list[np.ndarray] = []  # pairs of chunks stored at the end (few, see above)
    later_e: list[np.ndarray] = []
    touched: list[np.ndarray] = []  # enterprise ids stored (for the prune)

    def batches() -> Iterator[scoring.EnterpriseBatch]:
        for chunk in store.chunks():
            held[:] = [chunk]
            yield chunk.batch

    def emit(eb: scoring.EnterpriseBatch, p_rows: np.ndarray, e_rows: np.ndarray) -> None:
        if prune:
            touched.append(eb.ids[e_rows])
        if sum(len(p) for p in later_p) + len(p_rows) <= DETAILS_FROM_DB:
            later_p.append(p_rows)
            later_e.append(eb.ids[e_rows])
        else:
            chunk = held[0]
            writer.store(_Part(eb, chunk.texts, chunk.tokens, p_rows, e_rows))

    with transaction.atomic():
        writer = _Writer(
            pb=pb,
            project_texts=texts,
            vocab=store.vocab,
            config=config,
            scope=scope,
            summary=summary,
            notify=notify and not prune,
            new_ids=notify,
        )
        t = time.perf_counter()
        rest = scoring.rank_chunks(pb, batches(), weights, keep=keep, emit=emit)
        summary.timings["rank"] = time.perf_counter() - t - writer.seconds
        summary.pairs_scored = rest.pairs_scored
        p_rows = np.concatenate([rest.project_rows, *later_p])
        e_ids = np.concatenate([rest.enterprise_ids, *later_e])
        if prune:
            touched.append(rest.enterprise_ids)
        order = np.lexsort((e_ids, p_rows))  # by project, then enterprise, as ranked
        for part in _parts_of(store, scoring.IdSelection(p_rows[order], e_ids[order], 0)):
            writer.store(part)
        writer.finish()
    if prune:
        _prune_after_commit(
            enterprise_ids=np.unique(np.concatenate(touched)).tolist(),
            announce_ids=sorted(writer.new_ids) if notify else None,
        )
    summary.seconds = time.perf_counter() - started
    return summary


def _kth_scores(project_ids: list[int], k: int) -> dict[int, float]:
    """The K-th best stored score of each project that has at least K matches (one query)."""
    ranked = (
        Match.objects.filter(project_id__in=project_ids)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("project_id")], order_by=[F("score").desc(), F("pk")]
            )
        )
        .filter(position=k)
    )
    return dict(ranked.values_list("project_id", "score"))


def enterprise_rescore(
    *, enterprise_id: int, config: MatchingConfig | None = None
) -> RescoreSummary:
    """Score one enterprise against every published project and store what either side keeps."""
    started = time.perf_counter()
    summary = RescoreSummary()
    config = config or matching_config_current()
    weights = matching_weights(config=config)
    store = feature_store()
    records, texts = enterprise_records(rates=store.rates, ids=[enterprise_id])
    if not records:
        return summary  # gone: its matches went with it
    eb = scoring.enterprise_batch(records, texts, vocab=store.vocab, text_index=store.text_index)
    p_records, p_texts = project_records(project_ids=None, rates=store.rates)
    pb = scoring.project_batch(p_records, p_texts, vocab=store.vocab, enterprises=eb)
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
        acted_p, _acted_e = _acted_pairs(scope, pb)
        rows = np.unique(np.concatenate([own, theirs, acted_p]))
        summary.pairs_scored = len(pb)
        _score_and_store(
            pb=pb,
            project_texts=p_texts,
            parts=[_Part(eb, texts, None, rows, np.zeros(len(rows), dtype=np.int64))],
            vocab=store.vocab,
            config=config,
            scope=scope,
            summary=summary,
        )
        touched = sorted(int(pb.ids[r]) for r in theirs)
        if touched:
            _prune_after_commit(project_ids=touched)
    summary.seconds = time.perf_counter() - started
    return summary


def _prune_after_commit(
    *,
    project_ids: list[int] | None = None,
    enterprise_ids: list[int] | None = None,
    announce_ids: list[int] | None = None,
) -> None:
    """Trim the other side's top-K sets in a task of its own, so a rescore returns fast;
    the task then announces the matches of `announce_ids` it kept."""
    from matchmaking.tasks import prune_task

    transaction.on_commit(
        lambda: prune_task.delay(
            project_ids=project_ids, enterprise_ids=enterprise_ids, announce_ids=announce_ids
        )
    )


def matches_prune(
    *,
    config: MatchingConfig | None = None,
    project_ids: list[int] | None = None,
    enterprise_ids: list[int] | None = None,
    created_since: datetime | None = None,
    announce_ids: list[int] | None = None,
) -> int:
    """Delete untouched matches outside both their project's and their enterprise's K best.

    Ranks are by score (ties by id) over the rows in scope; with a scope, the other side's
    rank is computed on a subset, which can only make it smaller, so pruning a scope
    never deletes a row the full prune would keep. With `created_since` (the final prune
    of a full rescore), the eligible pairs created since then that survived are announced
    afterwards (`matches_notify_created`). With `announce_ids` (the new pairs of the
    rescore that enqueued this prune), those still there afterwards are announced.
    """
    config = config or matching_config_current()
    k, floor = config.top_k, config.min_score
    if connection.vendor == "postgresql" and created_since is not None:
        return _prune_postgresql_announcing(k, floor, project_ids, enterprise_ids, created_since)
    if connection.vendor == "postgresql":
        deleted = _prune_postgresql(k, floor, project_ids, enterprise_ids)
    else:
        ids = _prune_doomed(k, floor, project_ids, enterprise_ids)
        with transaction.atomic():
            for lo in range(0, len(ids), DELETE_BATCH_SIZE):
                Match.objects.filter(pk__in=ids[lo : lo + DELETE_BATCH_SIZE]).delete()
        deleted = len(ids)
    if created_since is not None:
        matches_notify_created(since=created_since)
    if announce_ids is not None:
        _announce(_eligible_ids(Match.objects.filter(pk__in=announce_ids)))
    return deleted


def matches_notify_created(*, since: datetime) -> int:
    """Send `matches_stored` for the eligible pairs first stored at or after `since`, in
    batches of ANNOUNCE_BATCH_SIZE ids; returns how many were named.

    Receivers key what they send by the pair, so naming a pair announced before (e.g.
    by a project's own rescore during the run) sends nothing twice.
    """
    return _announce(_eligible_ids(Match.objects.filter(created_at__gte=since)))


def _eligible_ids(matches: QuerySet[Match]) -> Iterator[int]:
    """The ids of the eligible `matches`, ascending, fetched ANNOUNCE_BATCH_SIZE at a time."""
    return (
        matches.filter(eligible=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=ANNOUNCE_BATCH_SIZE)
    )


def _announce(ids: Iterable[int]) -> int:
    """Send `matches_stored` naming `ids` (ascending) ANNOUNCE_BATCH_SIZE at a time, so no
    process holds them all (a first rescore of 2 x 10^5 enterprises creates 2.5 M); once,
    naming none, when there are none, as every rescore announces. Returns how many."""
    ids = iter(ids)
    named = 0
    for batch in iter(lambda: list(islice(ids, ANNOUNCE_BATCH_SIZE)), []):
        matches_stored.send(sender=Match, new_match_ids=batch)
        named += len(batch)
    if not named:
        matches_stored.send(sender=Match, new_match_ids=[])
    return named


def rescore_run_since() -> datetime:
    """The `created_since` of a full rescore starting now: a margin earlier, for the clocks of
    other machines (pairs created in the margin were announced already, and receivers key by
    pair), so no pair a chunk creates is left out."""
    return timezone.now() - RUN_CLOCK_MARGIN


def _prune_doomed(
    k: int, floor: float, project_ids: list[int] | None, enterprise_ids: list[int] | None
) -> list[int]:
    """Ids of the matches `matches_prune` deletes, computed in Python (any database)."""
    qs = Match.objects.all()
    if project_ids is not None:
        qs = qs.filter(project_id__in=project_ids)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    rows = list(qs.values_list("pk", "project_id", "enterprise_id", "score", "state", "eligible"))
    if not rows:
        return []
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
    return pk[doomed].tolist()


def _ranked_sql(
    *, floor: float, project_ids: list[int] | None, enterprise_ids: list[int] | None
) -> tuple[str, list[object]]:
    """The scope's matches with their rank on each side, as `rank` counts them (SQL, params).

    The enterprise side counts only eligible pairs at or above the floor (`side`).
    """
    where, params = ["TRUE"], []
    if project_ids is not None:
        where.append("project_id = ANY(%s)")
        params.append(list(project_ids))
    if enterprise_ids is not None:
        where.append("enterprise_id = ANY(%s)")
        params.append(list(enterprise_ids))
    side = "(eligible AND score >= %s)"
    sql = (
        "SELECT id, state, eligible, created_at, "  # noqa: S608 - fixed identifiers only
        f"{side} AS side, "
        "row_number() OVER (PARTITION BY project_id ORDER BY score DESC, id) AS p_rank, "
        f"row_number() OVER (PARTITION BY enterprise_id, {side} ORDER BY score DESC, id) "
        f"AS e_rank FROM {Match._meta.db_table} WHERE {' AND '.join(where)}"
    )
    return sql, [floor, floor, *params]


# A ranked row the prune deletes: untouched, beyond K on its project's side and not among its
# enterprise's best K (params: state NEW, k, k).
_DOOMED = "(state = %s AND p_rank > %s AND (NOT side OR e_rank > %s))"


def _prune_postgresql(
    k: int, floor: float, project_ids: list[int] | None, enterprise_ids: list[int] | None
) -> int:
    """`matches_prune` in one statement: the same ranks, with window functions in PostgreSQL.

    Instead of reading every match into Python (9-20 s for 1.4 M rows).
    """
    ranked, params = _ranked_sql(
        floor=floor, project_ids=project_ids, enterprise_ids=enterprise_ids
    )
    sql = (
        f"DELETE FROM {Match._meta.db_table} WHERE id IN "  # noqa: S608 - fixed identifiers
        f"(SELECT id FROM ({ranked}) ranked WHERE {_DOOMED})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, Match.State.NEW, k, k])
        return cursor.rowcount


def _prune_postgresql_announcing(
    k: int,
    floor: float,
    project_ids: list[int] | None,
    enterprise_ids: list[int] | None,
    since: datetime,
) -> int:
    """`_prune_postgresql`, then `matches_stored` for the eligible rows created since `since`
    that it keeps, ANNOUNCE_BATCH_SIZE ids at a time.

    One scan of the table ranks the rows (materialised once), deletes the doomed ones and
    writes the new survivors' ids into a temporary table (a second scan for
    `matches_notify_created` read the whole table again: 1.3 s warm, 10 s cold for 1.25 M
    rows of a table rewritten by a configuration change). They are read back in batches, so
    the process never holds them all: a first rescore of 2 x 10^5 enterprises keeps 2.5 M
    new pairs (~150 MiB as one Python list). The batches are announced inside the prune's
    transaction, so the notifications they create commit with it.
    """
    ranked, params = _ranked_sql(
        floor=floor, project_ids=project_ids, enterprise_ids=enterprise_ids
    )
    table = Match._meta.db_table
    new = Match.State.NEW
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {_PG_NEW} (id bigint PRIMARY KEY)")
        cursor.execute(
            f"WITH ranked AS MATERIALIZED ({ranked}), "  # noqa: S608 - fixed identifiers only
            f"gone AS (DELETE FROM {table} WHERE id IN (SELECT id FROM ranked WHERE {_DOOMED}) "
            "RETURNING id), "
            f"kept AS (INSERT INTO {_PG_NEW} SELECT id FROM ranked "
            f"WHERE eligible AND created_at >= %s AND NOT {_DOOMED}) "
            "SELECT count(*) FROM gone",
            [*params, new, k, k, since, new, k, k],
        )
        deleted = int(cursor.fetchone()[0])
        _announce(_ids_of_new(cursor))
        cursor.execute(f"DROP TABLE {_PG_NEW}")
    return deleted


def _ids_of_new(cursor) -> Iterator[int]:
    """The ids in the `_PG_NEW` table, ascending, read ANNOUNCE_BATCH_SIZE at a time."""
    last = 0
    while True:
        cursor.execute(
            f"SELECT id FROM {_PG_NEW} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
            [last, ANNOUNCE_BATCH_SIZE],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        yield from ids
        last = ids[-1]


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


def rescore_chunks(*, chunk_size: int | None = None) -> list[list[int]]:
    """Published project ids in chunks of `chunk_size` (default RESCORE_CHUNK_SIZE)."""
    chunk_size = chunk_size or RESCORE_CHUNK_SIZE
    ids = published_project_ids()
    return [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]


def matches_retire_unpublished() -> int:
    deleted, _ = (
        Match.objects.exclude(project__status=Project.Status.PUBLISHED)
        .filter(state=Match.State.NEW)
        .delete()
    )
    return deleted


def feature_store_refresh() -> FeatureStore:
    """Bring the shared feature store up to date before chunks fan out (refit the IDF daily)."""
    return feature_store(refit_after=REFIT_AFTER)


def matches_rescore_all(*, chunk_size: int | None = None) -> RescoreSummary:
    """Rescore every published project in chunks, in this process, then prune once and
    announce the pairs that were created and survived the prune."""
    started = time.perf_counter()
    since = rescore_run_since()
    summary = RescoreSummary(deleted=matches_retire_unpublished())
    config = matching_config_current()
    store = feature_store_refresh()
    for chunk in rescore_chunks(chunk_size=chunk_size):
        summary.add(
            matches_rescore_projects(
                project_ids=chunk, prune=False, config=config, store=store, notify=False
            )
        )
    summary.deleted += matches_prune(config=config, created_since=since)
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
    history_user_set(instance=config, user=by)
    config.save()
    rescore_all_task.delay_on_commit()
    return config
