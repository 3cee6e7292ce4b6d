"""The outbox's three guarantees, against the real Redis and real Celery worker processes.

Emails are counted as files written by tests/notifications/mail_backend.py in the worker.
"""

import itertools
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

import tests.workers
from config.celery import app
from deals.services import interest_express
from notifications.models import Delivery
from notifications.services import MAX_ATTEMPTS, deliveries_sweep
from tests.factories import ProjectFactory
from tests.notifications.mail_backend import sent_messages
from tests.workers import start_worker, stop_worker, wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("tests.notifications.urls"),
]

RETRY_BASE_SECONDS = 0.3


@pytest.fixture
def mail_dir(tmp_path, monkeypatch, settings):
    """Workers started in this test send through the flag-file backend into tmp_path."""
    monkeypatch.setenv("PARKLINK_TEST_MAIL_DIR", str(tmp_path))
    monkeypatch.setenv("NOTIFICATIONS_RETRY_BASE_SECONDS", str(RETRY_BASE_SECONDS))
    original = tests.workers.worker_env
    monkeypatch.setattr(
        tests.workers,
        "worker_env",
        lambda: {**original(), "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings"},
    )
    settings.EMAIL_BACKEND = "tests.notifications.mail_backend.FlagFileEmailBackend"
    app.control.purge()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield tmp_path
    app.conf.task_always_eager = previous
    app.control.purge()


@pytest.fixture
def project(soe, soe_staff):
    return ProjectFactory(owner=soe, title="Air logistics hub")


def delivery() -> Delivery:
    return Delivery.objects.get()


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@contextmanager
def broker_unreachable():
    """Point this process's Celery app at a closed port (Redis 'down'), then restore it."""
    real = app.conf.broker_url, app.conf.broker_write_url

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = real
        reset_pools()


def test_redis_down_at_commit_loses_nothing_and_delivers_once_it_is_back(
    mail_dir, project, foreign_member
):
    with broker_unreachable():
        started = time.monotonic()
        interest_express(project=project, by=foreign_member, message="Hello")  # commits
        assert time.monotonic() - started < 5  # the request is not held up
    assert delivery().status == "pending"
    assert sent_messages() == []

    worker = start_worker()
    try:
        assert deliveries_sweep(older_than_seconds=0) == 1
        wait_until(lambda: delivery().status == "sent", timeout=30)
        assert deliveries_sweep(older_than_seconds=0) == 0
    finally:
        stop_worker(worker)

    (email,) = sent_messages()
    assert b"To: soe_staff@example.com" in email
    assert delivery().attempts == 1


def test_a_worker_killed_mid_send_delivers_exactly_once_after_redelivery(
    mail_dir, project, foreign_member
):
    (mail_dir / "block").touch()
    worker = start_worker()
    try:
        interest_express(project=project, by=foreign_member, message="Hello")
        wait_until((mail_dir / "sending").exists, timeout=30)
        for child in children_of(worker.pid):
            os.kill(child, signal.SIGKILL)
    finally:
        stop_worker(worker, kill=True)
    (mail_dir / "block").unlink()
    # The send was cut off: its transaction rolled back, nothing was written.
    wait_until(lambda: delivery().status == "pending" and delivery().attempts == 0, timeout=10)
    assert sent_messages() == []

    worker = start_worker()
    try:
        deliveries_sweep(older_than_seconds=0)
        deliveries_sweep(older_than_seconds=0)  # a doubled sweep is harmless
        wait_until(lambda: delivery().status == "sent", timeout=30)
        time.sleep(2)  # let any redelivered copy of the task run too
    finally:
        stop_worker(worker)

    assert len(sent_messages()) == 1
    assert delivery().attempts == 1


def test_a_failing_mail_server_backs_off_then_fails_and_admin_retry_resends(
    mail_dir, project, foreign_member, admin_user, client
):
    (mail_dir / "fail").touch()
    worker = start_worker()
    try:
        interest_express(project=project, by=foreign_member, message="Hello")
        wait_until(lambda: delivery().status == "failed", timeout=60)
        failed = delivery()
        assert failed.attempts == MAX_ATTEMPTS
        assert failed.last_error == "SMTPException: 451 mail server unavailable (test)"
        assert sent_messages() == []
        times = [float(t) for t in (mail_dir / "failures").read_text().split()]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        # Exponential backoff: 0.3 s, 0.6 s, 1.2 s, 2.4 s between the five attempts.
        assert len(times) == MAX_ATTEMPTS
        for n, gap in enumerate(gaps):
            assert RETRY_BASE_SECONDS * 2**n * 0.9 <= gap < RETRY_BASE_SECONDS * 2**n + 1.5

        (mail_dir / "fail").unlink()
        client.force_login(admin_user)
        response = client.post(
            "/admin/notifications/delivery/",
            {"action": "retry", "_selected_action": [failed.pk]},
        )
        assert response.status_code == 302
        wait_until(lambda: delivery().status == "sent", timeout=30)
    finally:
        stop_worker(worker)

    assert len(sent_messages()) == 1
    assert delivery().attempts == 1
