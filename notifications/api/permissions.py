"""Notifications are the recipient's own; follows are the enterprise's."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from enterprises.api.permissions import actor_for


class HasEnterprise(permissions.BasePermission):
    """Signed in and a member of an enterprise (follows belong to enterprises)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return actor_for(request).enterprise is not None
