"""Tasks of the shared kernel."""

from celery import shared_task
from django.core.cache import cache


@shared_task(name="core.ping")
def ping_task(*, token: str) -> str:
    """Write `token` to the cache; lets operators (and tests) prove a worker is consuming."""
    cache.set(f"ping:{token}", "pong", timeout=300)
    return "pong"
