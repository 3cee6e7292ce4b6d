"""Reason codes with parameters for scored pairs (translated outside, in matchmaking/explain.py).

Pure: works on the records and the component values of `engine.pair_scores`. Only the
pairs that are stored are explained, so a per-pair loop here is bounded by K x (P + E).
A reason is a dict: {"code": str, "side": "rule" | "project" | "enterprise", "params": {...}}.
"""

from __future__ import annotations

from collections.abc import Mapping

from matchmaking.scoring.engine import (
    STATUS_CONTROL_NO_MODE,
    STATUS_CONTROL_ONLY,
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
    by_component["corridor"] = corridors
    modes = []
    shared_modes = sorted(set(p.modes) & set(e.modes))
    if shared_modes:
        modes.append(_reason("mode_shared", "project", codes=shared_modes))
    elif not e.modes:
        modes.append(_reason("mode_unstated", "project", codes=sorted(p.modes)))
    else:
        modes.append(_reason("mode_missing", "project", codes=sorted(p.modes)))
    by_component["mode"] = modes
    if p.partner_ownership:
        code = "ownership_sought" if e.ownership in p.partner_ownership else "ownership_not_sought"
        by_component["ownership"] = [_reason(code, "project", ownership=e.ownership)]
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
