"""The scoring engine: a batch of projects against a batch of enterprises, vectorised.

Pure Python + NumPy/SciPy (no Django, no Celery, no clock, no I/O). Weights come in.

The formula (the same in `pair_scores`, the fused matrix path `rank` and the per-pair reference
in `reference.py`). For every component c, `project` = how well the enterprise meets what
the project seeks, `enterprise` = how well the project meets what the enterprise seeks,
`fit` = their harmonic mean (a pairing one side does not want scores low), and
`points = 100 * w_c / sum(w) * fit`; the score is the sum of the points (0..100).

- sector: project side = mean over the project's sectors of the best tree similarity to
  the enterprise's sectors (same code 1, parent/child 0.5); enterprise side = the same,
  averaged over the enterprise's sectors. Tagging everything gives project side 1 but an
  enterprise side of about 1/45, so breadth does not buy score.
- text: TF-IDF cosine of project title+description and enterprise name+description,
  saturating at TEXT_SATURATION (same value on both sides).
- corridor / mode: share of the project's asks the enterprise covers, and share of the
  enterprise's list the project uses. An empty list asks nothing (1); an enterprise that
  lists none is UNSTATED (0.5) on the project side, not a mismatch; a project that names
  no corridor is neutral (CORRIDOR_NEUTRAL) for an enterprise that names some.
- region: project side 1 when its target places are empty (anywhere) or contain the
  enterprise's HQ country, REGION_OPERATES when they contain one of its operating places;
  enterprise side 1 when the project is located where the enterprise is or operates,
  REGION_TOUCHES when the project's target places touch them.
- capacity: distance in decades between the project's sought amount (CNY) and the
  enterprise's investment range (CNY); 1 inside, falling to 0 at CAPACITY_DECADES decades
  (100x); CAPACITY_NEUTRAL when either side is unknown. Symmetric (a ticket size).
- ownership: project side only (1 when the project welcomes the enterprise's ownership).

Hard rules (status): the project's owner is never its candidate (STATUS_OWNER, never
kept); for a CN-located project and a foreign enterprise, a `prohibited` rule makes the
pair ineligible (STATUS_PROHIBITED); under `chinese_control` the pair is eligible only
through a mode outside the control modes that the project asks for and the enterprise
offers: STATUS_CONTROL_ONLY when the project asks only equity/joint venture,
STATUS_CONTROL_NO_MODE when the enterprise offers none of the project's other modes.
Ineligible pairs keep their score; they are ranked after eligible ones by the callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from matchmaking.scoring.features import EnterpriseBatch, ProjectBatch

COMPONENTS = ("sector", "text", "corridor", "region", "capacity", "mode", "ownership")

TEXT_SATURATION = 0.3
CORRIDOR_NEUTRAL = 0.5
UNSTATED = 0.5  # the enterprise lists no corridor / mode: neither evidence for nor against
REGION_OPERATES = 0.75
REGION_TOUCHES = 0.5
CAPACITY_NEUTRAL = 0.5
CAPACITY_DECADES = 2.0

STATUS_ELIGIBLE = 0
STATUS_PROHIBITED = 1
STATUS_CONTROL_ONLY = 2
STATUS_CONTROL_NO_MODE = 3
STATUS_OWNER = 4

# Projects scored against all enterprises at once in `rank`: memory is about
# 30 float32 arrays of RANK_CHUNK x E (16 x 100,000 -> ~200 MB).
RANK_CHUNK = 16
# Pairs scored at once in `pair_scores`.
PAIR_CHUNK = 50_000


@dataclass(frozen=True)
class Weights:
    sector: float = 0.25
    text: float = 0.20
    corridor: float = 0.15
    region: float = 0.15
    capacity: float = 0.10
    mode: float = 0.10
    ownership: float = 0.05
    top_k: int = 50
    # An enterprise is recommended a project (kept on its side) only from this score, and
    # only when the pair is eligible.
    min_score: float = 60.0

    def normalised(self) -> dict[str, float]:
        values = {c: max(float(getattr(self, c)), 0.0) for c in COMPONENTS}
        total = sum(values.values()) or 1.0
        return {c: v / total for c, v in values.items()}


@dataclass
class _Raw:
    """Per-pair inputs of the formula; arrays broadcast to the pair shape."""

    sector_p: np.ndarray
    sector_e: np.ndarray
    text: np.ndarray
    corr_dot: np.ndarray
    corr_np: np.ndarray
    corr_ne: np.ndarray
    mode_dot: np.ndarray
    mode_np: np.ndarray
    mode_ne: np.ndarray
    free_dot: np.ndarray
    free_np: np.ndarray
    targets_any: np.ndarray
    hq_in: np.ndarray
    ops_in: np.ndarray
    loc_in: np.ndarray
    touch: np.ndarray
    own_ok: np.ndarray
    sought: np.ndarray
    cap_lo: np.ndarray
    cap_hi: np.ndarray
    cap_known: np.ndarray
    rule: np.ndarray
    location_cn: np.ndarray
    foreign: np.ndarray
    owner: np.ndarray


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return num / np.maximum(den, 1)


def _hm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s = a + b
    return np.divide(2 * a * b, s, out=np.zeros(np.broadcast(a, b).shape, np.float32), where=s > 0)


def _sides(raw: _Raw) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    one = np.float32(1)
    sector = (raw.sector_p, raw.sector_e)
    text = np.minimum(raw.text / np.float32(TEXT_SATURATION), one)
    corridor = (
        np.where(
            raw.corr_np == 0,
            one,
            np.where(raw.corr_ne == 0, np.float32(UNSTATED), _ratio(raw.corr_dot, raw.corr_np)),
        ),
        np.where(
            raw.corr_ne == 0,
            one,
            np.where(
                raw.corr_np == 0, np.float32(CORRIDOR_NEUTRAL), _ratio(raw.corr_dot, raw.corr_ne)
            ),
        ),
    )
    mode = (
        np.where(
            raw.mode_np == 0,
            one,
            np.where(raw.mode_ne == 0, np.float32(UNSTATED), _ratio(raw.mode_dot, raw.mode_np)),
        ),
        np.where(raw.mode_ne == 0, one, _ratio(raw.mode_dot, raw.mode_ne)),
    )
    region = (
        np.where(
            raw.targets_any,
            one,
            np.maximum(raw.hq_in.astype(np.float32), np.float32(REGION_OPERATES) * raw.ops_in),
        ),
        np.where(
            raw.loc_in,
            one,
            np.where(raw.touch | raw.targets_any, np.float32(REGION_TOUCHES), np.float32(0)),
        ),
    )
    with np.errstate(invalid="ignore"):
        distance = np.maximum(raw.cap_lo - raw.sought, 0) + np.maximum(raw.sought - raw.cap_hi, 0)
        fit = np.clip(1 - distance / np.float32(CAPACITY_DECADES), 0, 1)
    capacity = np.where(
        raw.cap_known & ~np.isnan(raw.sought), fit, np.float32(CAPACITY_NEUTRAL)
    ).astype(np.float32)
    ownership = raw.own_ok.astype(np.float32)
    return {
        "sector": sector,
        "text": (text, text),
        "corridor": corridor,
        "region": region,
        "capacity": (capacity, capacity),
        "mode": mode,
        "ownership": (ownership, np.ones_like(ownership)),
    }


def _status(raw: _Raw) -> np.ndarray:
    restricted = raw.location_cn & raw.foreign
    status = np.where(
        raw.owner,
        STATUS_OWNER,
        np.where(
            restricted & (raw.rule == 2),
            STATUS_PROHIBITED,
            np.where(
                restricted & (raw.rule == 1) & (raw.free_np == 0),
                STATUS_CONTROL_ONLY,
                np.where(
                    restricted & (raw.rule == 1) & (raw.free_dot == 0),
                    STATUS_CONTROL_NO_MODE,
                    STATUS_ELIGIBLE,
                ),
            ),
        ),
    )
    return status.astype(np.int8)


def _combine(raw: _Raw, weights: Weights, *, detail: bool):
    w = weights.normalised()
    sides = _sides(raw)
    score = None
    components: dict[str, dict[str, np.ndarray]] = {}
    for name in COMPONENTS:
        p_side, e_side = sides[name]
        fit = p_side if name in ("text", "capacity", "ownership") else _hm(p_side, e_side)
        points = np.float32(100 * w[name]) * fit
        score = points if score is None else score + points
        if detail:
            components[name] = {
                "project": p_side,
                "enterprise": e_side,
                "fit": fit,
                "points": points,
            }
    score = np.clip(score, 0, 100).astype(np.float32)
    return score, _status(raw), components


@dataclass(frozen=True)
class ProjectTerms:
    """The project texts restricted to the terms they use, dense (terms x P).

    Scoring an enterprise chunk then multiplies its text rows restricted to those columns
    by this small matrix, instead of densifying the projects over all 2^18 hashed columns
    again for every chunk.
    """

    columns: np.ndarray
    dense: np.ndarray

    @classmethod
    def of(cls, pb: ProjectBatch) -> ProjectTerms:
        columns = np.unique(pb.text.indices)
        return cls(columns, np.asarray(pb.text[:, columns].T.toarray(), dtype=np.float32))

    def restrict(self, eb: EnterpriseBatch):
        """The enterprises' text rows over the projects' terms (E x terms, sparse)."""
        return eb.text[:, self.columns].tocsr()


def _rowdot(a, b) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1), dtype=np.float32).ravel()


def _raw_pairs(pb: ProjectBatch, eb: EnterpriseBatch, p: np.ndarray, e: np.ndarray) -> _Raw:
    """Raw inputs of explicit pairs (p[i], e[i]): 1-D arrays."""
    targets_ext = np.hstack([pb.targets, np.zeros((len(pb), 1), dtype=bool)])
    own_ext = np.hstack([pb.ownership_ok, pb.ownership_ok.all(axis=1, keepdims=True)])
    tf = pb.targets[p].astype(np.float32)
    return _Raw(
        sector_p=(pb.sector_bin[p] * eb.sector_exp[e]).sum(axis=1) / np.maximum(pb.sector_n[p], 1),
        sector_e=(pb.sector_exp[p] * eb.sector_bin[e]).sum(axis=1) / np.maximum(eb.sector_n[e], 1),
        text=_rowdot(pb.text[p], eb.text[e]),
        corr_dot=(pb.corridor[p] * eb.corridor[e]).sum(axis=1),
        corr_np=pb.corridor_n[p],
        corr_ne=eb.corridor_n[e],
        mode_dot=(pb.mode[p] * eb.mode[e]).sum(axis=1),
        mode_np=pb.mode_n[p],
        mode_ne=eb.mode_n[e],
        free_dot=(pb.mode_free[p] * eb.mode[e]).sum(axis=1),
        free_np=pb.mode_free[p].sum(axis=1),
        targets_any=pb.targets_any[p],
        hq_in=targets_ext[p, eb.hq[e]],
        ops_in=(_rowdot(eb.ops[e], tf) > 0).astype(np.float32),
        loc_in=np.asarray(eb.places[e, pb.location[p]]).ravel() > 0,
        touch=_rowdot(eb.places[e], tf) > 0,
        own_ok=own_ext[p, eb.ownership[e]],
        sought=pb.sought_log[p],
        cap_lo=eb.cap_lo[e],
        cap_hi=eb.cap_hi[e],
        cap_known=eb.cap_known[e],
        rule=pb.rule[p],
        location_cn=pb.location_cn[p],
        foreign=eb.foreign[e],
        owner=pb.owner_id[p] == eb.ids[e],
    )


@dataclass(frozen=True)
class PairScores:
    """Scores of explicit pairs: 1-D arrays aligned with `project_rows`/`enterprise_rows`."""

    project_rows: np.ndarray
    enterprise_rows: np.ndarray
    score: np.ndarray
    status: np.ndarray
    components: dict[str, dict[str, np.ndarray]]


def pair_scores(
    pb: ProjectBatch, eb: EnterpriseBatch, p: np.ndarray, e: np.ndarray, weights: Weights
) -> PairScores:
    """Score and every component's sides, fit and points for the pairs (p[i], e[i])."""
    p = np.asarray(p, dtype=np.int64)
    e = np.asarray(e, dtype=np.int64)
    scores, statuses, parts = [], [], []
    for lo in range(0, max(len(p), 1), PAIR_CHUNK):
        raw = _raw_pairs(pb, eb, p[lo : lo + PAIR_CHUNK], e[lo : lo + PAIR_CHUNK])
        s, st, comp = _combine(raw, weights, detail=True)
        scores.append(s)
        statuses.append(st)
        parts.append(comp)
    components = {
        name: {
            side: np.concatenate(
                [
                    np.broadcast_to(c[name][side], s.shape)
                    for c, s in zip(parts, scores, strict=True)
                ]
            )
            for side in ("project", "enterprise", "fit", "points")
        }
        for name in COMPONENTS
    }
    return PairScores(p, e, np.concatenate(scores), np.concatenate(statuses), components)


