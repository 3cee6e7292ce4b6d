"""Celery tasks of notifications (routed to the `notifications` queue by name).

Delivery is at least once from the broker's side (acks_late, reject_on_worker_lost: a
task whose worker dies is redelivered); the outbox makes it exactly once per email:
`delivery_send` locks the Delivery row and returns quietly when it is already sent.
"""

from celery import shared_task
from django.core.cache import cache

from notifications import services

EMAIL_TIME_LIMITS = {"soft_time_limit": 60, "time_limit": 90}


@shared_task(
    name="notifications.deliver", acks_late=True, reject_on_worker_lost=True, **EMAIL_TIME_LIMITS
)
def delivery_send_task(delivery_id: int) -> str:
    """Send one delivery (an email) unless it is sent already; failures back off and retry."""
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(
    name="notifications.deliver_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=600,
    time_limit=660,
)
def deliveries_send_batch_task(delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch of a fan-out; a redelivered batch skips what is already sent."""
    return services.deliveries_send(delivery_ids=delivery_ids)


@shared_task(name="notifications.sweep_outbox", acks_late=True, reject_on_worker_lost=True)
def deliveries_sweep_task() -> int:
    """Every minute: re-enqueue pending deliveries whose message was lost or whose retry is due."""
    return services.deliveries_sweep()


@shared_task(name="notifications.send_digests", acks_late=True, reject_on_worker_lost=True)
def digests_send_task(*, frequency: str) -> int:
    """Daily / weekly: one email per user grouping every item waiting for that digest."""
    return services.digests_send(frequency=frequency)


@shared_task(name="notifications.deadline_reminders", acks_late=True, reject_on_worker_lost=True)
def deadline_reminders_task() -> int:
    """Daily: remind followers of projects closing soon (once per project and deadline)."""
    return services.deadline_reminders_create()


@shared_task(name="notifications.noop", acks_late=True, reject_on_worker_lost=True)
def noop_task(counter_key: str) -> None:
    """Nothing but counting itself: the baseline bench/notify.py compares deliveries with."""
    cache.incr(counter_key)
