"""`manage.py import_projects FILE`: import projects (see docs/data-contract.md)."""

from django.utils.translation import gettext_lazy as _

from core.imports import ContractImportCommand


class Command(ContractImportCommand):
    help = _("Import projects from a .csv or .xlsx file; nothing changes if a row is wrong.")
    importer = "projects.importers.projects_import"
