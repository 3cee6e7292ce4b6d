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

from collections.abc import Callable, Iterable
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


_TINY = np.float32(1e-20)
# Harmonic mean of the region sides by code 4 * hq_in + 2 * ops_in + loc_in (see
# `_block_points`): the project side is 1 (HQ in its target places), REGION_OPERATES (an
# operating place there) or 0; the enterprise side is then 1 (the project is located where
# the enterprise is or operates) or REGION_TOUCHES (its target places touch them).
_REGION_CODES = np.array(
    [
        0.0,
        0.0,
        2 * REGION_OPERATES * REGION_TOUCHES / (REGION_OPERATES + REGION_TOUCHES),
        2 * REGION_OPERATES / (REGION_OPERATES + 1),
        2 * REGION_TOUCHES / (1 + REGION_TOUCHES),
        1.0,
        2 * REGION_TOUCHES / (1 + REGION_TOUCHES),
        1.0,
    ]
)


@dataclass(frozen=True)
class _Columns:
    """What the block arithmetic reads per enterprise, computed once per enterprise chunk."""

    w: dict[str, np.float32]
    base: np.ndarray  # points that depend on the enterprise alone (constant per column)
    sector_e: np.ndarray  # max(n_e, 1) / (2 w_sector)
    corridor_n: np.ndarray
    corridor_p_none: np.ndarray  # the corridor points of a project that names none
    mode_n: np.ndarray
    mode_p_none: np.ndarray
    cap_lo: np.ndarray
    cap_hi: np.ndarray
    cap_unknown: np.ndarray  # columns
    cap_ordered: bool  # every cap_lo <= cap_hi (one-sided distance)
    hq: np.ndarray  # index in the projects' target places, the last column when unknown
    region: np.ndarray  # w_region x _REGION_CODES
    located: dict[int, np.ndarray]  # place index -> enterprises located or operating there

    @classmethod
    def of(cls, eb: EnterpriseBatch, weights: Weights) -> _Columns:
        f32 = np.float32
        w = {c: f32(100 * v) for c, v in weights.normalised().items()}
        two_thirds = f32(2 / 3)  # hm(UNSTATED, 1) and hm(1, CORRIDOR_NEUTRAL)
        assert UNSTATED == CORRIDOR_NEUTRAL == 0.5  # noqa: S101 - the constants above
        corridor_none = eb.corridor_n == 0
        mode_none = eb.mode_n == 0
        # An enterprise listing no corridor (mode) scores hm(UNSTATED, 1) with a project
        # naming some: a constant of its column, added once (its share product is 0 there).
        base = np.where(corridor_none, w["corridor"] * two_thirds, f32(0)).astype(f32)
        base += np.where(mode_none, w["mode"] * two_thirds, f32(0)).astype(f32)
        base += w["capacity"]  # minus the distance below
        with np.errstate(invalid="ignore"):
            cap_ordered = not bool(np.any(eb.cap_lo > eb.cap_hi))
        return cls(
            w=w,
            base=base,
            sector_e=(np.maximum(eb.sector_n, 1) / (2 * max(w["sector"], f32(1e-30)))).astype(f32),
            corridor_n=eb.corridor_n.astype(f32),
            # A project naming none: hm(1, 1) where the enterprise lists none too (less the
            # constant already in `base` there), else hm(1, CORRIDOR_NEUTRAL) / hm(1, 0).
            corridor_p_none=np.where(
                corridor_none, w["corridor"] / f32(3), w["corridor"] * two_thirds
            ).astype(f32),
            mode_n=eb.mode_n.astype(f32),
            mode_p_none=np.where(mode_none, w["mode"] / f32(3), f32(0)).astype(f32),
            cap_lo=eb.cap_lo.astype(f32),
            cap_hi=eb.cap_hi.astype(f32),
            cap_unknown=np.flatnonzero(~eb.cap_known),
            cap_ordered=cap_ordered,
            hq=eb.hq,
            region=(w["region"] * _REGION_CODES).astype(f32),
            located={},
        )

    def located_in(self, eb: EnterpriseBatch, place: int) -> np.ndarray:
        found = self.located.get(place)
        if found is None:
            found = np.asarray(eb.places[:, [place]].todense()).ravel() > 0
            self.located[place] = found
        return found


