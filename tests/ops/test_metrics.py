"""/metrics: platform counts read at scrape time, task timings, and who may read them."""

import os
import socket
import urllib.request
import uuid

import pytest
import redis
from celery import shared_task
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app
from core.tasks import ping_task
from matchmaking.models import Match
from notifications.models import Delivery
from tests.factories import ForeignEnterpriseFactory, ProjectFactory, UserFactory
from tests.workers import running_worker, wait_until

QUEUES = ("default", "scoring", "notifications")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*QUEUES)
    yield client
    client.delete(*QUEUES)
    client.close()


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # meant: to Redis
def test_metrics_report_matches_deliveries_and_queue_lengths(client, broker):
    project = ProjectFactory()
    now = timezone.now()
    for enterprise in ForeignEnterpriseFactory.create_batch(3):
        Match.objects.create(
            project=project, enterprise=enterprise, score=50, config_version=1, computed_at=now
        )
    user = UserFactory()
    statuses = ["sent", "sent", "failed", "pending", "pending", "pending", "pending"]
    for number, status in enumerate(statuses):
        Delivery.objects.create(recipient=user, idempotency_key=f"email:t{number}", status=status)
    for _ in range(2):
        app.send_task("core.ping", kwargs={"token": "x"}, queue="scoring")
    app.send_task("core.ping", kwargs={"token": "y"}, queue="notifications")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    found = samples(response.content.decode())
    assert found[("parklink_matches_stored", ())] == 3
    assert found[("parklink_notification_deliveries", (("status", "sent"),))] == 2
    assert found[("parklink_notification_deliveries", (("status", "failed"),))] == 1
    assert found[("parklink_notification_deliveries", (("status", "pending"),))] == 4
    assert found[("parklink_celery_queue_length", (("queue", "default"),))] == 0
    assert found[("parklink_celery_queue_length", (("queue", "scoring"),))] == 2
    assert found[("parklink_celery_queue_length", (("queue", "notifications"),))] == 1
    # django-prometheus' own request metrics are there too.
    assert any(name.startswith("django_http_requests") for name, _ in found)


@pytest.mark.django_db
def test_metrics_report_zero_for_an_empty_outbox(client, broker):
    found = samples(client.get("/metrics").content.decode())

    assert found[("parklink_matches_stored", ())] == 0
    for status in ("pending", "sent", "failed"):
        assert found[("parklink_notification_deliveries", (("status", status),))] == 0


@pytest.mark.django_db
def test_a_client_outside_the_allow_list_gets_403(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 403
    assert b"parklink_matches_stored" not in response.content


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="scrape-token-123")
def test_a_scraper_with_the_token_may_read_from_anywhere(client):
    allowed = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.7", headers={"Authorization": "Bearer scrape-token-123"}
    )
    refused = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.7", headers={"Authorization": "Bearer wrong"}
    )

    assert allowed.status_code == 200
    assert b"parklink_matches_stored 0.0" in allowed.content
    assert refused.status_code == 403


def _count(task: str) -> float:
    value = REGISTRY.get_sample_value("parklink_celery_task_duration_seconds_count", {"task": task})
    return value or 0.0


@pytest.mark.django_db
def test_each_task_run_is_timed_under_its_name(client):
    before = _count("core.ping")

    ping_task.delay(token=uuid.uuid4().hex)
    ping_task.delay(token=uuid.uuid4().hex)

    assert _count("core.ping") == before + 2
    text = client.get("/metrics").content.decode()
    assert 'parklink_celery_task_duration_seconds_bucket{le="+Inf",task="core.ping"}' in text


@shared_task(name="tests.ops.explode")
def explode_task() -> None:
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_a_failed_task_is_counted_under_its_name():
    labels = {"task": "tests.ops.explode"}
    before = REGISTRY.get_sample_value("parklink_celery_task_failures_total", labels) or 0.0

    # As a worker runs it: the error is recorded, not raised to the caller.
    result = explode_task.apply(throw=False)

    assert result.failed()

    assert REGISTRY.get_sample_value("parklink_celery_task_failures_total", labels) == before + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_serves_the_task_timings_of_its_pool(tmp_path, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("CELERY_METRICS_PORT", str(port))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    app.control.purge()
    with running_worker(concurrency=2):
        tokens = [uuid.uuid4().hex for _ in range(3)]
        for token in tokens:
            ping_task.delay(token=token)

        def scraped() -> dict:
            url = f"http://127.0.0.1:{port}/metrics"
            with urllib.request.urlopen(url, timeout=5) as response:
                return samples(response.read().decode())

        key = ("parklink_celery_task_duration_seconds_count", (("task", "core.ping"),))
        wait_until(lambda: scraped().get(key) == 3, timeout=30)
    assert os.listdir(tmp_path)  # the pool processes wrote their samples there
