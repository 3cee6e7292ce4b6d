"""Load scoring features from the database in bulk (a fixed number of queries, never per row).

Owns the bridge between the ORM and the pure `matchmaking.scoring` package: it turns
enterprises and projects into records of codes (amounts converted to CNY with the rate
table), and keeps the encoded enterprise features in a store every worker shares.

The store (`EnterpriseFeatureIndex` + `EnterpriseFeatureChunk` rows) holds the enterprises
encoded once, in chunks of about CHUNK_SIZE by id range, as compressed blobs
(`scoring.packed`), with the text IDF they were weighted with. A worker, even a fresh one,
loads chunks (a fraction of a second for 10^5 enterprises) instead of re-encoding 10^5
profiles from the ORM, and scores them one chunk at a time, so memory does not grow with
the number of enterprises. Amounts stay in their own currency in the store and are
converted with the rates in force when a chunk is decoded: a rate change re-encodes nothing.

Freshness: `features_invalidate(enterprise_ids=...)` records changed enterprises after
commit; each load also compares every chunk's count and newest `updated_at` with the
enterprises table (one query), which catches writes that bypass the services, new rows and
deletions. A stale chunk has just its changed enterprises re-encoded and swapped in (the
whole chunk after a deletion). The IDF is refitted on every enterprise when the store is
rebuilt: when it is missing, when the code lists changed, or by the full rescore once the
store is older than REFIT_AFTER.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_countries import countries as all_countries

from core import codes
from core.models import NegativeListRule
from core.money import UnknownCurrencyError, exchange_rates_latest, to_cny
from enterprises.models import Enterprise
from matchmaking import scoring
from matchmaking.models import (
    EnterpriseFeatureChange,
    EnterpriseFeatureChunk,
    EnterpriseFeatureIndex,
)
from matchmaking.scoring import packed
from matchmaking.scoring.text import TextIndex
from projects.models import Project

logger = logging.getLogger(__name__)

# Enterprises per stored chunk: the unit of loading, scoring and re-encoding. A chunk that
# grows past twice this (new enterprises land in the last one) is split.
CHUNK_SIZE = 10_000
# Decoded enterprises a worker process keeps between tasks (~1.5 KB each). Beyond it,
# chunks are decoded again from the store on every pass: memory stays bounded.
MEMO_ENTERPRISES = 100_000
# The full rescore refits the text IDF on every enterprise when the store is older.
REFIT_AFTER = timedelta(hours=20)
# Up to this many enterprises of a chunk, the records and texts that reasons quote are read
# from the database rather than by decoding the chunk's whole details blob.
DETAILS_FROM_DB = 2_000
# Rows fetched per round trip when streaming enterprises out of the database.
LOAD_BATCH_SIZE = 5_000
# Up to this many changed enterprises (edited, not added or deleted) are re-encoded by each
# worker that loads the store and patched into its decoded chunks; their stored chunks are
# rewritten only beyond it, on an insertion or deletion, or by the full rescore's refresh.
PATCH_MAX = 1_000


def vocabulary() -> scoring.Vocabulary:
    return scoring.Vocabulary.build(
        sectors=codes.sector_codes(),
        corridors=[c for c, *_ in codes.CORRIDORS],
        modes=[c for c, *_ in codes.COOPERATION_MODES],
        ownerships=[c for c, *_ in codes.OWNERSHIP_TYPES],
        countries=[code for code, _name in all_countries],
        regions=codes.region_members(),
        control_modes=codes.CONTROL_MODES,
    )


def _fingerprint(vocab: scoring.Vocabulary) -> str:
    """Changes when the code lists (the columns of the encoding) or the packed format change."""
    regions = sorted((k, sorted(v)) for k, v in vocab.regions.items())
    lists = (vocab.sectors, vocab.corridors, vocab.modes, vocab.ownerships, vocab.places)
    text = repr((packed.FORMAT, *lists, regions, sorted(vocab.control_modes)))
    return hashlib.sha256(text.encode()).hexdigest()


def _cny(amount: Decimal | None, currency: str, rates: dict[str, Decimal]) -> float | None:
    if amount is None:
        return None
    try:
        return float(to_cny(amount, currency, rates=rates))
    except UnknownCurrencyError:
        logger.warning("No exchange rate for %s; amount treated as unknown", currency)
        return None


def _pairs(
    through, left: str, right: str, ids: Iterable[int] | None, id_range: tuple | None = None
) -> dict[int, list[str]]:
    qs = through.objects.all()
    if ids is not None:
        qs = qs.filter(**{f"{left}__in": list(ids)})
    if id_range is not None:
        lo, hi = id_range
        if lo is not None:
            qs = qs.filter(**{f"{left}__gte": lo})
        if hi is not None:
            qs = qs.filter(**{f"{left}__lt": hi})
    out: dict[int, list[str]] = defaultdict(list)
    rows = qs.values_list(left, right)
    for owner, code in rows if ids is not None else rows.iterator(chunk_size=LOAD_BATCH_SIZE):
        out[owner].append(code)
    return out


def _countries(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [c for c in value.split(",") if c]
    return [getattr(c, "code", c) for c in value]


def _region_codes(mixed: list[str], countries: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(mixed) | set(countries)))


def _range_q(lo: int | None, hi: int | None) -> Q:
    """Enterprises with lo <= id < hi (an open end when None)."""
    q = Q()
    if lo is not None:
        q &= Q(pk__gte=lo)
    if hi is not None:
        q &= Q(pk__lt=hi)
    return q


def _enterprise_rows(
    *, ids: Iterable[int] | None = None, id_range: tuple[int | None, int | None] | None = None
) -> tuple[list[scoring.EnterpriseRecord], list[str], list[tuple]]:
    """Records (amounts left out), texts and (min, max, currency) of enterprises, in id order.

    All enterprises, those of `ids`, or those with ids in `id_range` [lo, hi). Six queries.
    """
    ids = list(ids) if ids is not None else None
    rows = Enterprise.objects.order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if id_range is not None:
        rows = rows.filter(_range_q(*id_range))
    e, key = Enterprise, "enterprise_id"
    sectors = _pairs(e.sectors.through, key, "sector_id", ids, id_range)
    modes = _pairs(e.cooperation_modes.through, key, "cooperationmode_id", ids, id_range)
    corridors = _pairs(e.corridors.through, key, "corridor_id", ids, id_range)
    regions = _pairs(e.regions.through, key, "region_id", ids, id_range)
    records, texts, amounts = [], [], []
    fields = (
        "pk", "ownership_id", "country", "countries", "investment_min", "investment_max",
        "currency", "name", "description",
    )  # fmt: skip
    for pk, ownership, country, countries, lo, hi, currency, name, description in rows.values_list(
        *fields
    ).iterator(chunk_size=LOAD_BATCH_SIZE):
        country = str(country)
        records.append(
            scoring.EnterpriseRecord(
                id=pk,
                sectors=tuple(sectors.get(pk, ())),
                ownership=ownership,
                country=country,
                foreign=ownership == "foreign" or country != "CN",
                modes=tuple(modes.get(pk, ())),
                corridors=tuple(corridors.get(pk, ())),
                places=_region_codes(regions.get(pk, []), _countries(countries)),
            )
        )
        texts.append(f"{name}. {description}")
        amounts.append((lo, hi, currency))
    return records, texts, amounts


def enterprise_records(
    *, rates: dict[str, Decimal], ids: Iterable[int] | None = None
) -> tuple[list[scoring.EnterpriseRecord], list[str]]:
    """Records (amounts in CNY at `rates`) and texts of the enterprises (all, or `ids`)."""
    records, texts, amounts = _enterprise_rows(ids=ids)
    return [
        replace(r, investment_min_cny=_cny(lo, cur, rates), investment_max_cny=_cny(hi, cur, rates))
        for r, (lo, hi, cur) in zip(records, amounts, strict=True)
    ], texts


# ----------------------------------------------------------------------------- the store


def _rates_key(rates: dict[str, Decimal]) -> tuple:
    return tuple(sorted(rates.items()))


@dataclass
class FeatureChunk:
    """One decoded chunk: its batch, texts, and the token sets of texts used so far.

    `amounts` (amount_lo, amount_hi, currency per row) let a rate change convert the
    capacity bounds again without decoding the chunk.
    """

    batch: scoring.EnterpriseBatch
    texts: Sequence[str]
    tokens: dict[int, frozenset[str]] = field(default_factory=dict)
    amounts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def provide(self, rows: np.ndarray, found: dict[int, tuple[tuple, str]]) -> None:
        """Hand the chunk the records and texts of `rows` read beforehand (see `details_for`)."""
        details = self.batch.records.details
        missing = details.missing(np.unique(np.asarray(rows, dtype=np.int64)).tolist())
        ids = self.batch.ids
        known = [row for row in missing if int(ids[row]) in found]
        if known:
            pairs = [found[int(ids[row])] for row in known]
            details.provide(known, [raw for raw, _t in pairs], [t for _r, t in pairs])


@dataclass(frozen=True)
class _ChunkMeta:
    pk: int
    lo: int | None  # ids from (None: any smaller)
    hi: int | None  # ids below (None: any larger)
    size: int
    token: str


@dataclass(frozen=True)
class _Patch:
    """Changed enterprises of one chunk, encoded afresh, to merge into it when decoded."""

    key: tuple[tuple[int, str], ...]  # (id, updated_at) of each, in id order
    chunk: packed.PackedChunk


_lock = threading.Lock()
# Per process: decoded chunks by chunk pk -> (token, (rates key, patch key), chunk), oldest
# first.
_memo: OrderedDict[int, tuple[str, tuple, FeatureChunk]] = OrderedDict()
_index_memo: dict[str, object] = {}
# Per process: the last encoded set of changed enterprises, by (index key, patch key); the
# last staleness found and the last patches, by what `_stale` saw.
_patch_memo: dict[tuple, packed.PackedChunk] = {}
_stale_memo: dict[tuple, tuple] = {}
_patches_memo: dict[tuple, dict[int, _Patch]] = {}


@dataclass(frozen=True)
class FeatureStore:
    """The encoded enterprises as a worker sees them for one task: iterate `chunks()`."""

    vocab: scoring.Vocabulary
    text_index: TextIndex
    rates: dict[str, Decimal]
    metas: tuple[_ChunkMeta, ...]
    patches: dict[int, _Patch] = field(default_factory=dict)  # by chunk pk

    def __len__(self) -> int:
        return sum(m.size for m in self.metas)

    def details_for(self, ids: np.ndarray) -> dict[int, tuple[tuple, str]]:
        """Records and texts of a few enterprises, read by id (six queries), for reasons.

        More than DETAILS_FROM_DB: nothing (each chunk decodes its stored details instead).
        """
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if len(ids) == 0 or len(ids) > DETAILS_FROM_DB:
            return {}
        records, texts, _amounts = _enterprise_rows(ids=ids.tolist())
        return {r.id: (packed.raw_of(r), t) for r, t in zip(records, texts, strict=True)}

    def chunks(self) -> Iterator[FeatureChunk]:
        """Decoded chunks in id order, from this process's memo or the database.

        A chunk held for other rates has its capacity converted again; one held without
        the latest changed enterprises has them patched in; neither is decoded again.
        """
        rates_key = _rates_key(self.rates)
        rates = {code: float(rate) for code, rate in self.rates.items()}
        for meta in self.metas:
            fix = self.patches.get(meta.pk)
            patch_key = fix.key if fix is not None else ()
            with _lock:
                found = _memo.get(meta.pk)
            if found is not None and found[:2] == (meta.token, (rates_key, patch_key)):
                yield found[2]
                continue
            decoded = None
            if found is not None and found[0] == meta.token and found[2].amounts is not None:
                held_rates, held_patch = found[1]
                # Rows patched before are patched again (the changed set only grows).
                if {i for i, _u in held_patch} <= {i for i, _u in patch_key}:
                    decoded = found[2]
                    if held_rates != rates_key:
                        decoded = _rerated(decoded, rates)
                    if held_patch == patch_key:
                        fix = None
            if decoded is None:
                decoded = self._decode(meta, rates)
            if fix is not None:
                decoded = self._patched(decoded, fix, meta, rates)
            with _lock:
                _memo.pop(meta.pk, None)
                _memo[meta.pk] = (meta.token, (rates_key, patch_key), decoded)
                while sum(len(c.batch) for _t, _r, c in _memo.values()) > MEMO_ENTERPRISES:
                    _memo.popitem(last=False)
            yield decoded

    def _decode(self, meta: _ChunkMeta, rates: dict[str, float]) -> FeatureChunk:
        blob = (
            EnterpriseFeatureChunk.objects.filter(pk=meta.pk, token=meta.token)
            .values_list("payload", flat=True)
            .first()
        )
        if blob is None:
            raise StaleFeatures(meta.pk)  # rewritten since this task looked: retry
        chunk = packed.from_bytes(bytes(blob))
        batch = packed.unpack(
            chunk,
            vocab=self.vocab,
            text_index=self.text_index,
            rates=rates,
            details=_details_loader(meta),
        )
        amounts = (chunk.amount_lo, chunk.amount_hi, chunk.currency)
        return FeatureChunk(batch, packed.LazyTexts(batch.records.details), amounts=amounts)

    def _patched(
        self, decoded: FeatureChunk, fix: _Patch, meta: _ChunkMeta, rates: dict[str, float]
    ) -> FeatureChunk:
        """`decoded` with the changed enterprises of `fix` in place of their stored rows."""
        fresh = packed.unpack(fix.chunk, vocab=self.vocab, text_index=self.text_index, rates=rates)
        done = packed.patch(decoded.batch, fresh)
        if done is None or decoded.amounts is None:
            # An enterprise added and another deleted in its range (the count is unchanged):
            # encode the range again, for this task (the next refresh rewrites it).
            chunk = _encode_range(meta.lo, meta.hi, vocab=self.vocab, text_index=self.text_index)
            batch = packed.unpack(chunk, vocab=self.vocab, text_index=self.text_index, rates=rates)
            amounts = (chunk.amount_lo, chunk.amount_hi, chunk.currency)
            return FeatureChunk(batch, packed.LazyTexts(batch.records.details), amounts=amounts)
        batch, rows = done
        lo, hi, currency = (a.copy() for a in decoded.amounts)
        lo[rows], hi[rows], currency[rows] = (
            fix.chunk.amount_lo,
            fix.chunk.amount_hi,
            fix.chunk.currency,
        )
        return FeatureChunk(
            batch, packed.LazyTexts(batch.records.details), amounts=(lo, hi, currency)
        )


def _rerated(decoded: FeatureChunk, rates: dict[str, float]) -> FeatureChunk:
    batch = packed.rerate(decoded.batch, decoded.amounts, rates)
    return FeatureChunk(
        batch, packed.LazyTexts(batch.records.details), decoded.tokens, decoded.amounts
    )


def _details_loader(meta: _ChunkMeta):
    def load():
        blob = (
            EnterpriseFeatureChunk.objects.filter(pk=meta.pk, token=meta.token)
            .values_list("details", flat=True)
            .first()
        )
        if blob is None:
            raise StaleFeatures(meta.pk)
        return packed.load_details(bytes(blob))

    return load


class StaleFeatures(Exception):
    """A chunk was rewritten by another worker while this task read the store: retry it.

    Raised before anything is written or inside the storing transaction (rolled back), so
    a task never stores a selection made over a mix of old and new chunks.
    """


# pg_advisory_xact_lock key: one process at a time builds or refreshes the store.
STORE_LOCK = 0x6D61_7463  # "matc"


def _lock_store() -> None:
    """Serialise writers of the store for the rest of the transaction.

    PostgreSQL: an advisory lock (the tables may be empty, so no row to lock); SQLite
    serialises writing transactions by itself.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STORE_LOCK])


