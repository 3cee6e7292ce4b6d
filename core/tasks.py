"""Tasks of the shared kernel."""

from celery import shared_task
from django.core.cache import cache

from core.observability import current_request_id


@shared_task(name="core.ping")
def ping_task(*, token: str) -> str:
    """Record in the cache that a worker ran, under which request id.

    Lets operators (and tests) prove that a worker consumes the queue and that request ids
    travel with the tasks a request enqueues.
    """
    request_id = current_request_id()
    cache.set(f"ping:{token}", request_id, timeout=300)
    return request_id
