"""Benchmark of the matching engine. Prints figures and ratios; see docs/performance.md.

    .venv/bin/python bench/scoring.py                      # everything, default sizes
    .venv/bin/python bench/scoring.py --enterprises 20000 --projects 200 --skip-db
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parklink_bench .venv/bin/python bench/scoring.py

Parts:
1. engine alone (no database): synthetic projects and enterprises over the real reference
   codes (core.codes); `rank` of P projects x E enterprises (score every pair, keep the
   top K per project and per enterprise); pairs per second; the floor, a bare NumPy/SciPy
   run of the same matrix products over the same feature matrices and chunks, and the
   ratio; a naive per-pair Python implementation of the same formula on a sample, and the
   ratio. Peak memory of the engine part (a child process per size, ru_maxrss).
2. end to end (database at DATABASE_URL, default the quick-start SQLite; PostgreSQL
   recommended): the synthetic data inserted in bulk, then
   - one project against every enterprise with the service the worker runs
     (load features, score, store its top K), with the worker's enterprise snapshot
     warm (steady state) and cold (first task after a profile change);
   - a full rescore, timed, with its peak memory: with `--workers 1`, `matches_rescore_all`
     (the `rescore` command's code path) in one child process; with `--workers N` (default
     2, the prefork concurrency of one worker on this 2-core machine) the
     `matchmaking.rescore_chunk` service call (`matches_rescore_projects(prune=False,
     notify=False)`) of
     every chunk run by a pool of N spawned processes (each builds its own enterprise
     snapshot, as a prefork child does), then the final `matches_prune(created_since=...)`
     as the last chunk's `matchmaking.prune` task does (it also names the new survivors).
Receivers of `matches_stored` (notifications) are disconnected: this measures matching.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core import codes  # noqa: E402
from matchmaking.scoring import (  # noqa: E402
    EnterpriseRecord,
    ProjectRecord,
    ProjectTerms,
    Vocabulary,
    Weights,
    packed,
    project_batch,
    rank_chunks,
    reference,
)
from matchmaking.scoring import engine as engine_module  # noqa: E402
from matchmaking.scoring import text as text_module  # noqa: E402

SEED = 20251126
SECTORS = codes.sector_codes()
CORRIDORS = [c for c, *_ in codes.CORRIDORS]
MODES = [c for c, *_ in codes.COOPERATION_MODES]
OWNERSHIPS = [c for c, *_ in codes.OWNERSHIP_TYPES]
REGIONS = [c for c, *_ in codes.REGIONS]
COUNTRIES = sorted(set().union(*codes.region_members().values()) | {"CN"})
PARTNER_COUNTRIES = ["TH", "SG", "MY", "VN", "HK", "MO", "DE", "BR", "AE", "LA", "ID", "ZA", "MX"]
DOMAIN_WORDS = [
    "port",
    "rail",
    "bonded",
    "warehouse",
    "warehousing",
    "cargo",
    "air",
    "freight",
    "vehicle",
    "automotive",
    "shipping",
    "route",
    "logistics",
    "cold",
    "chain",
    "pharmaceutical",
    "express",
    "terminal",
    "container",
    "berth",
    "yard",
    "intermodal",
    "corridor",
    "finance",
    "bank",
    "loan",
    "fund",
    "equity",
    "park",
    "factory",
    "electronics",
    "chip",
    "semiconductor",
    "data",
    "cloud",
    "energy",
    "solar",
    "storage",
    "grid",
    "trade",
    "distribution",
    "ecommerce",
    "fulfilment",
    "customs",
    "broker",
    "inspection",
    "dealer",
    "import",
    "export",
    "ro-ro",
    "fleet",
    "forwarding",
]


def vocabulary() -> Vocabulary:
    return Vocabulary.build(
        sectors=SECTORS,
        corridors=CORRIDORS,
        modes=MODES,
        ownerships=OWNERSHIPS,
        countries=COUNTRIES,
        regions=codes.region_members(),
        control_modes=codes.CONTROL_MODES,
    )


def _text(rng: np.random.Generator, n_words: int) -> str:
    domain = rng.choice(DOMAIN_WORDS, size=n_words // 2)
    filler = [f"w{int(x)}" for x in rng.zipf(1.3, size=n_words - n_words // 2) % 20000]
    return " ".join([*domain, *filler])


# Enterprises are generated in blocks of this many, each from its own seeded generator, so
# any block can be generated alone (the streamed engine phase never holds them all).
GEN_BLOCK = 10_000
# Share of the synthetic enterprises whose amounts are in USD (at USD_RATE CNY), so a rate
# change moves their capacity fit.
USD_SHARE = 0.3
USD_RATE = 7.1


def synthetic_enterprises(n: int, seed: int = SEED) -> tuple[list[EnterpriseRecord], list[str]]:
    records, texts = [], []
    for start in range(0, n, GEN_BLOCK):
        r, t = synthetic_enterprise_block(start, min(GEN_BLOCK, n - start), seed)
        records += r
        texts += t
    return records, texts


def currency_of(enterprise_id: int) -> str:
    return "USD" if (enterprise_id * 2654435761) % 100 < USD_SHARE * 100 else "CNY"


def synthetic_enterprise_block(
    start: int, count: int, seed: int = SEED
) -> tuple[list[EnterpriseRecord], list[str]]:
    """Enterprises start+1 .. start+count (ids), the same whatever else is generated."""
    rng = np.random.default_rng([seed, start])
    records = []
    for i in range(start, start + count):
        country = "CN" if rng.random() < 0.5 else str(rng.choice(PARTNER_COUNTRIES))
        ownership = (
            str(rng.choice(["soe", "private"]))
            if country == "CN"
            else str(rng.choice(["foreign", "private"]))
        )
        lo = float(10 ** rng.uniform(5, 9)) if rng.random() < 0.8 else None
        hi = (lo or 1e5) * float(10 ** rng.uniform(0.5, 2)) if rng.random() < 0.9 else None
        places = tuple(
            rng.choice(REGIONS + PARTNER_COUNTRIES, size=rng.integers(0, 3), replace=False)
        )
        records.append(
            EnterpriseRecord(
                id=i + 1,
                sectors=tuple(rng.choice(SECTORS, size=rng.integers(1, 4), replace=False)),
                ownership=ownership,
                country=country,
                foreign=ownership == "foreign" or country != "CN",
                modes=tuple(rng.choice(MODES, size=rng.integers(0, 4), replace=False)),
                corridors=tuple(rng.choice(CORRIDORS, size=rng.integers(0, 3), replace=False)),
                places=tuple(str(p) for p in places),
                investment_min_cny=lo,
                investment_max_cny=hi,
            )
        )
    return records, synthetic_texts_block(start, count, seed)


def synthetic_texts_block(start: int, count: int, seed: int = SEED) -> list[str]:
    """The descriptions of enterprises start+1 .. start+count, from a generator of their own."""
    rng = np.random.default_rng([seed, start, 1])
    return [_text(rng, int(rng.integers(20, 60))) for _ in range(count)]


def synthetic_projects(
    n: int, n_enterprises: int, seed: int = SEED + 1
) -> tuple[list[ProjectRecord], list[str]]:
    rng = np.random.default_rng(seed)
    records, texts = [], []
    for i in range(n):
        rule = str(rng.choice(["", "", "", "", "prohibited", "chinese_control"]))
        records.append(
            ProjectRecord(
                id=i + 1,
                owner_id=int(rng.integers(1, n_enterprises + 1)),
                sectors=tuple(rng.choice(SECTORS, size=rng.integers(1, 4), replace=False)),
                modes=tuple(rng.choice(MODES, size=rng.integers(1, 4), replace=False)),
                corridors=tuple(rng.choice(CORRIDORS, size=rng.integers(0, 3), replace=False)),
                target_places=tuple(
                    str(p) for p in rng.choice(REGIONS, size=rng.integers(0, 3), replace=False)
                ),
                partner_ownership=tuple(
                    rng.choice(OWNERSHIPS, size=rng.integers(0, 2), replace=False)
                ),
                sought_cny=float(10 ** rng.uniform(7, 10)),
                location_country="CN" if rng.random() < 0.9 else "TH",
                negative_rule=rule,
                negative_sector="logistics" if rule else "",
            )
        )
        texts.append(_text(rng, int(rng.integers(40, 120))))
    return records, texts


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_products(pb, eb, chunk: int, terms: ProjectTerms) -> None:
    """The bare matrix products the engine's formula needs, over the same matrices and chunks."""
    e_text = terms.restrict(eb)
    for lo in range(0, len(pb), chunk):
        sl = slice(lo, min(lo + chunk, len(pb)))
        _ = pb.sector_bin[sl] @ eb.sector_exp.T
        _ = pb.sector_exp[sl] @ eb.sector_bin.T
        _ = pb.corridor[sl] @ eb.corridor.T
        _ = pb.mode[sl] @ eb.mode.T
        _ = pb.mode_free[sl] @ eb.mode.T
        tf = pb.targets[sl].astype(np.float32)
        _ = eb.ops @ tf.T
        _ = eb.places @ tf.T
        _ = e_text @ terms.dense[:, sl]


