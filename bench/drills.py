"""Fault drills on the real stack (loopback only); each prints what it observed.

    .venv/bin/python bench/drills.py redis      # b. Redis restarted while interests are expressed
    .venv/bin/python bench/drills.py worker     # c. a worker killed during a full rescore
    .venv/bin/python bench/drills.py all

The PostgreSQL drill (a) runs under the load test: bench/load.py --restart-postgres-at 60.

b. `redis`: signed-in firm members express interest and withdraw it in a loop (each interest
   notifies the owner's staff: Notification + Delivery rows, an email each). After
   --outage-after seconds Redis is shut down (`redis-cli shutdown nosave`, so every queued
   message is lost) and started again --outage seconds later with the command of the dev
   setup. Observed: HTTP statuses per second, how long the outbox takes to empty (the beat's
   sweeper re-enqueues pending deliveries older than a minute), and whether every Delivery
   produced exactly one email (Message-IDs written by the file email backend).

c. `worker`: a full rescore (`matchmaking.rescore_all`, fanned out in chunks of 250 projects
   on the scoring queue) over 500 extra projects and 1,000 extra enterprises. Twice:
   c1 kills -9 the pool process running a chunk (the worker's main process lives on) and
   c2 kills -9 the whole worker (main process and pool); a second worker is started at once.
   Observed: whether and when every chunk ran, then the stored matches compared with a clean
   `manage.py rescore` (same pairs, none lost or doubled). c2 runs with a short
   CELERY_VISIBILITY_TIMEOUT (--visibility-timeout) so the redelivery can be seen.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import Stack

REDIS_STOP = ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"]
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
    "--save", "", "--appendonly", "no",
]  # fmt: skip
PASSWORD = "parklink-demo-2025"  # noqa: S105 - load_demo's published demo password
_INTEREST_URL = re.compile(r"/interests/(\d+)/$")


def redis_up() -> bool:
    done = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() == "PONG"


class Member:
    """A signed-in firm member speaking to the web forms (as bench/locustfile.py does)."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.origin = base.replace("http://", "https://", 1)
        self.session = requests.Session()
        self.session.headers.update({"X-Forwarded-Proto": "https"})
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"login as {username} failed: {response.status_code}")

    def _unsecure(self) -> None:
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str) -> requests.Response:
        self._unsecure()
        return self.session.get(self.base + path, timeout=30, allow_redirects=False)

    def post(self, path: str, data: dict) -> requests.Response:
        self._unsecure()
        data = {"csrfmiddlewaretoken": self.session.cookies.get("csrftoken", ""), **data}
        return self.session.post(
            self.base + path,
            data=data,
            timeout=30,
            allow_redirects=False,
            headers={"Origin": self.origin, "Referer": self.origin + path},
        )


def express_loop(
    member: Member, targets: list[str], stop: threading.Event, log: list, started: float
) -> None:
    i = 0
    while not stop.is_set():
        reference = targets[i % len(targets)]
        i += 1
        t = time.monotonic()
        try:
            response = member.post(
                f"/opportunities/{reference}/interest/",
                {"message": "Drill: we would like to discuss.", "currency": "USD"},
            )
            status = response.status_code
            found = _INTEREST_URL.search(response.headers.get("Location", ""))
        except requests.RequestException:
            status, found = 0, None
        log.append((t - started, "express", status if found or status != 302 else 409))
        if found:
            try:
                status = member.post(f"/interests/{found.group(1)}/move/", {"to": "withdrawn"})
                log.append((time.monotonic() - started, "withdraw", status.status_code))
            except requests.RequestException:
                log.append((time.monotonic() - started, "withdraw", 0))
        time.sleep(0.1)


def per_second(log: list) -> list[str]:
    buckets: dict[int, Counter] = {}
    for t, _kind, status in log:
        buckets.setdefault(int(t), Counter())[status] += 1
    return [f"  t={second:>3}s {dict(counts)}" for second, counts in sorted(buckets.items())]


