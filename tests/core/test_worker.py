import uuid

import pytest
from django.core.cache import cache

from core.observability import request_id_var
from core.tasks import ping_task
from tests.workers import wait_until


@pytest.mark.worker
def test_a_real_worker_consumes_tasks_and_keeps_the_request_id(celery_worker):
    token = uuid.uuid4().hex
    reset = request_id_var.set("req-abc123")
    try:
        ping_task.delay(token=token)
    finally:
        request_id_var.reset(reset)

    wait_until(lambda: cache.get(f"ping:{token}") is not None, timeout=30)
    assert cache.get(f"ping:{token}") == "req-abc123"
