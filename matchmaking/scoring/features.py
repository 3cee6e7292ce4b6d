"""Feature batches the engine scores: records of plain codes in, sparse/dense arrays out.

Pure Python + NumPy/SciPy: no Django, no settings, no I/O. The Django side
(matchmaking/features.py) reads the database in bulk and builds these records; the
benchmark builds them from synthetic data over the same reference codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from scipy import sparse

from matchmaking.scoring.text import TextIndex

# Reason-bearing negative-list levels, strongest last.
RULE_NONE = ""
RULE_CHINESE_CONTROL = "chinese_control"
RULE_PROHIBITED = "prohibited"
_RULE_LEVEL = {RULE_NONE: 0, RULE_CHINESE_CONTROL: 1, RULE_PROHIBITED: 2}


def sector_parent(code: str) -> str:
    return code.split(".", 1)[0]


@dataclass(frozen=True)
class Vocabulary:
    """The code lists every batch is one-hot encoded over, and the place regions."""

    sectors: tuple[str, ...]
    corridors: tuple[str, ...]
    modes: tuple[str, ...]
    ownerships: tuple[str, ...]
    places: tuple[str, ...]  # alpha-2 country codes
    regions: Mapping[str, frozenset[str]]  # region code -> member countries
    control_modes: frozenset[str]
    sector_index: dict[str, int] = field(init=False, repr=False)
    corridor_index: dict[str, int] = field(init=False, repr=False)
    mode_index: dict[str, int] = field(init=False, repr=False)
    ownership_index: dict[str, int] = field(init=False, repr=False)
    place_index: dict[str, int] = field(init=False, repr=False)
    # Memo of expand_places: profiles repeat the same few place lists.
    _expanded: dict[tuple[str, ...], frozenset[str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for name, codes in (
            ("sector_index", self.sectors),
            ("corridor_index", self.corridors),
            ("mode_index", self.modes),
            ("ownership_index", self.ownerships),
            ("place_index", self.places),
        ):
            object.__setattr__(self, name, {code: i for i, code in enumerate(codes)})

    @classmethod
    def build(
        cls,
        *,
        sectors: Sequence[str],
        corridors: Sequence[str],
        modes: Sequence[str],
        ownerships: Sequence[str],
        countries: Sequence[str],
        regions: Mapping[str, frozenset[str]],
        control_modes: frozenset[str],
    ) -> Vocabulary:
        places = set(countries)
        for members in regions.values():
            places |= members
        return cls(
            sectors=tuple(sectors),
            corridors=tuple(corridors),
            modes=tuple(modes),
            ownerships=tuple(ownerships),
            places=tuple(sorted(places)),
            regions=dict(regions),
            control_modes=control_modes,
        )

    def expand_places(self, codes: Sequence[str]) -> frozenset[str]:
        """Country codes a list of places stands for (region codes replaced by their members)."""
        key = tuple(codes)
        cached = self._expanded.get(key)
        if cached is None:
            cached = self._expanded[key] = self._expand(key)
        return cached

    def _expand(self, codes: Sequence[str]) -> frozenset[str]:
        out: set[str] = set()
        for code in codes:
            members = self.regions.get(code)
            if members is not None:
                out |= members
            else:
                out.add(code)
        return frozenset(out)

    def sector_adjacency(self) -> sparse.csr_matrix:
        """S x S: 1 where one code is the parent of the other (both directions)."""
        rows, cols = [], []
        for code, i in self.sector_index.items():
            if "." in code:
                parent = self.sector_index.get(sector_parent(code))
                if parent is not None:
                    rows += [i, parent]
                    cols += [parent, i]
        n = len(self.sectors)
        data = np.ones(len(rows), dtype=np.float32)
        return sparse.csr_matrix((data, (rows, cols)), shape=(n, n))


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: int
    owner_id: int
    sectors: tuple[str, ...]
    modes: tuple[str, ...]
    corridors: tuple[str, ...] = ()
    target_places: tuple[str, ...] = ()  # countries and region codes; empty = anywhere
    partner_ownership: tuple[str, ...] = ()  # empty = any
    sought_cny: float | None = None
    location_country: str = "CN"
    negative_rule: str = RULE_NONE
    negative_sector: str = ""


@dataclass(frozen=True, slots=True)
class EnterpriseRecord:
    id: int
    sectors: tuple[str, ...]
    ownership: str
    country: str
    foreign: bool
    modes: tuple[str, ...] = ()
    corridors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # operating countries and region codes (not the HQ)
    investment_min_cny: float | None = None
    investment_max_cny: float | None = None


def negative_rule_for(sectors: Sequence[str], rules: Mapping[str, str]) -> tuple[str, str]:
    """The strongest negative-list rule over a project's sectors, and the sector it sits on.

    A rule on a parent covers its children; a rule on a child does not cover a project
    that names only the bare parent (the project is not necessarily in that child).
    """
    best, best_sector = RULE_NONE, ""
    for code in sorted(sectors):
        for candidate in (code, sector_parent(code)):
            rule = rules.get(candidate, RULE_NONE)
            if _RULE_LEVEL[rule] > _RULE_LEVEL[best]:
                best, best_sector = rule, candidate
    return best, best_sector


def _one_hot(
    lists: Sequence[Sequence[str]], index: Mapping[str, int], *, dense: bool = True
) -> np.ndarray | sparse.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for r, codes in enumerate(lists):
        for code in set(codes):
            c = index.get(code)
            if c is not None:
                rows.append(r)
                cols.append(c)
    m = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(lists), len(index))
    )
    return m.toarray() if dense else m


def _expand_sectors(binary: np.ndarray, adjacency: sparse.csr_matrix, related: float) -> np.ndarray:
    """Tree expansion: 1 for a code a profile names, `related` for its parent or children."""
    near = (adjacency @ binary.T).T > 0
    return np.where(binary > 0, np.float32(1), np.where(near, np.float32(related), 0)).astype(
        np.float32
    )


def _log10_or_nan(values: Sequence[float | None]) -> np.ndarray:
    out = np.full(len(values), np.nan, dtype=np.float64)
    for i, v in enumerate(values):
        if v is not None and v > 0:
            out[i] = np.log10(v)
        elif v is not None:
            out[i] = -np.inf  # zero: a lower bound of nothing
    return out


SECTOR_RELATED = 0.5  # a parent matches its child (and a child its parent) this much


@dataclass(frozen=True)
class EnterpriseBatch:
    """E enterprises as feature arrays (rows in the order of `records`)."""

    records: tuple[EnterpriseRecord, ...]
    ids: np.ndarray
    sector_bin: np.ndarray  # E x S
    sector_exp: np.ndarray  # E x S tree-expanded
    sector_n: np.ndarray  # E
    corridor: np.ndarray  # E x C
    corridor_n: np.ndarray
    mode: np.ndarray  # E x M
    mode_n: np.ndarray
    places: sparse.csr_matrix  # E x L: HQ + operating places, expanded
    ops: sparse.csr_matrix  # E x L: operating places only, expanded
    hq: np.ndarray  # E: index of the HQ country in the place vocabulary (-1 unknown)
    ownership: np.ndarray  # E: index in the ownership vocabulary (-1 unknown)
    foreign: np.ndarray  # E bool
    cap_lo: np.ndarray  # E log10 CNY, -inf when only a maximum is given
    cap_hi: np.ndarray  # E log10 CNY, +inf when only a minimum is given
    cap_known: np.ndarray  # E bool: at least one bound
    text: sparse.csr_matrix  # E x H, TF-IDF, rows L2-normalised
    text_index: TextIndex
    id_to_row: dict[int, int]

    def __len__(self) -> int:
        return len(self.records)


@dataclass(frozen=True)
class ProjectBatch:
    """P projects as feature arrays, encoded against an enterprise batch's text index."""

    records: tuple[ProjectRecord, ...]
    ids: np.ndarray
    sector_bin: np.ndarray  # P x S
    sector_exp: np.ndarray
    sector_n: np.ndarray
    corridor: np.ndarray
    corridor_n: np.ndarray
    mode: np.ndarray
    mode_n: np.ndarray
    mode_free: np.ndarray  # P x M: the modes it asks for that need no control
    targets: np.ndarray  # P x L bool, expanded target places
    targets_any: np.ndarray  # P bool: empty target list = anywhere
    location: np.ndarray  # P: place index of the location country
    location_cn: np.ndarray  # P bool
    ownership_ok: np.ndarray  # P x O bool (all True when any ownership is welcome)
    sought_log: np.ndarray  # P log10 CNY (nan when unknown or zero)
    rule: np.ndarray  # P int8: 0 none, 1 chinese_control, 2 prohibited
    owner_id: np.ndarray  # P: enterprise id of the owner (compared by id, so any chunk works)
    text: sparse.csr_matrix  # P x H

    def __len__(self) -> int:
        return len(self.records)