def _index(vocab: scoring.Vocabulary) -> EnterpriseFeatureIndex | None:
    index = EnterpriseFeatureIndex.objects.defer("idf").first()
    if index is None or index.fingerprint != _fingerprint(vocab):
        return None
    return index


def _index_key(index: EnterpriseFeatureIndex) -> str:
    return f"{index.pk}:{index.built_at.isoformat()}"


def _text_index(index: EnterpriseFeatureIndex) -> TextIndex:
    key = _index_key(index)
    found = _index_memo.get(key)
    if found is None:
        blob = EnterpriseFeatureIndex.objects.values_list("idf", flat=True).get(pk=index.pk)
        idf = np.frombuffer(zlib.decompress(bytes(blob)), dtype=np.float32).copy()
        _index_memo.clear()
        found = _index_memo[key] = TextIndex(idf=idf)
    return found  # type: ignore[return-value]


def _save_chunk(chunk: packed.PackedChunk, *, first_id: int, last_updated) -> None:
    payload, details = packed.to_bytes(chunk)
    EnterpriseFeatureChunk.objects.update_or_create(
        first_id=first_id,
        defaults={
            "size": len(chunk),
            "last_updated": last_updated,
            "token": uuid.uuid4().hex,
            "payload": payload,
            "details": details,
        },
    )


