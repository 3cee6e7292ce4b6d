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


def enterprise_contact_visible_to(*, user: Any, enterprise: Enterprise) -> bool:
    """Whether `user` may see `enterprise`'s contact details (its contact email).

    The one rule for every page and the API:
    - platform admins see every firm's contact;
    - a firm's own members see its contact;
    - anonymous users, users without an enterprise and members of unverified enterprises
      see no other firm's contact;
    - members of a verified enterprise see a firm's contact when the two share an interest
      or invitation (either firm on the project side);
    - SOE staff also see the contacts of the candidates scored for their projects.

    Interests and matches belong to higher layers (deals, matchmaking); they are reached
    through their reverse relations here, so this module imports neither.
    """
    if user_is_platform_admin(user=user):
        return True
    own = enterprise_for_user(user=user)
    if own is None:
        return False
    if own.pk == enterprise.pk:
        return True
    if not own.is_verified:
        return False
    if enterprise.interests.filter(project__owner_id=own.pk).exists():
        return True
    if own.interests.filter(project__owner_id=enterprise.pk).exists():
        return True
    return own.is_soe and enterprise.matches.filter(project__owner_id=own.pk).exists()