def _amounts(records) -> list[tuple]:
    out = []
    for r in records:
        div = USD_RATE if currency_of(r.id) == "USD" else 1.0
        lo = None if r.investment_min_cny is None else r.investment_min_cny / div
        hi = None if r.investment_max_cny is None else r.investment_max_cny / div
        out.append((lo, hi, currency_of(r.id)))
    return out


def engine_phase(n_e: int, n_p: int, sample: int, chunk: int) -> dict:
    """The engine over enterprise chunks streamed from disk, as workers stream the store.

    The enterprises are generated and packed block by block into files (as the feature
    store holds them in the database), then every measured pass reads them back one chunk
    at a time: memory does not depend on the number of enterprises.
    """
    import tempfile

    vocab = vocabulary()
    rates = {"CNY": 1.0, "USD": USD_RATE}
    t = time.perf_counter()
    df = np.zeros(text_module.N_FEATURES, dtype=np.int64)
    for start in range(0, n_e, GEN_BLOCK):
        texts = synthetic_texts_block(start, min(GEN_BLOCK, n_e - start))
        df += text_module.TextIndex.frequencies(texts)
    text_index = text_module.TextIndex.from_frequencies(df, n_e)
    p_records, p_texts = synthetic_projects(n_p, n_e)
    pb = project_batch(p_records, p_texts, vocab=vocab, text_index=text_index)
    folder = tempfile.TemporaryDirectory()
    paths = []
    sample_blob = None
    for start in range(0, n_e, GEN_BLOCK):
        records, texts = synthetic_enterprise_block(start, min(GEN_BLOCK, n_e - start))
        blob, details = packed.to_bytes(
            packed.pack(
                records, texts, amounts=_amounts(records), vocab=vocab, text_index=text_index
            )
        )
        if sample_blob is None:
            sample_blob = (blob, details)
        path = Path(folder.name) / f"{start}.bin"
        path.write_bytes(blob)
        paths.append(path)
    build = time.perf_counter() - t

    def chunks():
        for path in paths:
            yield packed.unpack(
                packed.from_bytes(path.read_bytes()),
                vocab=vocab,
                text_index=text_index,
                rates=rates,
            )

    weights = Weights()
    t = time.perf_counter()
    for _ in chunks():
        pass
    decode_s = time.perf_counter() - t
    t = time.perf_counter()
    selection = rank_chunks(pb, chunks(), weights, chunk=chunk)
    engine_s = time.perf_counter() - t
    t = time.perf_counter()
    terms = ProjectTerms.of(pb)
    for eb in chunks():
        floor_products(pb, eb, chunk, terms)
    floor_s = time.perf_counter() - t
    # Naive per-pair Python on a sample of pairs of the first chunk (same formula, reference.py).
    eb = packed.unpack(
        packed.from_bytes(*sample_blob), vocab=vocab, text_index=text_index, rates=rates
    )
    rng = np.random.default_rng(SEED + 2)
    pi = rng.integers(0, n_p, size=sample)
    ei = rng.integers(0, len(eb), size=sample)
    t = time.perf_counter()
    for i, j in zip(pi.tolist(), ei.tolist(), strict=True):
        cos = float(pb.text[i].multiply(eb.text[j]).sum())
        reference.score_pair(
            p_records[i], eb.records[j], vocab=vocab, weights=weights, text_cosine=cos
        )
    naive_s = time.perf_counter() - t
    pairs = n_p * n_e
    folder.cleanup()
    return {
        "enterprises": n_e,
        "projects": n_p,
        "pairs": pairs,
        "chunks": len(paths),
        "generate_and_pack_s": build,
        "decode_chunks_s": decode_s,
        "engine_s": engine_s,
        "engine_pairs_per_s": pairs / engine_s,
        "floor_s": floor_s,
        "floor_pairs_per_s": pairs / floor_s,
        "engine_over_floor": engine_s / floor_s,
        "selected_pairs": len(selection.project_rows),
        "naive_sample": sample,
        "naive_pairs_per_s": sample / naive_s,
        "engine_over_naive_speedup": (pairs / engine_s) / (sample / naive_s),
        "peak_rss_mib": peak_mib(),
        "load_average": os.getloadavg(),
    }


