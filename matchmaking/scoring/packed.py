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
from dataclasses import dataclass, fields, replace

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
FORMAT = 2
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
    places: sparse.csr_matrix  # bool
    ops: sparse.csr_matrix  # bool
    hq: np.ndarray
    ownership: np.ndarray
    foreign: np.ndarray
    text: sparse.csr_matrix

    def __len__(self) -> int:
        return len(self.ids)


def _strs(codes: Sequence[str]) -> tuple[str, ...]:
    """Plain str codes (not NumPy strings, which pickle slowly)."""
    return tuple(str(c) for c in codes)


def raw_of(r: EnterpriseRecord) -> tuple:
    """The fields of a record but its two amounts, as plain Python values."""
    return (
        int(r.id),
        _strs(r.sectors),
        str(r.ownership),
        str(r.country),
        bool(r.foreign),
        _strs(r.modes),
        _strs(r.corridors),
        _strs(r.places),
    )


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
    raw = tuple(raw_of(r) for r in records)
    return PackedChunk(
        ids=eb.ids[order],
        raw=tuple(raw[i] for i in order.tolist()),
        texts=tuple(str(texts[i]) for i in order.tolist()),
        amount_lo=lo[order],
        amount_hi=hi[order],
        currency=currency[order],
        sector_bin=eb.sector_bin[order].astype(np.uint8),
        corridor=eb.corridor[order].astype(np.uint8),
        mode=eb.mode[order].astype(np.uint8),
        places=eb.places[order].astype(bool),  # one-hot: 1 byte per entry, not 4
        ops=eb.ops[order].astype(bool),
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


_DETAILS = ("raw", "texts")


def to_bytes(chunk: PackedChunk) -> tuple[bytes, bytes]:
    """Two blobs: what scoring needs, and the details (records, texts) only reasons need."""
    state = {f.name: getattr(chunk, f.name) for f in fields(PackedChunk) if f.name not in _DETAILS}
    details = (chunk.raw, chunk.texts)
    return (
        zlib.compress(pickle.dumps((FORMAT, state), protocol=5), _COMPRESSION),
        zlib.compress(pickle.dumps((FORMAT, details), protocol=5), _COMPRESSION),
    )


def _loads(blob: bytes):
    version, value = pickle.loads(zlib.decompress(blob))  # noqa: S301 - own table, see above
    return value if version == FORMAT else None


def from_bytes(blob: bytes, details: bytes | None = None) -> PackedChunk | None:
    """The chunk, or None when it was written in another format (re-encode it).

    Without `details`, its `raw` and `texts` are None: `unpack` takes a loader for them.
    """
    state = _loads(blob)
    if state is None:
        return None
    raw, texts = (None, None) if details is None else (_loads(details) or (None, None))
    return PackedChunk(raw=raw, texts=texts, **state)


def load_details(blob: bytes) -> tuple[tuple[tuple, ...], tuple[str, ...]] | None:
    """The (raw records, texts) of a details blob."""
    return _loads(blob)


class Details:
    """Records (with CNY amounts) and texts of a chunk, decoded on first use.

    Only reasons need them, and a single-project rescore needs them for a few hundred
    enterprises: `provide` fills single rows (e.g. read from the database), and the whole
    details blob is decoded (`load`) only when a row nobody provided is asked for.
    """

    def __init__(self, n: int, load, lo_cny: np.ndarray, hi_cny: np.ndarray) -> None:
        self._n, self._load = n, load
        self._lo, self._hi = lo_cny.tolist(), hi_cny.tolist()
        self._all: tuple[tuple[tuple, ...], tuple[str, ...]] | None = None
        self._rows: dict[int, tuple[tuple, str]] = {}
        self._records: dict[int, EnterpriseRecord] = {}

    @property
    def loaded(self) -> bool:
        return self._all is not None

    def provide(self, rows: Sequence[int], raws: Sequence[tuple], texts: Sequence[str]) -> None:
        for row, raw, text in zip(rows, raws, texts, strict=True):
            self._rows[int(row)] = (raw, text)

    def missing(self, rows: Sequence[int]) -> list[int]:
        if self._all is not None:
            return []
        return [int(r) for r in rows if int(r) not in self._rows]

    def _get(self, i: int) -> tuple[tuple, str]:
        found = self._rows.get(i)
        if found is not None:
            return found
        if self._all is None:
            self._all = self._load()
        return self._all[0][i], self._all[1][i]

    def record(self, i: int) -> EnterpriseRecord:
        record = self._records.get(i)
        if record is None:
            lo, hi = self._lo[i], self._hi[i]
            record = self._records[i] = EnterpriseRecord(
                *self._get(i)[0],
                investment_min_cny=None if lo != lo else lo,  # nan: not given
                investment_max_cny=None if hi != hi else hi,
            )
        return record

    def text(self, i: int) -> str:
        return self._get(i)[1]

    def __len__(self) -> int:
        return self._n

    def amounts(self) -> tuple[np.ndarray, np.ndarray]:
        """The CNY bounds of every row (nan: not given)."""
        return np.array(self._lo, dtype=np.float64), np.array(self._hi, dtype=np.float64)

    def patched(
        self, rows: np.ndarray, fresh: Details, lo_cny: np.ndarray, hi_cny: np.ndarray
    ) -> Details:
        """These details with rows `rows` replaced by the rows 0.. of `fresh`.

        The rows not replaced keep what was decoded or provided; the replaced ones are
        provided from `fresh`, so the stored details blob (loaded lazily as before) is never
        read for them.
        """
        out = Details(self._n, self._load, lo_cny, hi_cny)
        out._all = self._all
        replaced = set(rows.tolist())
        out._rows = {i: v for i, v in self._rows.items() if i not in replaced}
        for j, row in enumerate(rows.tolist()):
            out._rows[row] = fresh._get(j)
        return out


class LazyRecords(Sequence):
    """The records of a chunk as a sequence (what `EnterpriseBatch.records` is indexed as)."""

    def __init__(self, details: Details) -> None:
        self.details = details

    def __len__(self) -> int:
        return len(self.details)

    def __getitem__(self, i):  # an int or a slice, as a tuple takes
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        return self.details.record(range(len(self))[i])

    def __add__(self, other):  # enterprise_batch_merge concatenates records like tuples
        return tuple(self) + tuple(other)


class LazyTexts(Sequence):
    """The texts of a chunk as a sequence."""

    def __init__(self, details: Details) -> None:
        self.details = details

    def __len__(self) -> int:
        return len(self.details)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        return self.details.text(range(len(self))[i])


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
    chunk: PackedChunk,
    *,
    vocab: Vocabulary,
    text_index: TextIndex,
    rates: Mapping[str, float],
    details=None,
) -> EnterpriseBatch:
    """The chunk as an `EnterpriseBatch`, its capacity bounds converted with `rates`.

    Its records are lazy (`Details`): from the chunk when it has them, else from `details`,
    a callable returning (raw records, texts), called on first need.
    """
    lo_cny = to_cny(chunk.amount_lo, chunk.currency, rates)
    hi_cny = to_cny(chunk.amount_hi, chunk.currency, rates)
    lo, hi = _log10(lo_cny), _log10(hi_cny)
    cap_known = ~(np.isnan(lo) & np.isnan(hi))
    sector_bin = chunk.sector_bin.astype(np.float32)
    corridor = chunk.corridor.astype(np.float32)
    mode = chunk.mode.astype(np.float32)
    return EnterpriseBatch(
        records=LazyRecords(
            Details(
                len(chunk),
                (lambda: (chunk.raw, chunk.texts)) if chunk.raw is not None else details,
                lo_cny,
                hi_cny,
            )
        ),
        ids=chunk.ids,
        sector_bin=sector_bin,
        sector_exp=_expand_sectors(sector_bin, vocab.sector_adjacency(), SECTOR_RELATED),
        sector_n=sector_bin.sum(axis=1),
        corridor=corridor,
        corridor_n=corridor.sum(axis=1),
        mode=mode,
        mode_n=mode.sum(axis=1),
        places=chunk.places.astype(np.float32),
        ops=chunk.ops.astype(np.float32),
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


def _replace_rows(m: sparse.csr_matrix, rows: np.ndarray, new: sparse.csr_matrix):
    """`m` with its rows `rows` replaced by the rows of `new`, in order."""
    n = m.shape[0]
    index = np.arange(n)
    index[rows] = n + np.arange(len(rows))
    return sparse.vstack([m, new.astype(m.dtype)]).tocsr()[index]


def rerate(
    batch: EnterpriseBatch,
    amounts: tuple[np.ndarray, np.ndarray, np.ndarray],
    rates: Mapping[str, float],
) -> EnterpriseBatch:
    """A decoded batch with its capacity bounds converted again at other `rates`.

    `amounts` are the chunk's (amount_lo, amount_hi, currency) in row order: nothing else
    is decoded again (what a rate change costs a worker that holds the chunk).
    """
    lo_cny = to_cny(amounts[0], amounts[2], rates)
    hi_cny = to_cny(amounts[1], amounts[2], rates)
    lo, hi = _log10(lo_cny), _log10(hi_cny)
    details = batch.records.details
    rows = np.arange(len(batch))
    return replace(
        batch,
        records=LazyRecords(details.patched(rows[:0], details, lo_cny, hi_cny)),
        cap_lo=np.where(np.isnan(lo), -np.inf, lo).astype(np.float32),
        cap_hi=np.where(np.isnan(hi), np.inf, hi).astype(np.float32),
        cap_known=~(np.isnan(lo) & np.isnan(hi)),
    )


def patch(
    batch: EnterpriseBatch, fresh: EnterpriseBatch
) -> tuple[EnterpriseBatch, np.ndarray] | None:
    """`batch` with the rows of `fresh`'s ids replaced by `fresh`'s rows (same ids, same order).

    What a worker does with a few changed profiles instead of rewriting their stored chunk.
    Returns the batch and the rows replaced, or None when an id of `fresh` is not in `batch`
    (an enterprise added: the chunk must be encoded again).
    """
    rows = np.array([batch.id_to_row.get(int(i), -1) for i in fresh.ids.tolist()], dtype=np.int64)
    if (rows < 0).any():
        return None
    values = {}
    for f in fields(EnterpriseBatch):
        if f.name in ("records", "text_index", "id_to_row"):
            values[f.name] = getattr(batch, f.name)
            continue
        a, b = getattr(batch, f.name), getattr(fresh, f.name)
        if sparse.issparse(a):
            values[f.name] = _replace_rows(a, rows, b)
        else:
            values[f.name] = a.copy()
            values[f.name][rows] = b
    details = batch.records.details
    lo_cny, hi_cny = details.amounts()
    fresh_lo, fresh_hi = fresh.records.details.amounts()
    lo_cny[rows], hi_cny[rows] = fresh_lo, fresh_hi
    values["records"] = LazyRecords(details.patched(rows, fresh.records.details, lo_cny, hi_cny))
    return EnterpriseBatch(**values), rows