def _add_hm(score: np.ndarray, a: np.ndarray, b: np.ndarray, factor: np.float32) -> None:
    """score += factor * harmonic mean of a and b (0 where both are 0), a and b consumed.

    a, b >= 0, so a + b == 0 only where a * b == 0: dividing by a + b + 1e-20 gives that 0
    without a masked division (which cost more than the rest of this function), and moves
    no other value (a + b is then at least about 1e-2, far above float32's resolution).
    """
    b_sum = a + b
    b_sum += np.float32(1e-20)
    a *= b
    a /= b_sum
    a *= np.float32(2) * factor
    score += a


def _shares(dot, n_p, n_e, empty_p_for_e: float | None):
    """Project and enterprise sides of a corridor/mode share (see the module docstring).

    `dot` is p x E, `n_p` per project row, `n_e` per enterprise column. `empty_p_for_e`:
    the enterprise side where the project lists none (None: the plain ratio, 0 there).
    """
    f32 = np.float32
    side_p = dot * (f32(1) / np.maximum(n_p, 1).astype(np.float32))[:, np.newaxis]
    side_e = dot * (f32(1) / np.maximum(n_e, 1).astype(np.float32))[np.newaxis, :]
    e_none = np.flatnonzero(n_e == 0)
    p_none = np.flatnonzero(n_p == 0)
    if e_none.size:
        side_p[:, e_none] = f32(UNSTATED)
        side_e[:, e_none] = f32(1)
    if p_none.size:
        side_p[p_none] = f32(1)
        if empty_p_for_e is not None:
            keep = n_e[np.newaxis, :] == 0
            side_e[p_none] = np.where(keep, f32(1), f32(empty_p_for_e))
    return side_p, side_e