# ----------------------------------------------------------------------------- database


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    import django

    django.setup()
    from matchmaking.signals import matches_stored

    for receiver in list(matches_stored.receivers):
        matches_stored.receivers.remove(receiver)
    matches_stored.sender_receivers_cache.clear()


def db_setup_phase(n_e: int, n_p: int) -> dict:
    """Replace enterprises, projects and matches by the synthetic data (bulk inserts)."""
    _django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.models import ExchangeRate
    from enterprises.models import Enterprise
    from matchmaking.models import Match
    from projects.models import Project

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    e_records, e_texts = synthetic_enterprises(n_e)
    p_records, p_texts = synthetic_projects(n_p, n_e)
    with transaction.atomic():
        Match.objects.all().delete()
        with connection.cursor() as cursor:
            for model in (Project, Enterprise):
                if connection.vendor == "postgresql":
                    cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
                else:
                    model.objects.all().delete()
        Enterprise.objects.bulk_create(
            [
                Enterprise(
                    id=r.id,
                    reference=f"BENCH-E{r.id:06d}",
                    name=f"Bench enterprise {r.id}",
                    ownership_id=r.ownership,
                    country=r.country,
                    countries=[p for p in r.places if len(p) == 2],
                    investment_min=None if lo is None else round(lo, 2),
                    investment_max=None if hi is None else round(max(hi, lo or 0), 2),
                    currency=currency,
                    description=text,
                )
                for r, text, (lo, hi, currency) in zip(
                    e_records, e_texts, _amounts(e_records), strict=True
                )
            ],
            batch_size=5000,
        )
        # Directly, not through the service: its signal would rescore everything here.
        ExchangeRate.objects.filter(currency="USD").delete()
        ExchangeRate.objects.create(currency="USD", rate_to_cny=USD_RATE, valid_on=date(2026, 1, 1))
        _links(Enterprise, "enterprise_id", e_records)
        Project.objects.bulk_create(
            [
                Project(
                    id=r.id,
                    reference=f"BENCH-P{r.id:05d}",
                    title=f"Bench project {r.id}",
                    description=text,
                    owner_id=r.owner_id,
                    total_investment=round(r.sought_cny * 2, 2),
                    external_investment_sought=round(r.sought_cny, 2),
                    currency="CNY",
                    location_country=r.location_country,
                    status=Project.Status.PUBLISHED,
                )
                for r, text in zip(p_records, p_texts, strict=True)
            ],
            batch_size=2000,
        )
        _links(Project, "project_id", p_records)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Project, Enterprise):
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT MAX(id) FROM {table}))"
                    )
    setup_s = time.perf_counter() - t
    from matchmaking.features import feature_store_build

    t = time.perf_counter()
    feature_store_build()
    return {
        "db_setup_s": setup_s,
        "feature_store_build_s": time.perf_counter() - t,
        "vendor": connection.vendor,
    }


