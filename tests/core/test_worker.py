import uuid

import pytest
from django.core.cache import cache

from core.tasks import ping_task
from tests.workers import wait_until


@pytest.mark.worker
def test_a_real_worker_consumes_tasks_from_redis(celery_worker):
    token = uuid.uuid4().hex

    ping_task.delay(token=token)

    wait_until(lambda: cache.get(f"ping:{token}") == "pong", timeout=30)
