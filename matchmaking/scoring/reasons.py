"""Reason codes with parameters for scored pairs (translated outside, in matchmaking/explain.py).

Pure: works on the records and the component values of `engine.pair_scores`. Only the
pairs that are stored are explained, so a per-pair loop here is bounded by K x (P + E).
A reason is a dict: {"code": str, "side": "rule" | "project" | "enterprise", "params": {...}}.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

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
    projects: Sequence[ProjectRecord],
    enterprises: Sequence[EnterpriseRecord],
    vocab: Vocabulary,
    terms: Mapping[tuple[int, int], list[str]] | None = None,
    pair_terms: Sequence[Sequence[str]] | None = None,
    cache: dict | None = None,
) -> list[str]:
    """`explain_pairs` as compact JSON text per pair (what the COPY upsert stores), faster.

    Every reason but the capacity and text ones depends on a few fields of the two records
    (sectors, places, modes, corridors, ownership, the rule), which repeat across pairs. The
    fields are interned as small integers once per record, each pair gets one integer key
    per component (NumPy), each distinct key is explained by the same functions as
    `explain_pair` and encoded once, and the fragments are put in points order and joined
    column by column (object arrays), not pair by pair.
    `json.loads` of each string equals the corresponding `explain_pairs` list (tested).
    The shared terms of a pair come from `pair_terms` (one sequence per pair, rarest first)
    or else from `terms` (keyed by project and enterprise id).
    Pass the same `cache` dict to successive calls with the same `vocab` to keep the
    encoded fragments and the interned fields (checked by identity of the record sequences).
    """
    n = len(scores.score)
    if n == 0:
        return []
    cache = {} if cache is None else cache
    if cache.get("vocab") is not vocab:  # everything cached is per vocabulary
        cache.clear()
        cache["vocab"] = vocab
        cache["interned"] = {"sector_bits": _sector_bits(cache, vocab)}
    pr = scores.project_rows.astype(np.int64)
    er = scores.enterprise_rows.astype(np.int64)
    pk = _keys(cache, "projects", projects, np.unique(pr), _project_keys)
    ek = _keys(cache, "enterprises", enterprises, np.unique(er), _enterprise_keys)
    comps = scores.components
    status = scores.status.astype(np.int64)
    low = comps["sector"]["enterprise"].astype(np.float64) < 0.5
    text_ok = comps["text"]["fit"].astype(np.float64) >= TEXT_REASON_MIN_FIT

    def fragments(name: str, codes: np.ndarray, make, rows: np.ndarray | None = None) -> np.ndarray:
        """Each pair's encoded fragment of `name` (",{...}" or ""), one `make` per new key."""
        table = cache.setdefault(name, {})
        unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        at = np.arange(n) if rows is None else rows
        values = []
        for code, i in zip(unique.tolist(), first.tolist(), strict=True):
            found = table.get(code)
            if found is None:
                p, e = projects[int(pr[at[i]])], enterprises[int(er[at[i]])]
                encoded = _encoded(make(p, e, at[i]))
                found = table[code] = "," + encoded if encoded else ""
            values.append(found)
        return np.array(values, dtype=object)[inverse.ravel()]

    p_of, e_of = pk[pr], ek[er]
    parts = np.empty((n, len(_ORDER)), dtype=object)
    sector_bits = _sector_bits(cache, vocab)
    if (
        sector_bits is not None
        and (p_of[:, _P_SBITS] >= 0).all()
        and (e_of[:, _E_SBITS] >= 0).all()
    ):
        parts[:, 0] = _sector_column(cache, vocab, p_of, e_of, low)
    else:  # a code outside the vocabulary: one explanation per distinct pair of code lists
        parts[:, 0] = fragments(
            "sector",
            (p_of[:, _P_SECTORS] << 32) | (e_of[:, _E_SECTORS] << 1) | low,
            lambda p, e, i: _sector_reasons(p, e, 0.0 if low[i] else 1.0),
        )
    parts[:, 1] = fragments(
        "region",
        (p_of[:, _P_REGION] << 32) | e_of[:, _E_REGION],
        lambda p, e, i: _region_reasons(p, e, vocab),
    )
    parts[:, 2] = _capacity_column(cache, projects, enterprises, pr, er, pk, ek)
    parts[:, 3] = _text_column(scores, text_ok, projects, enterprises, terms, pair_terms, cache)
    parts[:, 4] = fragments(
        "corridor",
        (p_of[:, _P_CORRIDORS] << 32) | e_of[:, _E_CORRIDORS],
        lambda p, e, i: _corridor_reasons(p, e),
    )
    parts[:, 5] = fragments(
        "mode",
        (p_of[:, _P_MODES] << 32) | e_of[:, _E_MODES],
        lambda p, e, i: _mode_reasons(p, e),
    )
    parts[:, 6] = fragments(
        "ownership",
        (p_of[:, _P_OWNERSHIP] << 32) | e_of[:, _E_OWNERSHIP],
        lambda p, e, i: _ownership_reasons(p, e),
    )
    points = np.stack([comps[c]["points"] for c in _ORDER], axis=1)
    ordered = np.take_along_axis(parts, np.argsort(-points, axis=1, kind="stable"), axis=1)
    joined = np.full(n, "", dtype=object)
    ruled = np.flatnonzero(
        (status != STATUS_ELIGIBLE) | ((e_of[:, _E_FOREIGN] == 1) & (p_of[:, _P_CONTROL_CN] == 1))
    )
    if ruled.size:
        joined[ruled] = fragments(
            "rule",
            (status[ruled] << 56)
            | (p_of[ruled, _P_RULE] << 33)
            | (e_of[ruled, _E_FOREIGN] << 32)
            | e_of[ruled, _E_MODES],
            lambda p, e, i: _rule_reason(int(status[i]), p, e, vocab),
            rows=ruled,
        )
    for column in range(len(_ORDER)):
        joined += ordered[:, column]
    return ["[" + text[1:] + "]" for text in joined.tolist()]