def _links(model, key: str, records) -> None:
    fields = {
        "sectors": ("sector_id", lambda r: r.sectors),
        "cooperation_modes": ("cooperationmode_id", lambda r: r.modes),
        "corridors": ("corridor_id", lambda r: r.corridors),
    }
    if key == "enterprise_id":
        fields["regions"] = ("region_id", lambda r: [p for p in r.places if len(p) > 2])
    else:
        fields["target_regions"] = ("region_id", lambda r: r.target_places)
        fields["partner_ownership"] = ("ownershiptype_id", lambda r: r.partner_ownership)
    for name, (column, get) in fields.items():
        through = getattr(model, name).through
        through.objects.bulk_create(
            [through(**{key: r.id, column: code}) for r in records for code in get(r)],
            batch_size=10000,
        )


def one_project_phase(project_id: int) -> dict:
    """The worker's `matchmaking.project_rescore` path, from a fresh process (a cold worker).

    Unwarmed: this process has decoded nothing; it loads the store's chunks from the database.
    Cold: the first task of a freshly started pool process, after `features_warm` (what the
    worker_process_init receiver runs as a process starts; its time reported apart). Then
    warm runs, runs after profile edits (the edited enterprise re-encoded and patched into
    the chunk this process holds, the stored chunk left as it is) and the first run after a
    rate change (the capacity of the chunks held converted again, nothing decoded).
    The prune task a rescore enqueues is timed apart.
    """
    _django()
    from django.db import transaction

    from core.models import ExchangeRate
    from enterprises.models import Enterprise
    from matchmaking import services
    from matchmaking.features import features_invalidate

    enqueued: list[dict] = []
    services._prune_after_commit = lambda **ids: enqueued.append(ids)

    def run() -> dict:
        summary = services.matches_rescore_projects(project_ids=[project_id], prune=True)
        return {"seconds": summary.seconds, "stored": summary.stored, **summary.timings}

    from matchmaking import features

    unwarmed = run()
    # A pool process as the worker starts it: `worker_process_init` decodes the store (in a
    # background thread there; here in line, timed apart), then its first task runs.
    for memo in (
        features._memo,
        features._index_memo,
        features._patch_memo,
        features._stale_memo,
        features._patches_memo,
    ):
        memo.clear()
    t = time.perf_counter()
    warmed_enterprises = features.features_warm()
    start_s = time.perf_counter() - t
    cold = run()
    warm = [run() for _ in range(3)]
    t = time.perf_counter()
    pruned = services.matches_prune(**enqueued[-1])
    prune_s = time.perf_counter() - t
    edited = []
    for pk in (2, 3, 4):
        with transaction.atomic():
            enterprise = Enterprise.objects.get(pk=pk)
            enterprise.description += " bonded warehouse"
            enterprise.save(update_fields=["description", "updated_at"])
            features_invalidate(enterprise_ids=[pk])
        edited.append(run()["seconds"])
    # A rate change, written directly (the service's signal would rescore everything).
    newest = ExchangeRate.objects.filter(currency="USD").order_by("-valid_on").first()
    ExchangeRate.objects.create(
        currency="USD",
        rate_to_cny=newest.rate_to_cny * Decimal("1.02"),
        valid_on=newest.valid_on + timedelta(days=1),
    )
    after_rate = run()
    return {
        "unwarmed_first_task": unwarmed,
        "worker_start_decode_s": start_s,
        "worker_start_decoded": warmed_enterprises,
        "cold": cold,
        "cold_total_s": cold["seconds"],
        "warm_runs": warm,
        "warm_best_s": min(r["seconds"] for r in warm),
        "after_profile_edit_s": edited,
        "after_rate_change": after_rate,
        "prune_task_s": prune_s,
        "pruned": pruned,
        "peak_rss_mib": peak_mib(),
        "load_average": os.getloadavg(),
    }


