"""Reads about projects and who may see or change them (the services write).

Visibility: everybody sees published, negotiating and signed projects; SOE staff also
see every project of their own enterprise (drafts, in review, withdrawn, expired);
platform admins (staff, superusers) see everything. Editing: SOE staff of the owning
enterprise, and platform admins.
"""

from typing import Any

from django.db.models import Q, QuerySet

from enterprises.selectors import enterprise_for_user, user_is_platform_admin
from projects import workflow
from projects.models import Project


def project_list_visible_to(*, user: Any) -> QuerySet[Project]:
    """The projects `user` (possibly anonymous) may see."""
    projects = Project.objects.all()
    if user_is_platform_admin(user=user):
        return projects
    public = Q(status__in=workflow.PUBLIC_STATUSES)
    enterprise = enterprise_for_user(user=user)
    if enterprise is not None and enterprise.is_soe:
        return projects.filter(public | Q(owner_id=enterprise.pk))
    return projects.filter(public)


def project_can_edit(*, user: Any, project: Project) -> bool:
    """True for platform admins and for SOE staff of the project's owner."""
    if user_is_platform_admin(user=user):
        return True
    enterprise = enterprise_for_user(user=user)
    return enterprise is not None and enterprise.is_soe and enterprise.pk == project.owner_id


def project_get_for_update(*, project_id: int) -> Project:
    """The project row, locked until the end of the current transaction."""
    return Project.objects.select_for_update().get(pk=project_id)
