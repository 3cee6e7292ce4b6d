"""`manage.py import_negative_list FILE`: import negative list rules (see docs/data-contract.md)."""

from django.utils.translation import gettext_lazy as _

from core.imports import ContractImportCommand


class Command(ContractImportCommand):
    help = _("Import foreign investment negative list rules from a .csv or .xlsx file.")
    importer = "core.importers.negative_list_import"
