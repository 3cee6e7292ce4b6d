"""The same formula as engine.py, one pair at a time in plain Python.

Not used in production: tests check the vectorised engine against it, and the benchmark
measures how much faster the engine is. `text_cosine` is given (the TF-IDF cosine).
"""

from __future__ import annotations

import math

from matchmaking.scoring import engine as E
from matchmaking.scoring.features import (
    RULE_CHINESE_CONTROL,
    RULE_PROHIBITED,
    SECTOR_RELATED,
    EnterpriseRecord,
    ProjectRecord,
    Vocabulary,
    sector_parent,
)


def _sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if sector_parent(a) == b or sector_parent(b) == a:
        return SECTOR_RELATED
    return 0.0


def _best_mean(xs: tuple[str, ...], ys: tuple[str, ...]) -> float:
    if not xs:
        return 0.0
    return sum(max((_sim(x, y) for y in ys), default=0.0) for x in xs) / len(xs)


def _hm(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b > 0 else 0.0


def _log(v: float | None) -> float | None:
    if v is None:
        return None
    return math.log10(v) if v > 0 else -math.inf


def score_pair(
    p: ProjectRecord,
    e: EnterpriseRecord,
    *,
    vocab: Vocabulary,
    weights: E.Weights,
    text_cosine: float,
) -> tuple[float, int, dict[str, float]]:
    """(score, status, fit per component) for one pair."""
    ps, es = set(p.sectors), set(e.sectors)
    sector = (_best_mean(tuple(ps), tuple(es)), _best_mean(tuple(es), tuple(ps)))
    pc, ec = set(p.corridors), set(e.corridors)
    corridor = (
        1.0 if not pc else (E.UNSTATED if not ec else len(pc & ec) / len(pc)),
        1.0 if not ec else (E.CORRIDOR_NEUTRAL if not pc else len(pc & ec) / len(ec)),
    )
    pm, em = set(p.modes), set(e.modes)
    mode = (
        1.0 if not pm else (E.UNSTATED if not em else len(pm & em) / len(pm)),
        1.0 if not em else len(pm & em) / len(em),
    )
    ops = vocab.expand_places(e.places)
    targets = vocab.expand_places(p.target_places)
    if not p.target_places or e.country in targets:
        rp = 1.0
    elif ops & targets:
        rp = E.REGION_OPERATES
    else:
        rp = 0.0
    where = ops | {e.country}
    if p.location_country in where:
        re_ = 1.0
    elif not p.target_places or (targets & where):
        re_ = E.REGION_TOUCHES
    else:
        re_ = 0.0
    sought = _log(p.sought_cny) if p.sought_cny else None
    lo, hi = _log(e.investment_min_cny), _log(e.investment_max_cny)
    if sought is None or (lo is None and hi is None):
        cap = E.CAPACITY_NEUTRAL
    else:
        lo = -math.inf if lo is None else lo
        hi = math.inf if hi is None else hi
        d = max(lo - sought, 0) + max(sought - hi, 0)
        cap = min(max(1 - d / E.CAPACITY_DECADES, 0.0), 1.0)
    own = 1.0 if not p.partner_ownership or e.ownership in p.partner_ownership else 0.0
    fits = {
        "sector": _hm(*sector),
        "text": min(text_cosine / E.TEXT_SATURATION, 1.0),
        "corridor": _hm(*corridor),
        "region": _hm(rp, re_),
        "capacity": cap,
        "mode": _hm(*mode),
        "ownership": own,
    }
    w = weights.normalised()
    score = min(max(sum(100 * w[c] * fits[c] for c in E.COMPONENTS), 0.0), 100.0)
    restricted = p.location_country == "CN" and e.foreign
    free = pm - vocab.control_modes
    if p.owner_id == e.id:
        status = E.STATUS_OWNER
    elif restricted and p.negative_rule == RULE_PROHIBITED:
        status = E.STATUS_PROHIBITED
    elif restricted and p.negative_rule == RULE_CHINESE_CONTROL and not free:
        status = E.STATUS_CONTROL_ONLY
    elif restricted and p.negative_rule == RULE_CHINESE_CONTROL and not (free & em):
        status = E.STATUS_CONTROL_NO_MODE
    else:
        status = E.STATUS_ELIGIBLE
    return score, status, fits
