"""Benchmark of the REST API at 10^5 projects and 10^5 enterprises, against gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parklink_apibench \\
    REDIS_URL=redis://127.0.0.1:6379/13 \\
    .venv/bin/python bench/api.py [--projects 100000] [--enterprises 100000]
        [--requests 200] [--concurrency 20] [--seconds 10] [--server gthread|sync]
        [--modes repeated,varied]

1. Creates the database if needed, migrates it, and loads (once; a second run reuses the
   rows) N enterprises and N projects with bulk_create in batches, over the real reference
   codes, plus stored matches (50 candidates for each of the first 2,000 projects, and 50
   recommendations for the benchmark enterprise).
2. Starts gunicorn on config.wsgi with the production settings (DEBUG off, persistent
   connections) and throttle rates high enough not to refuse the benchmark; a token of an
   SOE staff user authenticates every request, so all endpoints pay the same auth cost.
   `--server gthread` (the default) is the deployment's server: config/gunicorn.py
   (gthread, one worker per core, GUNICORN_THREADS threads each); `--server sync` is the
   4 sync workers earlier runs used (`--workers` sets their number), for comparison.
3. For each endpoint: p50/p95 latency of one client (sequential requests after a warm-up),
   then requests per second with C concurrent clients (one process each, for S seconds).
   Endpoints: a trivial DRF endpoint (GET /api/v1/ownership-types/, four rows), the
   filtered and searched project list, the filtered project list, the candidate list of
   a project and the recommendation list of one enterprise, in two modes (`--modes`):
   - repeated: each list repeats one URL (after its first request the project list's
     capped count comes from the cache, docs/api.md);
   - varied: each request is another combination of filters, search words, ordering,
     project or page (generated from a fixed seed, so every run sends the same URLs), so
     that nearly every request misses every cache: the realistic cost of browsing.
   The trivial endpoint is measured first and again last; the ratios are to the mean of
   the two. Under load, the CPU time each request cost is split between gunicorn (the
   master and its workers), PostgreSQL (the whole local server) and the client
   processes, read from /proc before and after: where a list's time goes. The
   Django cache (REDIS_URL) is cleared before the server starts, so cached counts of an
   earlier run (of this or another commit) do not carry over.

The project list filters and searches the columns PostgreSQL derives on each project row
(projects/migrations/0004: the stored search document and the M2M codes arrays, with GIN
indexes), which the migration creates and the triggers keep while the loader inserts.
The expression index an earlier version of this script made with `--search-index` is
dropped if a reused database still has it.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit("set DATABASE_URL to a PostgreSQL database (see the docstring)")

BATCH_SIZE = 5_000
CANDIDATE_PROJECTS = 2_000
MATCHES_PER_PROJECT = 50
BENCH_PREFIX = "BENCH-"
OLD_SEARCH_INDEX = "bench_project_search_document"

WORDS = [
    "port",
    "rail",
    "sea",
    "intermodal",
    "bonded",
    "warehouse",
    "logistics",
    "hub",
    "air",
    "cargo",
    "terminal",
    "vehicle",
    "shipping",
    "route",
    "automotive",
    "electronics",
    "assembly",
    "park",
    "industrial",
    "zone",
    "trade",
    "finance",
    "digital",
    "data",
    "centre",
    "energy",
    "storage",
    "solar",
    "grid",
    "agriculture",
    "fruit",
    "processing",
    "yard",
    "container",
    "customs",
    "clearance",
    "distribution",
    "platform",
    "corridor",
    "river",
    "barge",
    "freight",
]
PHRASES = ["cold chain", "cross-border e-commerce", "smart logistics", "free trade zone"]
CURRENCIES = ["CNY"] * 6 + ["USD", "USD", "EUR", "SGD", "THB", "MYR"]
COUNTRIES = ["CN"] * 4 + ["SG", "MY", "TH", "VN", "DE", "BR", "AE", "HK"]


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=REPO,
        check=True,
    )


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), rng.choice(PHRASES))
    return " ".join(words)


def load(*, projects: int, enterprises: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
    from enterprises.models import Enterprise, Membership
    from matchmaking.models import Match
    from projects.models import Project

    rng = random.Random(2025)
    sectors = list(Sector.objects.values_list("code", flat=True))
    modes = list(CooperationMode.objects.values_list("code", flat=True))
    corridors = list(Corridor.objects.values_list("code", flat=True))
    regions = list(Region.objects.values_list("code", flat=True))
    ownerships = list(OwnershipType.objects.values_list("code", flat=True))
    now = timezone.now()

    have = Enterprise.objects.filter(reference__startswith=BENCH_PREFIX).count()
    if have < enterprises:
        t = time.perf_counter()
        rows = []
        for i in range(have, enterprises):
            low = Decimal(rng.choice([1, 5, 10, 50, 100])) * 1_000_000
            rows.append(
                Enterprise(
                    reference=f"{BENCH_PREFIX}E{i:06d}",
                    name=f"Enterprise {i} {rng.choice(WORDS).title()}",
                    ownership_id="soe" if i == 0 else rng.choice(ownerships),
                    country="CN" if i == 0 else rng.choice(COUNTRIES),
                    investment_min=low,
                    investment_max=low * 10,
                    currency=rng.choice(CURRENCIES),
                    description=_text(rng, 25),
                    is_verified=True,
                )
            )
        created = _bulk(Enterprise, rows)
        through = Enterprise.sectors.through
        _bulk(
            through,
            [
                through(enterprise_id=e.pk, sector_id=code)
                for e in created
                for code in rng.sample(sectors, 2)
            ],
        )
        print(f"loaded {len(created):,} enterprises in {time.perf_counter() - t:.1f} s")

    owner = Enterprise.objects.get(reference=f"{BENCH_PREFIX}E000000")
    partner = Enterprise.objects.get(reference=f"{BENCH_PREFIX}E000001")
    owners = list(
        Enterprise.objects.filter(reference__startswith=BENCH_PREFIX, ownership_id="soe")
        .order_by("pk")
        .values_list("pk", flat=True)[:2000]
    )
    have = Project.objects.filter(reference__startswith=BENCH_PREFIX).count()
    if have < projects:
        t = time.perf_counter()
        rows = []
        for i in range(have, projects):
            total = Decimal(rng.randrange(10, 10_000)) * 1_000_000
            status = "published" if rng.random() < 0.8 else rng.choice(["draft", "signed"])
            rows.append(
                Project(
                    reference=f"{BENCH_PREFIX}P{i:06d}",
                    title=_text(rng, 6).capitalize(),
                    description=_text(rng, 60),
                    owner_id=owner.pk if i < CANDIDATE_PROJECTS else rng.choice(owners),
                    target_countries=rng.sample(COUNTRIES[4:], rng.choice([0, 0, 1, 2])),
                    total_investment=total,
                    external_investment_sought=total / 2,
                    currency=rng.choice(CURRENCIES),
                    status="published" if i < CANDIDATE_PROJECTS else status,
                    deadline=date(2026, 1, 1) + timedelta(days=rng.randrange(0, 720)),
                    published_at=now,
                )
            )
        created = _bulk(Project, rows)
        for field, codes, column, count in [
            ("sectors", sectors, "sector_id", 2),
            ("cooperation_modes", modes, "cooperationmode_id", 2),
            ("corridors", corridors, "corridor_id", 1),
            ("target_regions", regions, "region_id", 1),
        ]:
            through = getattr(Project, field).through
            _bulk(
                through,
                [
                    through(project_id=p.pk, **{column: code})
                    for p in created
                    for code in rng.sample(codes, count)
                    if field != "target_regions" or rng.random() < 0.5
                ],
            )
        print(f"loaded {len(created):,} projects in {time.perf_counter() - t:.1f} s")

    if not Match.objects.filter(project__reference__startswith=BENCH_PREFIX).exists():
        t = time.perf_counter()
        project_ids = list(
            Project.objects.filter(reference__startswith=BENCH_PREFIX)
            .order_by("pk")
            .values_list("pk", flat=True)[:CANDIDATE_PROJECTS]
        )
        enterprise_ids = list(
            Enterprise.objects.filter(reference__startswith=BENCH_PREFIX)
            .exclude(pk=owner.pk)
            .values_list("pk", flat=True)[:20_000]
        )
        reasons = [{"code": "sector_same", "params": {"codes": ["logistics"]}}]
        rows = []
        for project_id in project_ids:
            chosen = set(rng.sample(enterprise_ids, MATCHES_PER_PROJECT))
            chosen.add(partner.pk)  # the benchmark enterprise is a candidate everywhere
            rows += [
                Match(
                    project_id=project_id,
                    enterprise_id=enterprise_id,
                    score=round(rng.uniform(30, 95), 1),
                    eligible=rng.random() > 0.05,
                    reasons=reasons,
                    components={"sector": 0.2, "region": 0.1},
                    config_version=1,
                    computed_at=now,
                )
                for enterprise_id in chosen
            ]
        _bulk(Match, rows)
        print(f"loaded {len(rows):,} matches in {time.perf_counter() - t:.1f} s")

    users = get_user_model().objects
    staff, _ = users.get_or_create(username="bench.soe")
    member, _ = users.get_or_create(username="bench.partner")
    Membership.objects.get_or_create(user=staff, defaults={"enterprise": owner})
    Membership.objects.get_or_create(user=member, defaults={"enterprise": partner})
    Token.objects.get_or_create(user=staff)
    Token.objects.get_or_create(user=member)


def compact_after_load(cursor) -> None:
    """Rewrite the project table if the load left it bloated.

    Loading writes each project row five times (the insert, then the M2M triggers rewrite
    its code arrays once per M2M table), and this PostgreSQL runs without autovacuum, so a
    fresh load left a 637 MB table holding 156 MB of live rows (349,000 dead row versions),
    and the filtered list's capped count took 132 ms instead of 8 ms on the compacted table,
    which is what a table written over time under autovacuum looks like. Done once, when
    dead rows outnumber live ones.
    """
    cursor.execute(
        "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'projects_project'"
    )
    live, dead = cursor.fetchone() or (0, 0)
    if dead > live:
        t = time.perf_counter()
        cursor.execute("VACUUM (FULL, ANALYZE) projects_project")
        print(f"compacted projects_project ({dead:,} dead rows) in {time.perf_counter() - t:.1f} s")


def _bulk(model, rows: list) -> list:
    created = []
    for start in range(0, len(rows), BATCH_SIZE):
        created += model.objects.bulk_create(rows[start : start + BATCH_SIZE])
    return created


def bench_settings_dir() -> str:
    """A settings module for gunicorn: production, plus throttles that never refuse the bench."""
    folder = tempfile.mkdtemp(prefix="parklink-bench-")
    Path(folder, "bench_settings.py").write_text(
        textwrap.dedent(
            """
            from config.settings.production import *  # noqa: F403

            REST_FRAMEWORK = {
                **REST_FRAMEWORK,  # noqa: F405
                "DEFAULT_THROTTLE_RATES": {"anon": "100000000/minute", "user": "100000000/minute"},
            }
            """
        )
    )
    return folder


def start_gunicorn(*, port: int, server: str, workers: int) -> subprocess.Popen:
    folder = bench_settings_dir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([folder, str(REPO)]),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application"]
    if server == "gthread":  # the deployment's configuration file, as it is
        command += ["--config", str(REPO / "config" / "gunicorn.py")]
    else:
        command += ["--worker-class", "sync", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(  # noqa: S603 - our own fixed command line
        command,
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if _get(port, "/api/v1/ownership-types/", {})[0] == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not answer within 30 s")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def one_client(port: int, paths: list[str], headers: dict[str, str], n: int) -> list[float]:
    """n sequential requests after 10 warm-up ones, cycling through `paths` (one path:
    repeated; many: each request another URL, the warm-up ones not measured again)."""
    for i in range(10):
        path = paths[i % len(paths)]
        status, body = _get(port, path, headers)
        assert status == 200, (path, status, body[:300])
    timings = []
    for i in range(10, 10 + n):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        status, body = _get(port, path, headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert status == 200, (path, status, body[:300])
    return timings


def _load_worker(args: tuple) -> tuple[int, int]:
    port, paths, offset, stride, headers, seconds, start_at = args
    while time.time() < start_at:
        time.sleep(0.001)
    done = failed = 0
    stop = start_at + seconds
    i = offset
    while time.time() < stop:
        path = paths[i % len(paths)]
        i += stride
        try:
            status, _body = _get(port, path, headers)
        except OSError:  # a timeout (30 s) or a refused connection
            failed += 1
            continue
        if status == 200:
            done += 1
        else:
            failed += 1
    return done, failed


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of the processes `pids` has used (those alive),
    with that of its children it has reaped: a database connection that closed between
    two readings (CONN_MAX_AGE) is then still counted, in the postmaster's share."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = sum(int(value) for value in fields[11:15]) / ticks  # utime .. cstime
    return used


def _cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds a group of processes spent between two readings of it. The readings'
    totals are compared: a process that started in between is in the second only, and one
    that ended is in the first, its time then in its parent's reaped-children share."""
    return sum(after.values()) - sum(before.values())


