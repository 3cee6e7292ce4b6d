"""django-import-export resources whose exports are files of the data contract.

Each exported column is exactly an import column of docs/data-contract.md, with codes
(never labels) and multi-valued cells joined with `;`, so an exported file imports back
through the `import_*` functions unchanged. Imports go through those functions (see
core/admin_import.py), not through django-import-export.
"""

from collections.abc import Iterable
from decimal import Decimal

from import_export import fields, resources

from core.imports import MULTI_VALUE_SEPARATOR
from core.models import NegativeListRule


def codes_joined(codes: Iterable[str]) -> str:
    """Codes of a multi-valued cell, sorted and joined with `;`."""
    return MULTI_VALUE_SEPARATOR.join(sorted(codes))


def amount_text(value: Decimal | None) -> str:
    """An amount as a plain number ("4200000000.00"), empty when unknown."""
    return "" if value is None else format(value, "f")


def contract_field(column: str) -> fields.Field:
    """An export-only column rendered by the resource's `dehydrate_<column>` method."""
    return fields.Field(column_name=column, readonly=True)


class NegativeListRuleResource(resources.ModelResource):
    sector = contract_field("sector")
    rule = contract_field("rule")
    note = contract_field("note")

    class Meta:
        model = NegativeListRule
        fields = ("sector", "rule", "note")
        export_order = ("sector", "rule", "note")
        import_id_fields = ("sector",)

    def dehydrate_sector(self, rule: NegativeListRule) -> str:
        return rule.sector_id

    def dehydrate_rule(self, rule: NegativeListRule) -> str:
        return rule.rule

    def dehydrate_note(self, rule: NegativeListRule) -> str:
        return rule.note