def _encode_range(
    lo: int | None, hi: int | None, *, vocab: scoring.Vocabulary, text_index: TextIndex
) -> packed.PackedChunk:
    records, texts, amounts = _enterprise_rows(id_range=(lo, hi))
    return packed.pack(records, texts, amounts=amounts, vocab=vocab, text_index=text_index)


def _last_updated(lo: int | None, hi: int | None):
    return Enterprise.objects.filter(_range_q(lo, hi)).aggregate(m=Max("updated_at"))["m"]


@transaction.atomic
def feature_store_build(*, unless_built_after=None) -> None:
    """Encode every enterprise into a new store, refitting the text IDF (bounded memory).

    Two passes over the enterprises in id order: document frequencies chunk by chunk, then
    each chunk encoded with the IDF and saved. With `unless_built_after`, nothing is done
    if a store of the current code lists was built after it (by another worker meanwhile).
    """
    vocab = vocabulary()
    _lock_store()
    if unless_built_after is not None:
        index = _index(vocab)
        if index is not None and index.built_at > unless_built_after:
            return
    bounds: list[int] = []
    df = np.zeros(scoring.text.N_FEATURES, dtype=np.int64)
    n = 0
    batch: list[str] = []
    rows = Enterprise.objects.order_by("pk").values_list("pk", "name", "description")
    for pk, name, description in rows.iterator(chunk_size=LOAD_BATCH_SIZE):
        if n % CHUNK_SIZE == 0:
            bounds.append(pk)
        batch.append(f"{name}. {description}")
        n += 1
        if len(batch) == CHUNK_SIZE:
            df += TextIndex.frequencies(batch)
            batch = []
    if batch:
        df += TextIndex.frequencies(batch)
    text_index = TextIndex.from_frequencies(df, n)
    EnterpriseFeatureIndex.objects.all().delete()
    EnterpriseFeatureChunk.objects.all().delete()
    EnterpriseFeatureIndex.objects.create(
        fingerprint=_fingerprint(vocab),
        documents=n,
        idf=zlib.compress(text_index.idf.tobytes(), 1),
        built_at=timezone.now(),
    )
    starts = bounds or [0]
    for i, first in enumerate(starts):
        lo = None if i == 0 else first
        hi = starts[i + 1] if i + 1 < len(starts) else None
        chunk = _encode_range(lo, hi, vocab=vocab, text_index=text_index)
        _save_chunk(chunk, first_id=0 if i == 0 else first, last_updated=_last_updated(lo, hi))
    EnterpriseFeatureChange.objects.all().delete()


