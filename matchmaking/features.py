"""Load scoring features from the database in bulk (a fixed number of queries, never per row).

Owns the bridge between the ORM and the pure `matchmaking.scoring` package: it turns
enterprises and projects into records of codes (amounts converted to CNY with the rate
table) and keeps the enterprise batch of a worker process in memory between tasks.

The cached enterprise snapshot is keyed by (number of enterprises, newest `updated_at`,
the rates in force, a generation counter in the shared cache). `features_invalidate()` bumps
the counter after commit whenever an enterprise profile or the rates change, recording
which enterprises changed, so every worker re-encodes just those on its next task (or
rebuilds, after a rate change); the other parts of the key catch writes that bypass the
services.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django_countries import countries as all_countries

from core import codes
from core.models import NegativeListRule
from core.money import UnknownCurrencyError, exchange_rates_latest, to_cny
from enterprises.models import Enterprise
from matchmaking import scoring
from projects.models import Project

logger = logging.getLogger(__name__)

GENERATION_KEY = "matchmaking:features:generation"
# Which enterprises a generation changed (a list of ids, or ALL_CHANGED).
CHANGED_KEY = "matchmaking:features:changed:{generation}"
ALL_CHANGED = "all"
CHANGED_TTL = 24 * 3600
# More changed enterprises than this since a worker's snapshot: rebuild instead of patching.
PATCH_LIMIT = 5_000
# Rows fetched per round trip when streaming enterprises out of the database.
LOAD_BATCH_SIZE = 5_000


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


def _cny(amount: Decimal | None, currency: str, rates: dict[str, Decimal]) -> float | None:
    if amount is None:
        return None
    try:
        return float(to_cny(amount, currency, rates=rates))
    except UnknownCurrencyError:
        logger.warning("No exchange rate for %s; amount treated as unknown", currency)
        return None


def _pairs(through, left: str, right: str, ids: Iterable[int] | None) -> dict[int, list[str]]:
    qs = through.objects.all()
    if ids is not None:
        qs = qs.filter(**{f"{left}__in": list(ids)})
    out: dict[int, list[str]] = defaultdict(list)
    for owner, code in qs.values_list(left, right).iterator(chunk_size=LOAD_BATCH_SIZE):
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


@dataclass(frozen=True)
class EnterpriseSnapshot:
    """Every enterprise as a scoring batch, with the texts the reasons quote."""

    key: tuple
    vocab: scoring.Vocabulary
    batch: scoring.EnterpriseBatch
    texts: tuple[str, ...]
    rates: dict[str, Decimal]
    # Token sets of the texts, filled on demand (the words a text-match reason quotes).
    tokens: dict[int, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)


def enterprise_records(
    *, rates: dict[str, Decimal], ids: Iterable[int] | None = None
) -> tuple[list[scoring.EnterpriseRecord], list[str]]:
    """Records and texts of the enterprises (all, or `ids`), in id order. Six queries."""
    ids = list(ids) if ids is not None else None
    rows = Enterprise.objects.order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    e = Enterprise
    sectors = _pairs(e.sectors.through, "enterprise_id", "sector_id", ids)
    modes = _pairs(e.cooperation_modes.through, "enterprise_id", "cooperationmode_id", ids)
    corridors = _pairs(e.corridors.through, "enterprise_id", "corridor_id", ids)
    regions = _pairs(e.regions.through, "enterprise_id", "region_id", ids)
    records, texts = [], []
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
                investment_min_cny=_cny(lo, currency, rates),
                investment_max_cny=_cny(hi, currency, rates),
            )
        )
        texts.append(f"{name}. {description}")
    return records, texts


def _snapshot_key(rates: dict[str, Decimal]) -> tuple:
    agg = Enterprise.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return (agg["n"], agg["last"], tuple(sorted(rates.items())), cache.get(GENERATION_KEY, 0))


_lock = threading.Lock()
_snapshot: EnterpriseSnapshot | None = None


def _patched(
    old: EnterpriseSnapshot, key: tuple, rates: dict[str, Decimal]
) -> EnterpriseSnapshot | None:
    """`old` with the enterprises changed since it was built re-encoded, or None to rebuild."""
    _old_n, old_last, old_rates, old_generation = old.key
    n, _last, rates_key, generation = key
    if rates_key != old_rates or generation < old_generation:
        return None
    changed: set[int] = set()
    for g in range(old_generation + 1, generation + 1):
        ids = cache.get(CHANGED_KEY.format(generation=g))
        if ids is None or ids == ALL_CHANGED:
            return None
        changed.update(ids)
    if old_last is not None:  # writes that bypassed the services, and new rows
        changed.update(
            Enterprise.objects.filter(updated_at__gt=old_last).values_list("pk", flat=True)
        )
    if len(changed) > PATCH_LIMIT:
        return None
    records, texts = enterprise_records(rates=rates, ids=changed)
    fresh = scoring.enterprise_batch(
        records, texts, vocab=old.vocab, text_index=old.batch.text_index
    )
    batch, keep = scoring.enterprise_batch_merge(old.batch, fresh, remove_ids=sorted(changed))
    if len(batch) != n:
        return None  # a deletion nobody announced: rebuild
    merged_texts = tuple(old.texts[i] for i in keep.tolist()) + tuple(texts)
    return EnterpriseSnapshot(key, old.vocab, batch, merged_texts, rates)


def enterprise_snapshot(*, fresh: bool = False) -> EnterpriseSnapshot:
    """The enterprise batch, patched or rebuilt only when something changed since the last call.

    A few changed enterprises (announced by `features_invalidate`, or with a newer
    `updated_at`) are re-encoded and swapped in, keeping the text IDF; a rate change, an
    unannounced deletion or more than PATCH_LIMIT changes rebuild everything.
    """
    global _snapshot  # a per-process memo of read-only data
    rates = exchange_rates_latest()
    key = _snapshot_key(rates)
    with _lock:
        if not fresh and _snapshot is not None:
            if _snapshot.key == key:
                return _snapshot
            patched = _patched(_snapshot, key, rates)
            if patched is not None:
                _snapshot = patched
                return _snapshot
        vocab = vocabulary()
        records, texts = enterprise_records(rates=rates)
        batch = scoring.enterprise_batch(records, texts, vocab=vocab)
        _snapshot = EnterpriseSnapshot(key, vocab, batch, tuple(texts), rates)
        return _snapshot


def features_invalidate(*, enterprise_ids: list[int] | None = None) -> None:
    """After commit, tell every worker its enterprise snapshot is stale.

    With `enterprise_ids`, workers re-encode just those enterprises; without (the rates
    changed), they rebuild everything.
    """
    changed = ALL_CHANGED if enterprise_ids is None else sorted(enterprise_ids)

    def bump() -> None:
        try:
            generation = cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, timeout=None)
            generation = 1
        cache.set(CHANGED_KEY.format(generation=generation), changed, timeout=CHANGED_TTL)

    transaction.on_commit(bump)


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
