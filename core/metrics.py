"""Prometheus metrics: Celery task timings, and platform state read at scrape time.

Three sources, one format:

- django-prometheus (middleware pair in settings) counts requests, responses, latencies and
  database operations of the web processes.
- Celery signals time every task by name (`parklink_celery_task_duration_seconds`: this is
  the scoring duration for `matchmaking.project_rescore`, `matchmaking.rescore_chunk`, ...)
  and count failures. These live in the process that ran the task: a worker exposes them on
  its own port (`CELERY_METRICS_PORT`, see `worker_metrics_server_start`).
- `PlatformCollector` queries PostgreSQL and the Redis broker when `/metrics` is scraped:
  matches stored, email deliveries by status, and the length of each Celery queue. Nothing is
  cached or counted in-process, so every web process reports the same, correct figures.

`/metrics` answers only clients in `METRICS_ALLOWED_IPS` (default: loopback) or callers that
send `Authorization: Bearer <METRICS_TOKEN>` when a token is configured; anyone else gets 403.

Worker processes. A prefork worker runs tasks in child processes, each with its own memory.
With `PROMETHEUS_MULTIPROC_DIR` set (to an empty directory, before the worker starts) the
children write their samples to files there and the worker's main process serves their sum;
without it the main process serves its own registry, which is right for `--pool=solo` or
`--pool=threads` only. The same variable makes gunicorn's workers report one sum at `/metrics`.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    worker_process_shutdown,
    worker_ready,
)
from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# The queues of settings.CELERY_TASK_ROUTES plus the default one.
QUEUES = ("default", "scoring", "notifications")
# kombu's Redis transport keeps a queue's messages of priority p > 0 under "<queue>\x06\x16<p>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)
REDIS_TIMEOUT_SECONDS = 1.0

TASK_DURATION = Histogram(
    "parklink_celery_task_duration_seconds",
    "Time a Celery task took to run, by task name (scoring tasks are matchmaking.*).",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800),
)
TASK_FAILURES = Counter(
    "parklink_celery_task_failures",
    "Celery tasks that raised, by task name (a retried task counts each failed try).",
    ["task"],
)

_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id is not None:
        _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    started = _started.pop(task_id, None) if task_id is not None else None
    if started is not None and task is not None:
        TASK_DURATION.labels(task=task.name).observe(time.perf_counter() - started)


@task_failure.connect
def _task_failed(sender: Any = None, **kwargs: Any) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def worker_registry() -> CollectorRegistry:
    """What a worker's metrics port serves: the sum over its pool processes when possible."""
    if _multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@worker_ready.connect
def worker_metrics_server_start(**kwargs: Any) -> None:
    """Serve the worker's task metrics on CELERY_METRICS_PORT (off when unset or 0)."""
    port = int(os.environ.get("CELERY_METRICS_PORT") or 0)
    if not port:
        return
    address = os.environ.get("CELERY_METRICS_ADDRESS", "127.0.0.1")
    start_http_server(port, addr=address, registry=worker_registry())
    logger.info("worker metrics on http://%s:%s/metrics", address, port)


@worker_process_shutdown.connect
def _worker_process_gone(pid: int | None = None, **kwargs: Any) -> None:
    if _multiprocess_dir():
        multiprocess.mark_process_dead(pid or os.getpid())


def queue_lengths(broker_url: str) -> dict[str, int] | None:
    """Messages waiting in each queue, or None when the broker is not Redis (or is down)."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    client = redis.Redis.from_url(
        broker_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        with client.pipeline(transaction=False) as pipe:
            for queue in QUEUES:
                for priority in _PRIORITY_STEPS:
                    pipe.llen(queue if priority == 0 else f"{queue}{_PRIORITY_SEPARATOR}{priority}")
            lengths = pipe.execute()
    except redis.RedisError:
        logger.warning("metrics: broker unreachable, queue lengths left out")
        return None
    finally:
        client.close()
    steps = len(_PRIORITY_STEPS)
    return {q: sum(lengths[i * steps : (i + 1) * steps]) for i, q in enumerate(QUEUES)}


class PlatformCollector(Collector):
    """Counts read from PostgreSQL and Redis each time Prometheus scrapes."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Names only, so registering the collector runs no query (the database may not exist).
        yield GaugeMetricFamily("parklink_matches_stored", "")
        yield GaugeMetricFamily("parklink_notification_deliveries", "", labels=["status"])
        yield GaugeMetricFamily("parklink_celery_queue_length", "", labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        match_model = apps.get_model("matchmaking", "Match")
        delivery_model = apps.get_model("notifications", "Delivery")

        matches = GaugeMetricFamily(
            "parklink_matches_stored", "Scored project-enterprise pairs stored (Match rows)."
        )
        matches.add_metric([], match_model.objects.count())
        yield matches

        by_status = dict.fromkeys(delivery_model.Status.values, 0)
        rows = delivery_model.objects.order_by().values_list("status").annotate(n=Count("id"))
        by_status.update(dict(rows))
        deliveries = GaugeMetricFamily(
            "parklink_notification_deliveries",
            "Email deliveries in the outbox by status (sent = delivered).",
            labels=["status"],
        )
        for status, count in sorted(by_status.items()):
            deliveries.add_metric([status], count)
        yield deliveries

        lengths = queue_lengths(settings.CELERY_BROKER_URL)
        if lengths is not None:
            queues = GaugeMetricFamily(
                "parklink_celery_queue_length",
                "Messages waiting in each Celery queue on the Redis broker.",
                labels=["queue"],
            )
            for queue, length in lengths.items():
                queues.add_metric([queue], length)
            yield queues


_platform_collector = PlatformCollector()


def platform_collector_register() -> None:
    """Register the scrape-time collector on the default registry (once per process)."""
    with contextlib.suppress(ValueError):  # already registered
        REGISTRY.register(_platform_collector)


def _allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        header = request.headers.get("Authorization", "")
        if hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
            return True
    return request.META.get("REMOTE_ADDR") in getattr(
        settings, "METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"]
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: request metrics, task metrics and platform counts."""
    if not _allowed(request):
        return HttpResponseForbidden()
    if _multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_platform_collector)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
