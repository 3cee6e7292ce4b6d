"""`manage.py import_enterprises FILE`: import enterprises (see docs/data-contract.md)."""

from django.utils.translation import gettext_lazy as _

from core.imports import ContractImportCommand


class Command(ContractImportCommand):
    help = _("Import enterprises from a .csv or .xlsx file; nothing changes if a row is wrong.")
    importer = "enterprises.importers.enterprises_import"
