"""Fan one event out to 10,000 recipients through the outbox, the real broker and a real worker.

Reports deliveries per second end to end (event committed -> every email sent) and the
same number of no-op Celery tasks through the same broker and worker in the same run,
so the ratio says what the outbox (two rows, a row lock, rendering, the email backend)
costs over bare task dispatch.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parklink_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 REDIS_URL=redis://127.0.0.1:6379/11 \\
    .venv/bin/python bench/notify.py [--recipients 10000] [--concurrency 2]

Bench and worker run the base settings as deployed (persistent database connections,
DEBUG off) with Django's locmem email backend, so no SMTP server is part of the figure. The database is migrated and the bench rows are added with a
fresh prefix on every run.
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The base settings as deployed: persistent database connections, no DEBUG, a real broker.
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings.local",
    DJANGO_DEBUG="false",
    DATABASE_CONN_MAX_AGE="60",
    CELERY_TASK_ALWAYS_EAGER="false",
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
)
for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
    if not os.environ.get(name):
        raise SystemExit(f"set {name} (see the docstring)")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

import tests.workers  # noqa: E402
from config.celery import app  # noqa: E402
from enterprises.models import Membership  # noqa: E402
from notifications.models import Delivery, Notification  # noqa: E402
from notifications.services import follow_create  # noqa: E402
from notifications.tasks import noop_task  # noqa: E402
from projects.models import Project  # noqa: E402
from projects.signals import project_changed  # noqa: E402
from tests.factories import EnterpriseFactory, ProjectFactory  # noqa: E402
from tests.workers import start_worker, stop_worker  # noqa: E402

INSERT_BATCH = 2000


def production_like_worker_env() -> dict[str, str]:
    """The worker runs the same settings as this process (tests.workers forces test ones)."""
    return {**test_worker_env(), "DJANGO_SETTINGS_MODULE": "config.settings.local"}


test_worker_env = tests.workers.worker_env
tests.workers.worker_env = production_like_worker_env


def wait_for(predicate, *, timeout: float) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out after {timeout} s")
        time.sleep(0.05)
    return time.perf_counter() - started


def setup_recipients(prefix: str, n: int) -> Project:
    """One enterprise with `n` members follows one project."""
    follower = EnterpriseFactory(reference=f"{prefix}-F", name=f"{prefix} follower")
    project = ProjectFactory(
        reference=f"{prefix}-P", owner=EnterpriseFactory(reference=f"{prefix}-O")
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"{prefix}-{i}", email=f"{prefix}-{i}@example.com") for i in range(n)],
        batch_size=INSERT_BATCH,
    )
    Membership.objects.bulk_create(
        [Membership(user=u, enterprise=follower) for u in users], batch_size=INSERT_BATCH
    )
    follow_create(enterprise=follower, project=project)
    return project


def bench_noop(n: int) -> float:
    key = f"bench-noop-{uuid.uuid4().hex}"
    cache.set(key, 0, timeout=3600)
    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for _ in range(n):
            noop_task.apply_async(args=(key,), producer=producer)
    wait_for(lambda: cache.get(key) >= n, timeout=600)
    return time.perf_counter() - started


def bench_fanout(project: Project, n: int) -> dict[str, float]:
    started = time.perf_counter()
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(description=f"changed {time.time()}")
        project_changed.send(sender=Project, project_ids=[project.pk])
        committed_at = time.perf_counter()  # rows written; on_commit enqueues next
    enqueued_at = time.perf_counter()
    notes = Notification.objects.filter(project=project)
    assert notes.count() == n, notes.count()
    deliveries = Delivery.objects.filter(notification__project=project)
    wait_for(lambda: deliveries.filter(status="sent").count() >= n, timeout=900)
    done = time.perf_counter()
    return {
        "write": committed_at - started,
        "enqueue": enqueued_at - committed_at,
        "total": done - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    n = args.recipients

    call_command("migrate", verbosity=0)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    project = setup_recipients(prefix, n)
    app.control.purge()
    worker = start_worker(queues="notifications", concurrency=args.concurrency)
    try:
        noop = bench_noop(n)
        fanout = bench_fanout(project, n)
    finally:
        stop_worker(worker)

    print(f"recipients: {n}, worker concurrency: {args.concurrency} (prefork), broker: Redis")
    print(f"no-op tasks:   {n} in {noop:.2f} s = {n / noop:,.0f} tasks/s")
    print(
        f"fan-out write: {n} notifications + {n} deliveries in one transaction "
        f"in {fanout['write']:.2f} s; enqueue after commit {fanout['enqueue']:.2f} s"
    )
    print(
        f"deliveries:    {n} emails sent in {fanout['total']:.2f} s end to end "
        f"= {n / fanout['total']:,.0f} deliveries/s"
    )
    print(f"ratio:         deliveries take {fanout['total'] / noop:.1f}x the no-op task time")


if __name__ == "__main__":
    main()