def _metas() -> list[_ChunkMeta]:
    rows = list(EnterpriseFeatureChunk.objects.values_list("pk", "first_id", "size", "token"))
    rows.sort(key=lambda r: r[1])
    return [
        _ChunkMeta(
            pk=pk,
            lo=None if i == 0 else first,
            hi=rows[i + 1][1] if i + 1 < len(rows) else None,
            size=size,
            token=token,
        )
        for i, (pk, first, size, token) in enumerate(rows)
    ]


def _stale(
    metas: list[_ChunkMeta], *, memo: bool = True
) -> tuple[dict[int, set[int]], list[tuple[int, int]], set[int], tuple]:
    """Chunks to refresh ({pk: announced ids}), the change rows seen (pk, enterprise id),
    the chunks whose number of enterprises changed (an insertion or deletion), and the
    signature of what was seen.

    Three small queries when nothing changed (the whole table's count and newest
    `updated_at` against the chunks'); a fourth, per chunk range, to find which changed,
    unless this process saw the same signature last time (the same chunks, announcements,
    number of enterprises and newest write: while edits wait in patches, every load).
    """
    stored = dict(EnterpriseFeatureChunk.objects.values_list("pk", "last_updated"))
    changes = list(EnterpriseFeatureChange.objects.values_list("pk", "enterprise_id"))
    whole = Enterprise.objects.aggregate(n=Count("pk"), u=Max("updated_at"))
    newest_stored = max((u for u in stored.values() if u is not None), default=None)
    if (
        not changes
        and whole["n"] == sum(m.size for m in metas)
        and (whole["u"] is None or (newest_stored is not None and whole["u"] <= newest_stored))
    ):
        return {}, [], set(), ()  # nothing added, deleted or edited since the chunks were encoded
    signature = (
        tuple((m.pk, m.token) for m in metas),
        len(changes),
        max((pk for pk, _e in changes), default=0),
        whole["n"],
        whole["u"],
    )
    with _lock:
        seen = _stale_memo.get(signature) if memo else None
    if seen is not None:
        return (*seen, signature)
    aggregates = {}
    for m in metas:
        q = _range_q(m.lo, m.hi)
        aggregates[f"n{m.pk}"] = Count("pk", filter=q)
        aggregates[f"u{m.pk}"] = Max("updated_at", filter=q)
    actual = Enterprise.objects.aggregate(**aggregates) if metas else {}
    stale: dict[int, set[int]] = {}
    firsts = np.array([m.lo if m.lo is not None else np.iinfo(np.int64).min for m in metas])
    for _pk, enterprise_id in changes:
        m = metas[int(np.searchsorted(firsts, enterprise_id, side="right")) - 1]
        stale.setdefault(m.pk, set()).add(enterprise_id)
    resized = set()
    for m in metas:
        newest = actual[f"u{m.pk}"]
        last = stored.get(m.pk)
        if actual[f"n{m.pk}"] != m.size:
            resized.add(m.pk)
        if m.pk in resized or (newest is not None and (last is None or newest > last)):
            stale.setdefault(m.pk, set())
    with _lock:
        _stale_memo.clear()
        _stale_memo[signature] = (stale, changes, resized)
    return stale, changes, resized, signature


