"""Import projects from a contract file (CSV/XLSX), atomically and idempotently.

Owns the project columns of docs/data-contract.md. Keyed by `reference`; the `owner`
must be an enterprise already stored. Opportunity lists and parks are found by name and
created when new. Optional columns the file does not have leave the stored values alone.

Status: a new project takes the file's status (default published). An existing draft or
published project moves to the file's status; a project further along its workflow
(in review, negotiating, signed, withdrawn, expired) keeps its status, because an import
must not undo what people did on the platform. Each status an import sets is recorded as
a ProjectTransition ("Imported from <file>") and announced with `project_status_changed`.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.imports import (
    Columns,
    ImportResult,
    Plan,
    References,
    Row,
    SyncOutcome,
    concurrent_change_result,
    duplicate_keys_check,
    records_existing,
    records_sync,
    references_load,
    table_read,
)
from enterprises.models import Enterprise
from projects.models import OpportunityList, Park, Project, ProjectTransition
from projects.signals import project_changed, project_status_changed

COLUMNS = Columns(
    required=(
        "reference",
        "title",
        "description",
        "owner",
        "sectors",
        "cooperation_modes",
        "total_investment",
    ),
    optional=(
        "opportunity_list",
        "park",
        "corridors",
        "target_regions",
        "partner_ownership",
        "external_investment_sought",
        "currency",
        "location_country",
        "location_city",
        "status",
        "deadline",
    ),
)
IMPORTABLE_STATUSES = (Project.Status.DRAFT.value, Project.Status.PUBLISHED.value)
DEFAULT_STATUS = Project.Status.PUBLISHED.value


@dataclass
class _RowPlan:
    plan: Plan
    list_name: str | None  # None: the file has no opportunity_list column
    park_name: str | None
    status_change: tuple[str, str] | None  # (from, to) when the import sets a status


def _max_length(name: str, model: type = Project) -> int:
    return model._meta.get_field(name).max_length


def _row_plan(
    row: Row, *, refs: References, owners: dict[str, int], stored: Project | None
) -> _RowPlan:
    fields: dict[str, Any] = {
        "title": row.text("title", required=True, max_length=_max_length("title")),
        "description": row.text("description", required=True),
    }
    owner = row.raw("owner")
    if not owner:
        row.error("owner", owner, _("a value is required"))
    elif owner not in owners:
        row.error("owner", owner, _("no enterprise with this reference"))
    else:
        fields["owner_id"] = owners[owner]
    m2m: dict[str, set[Any]] = {
        "sectors": row.codes(
            "sectors", valid=refs.sectors, reason=gettext_lazy("unknown sector code"), required=True
        ),
        "cooperation_modes": row.codes(
            "cooperation_modes",
            valid=refs.cooperation_modes,
            reason=gettext_lazy("unknown cooperation mode"),
            required=True,
        ),
    }
    if row.has("corridors"):
        m2m["corridors"] = row.codes(
            "corridors", valid=refs.corridors, reason=gettext_lazy("unknown corridor code")
        )
    if row.has("target_regions"):
        m2m["target_regions"], fields["target_countries"] = row.places("target_regions", refs=refs)
    if row.has("partner_ownership"):
        m2m["partner_ownership"] = row.codes(
            "partner_ownership",
            valid=refs.ownership_types,
            reason=gettext_lazy("unknown ownership type"),
        )

    total = row.decimal("total_investment", required=True)
    sought = row.decimal("external_investment_sought")
    if sought is None and not row.raw("external_investment_sought"):
        sought = total
    if total is not None and sought is not None and sought > total:
        row.error(
            "external_investment_sought",
            row.raw("external_investment_sought"),
            _("greater than total_investment (%(total)s)") % {"total": total},
        )
    fields["total_investment"] = total
    fields["external_investment_sought"] = sought

    if row.has("currency"):
        fields["currency"] = row.currency("currency", refs=refs)
    if row.has("location_country"):
        fields["location_country"] = row.country("location_country", refs=refs, default="CN")
    if row.has("location_city"):
        fields["location_city"] = row.text("location_city", max_length=_max_length("location_city"))
    if row.has("deadline"):
        fields["deadline"] = row.date("deadline")

    list_name = park_name = None
    if row.has("opportunity_list"):
        list_name = row.text("opportunity_list", max_length=_max_length("name", OpportunityList))
    if row.has("park"):
        park_name = row.text("park", max_length=_max_length("name", Park))

    status_change = None
    wanted = (
        row.choice("status", choices=IMPORTABLE_STATUSES, default=DEFAULT_STATUS)
        if row.has("status")
        else None
    )
    if stored is None:
        to_status = wanted or DEFAULT_STATUS
        fields["status"] = to_status
        status_change = (Project.Status.DRAFT.value, to_status)
    elif wanted and stored.status in IMPORTABLE_STATUSES and stored.status != wanted:
        fields["status"] = wanted
        status_change = (stored.status, wanted)
    if status_change and status_change[1] == Project.Status.PUBLISHED:
        fields["published_at"] = timezone.now()
    return _RowPlan(
        plan=Plan(fields=fields, m2m=m2m),
        list_name=list_name,
        park_name=park_name,
        status_change=status_change,
    )


def _names_ensure(
    model: type[OpportunityList] | type[Park], wanted: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """Ids of the records with these names, creating the missing ones with their defaults."""
    ids = dict(model._default_manager.filter(name__in=wanted).values_list("name", "id"))
    missing = [model(name=name, **defaults) for name, defaults in wanted.items() if name not in ids]
    for obj in model._default_manager.bulk_create(missing):
        ids[obj.name] = obj.pk
    return ids


@transaction.atomic
def _write(*, planned: dict[str, _RowPlan], existing: dict[str, Project], note: str) -> SyncOutcome:
    list_ids = _names_ensure(
        OpportunityList, {p.list_name: {} for p in planned.values() if p.list_name}
    )
    park_defaults: dict[str, dict[str, Any]] = {}
    for key, p in planned.items():
        if p.park_name and p.park_name not in park_defaults:
            country = p.plan.fields.get("location_country") or getattr(
                existing.get(key), "location_country", "CN"
            )
            park_defaults[p.park_name] = {
                "kind": Park.Kind.ECONOMIC_DEVELOPMENT_ZONE,
                "country": country,
            }
    park_ids = _names_ensure(Park, park_defaults)
    for p in planned.values():
        if p.list_name is not None:
            p.plan.fields["opportunity_list_id"] = list_ids.get(p.list_name)
        if p.park_name is not None:
            p.plan.fields["park_id"] = park_ids.get(p.park_name)

    outcome = records_sync(
        model=Project,
        key_field="reference",
        plans={key: p.plan for key, p in planned.items()},
        existing=existing,
    )
    written = {obj.reference: obj for obj in outcome.created + outcome.updated}
    changes = [
        (written[key], p.status_change)
        for key, p in planned.items()
        if p.status_change and key in written
    ]
    ProjectTransition.objects.bulk_create(
        [
            ProjectTransition(project=project, from_status=old, to_status=new, by=None, note=note)
            for project, (old, new) in changes
        ]
    )
    if written:
        project_changed.send(sender=Project, project_ids=[obj.pk for obj in written.values()])
    for project, (old, new) in changes:
        if old != new:
            project_status_changed.send(
                sender=Project,
                project_id=project.pk,
                from_status=old,
                to_status=new,
                by_id=None,
            )
    return outcome


def projects_import(*, path: Path) -> ImportResult:
    """Validate every row of `path`; if all are valid, create or update projects by reference.

    On any problem nothing is written and every problem is returned. A second import of
    the same file reports only unchanged rows and writes nothing.
    """
    rows, errors = table_read(path=path, columns=COLUMNS)
    if errors:
        return ImportResult(errors=errors)
    refs = references_load()
    keyed = [(row, row.text("reference", required=True, max_length=64)) for row in rows]
    duplicate_keys_check(keyed, column="reference")
    existing = records_existing(
        model=Project, key_field="reference", keys={key for _row, key in keyed if key}
    )
    owners = dict(
        Enterprise.objects.filter(reference__in={row.raw("owner") for row in rows}).values_list(
            "reference", "id"
        )
    )
    planned: dict[str, _RowPlan] = {}
    for row, key in keyed:
        planned.setdefault(key, _row_plan(row, refs=refs, owners=owners, stored=existing.get(key)))
    # Each Row records its problems in `errors`, the list table_read returned.
    if errors:
        return ImportResult(errors=sorted(errors, key=lambda e: e.row))

    note = _("Imported from %(file)s") % {"file": path.name}
    try:
        outcome = _write(planned=planned, existing=existing, note=note)
    except IntegrityError:
        return concurrent_change_result(path)
    return ImportResult(
        created=len(outcome.created), updated=len(outcome.updated), unchanged=outcome.unchanged
    )