def _share_points(
    dot: np.ndarray, n_p: np.ndarray, n_e: np.ndarray, w: np.float32, p_none_row: np.ndarray
) -> np.ndarray:
    """w x harmonic mean of a corridor/mode share's two sides, where both sides list some.

    Sides dot / n_p and dot / n_e: their harmonic mean is 2 dot / (n_p + n_e). Columns of
    enterprises listing none get 0 here (dot is 0; their constant is in `_Columns.base`);
    rows of projects naming none are `p_none_row` (the module docstring's neutral values).
    """
    n_p = n_p.astype(np.float32)
    points = np.add(n_p[:, np.newaxis], n_e[np.newaxis, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(np.float32(2) * w, points, out=points)
        points *= dot
    p_none = np.flatnonzero(n_p == 0)
    if p_none.size:
        points[p_none] = p_none_row
    return points


def _block_points(
    pb: ProjectBatch, eb: EnterpriseBatch, lo: int, hi: int, cols: _Columns, text
) -> np.ndarray:
    """Scores of projects lo..hi against every enterprise of `eb` (p x E, float32).

    The formula of `_combine` (the tests compare them), rewritten so each component costs a
    few passes over the block: harmonic means of shares in closed form (2 dot / (n_p + n_e)),
    the region's few cases by a table, per-enterprise constants added once, the owner and
    the hard rules left to the callers (`_block_status`, `_pair_status`).
    """
    f32 = np.float32
    sl = slice(lo, hi)
    col = np.newaxis
    w = cols.w
    n_rows = hi - lo
    if text is None:
        text = (eb.text @ pb.text[sl].T.toarray()).T
    # text: min(cos / saturation, 1), same value both sides. Written row-major whatever the
    # layout of the product (the enterprises' text rows times the projects' terms).
    score = np.multiply(text, w["text"] / f32(TEXT_SATURATION), dtype=f32, order="C")
    np.minimum(score, w["text"], out=score)
    score += cols.base[col, :]
    # sector: hm(d1 / n_p, d2 / n_e) = 2 d1 d2 / (d1 n_e + d2 n_p); d1 and d2 are 0 together.
    d1 = np.asarray(pb.sector_bin[sl] @ eb.sector_exp.T, dtype=f32)
    d2 = np.asarray(pb.sector_exp[sl] @ eb.sector_bin.T, dtype=f32)
    if w["sector"] > 0:
        num = d1 * d2
        d1 *= cols.sector_e[col, :]
        d2 *= (np.maximum(pb.sector_n[sl], 1) / (2 * w["sector"])).astype(f32)[:, col]
        d1 += d2
        d1 += _TINY
        num /= d1
        score += num
    # corridor / mode
    score += _share_points(
        np.asarray(pb.corridor[sl] @ eb.corridor.T, dtype=f32),
        pb.corridor_n[sl],
        cols.corridor_n,
        w["corridor"],
        cols.corridor_p_none,
    )
    score += _share_points(
        np.asarray(pb.mode[sl] @ eb.mode.T, dtype=f32),
        pb.mode_n[sl],
        cols.mode_n,
        w["mode"],
        cols.mode_p_none,
    )
    # region, by code 4 * hq_in + 2 * ops_in + loc_in (`_REGION_CODES`).
    tf = pb.targets[sl].astype(f32)
    targets_ext = np.hstack([pb.targets[sl], np.zeros((n_rows, 1), dtype=bool)])
    code = np.multiply(targets_ext[:, cols.hq], np.uint8(4), dtype=np.uint8)
    ops_in = np.greater((eb.ops @ tf.T).T, 0, order="C")
    code += np.multiply(ops_in, np.uint8(2), dtype=np.uint8)
    locations = pb.location[sl]
    loc_in = np.stack([cols.located_in(eb, int(p)) for p in locations.tolist()])
    code += loc_in
    region = np.take(cols.region, code)
    for row in np.flatnonzero(pb.targets_any[sl]).tolist():  # anywhere: project side 1
        region[row] = np.where(loc_in[row], w["region"], cols.region[4])
    score += region
    # capacity: w (in base) - w / CAPACITY_DECADES x min(distance in decades, CAPACITY_DECADES).
    sought = pb.sought_log[sl].astype(f32)[:, col]
    with np.errstate(invalid="ignore"):
        below = np.subtract(cols.cap_lo[col, :], sought, dtype=f32)
        above = np.subtract(sought, cols.cap_hi[col, :], dtype=f32)
        if cols.cap_ordered:  # at most one of them is positive
            np.maximum(below, above, out=below)
            np.clip(below, 0, f32(CAPACITY_DECADES), out=below)
        else:
            np.maximum(below, 0, out=below)
            np.maximum(above, 0, out=above)
            below += above
            np.minimum(below, f32(CAPACITY_DECADES), out=below)
    neutral = f32(CAPACITY_DECADES * (1 - CAPACITY_NEUTRAL))
    if cols.cap_unknown.size:
        below[:, cols.cap_unknown] = neutral
    below[np.isnan(pb.sought_log[sl])] = neutral
    below *= w["capacity"] / f32(CAPACITY_DECADES)
    score -= below
    # ownership (project side only)
    own_ext = np.hstack([pb.ownership_ok[sl], pb.ownership_ok[sl].all(axis=1, keepdims=True)])
    score += np.take((own_ext * w["ownership"]).astype(f32), eb.ownership, axis=1)
    np.clip(score, 0, 100, out=score)
    return score


def _block_status(pb: ProjectBatch, eb: EnterpriseBatch, lo: int, hi: int) -> np.ndarray:
    """Statuses of projects lo..hi against every enterprise (p x E, int8)."""
    sl = slice(lo, hi)
    status = np.zeros((hi - lo, len(eb)), dtype=np.int8)
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
    owners = pb.owner_id[sl][:, np.newaxis] == eb.ids[np.newaxis, :]
    status[owners] = STATUS_OWNER
    return status


def _pair_status(pb: ProjectBatch, eb: EnterpriseBatch, p: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Statuses of explicit pairs (p[i], e[i]): `_block_status` for a few pairs."""
    rule = pb.rule[p]
    restricted = pb.location_cn[p] & eb.foreign[e] & (rule > 0)
    status = np.zeros(len(p), dtype=np.int8)
    status[restricted & (rule == 2)] = STATUS_PROHIBITED
    control = np.flatnonzero(restricted & (rule == 1))
    if control.size:
        pc, ec = p[control], e[control]
        free_np = pb.mode_free[pc].sum(axis=1)
        free_dot = (pb.mode_free[pc] * eb.mode[ec]).sum(axis=1)
        status[control] = np.where(
            free_np == 0,
            STATUS_CONTROL_ONLY,
            np.where(free_dot == 0, STATUS_CONTROL_NO_MODE, STATUS_ELIGIBLE),
        )
    status[pb.owner_id[p] == eb.ids[e]] = STATUS_OWNER
    return status


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
    cols = _Columns.of(eb, weights)
    return _block_points(pb, eb, lo, hi, cols, text), _block_status(pb, eb, lo, hi)


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


def _merge_candidates(
    best_s: np.ndarray,
    best_e: np.ndarray,
    rows: np.ndarray,
    scores: np.ndarray,
    ids: np.ndarray,
    k: int,
) -> np.ndarray:
    """Merge candidates (rows[i], scores[i], ids[i]) into the K-best buffers, in place.

    `rows` must be sorted. Returns the rows touched (their K-th best may have risen).
    """
    if len(rows) == 0:
        return rows
    start = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    touched = rows[start]
    counts = np.diff(np.append(start, len(rows)))
    width = int(counts.max())
    slot = np.arange(len(rows)) - np.repeat(start, counts)
    at = np.repeat(np.arange(len(touched)), counts)
    new_s = np.full((len(touched), width), -1, dtype=np.float32)
    new_e = np.full((len(touched), width), -1, dtype=np.int64)
    new_s[at, slot] = scores
    new_e[at, slot] = ids
    best_s[touched], best_e[touched] = _merge_top(best_s[touched], best_e[touched], new_s, new_e, k)
    return touched


def _merge_pending(best_s, best_p, bar, pending: list, k: int, floor: np.float32) -> None:
    """Merge the enterprise-side candidates gathered into the buffers; raise their bars."""
    cand_e = np.concatenate([c for c, _s, _p in pending])
    order = np.argsort(cand_e, kind="stable")
    touched = _merge_candidates(
        best_s,
        best_p,
        cand_e[order],
        np.concatenate([s for _c, s, _p in pending])[order],
        np.concatenate([p for _c, _s, p in pending])[order],
        k,
    )
    bar[touched] = np.maximum(best_s[touched].min(axis=1), floor)
    pending.clear()


# Enterprise-side candidates (pairs above an enterprise's K-th best and min_score) gathered
# before they are merged into the E_chunk x K buffer: bounds their memory (~16 bytes each)
# whatever min_score lets through.
CANDIDATES_PER_MERGE = 1_000_000


def rank_chunks(
    pb: ProjectBatch,
    chunks: Iterable[EnterpriseBatch],
    weights: Weights,
    *,
    chunk: int = RANK_CHUNK,
    keep: tuple[np.ndarray, np.ndarray] | None = None,
    emit: Callable[[EnterpriseBatch, np.ndarray, np.ndarray], None] | None = None,
) -> IdSelection:
    """Select the pairs worth storing, streaming the enterprises chunk by chunk.

    Each enterprise chunk is scored against every project (RANK_CHUNK projects at a time),
    so each of its enterprises sees all projects and gets its exact K best projects among
    eligible pairs scoring at least `min_score` (an E_chunk x K buffer). Each project's K
    best enterprises (eligible or not; the owner never) are merged across chunks in a
    P x K buffer. `keep` adds explicit pairs (project rows, enterprise ids) whatever their
    rank.

    With `emit`, memory is O(chunk x E_chunk + P x K), whatever the number of chunks: a
    chunk's enterprise-side pairs are final once the chunk is scored, so they are handed to
    `emit(eb, project_rows, enterprise_rows)` (with the chunk's `keep` pairs, each pair once,
    by project row then enterprise row) while the chunk is in memory, and the selection
    returned holds only the project side's pairs not emitted already (those emitted are
    tracked within the P x K buffer). Without `emit`, every pair is returned, so the
    selection grows with the number of enterprises (up to K pairs each).

    Each side keeps its running K-th best score: a block only looks at the pairs above it
    (after the first chunk, a few per project), so no block is sorted once the buffers are
    full, and the hard rules are evaluated only for the enterprise side's candidates.
    """
    n_p, k = len(pb), weights.top_k
    # score >= min_score  <=>  score > the float32 just below it
    floor = np.nextafter(np.float32(weights.min_score), np.float32(-np.inf))
    proj_s = np.full((n_p, k), -1, dtype=np.float32)
    proj_e = np.full((n_p, k), -1, dtype=np.int64)
    proj_kth = np.full(n_p, -1, dtype=np.float32)  # K-th best so far (-1: fewer than K)
    p_parts: list[np.ndarray] = []
    e_parts: list[np.ndarray] = []
    # With `emit`: the project buffer's pairs already emitted, as codes id * P + row.
    emitted = np.empty(0, dtype=np.int64)
    keep_p = keep_e = None
    if keep is not None:
        keep_p = np.asarray(keep[0], dtype=np.int64)
        keep_e = np.asarray(keep[1], dtype=np.int64)
    scored = 0
    terms = ProjectTerms.of(pb) if n_p else None
    for eb in chunks if n_p else ():
        n_e = len(eb)
        if n_e == 0:
            continue
        scored += n_p * n_e
        cols = _Columns.of(eb, weights)
        e_text = terms.restrict(eb)
        owner_col = np.array([eb.id_to_row.get(int(o), -1) for o in pb.owner_id.tolist()])
        kp = min(k, n_e)
        best_s = np.full((n_e, k), -1, dtype=np.float32)
        best_p = np.full((n_e, k), -1, dtype=np.int64)
        # Each enterprise's bar: its K-th best so far, at least just below min_score.
        bar = np.full(n_e, floor, dtype=np.float32)
        pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        n_pending = 0

        for lo in range(0, n_p, chunk):
            hi = min(lo + chunk, n_p)
            text = (e_text @ terms.dense[:, lo:hi]).T
            score = _block_points(pb, eb, lo, hi, cols, text)
            owners = np.flatnonzero(owner_col[lo:hi] >= 0)
            score[owners, owner_col[lo:hi][owners]] = -1
            # Project side: the pairs above each project's K-th best so far.
            above = score > proj_kth[lo:hi, np.newaxis]
            if np.count_nonzero(above) > 2 * kp * (hi - lo):  # buffers still filling
                idx = np.argpartition(-score, kp - 1, axis=1)[:, :kp]
                proj_s[lo:hi], proj_e[lo:hi] = _merge_top(
                    proj_s[lo:hi],
                    proj_e[lo:hi],
                    np.take_along_axis(score, idx, axis=1),
                    eb.ids[idx],
                    k,
                )
                proj_kth[lo:hi] = proj_s[lo:hi].min(axis=1)
            else:
                rows, cols_at = np.nonzero(above)
                if rows.size:
                    touched = lo + _merge_candidates(
                        proj_s[lo:hi], proj_e[lo:hi], rows, score[rows, cols_at], eb.ids[cols_at], k
                    )
                    proj_kth[touched] = proj_s[touched].min(axis=1)
            # Enterprise side: eligible pairs above the enterprise's bar.
            rows, cols_at = np.nonzero(score > bar[np.newaxis, :])
            if rows.size:
                eligible = _pair_status(pb, eb, lo + rows, cols_at) == STATUS_ELIGIBLE
                rows, cols_at = rows[eligible], cols_at[eligible]
                pending.append((cols_at, score[rows, cols_at], lo + rows))
                n_pending += rows.size
                if n_pending > CANDIDATES_PER_MERGE:
                    _merge_pending(best_s, best_p, bar, pending, k, floor)
                    n_pending = 0
        if pending:
            _merge_pending(best_s, best_p, bar, pending, k, floor)
        e_rows, slot = np.nonzero(best_s >= 0)
        if emit is None:
            # One int64 per pair (project row, enterprise id), compact as the chunks pile up.
            p_parts.append(best_p[e_rows, slot])
            e_parts.append(eb.ids[e_rows])
            continue
        emitted = _emit_chunk(
            eb, best_p[e_rows, slot], e_rows, proj_s, proj_e, emitted, keep_p, keep_e, emit
        )
    p_rows, slot = np.nonzero(proj_s >= 0)
    e_ids = proj_e[p_rows, slot]
    if emit is not None:
        fresh = ~np.isin(e_ids * n_p + p_rows, emitted)
        p_rows, e_ids = p_rows[fresh], e_ids[fresh]
    p_parts.append(p_rows)
    e_parts.append(e_ids)
    if keep is not None and emit is None:
        p_parts.append(keep_p)
        e_parts.append(keep_e)
    span = max((int(e.max()) + 1 for e in e_parts if len(e)), default=1)
    codes = np.concatenate(
        [p.astype(np.int64) * span + e for p, e in zip(p_parts, e_parts, strict=True)]
    )
    codes.sort()  # then drop repeats (np.unique's hashing is slower on 10^6 codes)
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if len(codes) else codes
    return IdSelection(codes // span, codes % span, scored)


def _emit_chunk(
    eb: EnterpriseBatch,
    p_rows: np.ndarray,
    e_rows: np.ndarray,
    proj_s: np.ndarray,
    proj_e: np.ndarray,
    emitted: np.ndarray,
    keep_p: np.ndarray | None,
    keep_e: np.ndarray | None,
    emit: Callable[[EnterpriseBatch, np.ndarray, np.ndarray], None],
) -> np.ndarray:
    """Emit a chunk's final pairs (its enterprise side and its `keep` pairs, each once).

    Returns the codes (enterprise id * P + project row) of the pairs of the project buffer
    emitted so far: the previous ones still in the buffer plus this chunk's (at most P x K).
    """
    n_p = len(proj_s)
    if keep_e is not None:
        mine = np.flatnonzero(np.isin(keep_e, eb.ids))
        p_rows = np.concatenate([p_rows, keep_p[mine]])
        e_rows = np.concatenate([e_rows, rows_of(eb, keep_e[mine])])
    codes = np.unique(p_rows * len(eb) + e_rows)  # by project row, then enterprise row
    emit(eb, codes // len(eb), codes % len(eb))
    held = proj_s >= 0
    buffer = proj_e[held] * n_p + np.nonzero(held)[0]
    at, slot = np.nonzero(held & np.isin(proj_e, eb.ids))
    ids = proj_e[at, slot]
    done = np.isin(at * len(eb) + rows_of(eb, ids), codes)
    return np.concatenate([emitted[np.isin(emitted, buffer)], ids[done] * n_p + at[done]])


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