def explain_cache_trim(cache: dict, max_entries: int) -> None:
    """Drop every table of encoded fragments in an `explain_pairs_json` cache that holds more
    than `max_entries` (they grow with the distinct pairs explained); the interned fields the
    fragments' keys are made of stay, so the next call encodes the same fragments again."""
    for name, held in list(cache.items()):
        if name != "interned" and isinstance(held, dict) and len(held) > max_entries:
            del cache[name]


# Columns of the interned record fields (see `_project_keys` / `_enterprise_keys`).
(
    _P_SECTORS,
    _P_REGION,
    _P_CORRIDORS,
    _P_MODES,
    _P_OWNERSHIP,
    _P_RULE,
    _P_CONTROL_CN,
    _P_SBITS,
    _P_SADJ,
) = range(9)
_E_SECTORS, _E_REGION, _E_CORRIDORS, _E_MODES, _E_OWNERSHIP, _E_FOREIGN, _E_SBITS, _E_SADJ = range(
    8
)


def _sector_bits(cache: dict, vocab: Vocabulary) -> tuple[dict[str, int], list[int]] | None:
    """Bit of each sector code and, per bit, the bits of its related codes (parent/child).

    None when the vocabulary has more codes than an int64 holds bits.
    """
    held = cache.get("sector_bits")
    if held is None or held[0] is not vocab:
        codes = vocab.sectors
        if len(codes) > 62:
            held = cache["sector_bits"] = (vocab, None)
        else:
            bit = {code: i for i, code in enumerate(codes)}
            related = [
                sum(1 << j for j, other in enumerate(codes) if _related(code, other))
                for code in codes
            ]
            held = cache["sector_bits"] = (vocab, (bit, related))
    return held[1]


def _sector_masks(tables: dict, sectors: tuple[str, ...]) -> tuple[int, int]:
    """(bits of the codes, bits of the codes related to any of them), or (-1, -1)."""
    bits = tables.get("sector_bits")
    if bits is None:
        return -1, -1
    bit, related = bits
    own = adjacent = 0
    for code in sectors:
        i = bit.get(code)
        if i is None:
            return -1, -1
        own |= 1 << i
        adjacent |= related[i]
    return own, adjacent


