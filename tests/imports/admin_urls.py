"""A URLconf with its own admin site, so the import page is tested on its own.

The ModelAdmins combine ContractImportMixin with django-import-export's ExportMixin the
way the real admin classes do.
"""

from django.contrib import admin
from django.urls import path
from import_export.admin import ExportMixin

from core.admin_import import ContractImportMixin
from enterprises.models import Enterprise
from enterprises.resources import EnterpriseResource
from projects.models import Project

site = admin.AdminSite(name="admin")


class EnterpriseImportAdmin(ContractImportMixin, ExportMixin, admin.ModelAdmin):
    contract_importer = "enterprises.importers.enterprises_import"
    resource_classes = [EnterpriseResource]


class ProjectImportAdmin(ContractImportMixin, admin.ModelAdmin):
    contract_importer = "projects.importers.projects_import"


site.register(Enterprise, EnterpriseImportAdmin)
site.register(Project, ProjectImportAdmin)

urlpatterns = [path("admin/", site.urls)]
