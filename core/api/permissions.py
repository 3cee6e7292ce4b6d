"""Permission classes that need no other app (role-aware ones live in enterprises.api)."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class ReadOnly(permissions.BasePermission):
    """Safe methods only, for everyone."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS
