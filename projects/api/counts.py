"""The project list's cached counts (core.api.base.CappedCountPaginator) go stale with any
write to projects: a project saved or deleted, its M2M codes changed (the triggers rewrite the
row's code arrays), a status moved by the nightly UPDATE, a bulk import. Connected in
ProjectsConfig.ready, so web processes and workers alike move the generation on."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core.api.base import CappedCountPaginator, count_generation_move
from projects.models import Project
from projects.signals import project_changed, project_status_changed

PROJECT_COUNT_GENERATION = "api:project-count-generation"
M2M_FIELDS = ("sectors", "cooperation_modes", "corridors", "target_regions", "partner_ownership")


class ProjectCountPaginator(CappedCountPaginator):
    generation_key = PROJECT_COUNT_GENERATION


def project_counts_forget(**kwargs) -> None:
    count_generation_move(PROJECT_COUNT_GENERATION)


def connect() -> None:
    uid = "api-project-counts"
    post_save.connect(project_counts_forget, sender=Project, dispatch_uid=uid)
    post_delete.connect(project_counts_forget, sender=Project, dispatch_uid=uid)
    for field in M2M_FIELDS:
        through = getattr(Project, field).through
        m2m_changed.connect(project_counts_forget, sender=through, dispatch_uid=f"{uid}-{field}")
    project_changed.connect(project_counts_forget, dispatch_uid=f"{uid}-changed")
    project_status_changed.connect(project_counts_forget, dispatch_uid=f"{uid}-status")