def _chunk_rescore(project_ids: list[int]) -> dict:
    """What the `matchmaking.rescore_chunk` task runs, in a pool process."""
    from matchmaking.services import matches_rescore_projects

    # As `rescore_chunk_task` with the run's start: silent, the final prune announces.
    summary = matches_rescore_projects(project_ids=project_ids, prune=False, notify=False)
    return {
        "projects": summary.projects,
        "enterprises": summary.enterprises,
        "pairs": summary.pairs_scored,
        "stored": summary.stored,
        "timings": summary.timings,
        "pid": os.getpid(),
        "cpu_s": time.process_time(),
        "peak_rss_mib": peak_mib(),
    }


def full_parallel_phase(workers: int) -> dict:
    """A fanned-out full rescore: chunk tasks in `workers` processes, then one prune."""
    _django()
    from django.db import connections

    from matchmaking.models import Match
    from matchmaking.services import (
        feature_store_refresh,
        matches_prune,
        matches_retire_unpublished,
        rescore_chunks,
        rescore_run_since,
    )

    started = time.perf_counter()
    since = rescore_run_since()
    matches_retire_unpublished()
    feature_store_refresh()
    chunks = rescore_chunks()
    connections.close_all()
    t = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_django) as pool:
        done = pool.map(_chunk_rescore, chunks, chunksize=1)
    chunks_s = time.perf_counter() - t
    t = time.perf_counter()
    matches_prune(created_since=since)
    prune_s = time.perf_counter() - t
    timings: dict[str, float] = {}
    for d in done:
        for key, value in d["timings"].items():
            timings[key] = timings.get(key, 0.0) + value
    per_process: dict[int, float] = {}
    cpu: dict[int, float] = {}
    for d in done:
        per_process[d["pid"]] = max(per_process.get(d["pid"], 0.0), d["peak_rss_mib"])
        cpu[d["pid"]] = max(cpu.get(d["pid"], 0.0), d["cpu_s"])
    return {
        "workers": workers,
        "seconds": time.perf_counter() - started,
        "chunks": len(chunks),
        "chunks_wall_s": chunks_s,
        "final_prune_s": prune_s,
        "projects": sum(d["projects"] for d in done),
        "enterprises": max(d["enterprises"] for d in done),
        "pairs": sum(d["pairs"] for d in done),
        "stored": sum(d["stored"] for d in done),
        "rows_after_prune": Match.objects.count(),
        "timings": timings,
        "timings_note": "stage seconds summed over the pool processes (they overlap)",
        "peak_rss_mib": max(max(per_process.values()), peak_mib()),
        "peak_rss_per_process_mib": sorted(per_process.values()),
        "peak_rss_parent_mib": peak_mib(),
        "cpu_s_pool_processes": sorted(cpu.values()),
        "cpu_s_parent": time.process_time(),
        "load_average": os.getloadavg(),
    }


