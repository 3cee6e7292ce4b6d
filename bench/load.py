"""Load test of the whole stack: 50 simulated users for 5 minutes against gunicorn (production
settings, DEBUG off) and a real Celery worker, all on loopback.

    .venv/bin/python bench/load.py            # 5 minutes, 50 users, 10 started per second
    .venv/bin/python bench/load.py --quick    # 30 seconds
    .venv/bin/python bench/load.py --restart-postgres-at 60   # drill: PostgreSQL restarted

1. Creates a fresh PostgreSQL database (`--database`, default parklink_load), migrates it and
   runs `load_demo`; flushes the Redis databases it uses (`--redis-db`, `--broker-db`).
2. Starts gunicorn on 127.0.0.1:`--port` and one Celery worker taking every queue.
3. Runs locust headless (bench/locustfile.py) and prints, per request kind: requests,
   failures, p50, p95, p99 and max (ms); then checks the data: no interest left open by
   the load, no half-written rows, every email delivered once (after the worker drained).
4. Stops everything it started and drops the database (unless `--keep`).

`--restart-postgres-at S` restarts the PostgreSQL cluster S seconds into the run
(`pg_ctlcluster --skip-systemctl-redirect 15 main restart`) and probes /healthz and a page
every 0.2 s around it, printing how long requests failed, with which statuses and how fast.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import VENV_BIN, Stack

TARGET_P95_MS = 300
# The sign-in POST verifies a password with Django's PBKDF2 hasher (10^6 iterations, ~0.5 s of
# CPU by design: that cost is what makes a stolen hash expensive to crack). Its p95 is printed
# and its failures count, but it is not held to the pages' latency target; weakening the
# hasher to meet a page target would be the wrong trade.
HASH_BOUND_KINDS = {"login"}
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]

INVARIANTS = {
    # An expression of interest and its notifications are written in one transaction.
    "interests without their owner's notification": """
        SELECT count(*) FROM deals_interest i
        JOIN enterprises_membership m ON m.enterprise_id = (
            SELECT owner_id FROM projects_project p WHERE p.id = i.project_id)
        JOIN auth_user u ON u.id = m.user_id AND u.is_active
        WHERE i.initiated_by = 'enterprise'
          AND NOT EXISTS (SELECT 1 FROM notifications_notification n
                          WHERE n.key = 'interest:' || i.id AND n.recipient_id = m.user_id)
          AND m.user_id IS DISTINCT FROM i.created_by_id""",
    # A state change and its history row are written in one transaction.
    "interests moved without a transition row": """
        SELECT count(*) FROM deals_interest i WHERE i.state <> 'new' AND NOT EXISTS (
            SELECT 1 FROM deals_interesttransition t
            WHERE t.interest_id = i.id AND t.to_state = i.state)""",
    "instant notifications without their email delivery": """
        SELECT count(*) FROM notifications_notification n
        WHERE n.email_frequency = 'instant' AND NOT EXISTS (
            SELECT 1 FROM notifications_delivery d WHERE d.notification_id = n.id)""",
    "interests the load left open": """
        SELECT count(*) FROM deals_interest WHERE message LIKE 'Load test:%%'
          AND state NOT IN ('withdrawn', 'declined', 'agreement_signed')""",
    "match pairs stored twice": """
        SELECT count(*) FROM (SELECT project_id, enterprise_id FROM matchmaking_match
                              GROUP BY 1, 2 HAVING count(*) > 1) d""",
}


def check_invariants(stack: Stack) -> dict[str, int]:
    return {name: stack.sql(query)[0][0] for name, query in INVARIANTS.items()}


def outbox(stack: Stack) -> dict[str, int]:
    rows = stack.sql("SELECT status, count(*) FROM notifications_delivery GROUP BY 1")
    return {"pending": 0, "sent": 0, "failed": 0, **dict(rows)}


def wait_outbox_drained(stack: Stack, *, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = outbox(stack)
        if counts["pending"] == 0 or time.monotonic() > deadline:
            return counts
        time.sleep(1)


class Prober(threading.Thread):
    """Probes /healthz and a page every 0.2 s; records (t, which, status, seconds)."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.samples: list[tuple[float, str, int, float]] = []
        self.stopping = threading.Event()

    def probe(self, path: str) -> tuple[int, float]:
        started = time.monotonic()
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.base + path, headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status = 0
        return status, time.monotonic() - started

    def run(self) -> None:
        while not self.stopping.is_set():
            for path in ("/healthz", "/opportunities/"):
                status, seconds = self.probe(path)
                self.samples.append((time.monotonic(), path, status, seconds))
            time.sleep(0.2)

    def report(self, restarted_at: float, restart_seconds: float) -> list[str]:
        lines = [f"pg_ctlcluster restart took {restart_seconds:.2f} s"]
        for path in ("/healthz", "/opportunities/"):
            rows = [s for s in self.samples if s[1] == path and s[0] >= restarted_at - 1]
            bad = [s for s in rows if s[2] != 200]
            statuses: dict[int, int] = {}
            for s in bad:
                statuses[s[2]] = statuses.get(s[2], 0) + 1
            if bad:
                window = bad[-1][0] - bad[0][0]
                first_ok = next((s for s in rows if s[0] > bad[-1][0] and s[2] == 200), None)
                recovered = f"{first_ok[0] - restarted_at:.2f} s" if first_ok else "never"
                slowest = max(s[3] for s in bad)
                lines.append(
                    f"{path}: {len(bad)} failed probes over {window:.2f} s, statuses {statuses}, "
                    f"slowest failure {slowest * 1000:.0f} ms, 200 again {recovered} "
                    "after the restart began"
                )
            else:
                lines.append(f"{path}: no failed probe")
        return lines


