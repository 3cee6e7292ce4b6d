"""Start a real Celery worker process against the real Redis broker and the test database.

Use with `@pytest.mark.django_db(transaction=True)` so the worker (another process, another
connection) sees committed rows:

    def test_x(celery_worker):
        some_task.delay(...)            # goes through Redis
        wait_until(lambda: ..., timeout=30)

`celery_worker` is a fixture (see tests/conftest.py); `start_worker()` gives more control,
e.g. to kill a worker in the middle of a task.
"""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parent.parent
ALL_QUEUES = "default,scoring,notifications"
# Worker logs, for reading when a test fails; a fresh clone has no .pytest_cache yet.
LOG_DIR = Path(tempfile.gettempdir()) / "parklink-test-workers"


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        REDIS_URL=settings.REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_worker(*, queues: str = ALL_QUEUES, concurrency: int = 1) -> subprocess.Popen:
    """Start `celery worker` and return once it is ready to take tasks."""
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--loglevel=INFO", f"--queues={queues}", f"--concurrency={concurrency}",
        "--pool=prefork", "--without-gossip", "--without-mingle", "--without-heartbeat",
        f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]  # fmt: skip
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"worker-{os.getpid()}.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, env=worker_env(), stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    proc.log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        if "ready." in log.read():
            return proc
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"celery worker exited early:\n{log.read()}")
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("celery worker did not become ready in 60 s")


def stop_worker(proc: subprocess.Popen, *, kill: bool = False) -> None:
    if proc.poll() is None:
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()  # type: ignore[attr-defined]


@contextmanager
def running_worker(**kwargs) -> Iterator[subprocess.Popen]:
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    proc = start_worker(**kwargs)
    try:
        yield proc
    finally:
        stop_worker(proc)
        app.conf.task_always_eager = previous


def wait_until(
    predicate: Callable[[], bool], *, timeout: float = 30, interval: float = 0.2
) -> None:
    """Poll `predicate` until it is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