def _refresh(metas: list[_ChunkMeta], vocab: scoring.Vocabulary, text_index: TextIndex) -> None:
    """Re-encode what changed in stale chunks (under a lock: one refresher at a time)."""
    with transaction.atomic():
        _lock_store()
        metas = _metas()  # another worker may have refreshed meanwhile
        stale, changes, _resized, _signature = _stale(metas, memo=False)
        change_pks = [pk for pk, _e in changes]
        by_pk = {m.pk: m for m in metas}
        for pk, announced in stale.items():
            m = by_pk[pk]
            row = EnterpriseFeatureChunk.objects.get(pk=pk)
            old = packed.from_bytes(bytes(row.payload), bytes(row.details))
            in_range = Enterprise.objects.filter(_range_q(m.lo, m.hi))
            count = in_range.count()
            changed = set(announced)
            if row.last_updated is not None:
                changed |= set(
                    in_range.filter(updated_at__gt=row.last_updated).values_list("pk", flat=True)
                )
            else:
                changed |= set(in_range.values_list("pk", flat=True))
            chunk = None
            if old is not None:
                records, texts, amounts = _enterprise_rows(ids=sorted(changed))
                fresh = packed.pack(
                    records, texts, amounts=amounts, vocab=vocab, text_index=text_index
                )
                chunk = packed.merge(old, fresh, remove_ids=sorted(changed))
            if chunk is None or len(chunk) != count:  # a deletion: encode the range again
                chunk = _encode_range(m.lo, m.hi, vocab=vocab, text_index=text_index)
            last_updated = _last_updated(m.lo, m.hi)
            first = row.first_id
            if len(chunk) > 2 * CHUNK_SIZE:  # new enterprises piled into the last chunk
                for start in range(0, len(chunk), CHUNK_SIZE):
                    piece = packed.take(
                        chunk, np.arange(start, min(start + CHUNK_SIZE, len(chunk)))
                    )
                    piece_first = first if start == 0 else int(piece.ids[0])
                    _save_chunk(piece, first_id=piece_first, last_updated=last_updated)
            else:
                _save_chunk(chunk, first_id=first, last_updated=last_updated)
        EnterpriseFeatureChange.objects.filter(pk__in=change_pks).delete()


