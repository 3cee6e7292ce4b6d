"""django-import-export resources for the admin. (Placeholder: the import work replaces it.)"""

from import_export import resources

from projects.models import Project


class ProjectResource(resources.ModelResource):
    class Meta:
        model = Project
        import_id_fields = ("reference",)