def _sector_column(
    cache: dict, vocab: Vocabulary, p_of: np.ndarray, e_of: np.ndarray, low: np.ndarray
) -> np.ndarray:
    """`_sector_reasons` of every pair, encoded (",[...]"), from the codes' bit masks.

    Same codes = p & e; related = codes of the project's not in e that are related to one
    of e's; the breadth reason counts e's codes that are the project's or related to one.
    Each distinct (same, related, none, breadth) outcome is encoded once.
    """
    p_bits, p_adj = p_of[:, _P_SBITS], p_of[:, _P_SADJ]
    e_bits, e_adj = e_of[:, _E_SBITS], e_of[:, _E_SADJ]
    same = p_bits & e_bits
    related = p_bits & ~e_bits & e_adj
    none = np.where((same == 0) & (related == 0), p_bits, 0)
    total = np.bitwise_count(e_bits).astype(np.int64)
    matched = np.bitwise_count(e_bits & (p_bits | p_adj)).astype(np.int64)
    breadth = np.where((total > 1) & low, (1 << 16) | (matched << 8) | total, 0)
    keys = np.ascontiguousarray(np.stack([same, related, none, breadth], axis=1))
    unique, inverse = np.unique(keys.view(np.dtype((np.void, 32))).ravel(), return_inverse=True)
    table = cache.setdefault("sector_outcomes", {})
    codes = vocab.sectors

    def names(mask: int) -> list[str]:
        return sorted(codes[i] for i in range(len(codes)) if mask >> i & 1)

    values = []
    for key in np.frombuffer(unique.tobytes(), dtype=np.int64).reshape(-1, 4).tolist():
        found = table.get(tuple(key))
        if found is None:
            s_mask, r_mask, n_mask, b = key
            out = []
            if s_mask:
                out.append(_reason("sector_same", "project", codes=names(s_mask)))
            if r_mask:
                out.append(_reason("sector_related", "project", codes=names(r_mask)))
            if not s_mask and not r_mask:
                out.append(_reason("sector_none", "project", codes=names(n_mask)))
            if b:
                out.append(
                    _reason("sector_breadth", "enterprise", matched=(b >> 8) & 0xFF, total=b & 0xFF)
                )
            found = table[tuple(key)] = "," + _encoded(out)
        values.append(found)
    return np.array(values, dtype=object)[inverse.ravel()]


def _intern(table: dict, value) -> int:
    found = table.get(value)
    if found is None:
        found = table[value] = len(table)
    return found


def _project_keys(tables: dict, p: ProjectRecord) -> tuple[int, ...]:
    return (
        _intern(tables.setdefault("p_sectors", {}), p.sectors),
        _intern(tables.setdefault("p_region", {}), (p.target_places, p.location_country)),
        _intern(tables.setdefault("p_corridors", {}), p.corridors),
        _intern(tables.setdefault("modes", {}), p.modes),
        _intern(tables.setdefault("p_ownership", {}), p.partner_ownership),
        _intern(
            tables.setdefault("p_rule", {}),
            (p.negative_rule, p.negative_sector, p.modes, p.location_country),
        ),
        int(p.negative_rule == "chinese_control" and p.location_country == "CN"),
        *_sector_masks(tables, p.sectors),
    )


def _enterprise_keys(tables: dict, e: EnterpriseRecord) -> tuple[int, ...]:
    return (
        _intern(tables.setdefault("e_sectors", {}), e.sectors),
        _intern(tables.setdefault("e_region", {}), (e.country, e.places)),
        _intern(tables.setdefault("e_corridors", {}), e.corridors),
        _intern(tables.setdefault("modes", {}), e.modes),
        _intern(tables.setdefault("e_ownership", {}), e.ownership),
        int(bool(e.foreign)),
        *_sector_masks(tables, e.sectors),
    )


def _keys(cache: dict, name: str, records: Sequence, rows: np.ndarray, make) -> np.ndarray:
    """Interned fields of `records` (a row per record; filled for `rows` as needed).

    Remembered for the last `records` sequence seen under `name` (by identity: the cache
    holds a reference to it, so its id cannot be reused while remembered).
    """
    tables = cache.setdefault("interned", {})
    held = cache.get(name)
    if held is None or held[0] is not records:
        width = len(make(tables, records[int(rows[0])]))
        held = cache[name] = (records, np.full((len(records), width), -1, dtype=np.int64))
    keys = held[1]
    for row in rows[keys[rows, 0] < 0].tolist():
        keys[row] = make(tables, records[row])
    return keys


