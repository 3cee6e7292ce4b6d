"""Reads about enterprises and who belongs to them (the services write)."""

from typing import Any

from core.models import OwnershipType
from enterprises.models import Enterprise, Membership


def enterprise_for_user(*, user: Any) -> Enterprise | None:
    """The enterprise `user` belongs to, or None (anonymous users, admins without one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = (
        Membership.objects.select_related("enterprise", "enterprise__ownership")
        .filter(user_id=user.pk)
        .first()
    )
    return membership.enterprise if membership else None


def user_is_soe_staff(*, user: Any) -> bool:
    """True when `user` is a member of a state-owned enterprise."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        user_id=user.pk, enterprise__ownership_id=OwnershipType.SOE
    ).exists()


def user_is_platform_admin(*, user: Any) -> bool:
    """Staff and superusers curate everything."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_staff or user.is_superuser)
    )
