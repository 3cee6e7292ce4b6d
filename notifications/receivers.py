"""Signal receivers: write the notifications of an event inside the event's transaction.

Connected in NotificationsConfig.ready(). Senders send inside their transaction, so the
notification rows commit (or roll back) with the event; the emails are enqueued on commit.
"""

from notifications.models import Kind
from notifications.recipients import (
    follower_specs,
    interest_created_specs,
    match_specs,
    saved_search_specs,
    transition_specs,
)
from notifications.services import notifications_create
from projects.models import Project, ProjectTransition

NEWLY_PUBLISHED_FROM = frozenset(
    {
        Project.Status.DRAFT,
        Project.Status.IN_REVIEW,
        Project.Status.WITHDRAWN,
        Project.Status.EXPIRED,
        "",
    }
)


def on_project_status_changed(
    sender, *, project_id: int, from_status: str, to_status: str, by_id=None, **kwargs
) -> None:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return
    specs = []
    if to_status == Project.Status.PUBLISHED and (from_status or "") in NEWLY_PUBLISHED_FROM:
        specs += saved_search_specs(project)
    last = (
        ProjectTransition.objects.filter(project_id=project_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    specs += follower_specs(
        projects=[project],
        kind=Kind.FOLLOWED_CHANGE,
        key=lambda p: f"status:{p.pk}:{from_status}:{to_status}:{last or ''}",
        extra=lambda p: {"from_status": from_status, "to_status": to_status},
        exclude_user_id=by_id,
    )
    notifications_create(specs=specs)


def on_project_changed(sender, *, project_ids: list[int], **kwargs) -> None:
    projects = Project.objects.filter(pk__in=project_ids, followers__isnull=False).distinct()
    notifications_create(
        specs=follower_specs(
            projects=projects,
            kind=Kind.FOLLOWED_CHANGE,
            key=lambda p: f"changed:{p.pk}:{p.updated_at.isoformat()}",
        )
    )


def on_matches_stored(sender, *, new_match_ids: list[int], **kwargs) -> None:
    if new_match_ids:
        notifications_create(specs=match_specs(new_match_ids))


def on_interest_created(sender, *, interest_id: int, **kwargs) -> None:
    notifications_create(specs=interest_created_specs(interest_id))


def on_interest_transitioned(sender, *, interest_id: int, transition_id: int, **kwargs) -> None:
    notifications_create(specs=transition_specs(interest_id, transition_id))


def connect() -> None:
    from deals.signals import interest_created, interest_transitioned
    from projects.signals import project_changed, project_status_changed

    project_status_changed.connect(on_project_status_changed, dispatch_uid="notifications.status")
    project_changed.connect(on_project_changed, dispatch_uid="notifications.changed")
    interest_created.connect(on_interest_created, dispatch_uid="notifications.interest")
    interest_transitioned.connect(on_interest_transitioned, dispatch_uid="notifications.transition")
    try:
        from matchmaking.signals import matches_stored
    except ImportError:  # the matching app adds it; until then no match notifications
        return
    matches_stored.connect(on_matches_stored, dispatch_uid="notifications.matches")