def run_locust(stack: Stack, data: Path, *, users: int, spawn_rate: int, run_time: str) -> Path:
    prefix = stack.workdir / "locust"
    cmd = [
        str(VENV_BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")),
        "--headless", "--only-summary", f"-u{users}", f"-r{spawn_rate}",
        f"--run-time={run_time}", f"--host={stack.url}", f"--csv={prefix}",
        "--stop-timeout=10", "--loglevel=WARNING",
    ]  # fmt: skip
    env = {**stack.env, "BENCH_DATA": str(data)}
    subprocess.run(cmd, env=env, check=False, cwd=stack.workdir)  # noqa: S603
    return Path(f"{prefix}_stats.csv")


def print_table(stats_csv: Path) -> bool:
    rows = list(csv.DictReader(stats_csv.open()))
    header = f"{'request kind':<22} {'requests':>8} {'failures':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}  (ms)"
    print(header)
    print("-" * len(header))
    ok = True
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        failures = int(row["Failure Count"])
        p95 = float(row["95%"] or 0)
        if failures or (name != "ALL" and name not in HASH_BOUND_KINDS and p95 >= TARGET_P95_MS):
            ok = False
        print(
            f"{name:<22} {row['Request Count']:>8} {failures:>8} {row['50%']:>6} {row['95%']:>6} "
            f"{row['99%']:>6} {float(row['Max Response Time']):>6.0f}"
        )
    failures_csv = stats_csv.with_name(stats_csv.name.replace("_stats", "_failures"))
    if failures_csv.exists():
        for row in csv.DictReader(failures_csv.open()):
            print(f"  failure x{row['Occurrences']}: {row['Name']}: {row['Error'][:160]}")
    return ok


def withdrawals_refused(stats_csv: Path) -> int:
    failures_csv = stats_csv.with_name(stats_csv.name.replace("_stats", "_failures"))
    return sum(
        int(row["Occurrences"])
        for row in csv.DictReader(failures_csv.open())
        if row["Name"] == "interest: withdraw" and "(503)" in row["Error"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 seconds instead of 5 minutes")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--database", default="parklink_load")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--broker-db", type=int, default=15)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--restart-postgres-at", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    run_time = "30s" if args.quick else args.run_time

    with Stack(
        database=args.database,
        port=args.port,
        redis_db=args.redis_db,
        broker_db=args.broker_db,
        gunicorn_workers=args.gunicorn_workers,
        gunicorn_threads=args.gunicorn_threads,
        keep_database=args.keep,
    ) as stack:
        # locust's FirmMember has weight 2 of 5; they split between the two firms.
        data = stack.bench_data(members_per_firm=max(1, -(-args.users * 2 // 5) // 2))
        stack.start_web()
        stack.start_worker()
        stack.start_beat()  # the outbox sweeper heals a delivery whose message was lost
        print(
            f"stack: gunicorn {args.gunicorn_workers} processes x {args.gunicorn_threads} threads"
            f" (gthread) on {stack.url}, 1 worker (concurrency 2),"
            f" database {args.database}; locust -u {args.users} -r {args.spawn_rate} "
            f"--run-time {run_time}"
        )
        prober = drill = None
        if args.restart_postgres_at is not None:
            prober = Prober(stack.url)
            prober.start()
            drill = {}

            def restart() -> None:
                time.sleep(args.restart_postgres_at)
                drill["at"] = time.monotonic()
                subprocess.run(PG_RESTART, check=True)  # noqa: S603
                drill["took"] = time.monotonic() - drill["at"]

            threading.Thread(target=restart, daemon=True).start()

        started = time.monotonic()
        stats_csv = run_locust(
            stack, data, users=args.users, spawn_rate=args.spawn_rate, run_time=run_time
        )
        print(f"\nlocust ran {time.monotonic() - started:.0f} s")
        ok = print_table(stats_csv)
        if prober is not None:
            prober.stopping.set()
            prober.join()
            print("\nPostgreSQL restart drill:")
            for line in prober.report(drill["at"], drill["took"]):
                print("  " + line)
        counts = wait_outbox_drained(stack, timeout=120)
        emails = stack.emails_sent()
        print(
            f"\noutbox: {counts['sent']} sent, {counts['pending']} pending, {counts['failed']} "
            f"failed; emails written {len(emails)}, distinct {len(set(emails))}"
        )
        invariants = check_invariants(stack)
        for name, value in invariants.items():
            print(f"check: {name}: {value}")
        metrics = [
            line
            for line in stack.metrics().splitlines()
            if line.startswith(("parklink_", "django_http_requests_total_by_method"))
            and "_bucket" not in line
        ]
        print("\n/metrics after the run (excerpt):")
        for line in metrics[:40]:
            print("  " + line)
        left_open = invariants.pop("interests the load left open")
        if prober is not None:
            # A withdrawal answered 503 did not happen (its transaction rolled back): the
            # interest stays open, which is right. Only more open ones than that would be wrong.
            refused = withdrawals_refused(stats_csv)
            print(f"interests left open: {left_open}, withdrawals answered 503: {refused}")
            left_open = max(0, left_open - refused)
        clean = (
            not any(invariants.values())
            and not left_open
            and len(emails) == len(set(emails)) == counts["sent"]
        )
        if prober is None:
            print(
                f"\nverdict: {'PASS' if ok and clean else 'FAIL'} (target: no failures, "
                f"p95 < {TARGET_P95_MS} ms for every kind but the password check of "
                f"{', '.join(sorted(HASH_BOUND_KINDS))}; data checks all 0)"
            )
        else:
            print(f"\nverdict: data checks {'clean' if clean else 'NOT clean'}")
        return 0 if (ok or prober is not None) and clean else 1


if __name__ == "__main__":
    sys.exit(main())