def enterprise_batch(
    records: Sequence[EnterpriseRecord],
    texts: Sequence[str],
    *,
    vocab: Vocabulary,
    text_index: TextIndex | None = None,
) -> EnterpriseBatch:
    """Encode enterprises; the text IDF is fitted on `texts` unless `text_index` is given."""
    records = tuple(records)
    sector_bin = _one_hot([r.sectors for r in records], vocab.sector_index)
    sector_exp = _expand_sectors(sector_bin, vocab.sector_adjacency(), SECTOR_RELATED)
    corridor = _one_hot([r.corridors for r in records], vocab.corridor_index)
    mode = _one_hot([r.modes for r in records], vocab.mode_index)
    ops_lists = [vocab.expand_places(r.places) for r in records]
    ops = _one_hot(ops_lists, vocab.place_index, dense=False)
    places = _one_hot(
        [ops_lists[i] | {r.country} for i, r in enumerate(records)],
        vocab.place_index,
        dense=False,
    )
    lo = _log10_or_nan([r.investment_min_cny for r in records])
    hi = _log10_or_nan([r.investment_max_cny for r in records])
    cap_known = ~(np.isnan(lo) & np.isnan(hi))
    lo = np.where(np.isnan(lo), -np.inf, lo)
    hi = np.where(np.isnan(hi), np.inf, hi)
    if text_index is None:
        text_index, text = TextIndex.fit_transform(texts)
    else:
        text = text_index.transform(texts)
    ids = np.fromiter((r.id for r in records), dtype=np.int64, count=len(records))
    return EnterpriseBatch(
        records=records,
        ids=ids,
        sector_bin=sector_bin,
        sector_exp=sector_exp,
        sector_n=sector_bin.sum(axis=1),
        corridor=corridor,
        corridor_n=corridor.sum(axis=1),
        mode=mode,
        mode_n=mode.sum(axis=1),
        places=places,
        ops=ops,
        hq=np.array([vocab.place_index.get(r.country, -1) for r in records], dtype=np.int64),
        ownership=np.array(
            [vocab.ownership_index.get(r.ownership, -1) for r in records], dtype=np.int64
        ),
        foreign=np.array([r.foreign for r in records], dtype=bool),
        cap_lo=lo.astype(np.float32),
        cap_hi=hi.astype(np.float32),
        cap_known=cap_known,
        text=text,
        text_index=text_index,
        id_to_row={int(i): n for n, i in enumerate(ids)},
    )