def feature_store(*, refit_after: timedelta | None = None) -> FeatureStore:
    """The shared store of encoded enterprises, built or refreshed first if needed.

    Cheap when nothing changed (four small queries; chunks are decoded lazily by
    `FeatureStore.chunks`, from this process's memo when it holds them). With
    `refit_after`, a store older than that is rebuilt (the IDF refitted on every profile).
    """
    vocab = vocabulary()
    index = _index(vocab)
    if index is None or (refit_after is not None and index.built_at < timezone.now() - refit_after):
        feature_store_build()
        index = _index(vocab)
    text_index = _text_index(index)
    metas = _metas()
    stale, changes, resized, signature = _stale(metas)
    patches: dict[int, _Patch] | None = {}
    if stale:
        patches = None
        if not resized and refit_after is None:
            patches = _patches(
                metas, stale, changes, vocab, text_index, key=(signature, _index_key(index))
            )
        if patches is None:
            _refresh(metas, vocab, text_index)
            metas = _metas()
            patches = {}
    return FeatureStore(vocab, text_index, exchange_rates_latest(), tuple(metas), patches)


def _patches(
    metas: list[_ChunkMeta],
    stale: dict[int, set[int]],
    changes: list[tuple[int, int]],
    vocab: scoring.Vocabulary,
    text_index: TextIndex,
    *,
    key: tuple,
) -> dict[int, _Patch] | None:
    """The changed enterprises of stale chunks, encoded, by chunk; None: rewrite the chunks.

    Changed = announced (`features_invalidate`) or written after their chunk was encoded.
    Two queries; the encoding (six more) only when this process has not encoded the same
    changes yet; none when this process found them for the same `key` (what `_stale` saw
    and the text index). None when one was deleted or there are more than PATCH_MAX.
    """
    with _lock:
        found = _patches_memo.get(key)
    if found is not None:
        return found
    announced = set().union(*stale.values())
    stored = dict(
        EnterpriseFeatureChunk.objects.filter(pk__in=list(stale)).values_list("pk", "last_updated")
    )
    q = Q(pk__in=sorted(announced))
    for m in metas:
        if m.pk in stale:
            last = stored.get(m.pk)
            if last is None:
                return None
            q |= _range_q(m.lo, m.hi) & Q(updated_at__gt=last)
    changed = sorted(Enterprise.objects.filter(q).values_list("pk", "updated_at"))
    if not changed or len(changed) > PATCH_MAX or announced - {pk for pk, _u in changed}:
        return None
    # What a changed enterprise is patched with is identified by its updated_at and its
    # latest announcement (an M2M edit may leave updated_at as it was).
    announced_at: dict[int, int] = {}
    for change_pk, enterprise_id in changes:
        announced_at[enterprise_id] = max(announced_at.get(enterprise_id, 0), change_pk)
    stamps = {pk: f"{updated.isoformat()}#{announced_at.get(pk, 0)}" for pk, updated in changed}
    encoding_key = (key[1], tuple(stamps.items()))
    with _lock:
        encoded = _patch_memo.get(encoding_key)
    if encoded is None:
        records, texts, amounts = _enterprise_rows(ids=list(stamps))
        encoded = packed.pack(records, texts, amounts=amounts, vocab=vocab, text_index=text_index)
        with _lock:
            _patch_memo.clear()
            _patch_memo[encoding_key] = encoded
    firsts = np.array([m.lo if m.lo is not None else np.iinfo(np.int64).min for m in metas])
    where = np.searchsorted(firsts, encoded.ids, side="right") - 1
    out = {}
    for i in np.unique(where).tolist():
        part = packed.take(encoded, np.flatnonzero(where == i))
        out[metas[i].pk] = _Patch(
            key=tuple((int(pk), stamps[int(pk)]) for pk in part.ids.tolist()), chunk=part
        )
    with _lock:
        _patches_memo.clear()
        _patches_memo[key] = out
    return out


