"""Who may do what to projects: reading is the queryset's business (invisible -> 404)."""

from rest_framework import permissions
from rest_framework.request import Request

from enterprises.api.permissions import actor_for
from projects.models import Project
from projects.selectors import project_can_edit


class ProjectPermission(permissions.BasePermission):
    """Read: whoever can see the project (the queryset hides the rest, answering 404).
    Create: SOE staff (for their own enterprise) and admins. Change: project_can_edit."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "create":
            actor = actor_for(request)
            return actor.is_admin or actor.is_soe_staff
        return True

    def has_object_permission(self, request: Request, view, obj: Project) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return project_can_edit(user=request.user, project=obj)