def full_phase() -> dict:
    _django()
    from matchmaking.models import Match
    from matchmaking.services import matches_rescore_all

    summary = matches_rescore_all()
    return {
        "seconds": summary.seconds,
        "projects": summary.projects,
        "enterprises": summary.enterprises,
        "pairs": summary.pairs_scored,
        "stored": summary.stored,
        "rows_after_prune": Match.objects.count(),
        "timings": summary.timings,
        "peak_rss_mib": peak_mib(),
    }


def _rounded(timings: dict) -> dict:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in timings.items()}


def child(*args: str) -> dict:
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--phase", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--naive-sample", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=engine_module.RANK_CHUNK)
    parser.add_argument(
        "--memory-sizes", default="100000,200000", help="enterprise counts for the memory curve"
    )
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument(
        "--skip-full", action="store_true", help="the database part without the full rescore"
    )
    parser.add_argument("--skip-engine", action="store_true", help="only the database part")
    parser.add_argument(
        "--keep-data", action="store_true", help="reuse the synthetic rows already in the database"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="processes running the full rescore's chunk tasks (1 = matches_rescore_all)",
    )
    parser.add_argument("--phase", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        name, *rest = args.phase
        if name == "engine":
            result = engine_phase(int(rest[0]), int(rest[1]), int(rest[2]), int(rest[3]))
        elif name == "db-setup":
            result = db_setup_phase(int(rest[0]), int(rest[1]))
        elif name == "one":
            result = one_project_phase(int(rest[0]))
        elif name == "full":
            workers = int(rest[0]) if rest else 1
            result = full_phase() if workers <= 1 else full_parallel_phase(workers)
        else:
            raise SystemExit(f"unknown phase {name}")
        print(json.dumps(result, default=float))
        return

    report: dict = {
        "command": " ".join(["bench/scoring.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
    }
    if not args.skip_engine:
        print(
            f"# engine: {args.projects} projects x {args.enterprises} enterprises, chunk {args.chunk}"
        )
        engine = child(
            "engine",
            str(args.enterprises),
            str(args.projects),
            str(args.naive_sample),
            str(args.chunk),
        )
        report["engine"] = engine
        print(
            f"engine          {engine['engine_s']:8.2f} s  {engine['engine_pairs_per_s']:>14,.0f} pairs/s\n"
            f"floor (matmul)  {engine['floor_s']:8.2f} s  {engine['floor_pairs_per_s']:>14,.0f} pairs/s"
            f"  -> engine / floor = {engine['engine_over_floor']:.2f}x\n"
            f"naive per pair                {engine['naive_pairs_per_s']:>14,.0f} pairs/s"
            f"  -> engine is {engine['engine_over_naive_speedup']:,.0f}x faster\n"
            f"{engine['chunks']} chunks, decoding them alone {engine['decode_chunks_s']:.2f} s "
            f"(inside both timings); selected pairs {engine['selected_pairs']:,}; "
            f"peak RSS {engine['peak_rss_mib']:.0f} MiB"
        )
        memory = []
        for size in [int(s) for s in args.memory_sizes.split(",") if s]:
            if size == args.enterprises:
                memory.append({"enterprises": size, "peak_rss_mib": engine["peak_rss_mib"]})
                continue
            m = child("engine", str(size), str(args.projects), "100", str(args.chunk))
            memory.append(
                {"enterprises": size, "peak_rss_mib": m["peak_rss_mib"], "engine_s": m["engine_s"]}
            )
        report["memory"] = memory
        for m in memory:
            print(f"peak RSS with {m['enterprises']:>7,} enterprises: {m['peak_rss_mib']:.0f} MiB")

    if not args.skip_db:
        print("# end to end on the database at DATABASE_URL")
        if not args.keep_data:
            setup = child("db-setup", str(args.enterprises), str(args.projects))
            report["db_setup"] = setup
            print(
                f"bulk insert of the synthetic data: {setup['db_setup_s']:.1f} s ({setup['vendor']}); "
                f"feature store built from the ORM: {setup['feature_store_build_s']:.1f} s"
            )
        one = child("one", "1")
        report["one_project"] = one
        print(
            f"one project x {args.enterprises:,}: unwarmed process (nothing decoded) "
            f"{one['unwarmed_first_task']['seconds']:.3f} s; worker start-up decode "
            f"{one['worker_start_decode_s']:.3f} s ({one['worker_start_decoded']:,} enterprises); "
            f"cold worker (first task after start-up) {one['cold_total_s']:.3f} s "
            f"(stages {_rounded(one['cold'])}); warm {one['warm_best_s']:.3f} s "
            f"(runs {[round(r['seconds'], 3) for r in one['warm_runs']]}); "
            f"after a profile edit (patched into the decoded chunk) "
            f"{[round(x, 3) for x in one['after_profile_edit_s']]} s; "
            f"first after a rate change {one['after_rate_change']['seconds']:.3f} s; "
            f"the prune task it enqueues {one['prune_task_s']:.2f} s"
        )
    if not args.skip_db and not args.skip_full:
        full = child("full", str(args.workers))
        report["full"] = full
        print(
            f"full rescore {full['projects']:,} x {full['enterprises']:,} "
            f"({args.workers} process(es)): {full['seconds']:.1f} s, "
            f"{full['stored']:,} rows upserted, {full['rows_after_prune']:,} kept, "
            f"stages { ({k: round(v, 1) for k, v in full['timings'].items()}) }, "
            f"peak RSS {full['peak_rss_mib']:.0f} MiB"
        )
    print("# JSON")
    print(json.dumps(report, default=float))


if __name__ == "__main__":
    main()
