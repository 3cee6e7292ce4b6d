"""Who may touch interests: the two parties (and admins, who read everything)."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from enterprises.api.permissions import actor_for


class IsPartyOrAdmin(permissions.BasePermission):
    """Signed in; writes need an enterprise (the services then check which side may act)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return actor_for(request).enterprise is not None


class IsAdminOrSoeStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        actor = actor_for(request)
        return actor.is_admin or actor.is_soe_staff