def drill_redis(args: argparse.Namespace) -> bool:
    print("== drill b: Redis restarted while interests are expressed ==")
    with Stack(database="parklink_drill_redis", port=args.port) as stack:
        data = __import__("json").loads(stack.bench_data().read_text())
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        members = []
        for number in range(4):
            username = sorted(data["firms"])[number % 2]
            targets = data["firms"][username][number // 2 :: 2]
            members.append((Member(stack.url, username), targets))
        stop = threading.Event()
        log: list = []
        started = time.monotonic()
        threads = [
            threading.Thread(target=express_loop, args=(m, t, stop, log, started), daemon=True)
            for m, t in members
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.outage_after)
        down_at = time.monotonic() - started
        subprocess.run(REDIS_STOP, check=False)  # noqa: S603
        time.sleep(args.outage)
        subprocess.run(REDIS_START, check=True)  # noqa: S603
        up_at = time.monotonic() - started
        while not redis_up():
            time.sleep(0.1)
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join()
        print(f"Redis down at t={down_at:.1f}s, started again at t={up_at:.1f}s")
        print("HTTP statuses per second (409 = refused as already open):")
        print("\n".join(per_second(log)))
        drained_from = time.monotonic()
        deadline = drained_from + args.drain_timeout
        while True:
            rows = dict(stack.sql("SELECT status, count(*) FROM notifications_delivery GROUP BY 1"))
            if not rows.get("pending") or time.monotonic() > deadline:
                break
            time.sleep(2)
        waited = time.monotonic() - drained_from
        deliveries = stack.sql("SELECT idempotency_key, status FROM notifications_delivery")
        expected = {key.replace(":", ".") for key, status in deliveries if status == "sent"}
        emails = stack.emails_sent()
        written = Counter(mid.strip("<>").split("@", 1)[0] for mid in emails)
        duplicated = {k: n for k, n in written.items() if n > 1}
        lost = expected - set(written)
        unexplained = set(written) - expected
        interests = stack.sql("SELECT count(*) FROM deals_interest WHERE message LIKE 'Drill:%%'")[
            0
        ][0]
        # Every active member of the project owner's SOE (other than the author) is notified.
        no_notification = stack.sql(
            "SELECT count(*) FROM deals_interest i "
            "JOIN projects_project p ON p.id = i.project_id "
            "JOIN enterprises_membership m ON m.enterprise_id = p.owner_id "
            "JOIN auth_user u ON u.id = m.user_id AND u.is_active "
            "WHERE i.message LIKE 'Drill:%%' AND m.user_id IS DISTINCT FROM i.created_by_id "
            "AND NOT EXISTS (SELECT 1 FROM notifications_notification n "
            "WHERE n.key = 'interest:' || i.id AND n.recipient_id = m.user_id)"
        )[0][0]
        sweeps = re.findall(r"notifications\.sweep_outbox\[[^\]]+\] succeeded in [\d.]+s: (\d+)",
                            stack.log("worker"))  # fmt: skip
        print(f"interests expressed: {interests}; owner's members not notified: {no_notification}")
        print(f"deliveries: {dict(Counter(s for _, s in deliveries))}; outbox empty "
              f"{waited:.0f} s after the load stopped")  # fmt: skip
        print(f"sweeper runs re-enqueuing deliveries: {[int(n) for n in sweeps if n != '0']}")
        print(f"emails written: {len(emails)}, distinct: {len(written)}; "
              f"lost: {len(lost)}, duplicated: {len(duplicated)}, unexplained: {len(unexplained)}")  # fmt: skip
        ok = not lost and not duplicated and not unexplained and not no_notification
        ok = ok and not dict(Counter(s for _, s in deliveries)).get("pending")
        print(f"verdict: {'PASS' if ok else 'FAIL'}\n")
        return ok


RESCORE_DATA = """
import sys
sys.path.insert(0, "bench")
import django
django.setup()
from api import load
load(projects={projects}, enterprises={enterprises})
from matchmaking.models import Match
from projects.models import Project
Match.objects.filter(project__reference__startswith="BENCH-").delete()  # synthetic ones
print(Project.objects.filter(status="published").count())
"""

START_RESCORE = """
import django
django.setup()
from matchmaking.tasks import rescore_all_task
rescore_all_task.delay()
"""

MATCH_FINGERPRINT = (
    "SELECT count(*), count(DISTINCT (project_id, enterprise_id)), "
    "coalesce(sum(hashtext(project_id || ':' || enterprise_id)::numeric), 0) "
    "FROM matchmaking_match"
)
CHUNK_LINE = re.compile(r"Task matchmaking\.rescore_chunk\[([0-9a-f-]+)\] (received|succeeded)")
PRUNE_DONE = re.compile(r"Task matchmaking\.prune\[[0-9a-f-]+\] succeeded")


def chunk_events(stack: Stack, names: list[str]) -> tuple[set[str], set[str]]:
    received, succeeded = set(), set()
    for name in names:
        for task_id, what in CHUNK_LINE.findall(stack.log(name)):
            (received if what == "received" else succeeded).add(task_id)
    return received, succeeded


def pool_pids(stack: Stack, name: str) -> list[int]:
    """The worker's pool processes (children of its main process)."""
    done = subprocess.run(  # noqa: S603
        ["pgrep", "-P", str(stack.processes[name].pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in done.stdout.split()]


def wait_for(predicate, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def drill_worker(args: argparse.Namespace, *, whole_worker: bool) -> bool:
    label = "c2: the whole worker killed" if whole_worker else "c1: a pool process killed"
    print(f"== drill {label} during a full rescore ==")
    with Stack(database="parklink_drill_worker", port=args.port) as stack:
        if whole_worker:
            stack.env["CELERY_VISIBILITY_TIMEOUT"] = str(args.visibility_timeout)
        published = stack.python(
            RESCORE_DATA.format(projects=args.projects, enterprises=args.enterprises)
        ).split()[-1]
        print(f"{published} published projects, rescored in chunks of 250 (scoring queue)")
        # Scoring only: the first worker, alone, with one pool process.
        stack.start_worker("worker-a", queues="scoring", concurrency=1)
        t0 = time.monotonic()
        stack.python(START_RESCORE)
        # Let it finish one chunk and start the next, then kill in the middle of a chunk.
        fanned = re.compile(r"Task matchmaking\.rescore_all\[[^\]]+\] succeeded in [\d.]+s: (\d+)")
        assert wait_for(lambda: fanned.search(stack.log("worker-a")), 300)
        chunks = int(fanned.search(stack.log("worker-a")).group(1))
        print(f"rescore_all fanned out {chunks} chunks")
        assert wait_for(lambda: len(chunk_events(stack, ["worker-a"])[1]) >= 1, 600)
        assert wait_for(
            lambda: (
                len(chunk_events(stack, ["worker-a"])[0])
                > len(chunk_events(stack, ["worker-a"])[1])
            ),
            120,
            0.1,
        )
        time.sleep(1.0)
        received, succeeded = chunk_events(stack, ["worker-a"])
        in_flight = received - succeeded
        killed_at = time.monotonic() - t0
        if whole_worker:
            stack.stop("worker-a", kill=True)
            print(f"t={killed_at:.1f}s: kill -9 worker-a (main + pool) while running chunk "
                  f"{sorted(in_flight)}; {len(succeeded)} chunk(s) done")  # fmt: skip
            stack.start_worker("worker-b", queues="scoring", concurrency=1)
            names = ["worker-a", "worker-b"]
        else:
            child = pool_pids(stack, "worker-a")[0]  # concurrency 1: the one running it
            subprocess.run(["kill", "-9", str(child)], check=True)  # noqa: S603, S607
            print(f"t={killed_at:.1f}s: kill -9 pool process {child} of worker-a while it ran "
                  f"chunk {sorted(in_flight)}; {len(succeeded)} chunk(s) done")  # fmt: skip
            names = ["worker-a"]
        timeout = args.visibility_timeout + 600 if whole_worker else 600
        completed = wait_for(
            lambda: (
                chunk_events(stack, names)[1] >= chunk_events(stack, names)[0]
                and len(chunk_events(stack, names)[1]) >= chunks
                and any(PRUNE_DONE.search(stack.log(n)) for n in names)
            ),
            timeout,
        )
        took = time.monotonic() - t0
        received, succeeded = chunk_events(stack, names)
        redelivered = [t for t in in_flight if t in succeeded]
        logs = "".join(stack.log(n) for n in names)
        lost_notes = re.findall(r"WorkerLostError[^\n]*", logs)[:1]
        print(f"rescore {'completed' if completed else 'NOT completed'} {took:.0f} s after it "
              f"started: {len(succeeded)}/{chunks} chunks succeeded, killed chunk redelivered "
              f"and done: {bool(redelivered)}; prune ran: "
              f"{any(PRUNE_DONE.search(stack.log(n)) for n in names)}")  # fmt: skip
        if lost_notes:
            print(f"worker log: {lost_notes[0][:160]}")
        for name in list(stack.processes):
            stack.stop(name)
        after_drill = stack.sql(MATCH_FINGERPRINT)[0]
        print(stack.manage("rescore").strip().splitlines()[-1])
        clean = stack.sql(MATCH_FINGERPRINT)[0]
        print(f"matches after the drill: {after_drill[0]} rows, {after_drill[1]} distinct pairs;"
              f" after a clean rescore: {clean[0]} rows, {clean[1]} distinct pairs; same pairs: "
              f"{after_drill[2] == clean[2]}")  # fmt: skip
        ok = completed and after_drill == clean and after_drill[0] == after_drill[1]
        print(f"verdict: {'PASS' if ok else 'FAIL'}\n")
        return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drill", choices=["redis", "worker", "all"])
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--outage-after", type=float, default=15)
    parser.add_argument("--outage", type=float, default=3)
    parser.add_argument("--after", type=float, default=20, help="load after Redis is back (s)")
    parser.add_argument("--drain-timeout", type=float, default=240)
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--visibility-timeout", type=int, default=60)
    args = parser.parse_args()
    results = []
    if args.drill in ("redis", "all"):
        results.append(drill_redis(args))
    if args.drill in ("worker", "all"):
        results.append(drill_worker(args, whole_worker=False))
        results.append(drill_worker(args, whole_worker=True))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
