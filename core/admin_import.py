"""Admin import of contract files through the same validator as the `import_*` commands.

(Placeholder: the import work fills it in. Admin classes set `contract_importer` to the
dotted path of an import function, e.g. "enterprises.importers.enterprises_import".)
"""


class ContractImportMixin:
    """Adds an "Import file" page to a ModelAdmin's changelist."""

    contract_importer: str = ""