def _capacity_column(
    cache: dict,
    projects: Sequence[ProjectRecord],
    enterprises: Sequence[EnterpriseRecord],
    pr: np.ndarray,
    er: np.ndarray,
    pk: np.ndarray,
    ek: np.ndarray,
) -> np.ndarray:
    """`_capacity_reason` of every pair, encoded (",{...}"), from per-record strings."""
    held = cache.get("capacity")
    if held is None or held[0] is not projects or held[1] is not enterprises:
        held = cache["capacity"] = (projects, enterprises, {}, {})
    p_parts, e_parts = held[2], held[3]
    for row in np.unique(pr).tolist():
        if row not in p_parts:
            sought = projects[row].sought_cny
            p_parts[row] = (
                bool(sought),
                np.nan if sought is None else float(sought),
                f"{round(sought)}," if sought else "",
            )
    for row in np.unique(er).tolist():
        if row not in e_parts:
            e = enterprises[row]
            lo, hi = e.investment_min_cny, e.investment_max_cny
            e_parts[row] = (
                lo is None and hi is None,
                np.nan if lo is None else float(lo),
                np.nan if hi is None else float(hi),
                f'"min_cny":{_dumps(lo and round(lo))},"max_cny":{_dumps(hi and round(hi))}}}}}',
            )
    p_list = [p_parts[row] for row in pr.tolist()]
    e_list = [e_parts[row] for row in er.tolist()]
    sought_ok = np.fromiter((v[0] for v in p_list), dtype=bool, count=len(p_list))
    sought = np.fromiter((v[1] for v in p_list), dtype=np.float64, count=len(p_list))
    unknown = np.fromiter((v[0] for v in e_list), dtype=bool, count=len(e_list))
    lo = np.fromiter((v[1] for v in e_list), dtype=np.float64, count=len(e_list))
    hi = np.fromiter((v[2] for v in e_list), dtype=np.float64, count=len(e_list))
    with np.errstate(invalid="ignore"):
        below = ~np.isnan(hi) & (sought > hi)
        above = ~below & ~np.isnan(lo) & (sought < lo)
    code = np.where(below, 1, np.where(above, 2, 3))
    code[~sought_ok | unknown] = 0
    heads = np.array(
        [
            "",
            ',{"code":"capacity_below","side":"project","params":{"sought_cny":',
            ',{"code":"capacity_above","side":"project","params":{"sought_cny":',
            ',{"code":"capacity_within","side":"project","params":{"sought_cny":',
        ],
        dtype=object,
    )
    out = np.empty(len(pr), dtype=object)
    known = np.flatnonzero(code > 0)
    out[code == 0] = ',{"code":"capacity_unknown","side":"project","params":{}}'
    if known.size:
        p_text = np.array([v[2] for v in p_list], dtype=object)
        e_text = np.array([v[3] for v in e_list], dtype=object)
        out[known] = heads[code[known]] + p_text[known] + e_text[known]
    return out


def _text_column(
    scores: PairScores,
    text_ok: np.ndarray,
    projects: Sequence[ProjectRecord],
    enterprises: Sequence[EnterpriseRecord],
    terms: Mapping[tuple[int, int], list[str]] | None,
    pair_terms: Sequence[Sequence[str]] | None,
    cache: dict,
) -> np.ndarray:
    """The text reason of every pair (",{...}" or "" when the fit is low or none is shared)."""
    out = np.full(len(text_ok), "", dtype=object)
    rows = np.flatnonzero(text_ok).tolist()
    if pair_terms is None:
        terms = terms or {}
        p_rows, e_rows = scores.project_rows.tolist(), scores.enterprise_rows.tolist()
        found = [terms.get((projects[p_rows[i]].id, enterprises[e_rows[i]].id)) for i in rows]
    else:
        found = [pair_terms[i] for i in rows]
    head = ',{"code":"text_terms","side":"project","params":{"terms":['
    encoded = cache.setdefault("text", {})
    for i, shared in zip(rows, found, strict=True):
        if shared:
            key = tuple(shared[:MAX_TERMS])
            text = encoded.get(key)
            if text is None:
                text = encoded[key] = head + ",".join(_dumps(t) for t in key) + "]}}"
            out[i] = text
    return out
