"""django-import-export resources for the admin. (Placeholder: the import work replaces it.)"""

from import_export import resources

from enterprises.models import Enterprise


class EnterpriseResource(resources.ModelResource):
    class Meta:
        model = Enterprise
        import_id_fields = ("reference",)