def _processes(match) -> list[int]:
    """Ids of the processes for which match(ppid, command line) is true."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if match(ppid, command):
            found.append(int(entry))
    return found


def server_processes(server_pid: int) -> tuple[list[int], list[int]]:
    """gunicorn's master and workers; PostgreSQL's postmaster and all its processes (the
    whole local server: run the benchmark on an otherwise quiet one)."""
    gunicorn = [server_pid, *_processes(lambda ppid, _command: ppid == server_pid)]
    backends = _processes(lambda _ppid, command: command.startswith("postgres: "))
    postmasters = set()
    for pid in backends:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
            postmasters.add(int(stat.read().rsplit(")", 1)[1].split()[1]))
    return gunicorn, [*postmasters, *backends]


def throughput(
    port: int,
    paths: list[str],
    headers: dict,
    clients: int,
    seconds: float,
    processes=lambda: ([], []),
) -> tuple[float, int, tuple[float, float, float]]:
    """Successful requests per second with `clients` concurrent clients, the failures, and
    the CPU milliseconds per successful request of the server's `processes()` (gunicorn's,
    PostgreSQL's: listed before and after, so that connections opened in between count)
    and of the clients. With several paths, client k sends paths k, k + clients, k + 2 clients...:
    no two requests of the run send the same URL until the list is used up."""
    start_at = time.time() + 1.0
    work = [(port, paths, k, clients, headers, seconds, start_at) for k in range(clients)]
    before = [_cpu_seconds(pids) for pids in processes()], os.times()
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(_load_worker, work)
    after = [_cpu_seconds(pids) for pids in processes()], os.times()
    done = sum(done for done, _ in counts)
    server_cpu = [_cpu_spent(b, a) for b, a in zip(before[0], after[0], strict=True)]
    clients_cpu = (after[1].children_user + after[1].children_system) - (
        before[1].children_user + before[1].children_system
    )
    per_request = tuple(1000 * spent / max(done, 1) for spent in (*server_cpu, clients_cpu))
    return done / seconds, sum(failed for _, failed in counts), per_request


VARIED_URLS = 6_000  # per list: more than 20 clients send in 10 s at 400 requests/s
ORDERINGS = ["", "-amount", "deadline", "-published_at", "title"]


def varied_paths(candidate_projects: list[int]) -> dict[str, list[str]]:
    """Per list, VARIED_URLS distinct requests a browsing client could send, from a fixed
    seed (the same URLs in every run, for every commit); each answers 200 with at least
    one page (page numbers stay within what the filters select)."""
    from urllib.parse import urlencode

    from core.models import CooperationMode, Corridor, Region, Sector

    rng = random.Random(20261127)
    sectors = list(Sector.objects.values_list("code", flat=True))
    parents = [code for code in sectors if "." not in code]
    modes = list(CooperationMode.objects.values_list("code", flat=True))
    corridors = list(Corridor.objects.values_list("code", flat=True))
    places = sorted(set(COUNTRIES[4:])) + list(Region.objects.values_list("code", flat=True))

    def unique(make) -> list[str]:
        """Up to VARIED_URLS distinct URLs (fewer where the list has fewer combinations:
        one enterprise's recommendations, which have no cached count to miss)."""
        seen: dict[str, None] = {}
        for _attempt in range(20 * VARIED_URLS):
            seen[make()] = None
            if len(seen) == VARIED_URLS:
                break
        return list(seen)

    def ordering(params: dict) -> dict:
        order = rng.choice(ORDERINGS)
        return {**params, "ordering": order} if order else params

    # Search words that narrow, as the repeated URL's "cold chain" does: each of WORDS is
    # in most of the generated descriptions (a search for one ranks ~10^4 rows), the
    # phrases' own words in a few percent of them.
    rare = sorted({word for phrase in PHRASES for word in phrase.split()} - set(WORDS))

    def searched() -> str:
        pick = rng.random()
        if pick < 0.4:
            words = rng.choice(PHRASES)
        elif pick < 0.7:
            words = f"{rng.choice(rare)} {rng.choice(WORDS)}"
        else:
            words = rng.choice(rare)
        params = {"q": words, "sector": rng.choice(parents)}
        if rng.random() < 0.6:
            params["place"] = rng.choice(places)
        if rng.random() < 0.5:
            params["min_amount"] = rng.choice([1, 5, 10, 50, 100]) * 1_000_000
            params["currency"] = rng.choice(["CNY", "USD", "EUR"])
        if rng.random() < 0.3:
            params = ordering(params)
        return "/api/v1/projects/?" + urlencode(params)

    def filtered() -> str:
        params = {"sector": rng.choice(sectors), "place": rng.choice(places)}
        extra = rng.random()
        if extra < 0.3:
            params["mode"] = rng.choice(modes)
        elif extra < 0.5:
            params["corridor"] = rng.choice(corridors)
        elif extra < 0.7:
            params["max_amount"] = rng.choice([100, 500, 1000, 5000]) * 1_000_000
        return "/api/v1/projects/?" + urlencode(ordering(params))

    def candidates() -> str:
        params: dict = {"project": rng.choice(candidate_projects)}
        if rng.random() < 0.3:
            params["min_score"] = rng.choice([40, 50, 60])
        elif rng.random() < 0.3:
            params["eligible"] = "true"
        else:
            params["page"] = rng.choice([1, 1, 2, 3])
        return "/api/v1/matches/?" + urlencode(params)

    def recommendations() -> str:
        params: dict = {"page": rng.randrange(1, 51)}
        if rng.random() < 0.8:
            params["min_score"] = rng.choice([32, 35, 38, 40, 42, 45, 48, 50])
        return "/api/v1/matches/?" + urlencode(params)

    return {
        "searched": unique(searched),
        "filtered": unique(filtered),
        "candidates": unique(candidates),
        "recommendations": unique(recommendations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint, one client")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint, under load")
    parser.add_argument(
        "--server",
        choices=["gthread", "sync"],
        default="gthread",
        help="gthread: config/gunicorn.py as deployed; sync: --workers sync workers",
    )
    parser.add_argument("--workers", type=int, default=4, help="with --server sync")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--modes",
        default="repeated,varied",
        help="repeated (one URL per list), varied (another URL each request), or both",
    )
    options = parser.parse_args()
    modes = [mode for mode in options.modes.split(",") if mode]
    if not modes or set(modes) - {"repeated", "varied"}:
        parser.error("--modes: repeated, varied or repeated,varied")

    ensure_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from projects.models import Project

    load(projects=options.projects, enterprises=options.enterprises)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {OLD_SEARCH_INDEX}")
        compact_after_load(cursor)
        cursor.execute("VACUUM (ANALYZE)")
    candidate_projects = list(
        Project.objects.filter(reference__startswith=BENCH_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)[:CANDIDATE_PROJECTS]
    )
    candidates_of = candidate_projects[0]
    staff = {"Authorization": f"Token {Token.objects.get(user__username='bench.soe').key}"}
    partner = {"Authorization": f"Token {Token.objects.get(user__username='bench.partner').key}"}
    varied = varied_paths(candidate_projects) if "varied" in modes else {}
    connection.close()
    cache.clear()  # no cached count of an earlier run (the bench's own Redis database)

    trivial = ("trivial DRF endpoint", ["/api/v1/ownership-types/"], staff)
    endpoints = []
    if "repeated" in modes:
        endpoints += [
            (
                "searched, repeated",
                [
                    "/api/v1/projects/?q=cold+chain&sector=logistics&place=TH"
                    "&min_amount=10000000&currency=USD"
                ],
                staff,
            ),
            ("filtered, repeated", ["/api/v1/projects/?sector=logistics&place=TH"], staff),
            ("candidates, repeated", [f"/api/v1/matches/?project={candidates_of}"], staff),
            ("recommendations, repeated", ["/api/v1/matches/"], partner),
        ]
    if "varied" in modes:
        endpoints += [
            ("searched, varied", varied["searched"], staff),
            ("filtered, varied", varied["filtered"], staff),
            ("candidates, varied", varied["candidates"], staff),
            ("recommendations, varied", varied["recommendations"], partner),
        ]
    if options.server == "gthread":
        workers = os.environ.get("GUNICORN_WORKERS", os.cpu_count())
        threads = os.environ.get("GUNICORN_THREADS", "4")
        described = f"config/gunicorn.py: {workers} gthread workers x {threads} threads"
    else:
        described = f"{options.workers} sync workers"
    print(
        f"\n{options.projects:,} projects, {options.enterprises:,} enterprises; gunicorn "
        f"{described}, DEBUG off; {os.cpu_count()} CPUs shared with the clients; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    options.port = options.port or _free_port()
    server = start_gunicorn(port=options.port, server=options.server, workers=options.workers)
    try:
        results = []
        for name, paths, headers in [trivial, *endpoints, (f"{trivial[0]} (again)", *trivial[1:])]:
            # One client takes the first URLs of a varied list, the load the others.
            single, loaded = paths[: 10 + options.requests], paths[10 + options.requests :]
            timings = one_client(options.port, single, headers, options.requests)
            quantiles = statistics.quantiles(timings, n=100)
            p50, p95 = statistics.median(timings), quantiles[94]
            print(f"{name}: one client p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
            rate, failed, cpu = throughput(
                options.port,
                loaded or paths,
                headers,
                options.concurrency,
                options.seconds,
                lambda: server_processes(server.pid),
            )
            if failed:
                print(f"{name}: {failed} requests failed or timed out under load", flush=True)
            results.append((name, p50, p95, rate, cpu))
    finally:
        server.terminate()
        server.wait(timeout=30)

    trivial_rate = (results[0][3] + results[-1][3]) / 2
    print(
        f"\n{'endpoint':36} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'req/s @' + str(options.concurrency):>10} {'vs trivial':>10}"
        f"   CPU ms/request under load: {'gunicorn':>8} {'postgres':>8} {'clients':>8}"
    )
    for name, p50, p95, rate, cpu in results:
        print(
            f"{name:36} {p50:8.1f} {p95:8.1f} {rate:10.1f} {rate / trivial_rate:10.0%}"
            f"   {'':26} {cpu[0]:8.2f} {cpu[1]:8.2f} {cpu[2]:8.2f}"
        )
    print(
        f"(trivial: {results[0][3]:.1f} first, {results[-1][3]:.1f} last; ratios to their mean "
        f"{trivial_rate:.1f}; load average {os.getloadavg()[0]:.2f})"
    )
    for name, _p50, p95, rate, _cpu in results[1:-1]:
        verdict_latency = "meets" if p95 < 50 else "MISSES"
        verdict_rate = "meets" if rate >= 0.3 * trivial_rate else "MISSES"
        print(
            f"{name}: p95 {p95:.1f} ms {verdict_latency} the 50 ms target; throughput "
            f"{rate / trivial_rate:.0%} of trivial {verdict_rate} the 30% target"
        )


if __name__ == "__main__":
    main()
