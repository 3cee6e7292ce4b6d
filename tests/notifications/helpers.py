from notifications.models import Notification


def notified(kind: str) -> list[str]:
    """Usernames that received a notification of `kind`, sorted."""
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )
