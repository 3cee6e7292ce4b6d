"""Reads about enterprises and who belongs to them (the services write)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from core.models import OwnershipType
from enterprises.models import Enterprise, Membership


def enterprise_for_user(*, user: Any) -> Enterprise | None:
    """The enterprise `user` belongs to, or None (anonymous users, admins without one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # A user has at most one membership (one-to-one): no ordering, so no join to auth_user
    # for Membership's default order by enterprise name and username.
    membership = (
        Membership.objects.select_related("enterprise", "enterprise__ownership")
        .filter(user_id=user.pk)
        .order_by()
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

    The one rule for every page and the API (see `enterprise_ids_contact_visible_to`).
    """
    return enterprise.pk in enterprise_ids_contact_visible_to(
        user=user, enterprise_ids=[enterprise.pk]
    )


def enterprise_ids_contact_visible_to(*, user: Any, enterprise_ids: Iterable[int]) -> set[int]:
    """Those of `enterprise_ids` whose contact details `user` may see (at most two queries).

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
    wanted = {int(pk) for pk in enterprise_ids}
    if not wanted:
        return set()
    if user_is_platform_admin(user=user):
        return wanted
    own = enterprise_for_user(user=user)
    if own is None:
        return set()
    visible = {own.pk} & wanted
    others = wanted - visible
    if not others or not own.is_verified:
        return visible
    shared = Q(interests__project__owner_id=own.pk) | Q(projects__interests__enterprise_id=own.pk)
    if own.is_soe:
        shared |= Q(matches__project__owner_id=own.pk)
    visible |= set(
        Enterprise.objects.filter(shared, pk__in=others)
        .values_list("pk", flat=True)
        .distinct()
        .order_by()
    )
    return visible