def project_batch(
    records: Sequence[ProjectRecord],
    texts: Sequence[str],
    *,
    vocab: Vocabulary,
    enterprises: EnterpriseBatch | None = None,
    text_index: TextIndex | None = None,
) -> ProjectBatch:
    """Encode projects; texts with `text_index` (default: the enterprises' index)."""
    records = tuple(records)
    text_index = text_index or enterprises.text_index
    sector_bin = _one_hot([r.sectors for r in records], vocab.sector_index)
    mode = _one_hot([r.modes for r in records], vocab.mode_index)
    corridor = _one_hot([r.corridors for r in records], vocab.corridor_index)
    mode_free = _one_hot(
        [[m for m in r.modes if m not in vocab.control_modes] for r in records], vocab.mode_index
    )
    targets = _one_hot([vocab.expand_places(r.target_places) for r in records], vocab.place_index)
    n_own = len(vocab.ownerships)
    ownership_ok = np.ones((len(records), n_own), dtype=bool)
    for i, r in enumerate(records):
        if r.partner_ownership:
            ownership_ok[i] = False
            for code in r.partner_ownership:
                j = vocab.ownership_index.get(code)
                if j is not None:
                    ownership_ok[i, j] = True
    sought = _log10_or_nan([r.sought_cny for r in records])
    sought = np.where(np.isinf(sought), np.nan, sought)
    return ProjectBatch(
        records=records,
        ids=np.fromiter((r.id for r in records), dtype=np.int64, count=len(records)),
        sector_bin=sector_bin,
        sector_exp=_expand_sectors(sector_bin, vocab.sector_adjacency(), SECTOR_RELATED),
        sector_n=sector_bin.sum(axis=1),
        corridor=corridor,
        corridor_n=corridor.sum(axis=1),
        mode=mode,
        mode_n=mode.sum(axis=1),
        mode_free=mode_free,
        targets=targets > 0,
        targets_any=np.array([not r.target_places for r in records], dtype=bool),
        location=np.array(
            [vocab.place_index.get(r.location_country, -1) for r in records], dtype=np.int64
        ),
        location_cn=np.array([r.location_country == "CN" for r in records], dtype=bool),
        ownership_ok=ownership_ok,
        sought_log=sought.astype(np.float32),
        rule=np.array([_RULE_LEVEL[r.negative_rule] for r in records], dtype=np.int8),
        owner_id=np.array([r.owner_id for r in records], dtype=np.int64),
        text=text_index.transform(texts),
    )


def enterprise_batch_merge(
    old: EnterpriseBatch, new: EnterpriseBatch, *, remove_ids: Sequence[int] = ()
) -> tuple[EnterpriseBatch, np.ndarray]:
    """`old` without the rows of `remove_ids` and of `new`'s ids, with `new`'s rows appended.

    Keeps `old`'s text index (its IDF), so a few changed profiles are encoded without
    refitting on every description. Returns the merged batch and the rows of `old` kept.
    """
    gone = np.union1d(np.asarray(list(remove_ids), dtype=np.int64), new.ids)
    keep = np.flatnonzero(~np.isin(old.ids, gone))
    values = {}
    for f in fields(EnterpriseBatch):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if f.name == "records":
            values[f.name] = tuple(a[i] for i in keep.tolist()) + b
        elif f.name in ("text_index", "id_to_row"):
            continue
        elif sparse.issparse(a):
            values[f.name] = sparse.vstack([a[keep], b]).tocsr()
        else:
            values[f.name] = np.concatenate([a[keep], b])
    values["text_index"] = old.text_index
    values["id_to_row"] = {int(i): n for n, i in enumerate(values["ids"])}
    return EnterpriseBatch(**values), keep