def features_warm() -> int:
    """Decode the built store into this process's memo; the enterprises decoded.

    Builds nothing: 0 when no store is built yet (the first task builds it).
    """
    if _index(vocabulary()) is None:
        return 0
    return sum(len(chunk.batch) for chunk in feature_store().chunks())


def features_warm_in_background(**_signal_kwargs) -> threading.Thread:
    """`worker_process_init` receiver: warm the store in a thread while the worker starts.

    Not waited for: Celery kills a pool process that does not report ready within
    `worker_proc_alive_timeout` (4 s). The thread reads through its own database connection
    (Django's are per thread), never the one a forked process inherited. A task arriving
    meanwhile decodes what it needs itself; a failure is logged, never fatal.
    """

    def run() -> None:
        try:
            decoded = features_warm()
            logger.info("feature store warmed: %d enterprises decoded", decoded)
        except Exception:
            logger.exception("feature store not warmed; tasks will decode it")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="features-warm", daemon=True)
    thread.start()
    return thread


def features_invalidate(*, enterprise_ids: list[int]) -> None:
    """After commit, record that these enterprises' encoded features must be refreshed."""
    ids = sorted(set(enterprise_ids))

    def record() -> None:
        EnterpriseFeatureChange.objects.bulk_create(
            [EnterpriseFeatureChange(enterprise_id=i) for i in ids]
        )

    transaction.on_commit(record)


