"""Matches are seen by the two sides (the project owner's SOE staff and the enterprise's
members) and by admins; the queryset in the view is where that is enforced."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class IsAuthenticated(permissions.IsAuthenticated):
    """Matches are never public."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view)
