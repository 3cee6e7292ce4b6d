"""Encoded enterprise chunks in a storable form, so a worker loads features instead of encoding.

Pure Python + NumPy/SciPy (no Django, no I/O): `pack` encodes enterprises once (one-hot
codes, places, TF-IDF vectors with a given text index), `to_bytes`/`from_bytes` turn a
packed chunk into a compressed blob and back, `merge` swaps a few re-encoded enterprises
in, and `unpack` makes an `EnterpriseBatch` of it for the rates in force.

Amounts are kept in their own currency: `unpack` converts them to CNY with the rates it is
given, vectorised, so a rate change needs no re-encoding. Records (for the reasons) are
built lazily, only for the enterprises a reason is written about.

The blob is a pickle: it is written and read only by this code through the application's
own database table, which is trusted like every other table (never feed it other bytes).
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
from scipy import sparse

from matchmaking.scoring.features import (
    SECTOR_RELATED,
    EnterpriseBatch,
    EnterpriseRecord,
    Vocabulary,
    _expand_sectors,
    enterprise_batch,
)
from matchmaking.scoring.text import TextIndex

# Bump when the layout of PackedChunk changes: stored chunks of another format are rebuilt.
FORMAT = 1
_COMPRESSION = 1  # zlib level: fast to write, and reading is what is hot


@dataclass(frozen=True)
class PackedChunk:
    """Enterprises encoded for scoring, amounts still in their own currency (rows by id)."""

    ids: np.ndarray  # int64
    raw: tuple[tuple, ...]  # EnterpriseRecord fields but the two amounts, per row
    texts: tuple[str, ...]
    amount_lo: np.ndarray  # float64, nan when not given
    amount_hi: np.ndarray
    currency: np.ndarray  # str codes
    sector_bin: np.ndarray  # uint8 E x S
    corridor: np.ndarray  # uint8 E x C
    mode: np.ndarray  # uint8 E x M
    places: sparse.csr_matrix
    ops: sparse.csr_matrix
    hq: np.ndarray
    ownership: np.ndarray
    foreign: np.ndarray
    text: sparse.csr_matrix

    def __len__(self) -> int:
        return len(self.ids)


def pack(
    records: Sequence[EnterpriseRecord],
    texts: Sequence[str],
    *,
    amounts: Sequence[tuple[float | None, float | None, str]],
    vocab: Vocabulary,
    text_index: TextIndex,
) -> PackedChunk:
    """Encode enterprises (their records' CNY amounts are ignored: `amounts` are used)."""
    eb = enterprise_batch(records, texts, vocab=vocab, text_index=text_index)
    order = np.argsort(eb.ids, kind="stable")
    lo = np.array([np.nan if a is None else a for a, _b, _c in amounts], dtype=np.float64)
    hi = np.array([np.nan if b is None else b for _a, b, _c in amounts], dtype=np.float64)
    currency = np.array([c for _a, _b, c in amounts], dtype="<U3")
    raw = tuple(
        (r.id, r.sectors, r.ownership, r.country, r.foreign, r.modes, r.corridors, r.places)
        for r in records
    )
    return PackedChunk(
        ids=eb.ids[order],
        raw=tuple(raw[i] for i in order.tolist()),
        texts=tuple(texts[i] for i in order.tolist()),
        amount_lo=lo[order],
        amount_hi=hi[order],
        currency=currency[order],
        sector_bin=eb.sector_bin[order].astype(np.uint8),
        corridor=eb.corridor[order].astype(np.uint8),
        mode=eb.mode[order].astype(np.uint8),
        places=eb.places[order],
        ops=eb.ops[order],
        hq=eb.hq[order],
        ownership=eb.ownership[order],
        foreign=eb.foreign[order],
        text=eb.text[order],
    )


def merge(old: PackedChunk, new: PackedChunk, *, remove_ids: Sequence[int] = ()) -> PackedChunk:
    """`old` without `remove_ids` and `new`'s ids, plus `new`'s rows, in id order."""
    gone = np.union1d(np.asarray(list(remove_ids), dtype=np.int64), new.ids)
    keep = np.flatnonzero(~np.isin(old.ids, gone))
    order = np.argsort(np.concatenate([old.ids[keep], new.ids]), kind="stable")
    values = {}
    for f in fields(PackedChunk):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if isinstance(a, tuple):
            both = tuple(a[i] for i in keep.tolist()) + b
            values[f.name] = tuple(both[i] for i in order.tolist())
        elif sparse.issparse(a):
            values[f.name] = sparse.vstack([a[keep], b]).tocsr()[order]
        else:
            values[f.name] = np.concatenate([a[keep], b])[order]
    return PackedChunk(**values)


def take(chunk: PackedChunk, rows: np.ndarray) -> PackedChunk:
    """The rows `rows` of a chunk (to split a chunk that grew too large)."""
    rows = np.asarray(rows, dtype=np.int64)
    values = {}
    for f in fields(PackedChunk):
        a = getattr(chunk, f.name)
        values[f.name] = tuple(a[i] for i in rows.tolist()) if isinstance(a, tuple) else a[rows]
    return PackedChunk(**values)


def to_bytes(chunk: PackedChunk) -> bytes:
    state = {f.name: getattr(chunk, f.name) for f in fields(PackedChunk)}
    return zlib.compress(pickle.dumps((FORMAT, state), protocol=5), _COMPRESSION)


def from_bytes(blob: bytes) -> PackedChunk | None:
    """The chunk, or None when it was written in another format (re-encode it)."""
    version, state = pickle.loads(zlib.decompress(blob))  # noqa: S301 - own table, see above
    if version != FORMAT:
        return None
    return PackedChunk(**state)


class LazyRecords(Sequence):
    """EnterpriseRecords with CNY amounts, built on first access (reasons need a few only)."""

    def __init__(self, raw: tuple[tuple, ...], lo_cny: np.ndarray, hi_cny: np.ndarray) -> None:
        self._raw, self._lo, self._hi = raw, lo_cny.tolist(), hi_cny.tolist()
        self._built: dict[int, EnterpriseRecord] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, i):  # an int or a slice, as a tuple takes
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        i = range(len(self))[i]
        record = self._built.get(i)
        if record is None:
            lo, hi = self._lo[i], self._hi[i]
            record = self._built[i] = EnterpriseRecord(
                *self._raw[i],
                investment_min_cny=None if lo != lo else lo,  # nan: not given
                investment_max_cny=None if hi != hi else hi,
            )
        return record

    def __add__(self, other):  # enterprise_batch_merge concatenates records like tuples
        return tuple(self) + tuple(other)


def to_cny(amounts: np.ndarray, currency: np.ndarray, rates: Mapping[str, float]) -> np.ndarray:
    """Amounts in CNY rounded to the fen (nan for none or a currency without a rate)."""
    factor = np.full(len(amounts), np.nan)
    for code in np.unique(currency).tolist():
        rate = 1.0 if code == "CNY" else rates.get(code)
        if rate is not None:
            factor[currency == code] = float(rate)
    out = amounts * factor
    return np.where(currency == "CNY", amounts, np.round(out, 2))


def _log10(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(values), np.where(values == 0, -np.inf, np.nan))


def unpack(
    chunk: PackedChunk, *, vocab: Vocabulary, text_index: TextIndex, rates: Mapping[str, float]
) -> EnterpriseBatch:
    """The chunk as an `EnterpriseBatch`, its capacity bounds converted with `rates`."""
    lo_cny = to_cny(chunk.amount_lo, chunk.currency, rates)
    hi_cny = to_cny(chunk.amount_hi, chunk.currency, rates)
    lo, hi = _log10(lo_cny), _log10(hi_cny)
    cap_known = ~(np.isnan(lo) & np.isnan(hi))
    sector_bin = chunk.sector_bin.astype(np.float32)
    corridor = chunk.corridor.astype(np.float32)
    mode = chunk.mode.astype(np.float32)
    return EnterpriseBatch(
        records=LazyRecords(chunk.raw, lo_cny, hi_cny),
        ids=chunk.ids,
        sector_bin=sector_bin,
        sector_exp=_expand_sectors(sector_bin, vocab.sector_adjacency(), SECTOR_RELATED),
        sector_n=sector_bin.sum(axis=1),
        corridor=corridor,
        corridor_n=corridor.sum(axis=1),
        mode=mode,
        mode_n=mode.sum(axis=1),
        places=chunk.places,
        ops=chunk.ops,
        hq=chunk.hq,
        ownership=chunk.ownership,
        foreign=chunk.foreign,
        cap_lo=np.where(np.isnan(lo), -np.inf, lo).astype(np.float32),
        cap_hi=np.where(np.isnan(hi), np.inf, hi).astype(np.float32),
        cap_known=cap_known,
        text=chunk.text,
        text_index=text_index,
        id_to_row={int(i): n for n, i in enumerate(chunk.ids.tolist())},
    )
