"""Every write to a project: creation, edits and status changes (the workflow).

Owns: the fields a caller may set, validation before saving (ValidationError naming the
field), who may do what (PermissionDenied), the ProjectTransition record of every status
change, and the signals matchmaking and notifications listen to:
`projects.signals.project_changed(project_ids=[...])` when matching-relevant fields change,
`projects.signals.project_status_changed(project_id, from_status, to_status, by_id)` on
every status change. Signals are sent inside the transaction; receivers defer their work
with `transaction.on_commit`.

`by=None` means the system (imports, scheduled tasks) and skips the permission checks.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import history_user_set
from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
from core.writes import fields_split, m2m_apply, m2m_change_reason, m2m_resolve
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_for_user, user_is_platform_admin
from projects import workflow
from projects.models import Project, ProjectTransition
from projects.selectors import project_can_edit
from projects.signals import project_changed, project_status_changed

# Plain (non-M2M) fields a caller may set; status and its bookkeeping change only
# through the workflow services below.
SCALAR_FIELDS = frozenset(
    {
        "reference",
        "title",
        "description",
        "owner",
        "opportunity_list",
        "park",
        "target_countries",
        "total_investment",
        "external_investment_sought",
        "currency",
        "location_country",
        "location_city",
        "deadline",
    }
)
M2M_MODELS: dict[str, type[models.Model]] = {
    "sectors": Sector,
    "cooperation_modes": CooperationMode,
    "corridors": Corridor,
    "target_regions": Region,
    "partner_ownership": OwnershipType,
}
# M2M fields a project cannot do without (the contract's required columns).
REQUIRED_M2M = frozenset({"sectors", "cooperation_modes"})
# Fields whose change makes stored candidate partnerships stale.
MATCHING_FIELDS = frozenset(
    {
        "title",
        "description",
        "owner",
        "park",
        "target_countries",
        "total_investment",
        "external_investment_sought",
        "currency",
        "location_country",
        "deadline",
        *M2M_MODELS,
    }
)
WORKFLOW_FIELDS = frozenset({"status", "published_at", "review_note", "created_by"})
# Stored as data on the transition record (not translated at write time).
EXPIRY_NOTE = "Deadline passed"
# Overdue projects are expired this many at a time, one transaction per batch.
EXPIRE_BATCH_SIZE = 500


def _split_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return fields_split(
        fields=fields,
        scalar_fields=SCALAR_FIELDS,
        m2m_fields=M2M_MODELS,
        guarded_fields=WORKFLOW_FIELDS,
        guarded_message=_("This field changes only through the project workflow."),
        unknown_message=_("Unknown project field."),
    )


def _validate(project: Project, *, m2m: dict[str, list[models.Model]], creating: bool) -> None:
    """Model validation, plus the amount rules, reported on the field they concern."""
    errors: dict[str, list[str]] = {}
    try:
        project.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    for name in ("total_investment", "external_investment_sought"):
        value = getattr(project, name)
        if name not in errors and value is not None and value < 0:
            errors[name] = [_("Amounts cannot be negative.")]
    total, sought = project.total_investment, project.external_investment_sought
    if not errors and total is not None and sought is not None and sought > total:
        errors["external_investment_sought"] = [
            _("The external investment sought cannot exceed the total investment.")
        ]
    for name in REQUIRED_M2M:
        if (creating or name in m2m) and not m2m.get(name):
            errors[name] = [_("Give at least one.")]
    if errors:
        raise ValidationError(errors)


def _check_can_edit(*, user: AbstractBaseUser | None, project: Project) -> None:
    if user is not None and not project_can_edit(user=user, project=project):
        raise PermissionDenied(_("You may not change this project."))


def _check_can_post_for(*, user: AbstractBaseUser | None, owner: Enterprise) -> None:
    if user is None or user_is_platform_admin(user=user):
        return
    enterprise = enterprise_for_user(user=user)
    if enterprise is None or not enterprise.is_soe or enterprise.pk != owner.pk:
        raise PermissionDenied(_("You may post projects only for your own state-owned enterprise."))


def _check_admin(*, user: AbstractBaseUser | None) -> None:
    if user is not None and not user_is_platform_admin(user=user):
        raise PermissionDenied(_("Only platform administrators review publications."))


@transaction.atomic
def project_create(*, owner: Enterprise, by: AbstractBaseUser | None, **fields: Any) -> Project:
    """A new draft project of `owner`. M2M fields take lists of codes or objects.

    `external_investment_sought` defaults to `total_investment`.
    """
    _check_can_post_for(user=by, owner=owner)
    scalars, m2m_raw = _split_fields({**fields, "owner": owner})
    m2m = m2m_resolve(values=m2m_raw, m2m_fields=M2M_MODELS)
    if scalars.get("external_investment_sought") is None:
        scalars["external_investment_sought"] = scalars.get("total_investment")
    project = Project(**scalars, status=workflow.DRAFT, created_by=by)
    history_user_set(instance=project, user=by)
    _validate(project, m2m=m2m, creating=True)
    project.save()
    for name, objects in m2m.items():
        getattr(project, name).set(objects)
    project_changed.send(sender=Project, project_ids=[project.pk])
    return project


@transaction.atomic
def project_update(*, project: Project, by: AbstractBaseUser | None, **fields: Any) -> Project:
    """Change fields of `project` (not its status). Returns the saved project.

    Sends `project_changed` when a matching-relevant field really changed.
    """
    scalars, m2m_raw = _split_fields(fields)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _check_can_edit(user=by, project=locked)
    if "owner" in scalars:
        _check_can_post_for(user=by, owner=scalars["owner"])
    m2m = m2m_resolve(values=m2m_raw, m2m_fields=M2M_MODELS)
    before = {name: getattr(locked, name) for name in scalars}
    for name, value in scalars.items():
        setattr(locked, name, value)
    _validate(locked, m2m=m2m, creating=False)
    # Compared after full_clean(), which converts the values (strings to Decimal, dates ...).
    changed = {name for name in scalars if getattr(locked, name) != before[name]}
    m2m_changes = m2m_apply(instance=locked, m2m=m2m)
    if changed or m2m_changes:
        history_user_set(instance=locked, user=by)
        locked._change_reason = m2m_change_reason(m2m_changes)
        locked.save(update_fields=[*sorted(changed), "updated_at"])
    changed |= set(m2m_changes)
    if changed & MATCHING_FIELDS:
        project_changed.send(sender=Project, project_ids=[locked.pk])
    _copy_state(source=locked, target=project)
    return project


def _copy_state(*, source: Project, target: Project) -> None:
    """Let the caller's instance see what was saved."""
    if source is target:
        return
    for field in Project._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