def negative_rules() -> dict[str, str]:
    return dict(NegativeListRule.objects.values_list("sector_id", "rule"))


def project_records(
    *, project_ids: Iterable[int] | None, rates: dict[str, Decimal], published_only: bool = True
) -> tuple[list[scoring.ProjectRecord], list[str]]:
    """Records and texts of projects (published ones by default), in id order."""
    ids = list(project_ids) if project_ids is not None else None
    rows = Project.objects.order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if published_only:
        rows = rows.filter(status=Project.Status.PUBLISHED)
    p = Project
    rows = list(
        rows.values_list(
            "pk", "owner_id", "target_countries", "external_investment_sought", "currency",
            "location_country", "title", "description",
        )
    )  # fmt: skip
    ids = [r[0] for r in rows]
    sectors = _pairs(p.sectors.through, "project_id", "sector_id", ids)
    modes = _pairs(p.cooperation_modes.through, "project_id", "cooperationmode_id", ids)
    corridors = _pairs(p.corridors.through, "project_id", "corridor_id", ids)
    regions = _pairs(p.target_regions.through, "project_id", "region_id", ids)
    owners = _pairs(p.partner_ownership.through, "project_id", "ownershiptype_id", ids)
    rules = negative_rules()
    records, texts = [], []
    for pk, owner, countries, sought, currency, location, title, description in rows:
        project_sectors = tuple(sectors.get(pk, ()))
        rule, rule_sector = scoring.negative_rule_for(project_sectors, rules)
        records.append(
            scoring.ProjectRecord(
                id=pk,
                owner_id=owner,
                sectors=project_sectors,
                modes=tuple(modes.get(pk, ())),
                corridors=tuple(corridors.get(pk, ())),
                target_places=_region_codes(regions.get(pk, []), _countries(countries)),
                partner_ownership=tuple(owners.get(pk, ())),
                sought_cny=_cny(sought, currency, rates),
                location_country=str(location),
                negative_rule=rule,
                negative_sector=rule_sector,
            )
        )
        texts.append(f"{title}. {description}")
    return records, texts
