"""Reads of notifications: the in-app list and unread count, preferences, deliveries."""

from django.db.models import QuerySet

from notifications.models import Delivery, Follow, Frequency, Kind, Notification, Preference
from notifications.rendering import notification_detail, notification_title


def notification_list_for_user(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first. Render with notification_title()."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_render(notification: Notification) -> dict:
    """What the in-app list shows, in the active language."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification_title(notification),
        "detail": notification_detail(notification),
        "project_id": notification.project_id,
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
    }


def preference_map_for_user(*, user) -> dict[str, str]:
    """Every kind with the user's frequency for it (instant when never set)."""
    stored = dict(Preference.objects.filter(user=user).values_list("kind", "frequency"))
    return {kind: stored.get(kind, Frequency.INSTANT) for kind in Kind.values}


def follow_list_for_enterprise(*, enterprise) -> QuerySet[Follow]:
    return Follow.objects.filter(enterprise=enterprise).select_related("project")


def delivery_list_failed() -> QuerySet[Delivery]:
    return Delivery.objects.filter(status=Delivery.Status.FAILED).select_related("recipient")
