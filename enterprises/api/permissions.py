"""Who the requesting user is, for the permission classes of every app's API.

One place that turns a request into a role, so every endpoint agrees on it. The facts
come from the enterprises selectors (one query, cached on the request). It lives here,
not in core, because core imports no other app.
"""

from dataclasses import dataclass
from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from enterprises.selectors import enterprise_for_user, user_is_platform_admin

ANONYMOUS = "anonymous"
ADMIN = "admin"
SOE_STAFF = "soe_staff"
ENTERPRISE_MEMBER = "enterprise_member"
NO_ENTERPRISE = "user"


@dataclass(frozen=True)
class Actor:
    """The requesting user and the enterprise they belong to (None when they belong to none)."""

    user: Any
    enterprise: Any
    is_admin: bool

    @property
    def enterprise_id(self) -> int | None:
        return self.enterprise.pk if self.enterprise is not None else None

    @property
    def is_soe_staff(self) -> bool:
        return self.enterprise is not None and self.enterprise.is_soe

    @property
    def role(self) -> str:
        if not getattr(self.user, "is_authenticated", False):
            return ANONYMOUS
        if self.is_admin:
            return ADMIN
        if self.enterprise is None:
            return NO_ENTERPRISE
        return SOE_STAFF if self.is_soe_staff else ENTERPRISE_MEMBER


def actor_for(request: Request) -> Actor:
    """The actor of `request`, computed once per request."""
    cached = getattr(request, "_parklink_actor", None)
    if cached is not None:
        return cached
    user = request.user
    actor = Actor(
        user=user,
        enterprise=enterprise_for_user(user=user),
        is_admin=user_is_platform_admin(user=user),
    )
    request._parklink_actor = actor
    return actor


class IsAdmin(permissions.BasePermission):
    """Platform admins (staff, superusers) only."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return actor_for(request).is_admin


class IsEnterpriseMemberOrAdmin(permissions.BasePermission):
    """Signed-in users who belong to an enterprise, and platform admins."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = actor_for(request)
        return actor.is_admin or actor.enterprise is not None
