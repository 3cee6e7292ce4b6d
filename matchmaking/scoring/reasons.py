"""Reason codes with parameters for scored pairs (translated outside, in matchmaking/explain.py).

Pure: works on the records and the component values of `engine.pair_scores`. Only the
pairs that are stored are explained, so a per-pair loop here is bounded by K x (P + E).
A reason is a dict: {"code": str, "side": "rule" | "project" | "enterprise", "params": {...}}.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np

from matchmaking.scoring.engine import (
    STATUS_CONTROL_NO_MODE,
    STATUS_CONTROL_ONLY,
    STATUS_ELIGIBLE,
    STATUS_PROHIBITED,
    PairScores,
)
from matchmaking.scoring.features import (
    EnterpriseRecord,
    ProjectRecord,
    Vocabulary,
    sector_parent,
)

MAX_TERMS = 4
TEXT_REASON_MIN_FIT = 0.1


def _reason(code: str, side: str, **params: object) -> dict:
    return {"code": code, "side": side, "params": params}


def _rule_reason(status: int, p: ProjectRecord, e: EnterpriseRecord, vocab: Vocabulary) -> list:
    if status == STATUS_PROHIBITED:
        return [_reason("negative_list_prohibited", "rule", sector=p.negative_sector)]
    if status == STATUS_CONTROL_ONLY:
        return [
            _reason(
                "negative_list_control_only",
                "rule",
                sector=p.negative_sector,
                modes=sorted(p.modes),
            )
        ]
    if status == STATUS_CONTROL_NO_MODE:
        free = sorted(m for m in p.modes if m not in vocab.control_modes)
        return [
            _reason("negative_list_control_no_mode", "rule", sector=p.negative_sector, modes=free)
        ]
    if p.negative_rule == "chinese_control" and e.foreign and p.location_country == "CN":
        shared = sorted(set(p.modes) & set(e.modes) - vocab.control_modes)
        return [_reason("negative_list_minority", "rule", sector=p.negative_sector, modes=shared)]
    return []


def _related(a: str, b: str) -> bool:
    return a != b and (sector_parent(a) == b or sector_parent(b) == a)


def _sector_reasons(p: ProjectRecord, e: EnterpriseRecord, e_side: float) -> list:
    e_sectors = set(e.sectors)
    same = sorted(set(p.sectors) & e_sectors)
    related = sorted(
        code
        for code in set(p.sectors) - e_sectors
        if any(_related(code, other) for other in e_sectors)
    )
    out = []
    if same:
        out.append(_reason("sector_same", "project", codes=same))
    if related:
        out.append(_reason("sector_related", "project", codes=related))
    if not same and not related:
        out.append(_reason("sector_none", "project", codes=sorted(p.sectors)))
    if len(e_sectors) > 1 and e_side < 0.5:
        matched = sum(
            1
            for other in e_sectors
            if other in p.sectors or any(_related(other, c) for c in p.sectors)
        )
        out.append(_reason("sector_breadth", "enterprise", matched=matched, total=len(e_sectors)))
    return out


def _region_reasons(p: ProjectRecord, e: EnterpriseRecord, vocab: Vocabulary) -> list:
    out = []
    if not p.target_places:
        out.append(_reason("region_anywhere", "project"))
    else:
        targets = vocab.expand_places(p.target_places)
        ops = vocab.expand_places(e.places)
        if e.country in targets:
            out.append(_reason("region_hq", "project", country=e.country))
        elif ops & targets:
            out.append(_reason("region_operates", "project", places=sorted(ops & targets)[:5]))
        else:
            out.append(_reason("region_outside", "project", places=list(p.target_places)))
    if p.location_country == e.country or p.location_country in vocab.expand_places(e.places):
        out.append(_reason("region_location", "enterprise", country=p.location_country))
    return out


def _capacity_reason(p: ProjectRecord, e: EnterpriseRecord) -> list:
    lo, hi, sought = e.investment_min_cny, e.investment_max_cny, p.sought_cny
    if not sought or (lo is None and hi is None):
        return [_reason("capacity_unknown", "project")]
    params = {"sought_cny": round(sought), "min_cny": lo and round(lo), "max_cny": hi and round(hi)}
    if hi is not None and sought > hi:
        return [_reason("capacity_below", "project", **params)]
    if lo is not None and sought < lo:
        return [_reason("capacity_above", "project", **params)]
    return [_reason("capacity_within", "project", **params)]


def _corridor_reasons(p: ProjectRecord, e: EnterpriseRecord) -> list:
    corridors = []
    if p.corridors and not e.corridors:
        corridors.append(_reason("corridor_unstated", "project", codes=sorted(p.corridors)))
    elif p.corridors:
        shared = sorted(set(p.corridors) & set(e.corridors))
        missing = sorted(set(p.corridors) - set(e.corridors))
        if shared:
            corridors.append(_reason("corridor_shared", "project", codes=shared))
        if missing:
            corridors.append(_reason("corridor_missing", "project", codes=missing))
    return corridors


def _mode_reasons(p: ProjectRecord, e: EnterpriseRecord) -> list:
    shared_modes = sorted(set(p.modes) & set(e.modes))
    if shared_modes:
        return [_reason("mode_shared", "project", codes=shared_modes)]
    if not e.modes:
        return [_reason("mode_unstated", "project", codes=sorted(p.modes))]
    return [_reason("mode_missing", "project", codes=sorted(p.modes))]


def _ownership_reasons(p: ProjectRecord, e: EnterpriseRecord) -> list:
    if not p.partner_ownership:
        return []
    code = "ownership_sought" if e.ownership in p.partner_ownership else "ownership_not_sought"
    return [_reason(code, "project", ownership=e.ownership)]


def explain_pair(
    *,
    project: ProjectRecord,
    enterprise: EnterpriseRecord,
    status: int,
    sides: Mapping[str, Mapping[str, float]],
    vocab: Vocabulary,
    shared_terms: list[str] | None = None,
) -> list[dict]:
    """Reasons for one pair, the rule first, then components by the points they earned."""
    p, e = project, enterprise
    by_component: dict[str, list] = {
        "sector": _sector_reasons(p, e, sides["sector"]["enterprise"]),
        "region": _region_reasons(p, e, vocab),
        "capacity": _capacity_reason(p, e),
    }
    text_fit = sides["text"]["fit"]
    if shared_terms and text_fit >= TEXT_REASON_MIN_FIT:
        by_component["text"] = [_reason("text_terms", "project", terms=shared_terms[:MAX_TERMS])]
    by_component["corridor"] = _corridor_reasons(p, e)
    by_component["mode"] = _mode_reasons(p, e)
    if p.partner_ownership:
        by_component["ownership"] = _ownership_reasons(p, e)
    order = sorted(by_component, key=lambda c: -sides[c]["points"])
    reasons = _rule_reason(status, p, e, vocab)
    for name in order:
        reasons.extend(by_component[name])
    return reasons


class _Sides:
    """sides[component][key] for pair i, read lazily from column lists (no dict per pair)."""

    __slots__ = ("columns", "i")

    def __init__(self, columns: dict[str, dict[str, list[float]]], i: int) -> None:
        self.columns, self.i = columns, i

    def __getitem__(self, component: str) -> _Side:
        return _Side(self.columns[component], self.i)


class _Side:
    __slots__ = ("column", "i")

    def __init__(self, column: dict[str, list[float]], i: int) -> None:
        self.column, self.i = column, i

    def __getitem__(self, key: str) -> float:
        return self.column[key][self.i]


def explain_pairs(
    scores: PairScores,
    *,
    projects: tuple[ProjectRecord, ...],
    enterprises: tuple[EnterpriseRecord, ...],
    vocab: Vocabulary,
    terms: Mapping[tuple[int, int], list[str]] | None = None,
) -> list[list[dict]]:
    """Reasons for every pair of `scores`, in order."""
    out = []
    columns = {
        n: {side: c[side].tolist() for side in ("enterprise", "fit", "points")}
        for n, c in scores.components.items()
    }
    status = scores.status.tolist()
    terms = terms or {}
    for i, (pr, er) in enumerate(
        zip(scores.project_rows.tolist(), scores.enterprise_rows.tolist(), strict=True)
    ):
        sides = _Sides(columns, i)
        p, e = projects[pr], enterprises[er]
        out.append(
            explain_pair(
                project=p,
                enterprise=e,
                status=status[i],
                sides=sides,
                vocab=vocab,
                shared_terms=terms.get((p.id, e.id)),
            )
        )
    return out


# The components in the order explain_pair lists them before sorting by points (stable).
_ORDER = ("sector", "region", "capacity", "text", "corridor", "mode", "ownership")
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _encoded(reasons: list) -> str:
    return ",".join(_dumps(r) for r in reasons)


def explain_pairs_json(
    scores: PairScores,
    *,
    projects: tuple[ProjectRecord, ...],
    enterprises: tuple[EnterpriseRecord, ...],
    vocab: Vocabulary,
    terms: Mapping[tuple[int, int], list[str]] | None = None,
    cache: dict[str, dict] | None = None,
) -> list[str]:
    """`explain_pairs` as compact JSON text per pair (what the COPY upsert stores), faster.

    Every reason but the capacity and text ones depends on a few fields of the two records
    (sectors, places, modes, corridors, ownership, the rule), which repeat across pairs: each
    distinct combination is explained by the same functions as `explain_pair` and encoded
    once, and the components are ordered by points for all pairs at once with NumPy.
    `json.loads` of each string equals the corresponding `explain_pairs` list (tested).
    Pass the same `cache` dict to successive calls with the same `vocab` to keep the
    encoded fragments (keyed by record values only, so any records may share it).
    """
    n = len(scores.score)
    if n == 0:
        return []
    comps = scores.components
    points = np.stack([comps[c]["points"] for c in _ORDER], axis=1)
    orders = np.argsort(-points, axis=1, kind="stable").tolist()
    low_side = (comps["sector"]["enterprise"].astype(np.float64) < 0.5).tolist()
    text_ok = (comps["text"]["fit"].astype(np.float64) >= TEXT_REASON_MIN_FIT).tolist()
    status = scores.status.tolist()
    terms = terms or {}
    cache = {} if cache is None else cache
    rule_c, sector_c, region_c, corridor_c, mode_c, owner_c = (
        cache.setdefault(name, {})
        for name in ("rule", "sector", "region", "corridor", "mode", "ownership")
    )
    money_c: dict = {}
    out = []
    for i, (pr, er) in enumerate(
        zip(scores.project_rows.tolist(), scores.enterprise_rows.tolist(), strict=True)
    ):
        p, e = projects[pr], enterprises[er]
        rule = ""
        if status[i] != STATUS_ELIGIBLE or (
            e.foreign and p.negative_rule == "chinese_control" and p.location_country == "CN"
        ):
            key = (status[i], p.negative_rule, p.negative_sector, p.modes, e.foreign, e.modes)
            rule = rule_c.get(key)
            if rule is None:
                rule = rule_c[key] = _encoded(_rule_reason(status[i], p, e, vocab))
        key = (p.sectors, e.sectors, low_side[i])
        sector = sector_c.get(key)
        if sector is None:
            side = 0.0 if low_side[i] else 1.0
            sector = sector_c[key] = _encoded(_sector_reasons(p, e, side))
        key = (p.target_places, p.location_country, e.country, e.places)
        region = region_c.get(key)
        if region is None:
            region = region_c[key] = _encoded(_region_reasons(p, e, vocab))
        key = (p.corridors, e.corridors)
        corridor = corridor_c.get(key)
        if corridor is None:
            corridor = corridor_c[key] = _encoded(_corridor_reasons(p, e))
        key = (p.modes, e.modes)
        mode = mode_c.get(key)
        if mode is None:
            mode = mode_c[key] = _encoded(_mode_reasons(p, e))
        key = (p.partner_ownership, e.ownership)
        owner = owner_c.get(key)
        if owner is None:
            owner = owner_c[key] = _encoded(_ownership_reasons(p, e))
        capacity = _capacity_json(p, e, er, money_c)
        text = ""
        if text_ok[i]:
            shared = terms.get((p.id, e.id))
            if shared:
                text = _dumps(_reason("text_terms", "project", terms=shared[:MAX_TERMS]))
        parts = (sector, region, capacity, text, corridor, mode, owner)
        pieces = [rule] if rule else []
        pieces.extend(x for c in orders[i] if (x := parts[c]))
        out.append("[" + ",".join(pieces) + "]")
    return out


def _capacity_json(p: ProjectRecord, e: EnterpriseRecord, er: int, cache: dict) -> str:
    """`_capacity_reason` encoded, with the enterprise's rounded range encoded once."""
    lo, hi, sought = e.investment_min_cny, e.investment_max_cny, p.sought_cny
    if not sought or (lo is None and hi is None):
        return '{"code":"capacity_unknown","side":"project","params":{}}'
    bounds = cache.get(er)
    if bounds is None:
        bounds = cache[er] = (
            f'"min_cny":{_dumps(lo and round(lo))},"max_cny":{_dumps(hi and round(hi))}'
        )
    if hi is not None and sought > hi:
        code = "capacity_below"
    elif lo is not None and sought < lo:
        code = "capacity_above"
    else:
        code = "capacity_within"
    return (
        f'{{"code":"{code}","side":"project","params":{{"sought_cny":{round(sought)},{bounds}}}}}'
    )