@transaction.atomic
def project_transition(
    *, project: Project, to: str, by: AbstractBaseUser | None, note: str = ""
) -> ProjectTransition:
    """Move `project` to status `to` if the workflow allows it; record who, when and why.

    Locks the project row, so two concurrent transitions cannot both succeed from the same
    status. Raises `workflow.TransitionError` (nothing changes) when refused. Does not
    check who `by` is; the named services below do.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    from_status = locked.status
    workflow.transition_validate(
        from_status,
        to,
        review_required=settings.PROJECT_PUBLICATION_REVIEW,
        deadline=locked.deadline,
        today=timezone.localdate(),
        note=note,
    )
    locked.status = to
    update_fields = ["status", "updated_at"]
    if to == workflow.PUBLISHED:
        if locked.published_at is None:
            locked.published_at = timezone.now()
            update_fields.append("published_at")
        if locked.review_note:
            locked.review_note = ""
            update_fields.append("review_note")
    if from_status == workflow.IN_REVIEW and to == workflow.DRAFT:
        locked.review_note = note.strip()
        update_fields.append("review_note")
    history_user_set(instance=locked, user=by)
    locked.save(update_fields=update_fields)
    transition = ProjectTransition.objects.create(
        project=locked, from_status=from_status, to_status=to, by=by, note=note.strip()
    )
    project_status_changed.send(
        sender=Project,
        project_id=locked.pk,
        from_status=from_status,
        to_status=to,
        by_id=by.pk if by is not None else None,
    )
    _copy_state(source=locked, target=project)
    return transition


def project_publish(*, project: Project, by: AbstractBaseUser | None) -> ProjectTransition:
    """Publish a draft: into review when `settings.PROJECT_PUBLICATION_REVIEW` is on."""
    _check_can_edit(user=by, project=project)
    target = workflow.publish_target(review_required=settings.PROJECT_PUBLICATION_REVIEW)
    return project_transition(project=project, to=target, by=by)


def project_withdraw(
    *, project: Project, by: AbstractBaseUser | None, note: str = ""
) -> ProjectTransition:
    """Take a project off the platform for good."""
    _check_can_edit(user=by, project=project)
    return project_transition(project=project, to=workflow.WITHDRAWN, by=by, note=note)


def _check_in_review(*, project: Project, to: str) -> None:
    current = (
        Project.objects.select_for_update().values_list("status", flat=True).get(pk=project.pk)
    )
    if current != workflow.IN_REVIEW:
        raise workflow.TransitionError(
            _("The project is not waiting for review."), from_status=current, to_status=to
        )


def project_review_approve(*, project: Project, by: AbstractBaseUser | None) -> ProjectTransition:
    """An admin accepts a publication in review: the project is published."""
    _check_admin(user=by)
    with transaction.atomic():
        _check_in_review(project=project, to=workflow.PUBLISHED)
        return project_transition(project=project, to=workflow.PUBLISHED, by=by)


def project_review_reject(
    *, project: Project, by: AbstractBaseUser | None, reason: str
) -> ProjectTransition:
    """An admin sends a publication back to draft; `reason` is required and kept on the project."""
    _check_admin(user=by)
    with transaction.atomic():
        _check_in_review(project=project, to=workflow.DRAFT)
        return project_transition(project=project, to=workflow.DRAFT, by=by, note=reason)


def projects_expire_overdue(*, today: date | None = None) -> int:
    """Expire published/negotiating projects whose deadline is before `today`; how many.

    Idempotent: a second run finds nothing left to expire. Works in batches of
    EXPIRE_BATCH_SIZE, each in its own transaction; rows another transaction holds are
    skipped and picked up by the next run.
    """
    today = today or timezone.localdate()
    expired = 0
    while True:
        batch = _expire_batch(today=today)
        expired += batch
        if batch < EXPIRE_BATCH_SIZE:
            return expired


@transaction.atomic
def _expire_batch(*, today: date) -> int:
    rows = list(
        Project.objects.select_for_update(skip_locked=True)
        .filter(status__in=workflow.EXPIRABLE_STATUSES, deadline__lt=today)
        .order_by("pk")
        .values_list("pk", "status")[:EXPIRE_BATCH_SIZE]
    )
    if not rows:
        return 0
    ids = [pk for pk, _status in rows]
    Project.objects.filter(pk__in=ids).update(status=workflow.EXPIRED, updated_at=timezone.now())
    # A bulk update sends no save signal: write the audit history rows ourselves.
    Project.history.bulk_history_create(
        Project.objects.filter(pk__in=ids), update=True, default_change_reason=EXPIRY_NOTE
    )
    ProjectTransition.objects.bulk_create(
        ProjectTransition(
            project_id=pk, from_status=status, to_status=workflow.EXPIRED, note=EXPIRY_NOTE
        )
        for pk, status in rows
    )
    for pk, status in rows:
        project_status_changed.send(
            sender=Project,
            project_id=pk,
            from_status=status,
            to_status=workflow.EXPIRED,
            by_id=None,
        )
    return len(rows)
