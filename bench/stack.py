"""The production stack on loopback, for the load test and the drills (bench/load.py,
bench/drills.py): a fresh PostgreSQL database with the demo data, gunicorn with the
production settings (DEBUG off), and real Celery workers on a Redis broker.

Everything listens on 127.0.0.1 only. Processes are started in their own process groups and
stopped by their ids when the `Stack` closes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")

PREPARE = """
import json, django
django.setup()
from django.db.models import Q
from core.models import Corridor, CooperationMode, Sector
from enterprises.models import Enterprise
from projects.models import Project
from deals.models import Interest
from deals.workflow import OPEN_STATES

published = list(
    Project.objects.filter(status__in=["published", "negotiating"])
    .order_by("reference").values_list("reference", flat=True)
)
firms = {}
for username, reference in (("firm.siam", "ENT-0030"), ("firm.andes", "ENT-0065")):
    firm = Enterprise.objects.get(reference=reference)
    taken = set(
        Interest.objects.filter(enterprise=firm, state__in=OPEN_STATES)
        .values_list("project__reference", flat=True)
    )
    firms[username] = [r for r in published if r not in taken]
sectors = list(Sector.objects.filter(parent__isnull=True).values_list("code", flat=True))
corridors = list(Corridor.objects.values_list("code", flat=True))
modes = list(CooperationMode.objects.values_list("code", flat=True))
filters = (
    [{"sector": s} for s in sectors]
    + [{"corridor": c} for c in corridors]
    + [{"mode": m, "ordering": "-published_at"} for m in modes]
    + [{"sector": s, "min_amount": "1000000", "currency": "USD"} for s in sectors[:4]]
    + [{"ordering": "deadline", "page": "2"}, {"ordering": "-amount"}]
)
print(json.dumps({
    "projects": published, "firms": firms, "filters": filters,
    "queries": ["logistics", "port", "rail", "warehouse", "automotive", "electronics",
                "cold chain", "bonded", "物流", "industrial park"],
}))
"""


def _admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def database_recreate(name: str) -> str:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def database_drop(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_http(url: str, *, timeout: float = 60, status: int = 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == status:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer {status} within {timeout} s")


class Stack:
    """A database, gunicorn and Celery workers; use as a context manager."""

    def __init__(
        self,
        *,
        database: str,
        port: int = 8001,
        redis_db: int = 14,
        broker_db: int = 15,
        gunicorn_workers: int = 2,
        gunicorn_threads: int = 4,
        keep_database: bool = False,
    ) -> None:
        self.database = database
        self.port = port
        self.keep_database = keep_database
        self.gunicorn_workers = gunicorn_workers
        self.gunicorn_threads = gunicorn_threads
        self.workdir = Path(tempfile.mkdtemp(prefix="parklink-bench-"))
        self.mail_dir = self.workdir / "mail"
        self.mail_dir.mkdir()
        self.metrics_dir = self.workdir / "metrics"
        self.metrics_dir.mkdir()
        self.broker_url = f"redis://127.0.0.1:6379/{broker_db}"
        self.database_url = ""
        self.env: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis_db = redis_db

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Stack:
        self.database_url = database_recreate(self.database)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.port}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:6379/{self.redis_db}",
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # four slashes: absolute path
            "SITE_URL": self.url,
            "LOG_LEVEL": "WARNING",
            # Only correct passwords are sent; never lock the shared demo users out.
            "AXES_FAILURE_LIMIT": "1000",
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "PYTHONUNBUFFERED": "1",
            # This tree's code, even if the virtualenv's editable install points elsewhere
            # (e.g. when run from a clean `git archive` export of the repository).
            "PYTHONPATH": str(REPO),
        }
        self.redis_flush()
        self.manage("migrate", "--noinput")
        self.manage("load_demo")
        # Matches now, in this process; the rescore messages load_demo queued are then redundant.
        self.manage("rescore")
        self.redis_flush()
        return self

    def __exit__(self, *exc: object) -> None:
        for name in list(self.processes):
            self.stop(name)
        if not self.keep_database:
            database_drop(self.database)

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def python(self, code: str) -> str:
        done = subprocess.run(  # noqa: S603
            [str(VENV_BIN / "python"), "-c", code],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"script failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def sql(self, query: str) -> list[tuple]:
        with psycopg.connect(self.database_url, connect_timeout=3) as conn:
            return conn.execute(query).fetchall()

    def redis_flush(self) -> None:
        import redis

        for number in (self.redis_db, int(self.broker_url.rsplit("/", 1)[1])):
            client = redis.Redis(host="127.0.0.1", port=6379, db=number)
            client.flushdb()
            client.close()

    def bench_data(self, *, members_per_firm: int = 10) -> Path:
        data = json.loads(self.python(PREPARE).strip().splitlines()[-1])
        data["members_per_firm"] = members_per_firm
        data["password"] = "parklink-demo-2025"  # noqa: S105 - load_demo's published demo password
        path = self.workdir / "bench-data.json"
        path.write_text(json.dumps(data))
        return path

    def _start(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(  # noqa: S603
            cmd,
            cwd=REPO,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self) -> None:
        self._start(
            "web",
            [
                str(VENV_BIN / "gunicorn"),
                "--config=config/gunicorn.py",  # gthread workers, as in production
                "config.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.gunicorn_workers}",
                f"--threads={self.gunicorn_threads}",
                "--graceful-timeout=5",
            ],
        )
        wait_http(f"{self.url}/healthz")

    def start_worker(
        self,
        name: str = "worker",
        *,
        queues: str = "default,scoring,notifications",
        concurrency: int = 2,
    ) -> subprocess.Popen:
        self._start(
            name,
            [
                str(VENV_BIN / "celery"), "-A", "config", "worker", f"--queues={queues}",
                f"--concurrency={concurrency}", "--prefetch-multiplier=1", "--loglevel=INFO",
                "--without-gossip", "--without-mingle", f"--hostname={name}@127.0.0.1",
            ],
        )  # fmt: skip
        self.wait_log(name, "ready.", timeout=60)
        return self.processes[name]

    def start_beat(self) -> None:
        self._start(
            "beat",
            [
                str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
                f"--schedule={self.workdir / 'celerybeat-schedule'}",
            ],
        )  # fmt: skip

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def wait_log(self, name: str, text: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log(name):
                return
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log(name)[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"{name}: {text!r} not seen within {timeout} s")

    def stop(self, name: str, *, kill: bool = False) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        pgid = os.getpgid(proc.pid)
        os.killpg(pgid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            proc.wait()
        # Pool children of a killed worker may outlive their parent for a moment.
        time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

    def metrics(self) -> str:
        url = f"{self.url}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.read().decode()

    def emails_sent(self) -> list[str]:
        """Message-IDs of the emails the file backend wrote (one per message)."""
        ids = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
        return ids
