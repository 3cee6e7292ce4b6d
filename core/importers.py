"""Import the foreign investment negative list from a contract file, atomically and idempotently.

Owns the negative list columns of docs/data-contract.md. Keyed by `sector` (one rule per
sector; a parent sector covers its children). Rules of sectors the file does not name
are left alone.
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
    concurrent_change_result,
    duplicate_keys_check,
    records_existing,
    records_sync,
    references_load,
    table_read,
)
from core.models import NegativeListRule
from core.signals import negative_list_changed

COLUMNS = Columns(required=("sector", "rule"), optional=("note",))
RULES = tuple(NegativeListRule.Rule.values)


def negative_list_import(*, path: Path) -> ImportResult:
    """Validate every row of `path`; if all are valid, create or update the rule of each sector.

    On any problem nothing is written and every problem is returned.
    """
    rows, errors = table_read(path=path, columns=COLUMNS)
    if errors:
        return ImportResult(errors=errors)
    refs = references_load()
    keyed = [
        (
            row,
            row.code(
                "sector",
                valid=refs.sectors,
                reason=gettext_lazy("unknown sector code"),
                required=True,
            ),
        )
        for row in rows
    ]
    duplicate_keys_check(keyed, column="sector")
    plans: dict[str, Plan] = {}
    for row, sector in keyed:
        fields: dict[str, Any] = {}
        rule = row.raw("rule")
        if not rule:
            row.error("rule", rule, _("a value is required"))
        elif rule not in RULES:
            row.error(
                "rule", rule, _("must be one of: %(choices)s") % {"choices": ", ".join(RULES)}
            )
        fields["rule"] = rule
        if row.has("note"):
            fields["note"] = row.text("note")
        plans.setdefault(sector, Plan(fields=fields))
    # Each Row records its problems in `errors`, the list table_read returned.
    if errors:
        return ImportResult(errors=sorted(errors, key=lambda e: e.row))

    try:
        with transaction.atomic():
            existing = records_existing(model=NegativeListRule, key_field="sector_id", keys=plans)
            outcome = records_sync(
                model=NegativeListRule, key_field="sector_id", plans=plans, existing=existing
            )
            if outcome.created or outcome.updated:
                negative_list_changed.send(sender=NegativeListRule)
    except IntegrityError:
        return concurrent_change_result(path)
    return ImportResult(
        created=len(outcome.created), updated=len(outcome.updated), unchanged=outcome.unchanged
    )
