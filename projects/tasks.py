"""Scheduled project work. Thin: each task calls one service.

Delivery is at-least-once; every task here is idempotent.
"""

from celery import shared_task

from projects.services import projects_expire_overdue


@shared_task(name="projects.expire_overdue")
def projects_expire_overdue_task() -> int:
    """Expire published/negotiating projects past their deadline (beat: hourly). How many."""
    return projects_expire_overdue()
