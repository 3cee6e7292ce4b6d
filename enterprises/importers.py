"""Import enterprises from a contract file (CSV/XLSX), atomically and idempotently.

Owns the enterprise columns of docs/data-contract.md. Keyed by `reference`. Optional
columns the file does not have leave the stored values alone; an empty cell in a column
the file has clears the value.
"""

from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
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
from enterprises.signals import enterprise_changed

COLUMNS = Columns(
    required=("reference", "name", "ownership", "country", "sectors"),
    optional=(
        "name_local",
        "cooperation_modes",
        "corridors",
        "regions",
        "investment_min",
        "investment_max",
        "currency",
        "description",
        "website",
        "contact_email",
    ),
)


def _max_length(name: str) -> int:
    return Enterprise._meta.get_field(name).max_length  # type: ignore[return-value]


def _row_plan(row: Row, *, refs: References) -> Plan:
    fields: dict[str, Any] = {
        "name": row.text("name", required=True, max_length=_max_length("name")),
        "ownership_id": row.code(
            "ownership",
            valid=refs.ownership_types,
            reason=gettext_lazy("unknown ownership type"),
            required=True,
        ),
        "country": row.country("country", refs=refs),
    }
    m2m: dict[str, set[Any]] = {
        "sectors": row.codes(
            "sectors", valid=refs.sectors, reason=gettext_lazy("unknown sector code"), required=True
        )
    }
    if row.has("name_local"):
        fields["name_local"] = row.text("name_local", max_length=_max_length("name_local"))
    if row.has("cooperation_modes"):
        m2m["cooperation_modes"] = row.codes(
            "cooperation_modes",
            valid=refs.cooperation_modes,
            reason=gettext_lazy("unknown cooperation mode"),
        )
    if row.has("corridors"):
        m2m["corridors"] = row.codes(
            "corridors", valid=refs.corridors, reason=gettext_lazy("unknown corridor code")
        )
    if row.has("regions"):
        m2m["regions"], fields["countries"] = row.places("regions", refs=refs)
    for column in ("investment_min", "investment_max"):
        if row.has(column):
            fields[column] = row.decimal(column)
    if row.has("currency"):
        fields["currency"] = row.currency("currency", refs=refs)
    if row.has("description"):
        fields["description"] = row.text("description")
    if row.has("website"):
        fields["website"] = row.text("website", max_length=_max_length("website"), kind="url")
    if row.has("contact_email"):
        fields["contact_email"] = row.text(
            "contact_email", max_length=_max_length("contact_email"), kind="email"
        )
    return Plan(fields=fields, m2m=m2m)


def _range_check(row: Row, plan: Plan, stored: Enterprise | None) -> None:
    """investment_min <= investment_max, taking a column the file lacks from the stored record."""

    def effective(column: str) -> Any:
        if column in plan.fields:
            return plan.fields[column]
        return getattr(stored, column) if stored is not None else None

    low, high = effective("investment_min"), effective("investment_max")
    if low is not None and high is not None and low > high:
        row.error(
            "investment_min",
            row.raw("investment_min") or str(low),
            _("greater than investment_max (%(max)s)") % {"max": high},
        )


@transaction.atomic
def _write(*, plans: dict[str, Plan], existing: dict[str, Enterprise]) -> SyncOutcome:
    outcome = records_sync(model=Enterprise, key_field="reference", plans=plans, existing=existing)
    changed_ids = [obj.pk for obj in outcome.created + outcome.updated]
    if changed_ids:
        enterprise_changed.send(sender=Enterprise, enterprise_ids=changed_ids)
    return outcome


def enterprises_import(*, path: Path) -> ImportResult:
    """Validate every row of `path`; if all are valid, create or update enterprises by reference.

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
        model=Enterprise, key_field="reference", keys={key for _row, key in keyed if key}
    )
    plans: dict[str, Plan] = {}
    for row, key in keyed:
        plan = _row_plan(row, refs=refs)
        _range_check(row, plan, existing.get(key))
        plans.setdefault(key, plan)
    # Each Row records its problems in `errors`, the list table_read returned.
    if errors:
        return ImportResult(errors=sorted(errors, key=lambda e: e.row))

    try:
        outcome = _write(plans=plans, existing=existing)
    except IntegrityError:
        return concurrent_change_result(path)
    return ImportResult(
        created=len(outcome.created), updated=len(outcome.updated), unchanged=outcome.unchanged
    )