def _block_scores(
    pb: ProjectBatch, eb: EnterpriseBatch, lo: int, hi: int, weights: Weights, text
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and statuses of projects lo..hi against every enterprise, fused.

    The same formula as `_combine` over `_raw_pairs` (the tests compare them), with the
    per-project and per-enterprise branches taken once per row or column instead of per
    pair, the weights folded into the factors and the p x E temporaries reused in place.
    """
    f32 = np.float32
    sl = slice(lo, hi)
    col = np.newaxis
    w = {c: f32(100 * v) for c, v in weights.normalised().items()}
    n_rows = hi - lo
    if text is None:
        text = (eb.text @ pb.text[sl].T.toarray()).T
    # text: min(cos / saturation, 1), same value both sides.
    score = np.multiply(np.asarray(text), f32(1 / TEXT_SATURATION), dtype=np.float32)
    np.minimum(score, f32(1), out=score)
    score *= w["text"]
    # sector
    sector_p = np.asarray(pb.sector_bin[sl] @ eb.sector_exp.T, dtype=np.float32)
    sector_p *= (f32(1) / np.maximum(pb.sector_n[sl], 1).astype(np.float32))[:, col]
    sector_e = np.asarray(pb.sector_exp[sl] @ eb.sector_bin.T, dtype=np.float32)
    sector_e *= (f32(1) / np.maximum(eb.sector_n, 1).astype(np.float32))[col, :]
    _add_hm(score, sector_p, sector_e, w["sector"])
    # corridor / mode
    corr_p, corr_e = _shares(
        np.asarray(pb.corridor[sl] @ eb.corridor.T, dtype=np.float32),
        pb.corridor_n[sl],
        eb.corridor_n,
        CORRIDOR_NEUTRAL,
    )
    _add_hm(score, corr_p, corr_e, w["corridor"])
    mode_dot = np.asarray(pb.mode[sl] @ eb.mode.T, dtype=np.float32)
    mode_p, mode_e = _shares(mode_dot, pb.mode_n[sl], eb.mode_n, None)
    _add_hm(score, mode_p, mode_e, w["mode"])
    # region
    tf = pb.targets[sl].astype(np.float32)
    targets_ext = np.hstack([pb.targets[sl], np.zeros((n_rows, 1), dtype=bool)])
    region_p = np.asarray((eb.ops @ tf.T).T > 0, dtype=np.float32)
    region_p *= f32(REGION_OPERATES)
    np.maximum(region_p, targets_ext[:, eb.hq], out=region_p)
    anywhere = np.flatnonzero(pb.targets_any[sl])
    region_e = np.asarray((eb.places @ tf.T).T > 0, dtype=np.float32)
    region_e *= f32(REGION_TOUCHES)
    if anywhere.size:
        region_p[anywhere] = f32(1)
        region_e[anywhere] = f32(REGION_TOUCHES)
    loc_in = np.asarray(eb.places[:, pb.location[sl]].T.todense() > 0)
    region_e[loc_in] = f32(1)
    _add_hm(score, region_p, region_e, w["region"])
    # capacity: 1 inside the range, falling to 0 at CAPACITY_DECADES decades.
    sought = pb.sought_log[sl].astype(np.float32)[:, col]
    with np.errstate(invalid="ignore"):
        below = np.subtract(eb.cap_lo[col, :], sought, dtype=np.float32)
        np.maximum(below, 0, out=below)
        above = np.subtract(sought, eb.cap_hi[col, :], dtype=np.float32)
        np.maximum(above, 0, out=above)
        below += above
        below *= f32(-1 / CAPACITY_DECADES)
        below += f32(1)
        np.clip(below, 0, 1, out=below)
    below[:, ~eb.cap_known] = f32(CAPACITY_NEUTRAL)
    below[np.isnan(pb.sought_log[sl])] = f32(CAPACITY_NEUTRAL)
    below *= w["capacity"]
    score += below
    # ownership (project side only)
    own_ext = np.hstack([pb.ownership_ok[sl], pb.ownership_ok[sl].all(axis=1, keepdims=True)])
    score += own_ext[:, eb.ownership] * w["ownership"]
    np.clip(score, 0, 100, out=score)
    # status: only CN-located projects with a rule restrict foreign enterprises.
    status = np.zeros(score.shape, dtype=np.int8)
    foreign = np.flatnonzero(eb.foreign)
    rule = pb.rule[sl]
    free_np = pb.mode_free[sl].sum(axis=1)
    for row in np.flatnonzero(pb.location_cn[sl] & (rule > 0)) if foreign.size else ():
        if rule[row] == 2:
            status[row, foreign] = STATUS_PROHIBITED
        elif free_np[row] == 0:
            status[row, foreign] = STATUS_CONTROL_ONLY
        else:
            free_dot = pb.mode_free[lo + row] @ eb.mode[foreign].T
            status[row, foreign[free_dot == 0]] = STATUS_CONTROL_NO_MODE
    owners = pb.owner_id[sl][:, col] == eb.ids[col, :]
    status[owners] = STATUS_OWNER
    return score, status


def score_block(
    pb: ProjectBatch,
    eb: EnterpriseBatch,
    lo: int,
    hi: int,
    weights: Weights,
    *,
    text: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and statuses of projects lo..hi against every enterprise (p x E arrays)."""
    return _block_scores(pb, eb, lo, hi, weights, text)


@dataclass(frozen=True)
class Selection:
    """The pairs to store: union of each project's top K and each enterprise's top K."""

    project_rows: np.ndarray
    enterprise_rows: np.ndarray
    pairs_scored: int


@dataclass(frozen=True)
class IdSelection:
    """`Selection` over enterprise chunks: pairs named by project row and enterprise *id*."""

    project_rows: np.ndarray
    enterprise_ids: np.ndarray
    pairs_scored: int


def _merge_top(
    best_s: np.ndarray, best_e: np.ndarray, new_s: np.ndarray, new_e: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise K best of two (score, id) buffers; empty slots score -1."""
    merged_s = np.hstack([best_s, new_s])
    merged_e = np.hstack([best_e, new_e])
    top = np.argpartition(-merged_s, k - 1, axis=1)[:, :k]
    return np.take_along_axis(merged_s, top, axis=1), np.take_along_axis(merged_e, top, axis=1)


def rank_chunks(
    pb: ProjectBatch,
    chunks: Iterable[EnterpriseBatch],
    weights: Weights,
    *,
    chunk: int = RANK_CHUNK,
    keep: tuple[np.ndarray, np.ndarray] | None = None,
) -> IdSelection:
    """Select the pairs worth storing, streaming the enterprises chunk by chunk.

    Each enterprise chunk is scored against every project (RANK_CHUNK projects at a time),
    so each of its enterprises sees all projects and gets its exact K best projects among
    eligible pairs scoring at least `min_score` (an E_chunk x K buffer). Each project's K
    best enterprises (eligible or not; the owner never) are merged across chunks in a
    P x K buffer. Memory is O(chunk x E_chunk + P x K), whatever the number of chunks:
    only one enterprise chunk needs to be in memory at a time.
    `keep` adds explicit pairs (project rows, enterprise ids) whatever their rank.
    """
    n_p, k = len(pb), weights.top_k
    floor = np.float32(weights.min_score)
    proj_s = np.full((n_p, k), -1, dtype=np.float32)
    proj_e = np.full((n_p, k), -1, dtype=np.int64)
    p_parts: list[np.ndarray] = []
    e_parts: list[np.ndarray] = []
    scored = 0
    terms = ProjectTerms.of(pb) if n_p else None
    for eb in chunks if n_p else ():
        n_e = len(eb)
        if n_e == 0:
            continue
        scored += n_p * n_e
        e_text = terms.restrict(eb)
        kp = min(k, n_e)
        best_s = np.full((n_e, k), -1, dtype=np.float32)
        best_p = np.full((n_e, k), -1, dtype=np.int64)
        # Each enterprise's K-th best so far (kept up to date: the min over its K x E buffer
        # per project block cost more than scoring the block).
        best_min = np.full(n_e, -1, dtype=np.float32)
        for lo in range(0, n_p, chunk):
            hi = min(lo + chunk, n_p)
            text = (e_text @ terms.dense[:, lo:hi]).T
            score, status = score_block(pb, eb, lo, hi, weights, text=text)
            score[status == STATUS_OWNER] = -1
            # Project side: this chunk's K best per project, merged into the running K best.
            idx = np.argpartition(-score, kp - 1, axis=1)[:, :kp]
            proj_s[lo:hi], proj_e[lo:hi] = _merge_top(
                proj_s[lo:hi], proj_e[lo:hi], np.take_along_axis(score, idx, axis=1), eb.ids[idx], k
            )
            # Enterprise side: merge these projects into the running K best per enterprise.
            cand = np.where((score >= floor) & (status == STATUS_ELIGIBLE), score, np.float32(-1))
            improve = np.flatnonzero(cand.max(axis=0) > best_min)
            if improve.size:
                chunk_p = np.broadcast_to(np.arange(lo, hi), (improve.size, hi - lo))
                best_s[improve], best_p[improve] = _merge_top(
                    best_s[improve], best_p[improve], cand[:, improve].T, chunk_p, k
                )
                best_min[improve] = best_s[improve].min(axis=1)
        e_rows, slot = np.nonzero(best_s >= 0)
        # One int64 per pair (project row, enterprise id), compact as the chunks pile up.
        p_parts.append(best_p[e_rows, slot])
        e_parts.append(eb.ids[e_rows])
    p_rows, slot = np.nonzero(proj_s >= 0)
    p_parts.append(p_rows)
    e_parts.append(proj_e[p_rows, slot])
    if keep is not None:
        p_parts.append(np.asarray(keep[0], dtype=np.int64))
        e_parts.append(np.asarray(keep[1], dtype=np.int64))
    span = max((int(e.max()) + 1 for e in e_parts if len(e)), default=1)
    codes = np.unique(
        np.concatenate(
            [p.astype(np.int64) * span + e for p, e in zip(p_parts, e_parts, strict=True)]
        )
    )
    return IdSelection(codes // span, codes % span, scored)


def rows_of(eb: EnterpriseBatch, ids: np.ndarray) -> np.ndarray:
    """Rows of `ids` in `eb` (every id must be in it), vectorised."""
    order = np.argsort(eb.ids, kind="stable")
    return order[np.searchsorted(eb.ids, ids, sorter=order)]


def rank(
    pb: ProjectBatch,
    eb: EnterpriseBatch,
    weights: Weights,
    *,
    chunk: int = RANK_CHUNK,
    keep: tuple[np.ndarray, np.ndarray] | None = None,
) -> Selection:
    """`rank_chunks` over one in-memory enterprise batch, with pairs named by rows.

    `keep` adds explicit pairs (project rows, enterprise rows) whatever their rank.
    """
    keep_ids = None if keep is None else (keep[0], eb.ids[np.asarray(keep[1], dtype=np.int64)])
    found = rank_chunks(pb, [eb], weights, chunk=chunk, keep=keep_ids)
    return Selection(found.project_rows, rows_of(eb, found.enterprise_ids), found.pairs_scored)
