"""Admin for opportunity lists, parks, projects and their status history.

Thin: project saves go through projects.services (so `project_changed` fires), the
status changes only through the actions, which call the workflow services and report
each project's success or refusal. Amounts in CNY come from one annotated query.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ServiceSaveMixin, countries_widget
from core.admin_import import ContractImportMixin
from projects.models import OpportunityList, Park, Project, ProjectTransition
from projects.resources import ProjectResource
from projects.selectors import opportunity_list_annotate_totals, project_annotate_cny
from projects.services import (
    project_create,
    project_publish,
    project_review_approve,
    project_review_reject,
    project_update,
    project_withdraw,
)
from projects.workflow import STATUS_LABELS, TransitionError


def _cny(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


class ProjectInline(admin.TabularInline):
    """The list's projects, read-only; each links to its own change page."""

    model = Project
    fields = ("reference", "title", "owner", "status", "total_investment", "currency", "deadline")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("reference",)

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")


@admin.register(OpportunityList)
class OpportunityListAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_zh",
        "publisher",
        "released_on",
        "project_count",
        "total_cny",
        "sought_cny",
    )
    list_filter = (("released_on", admin.DateFieldListFilter),)
    list_select_related = ("publisher",)
    search_fields = ("name", "name_zh", "description", "publisher__name")
    ordering = ("-released_on", "name")
    autocomplete_fields = ("publisher",)
    readonly_fields = ("created_at",)
    fields = ("name", "name_zh", "publisher", "released_on", "description", "created_at")
    inlines = (ProjectInline,)

    def get_queryset(self, request):
        return opportunity_list_annotate_totals(super().get_queryset(request))

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count(self, obj: OpportunityList) -> int:
        return obj.project_count

    @admin.display(description=_("total investment (CNY)"), ordering="total_investment_cny")
    def total_cny(self, obj: OpportunityList) -> str:
        return _cny(obj.total_investment_cny)

    @admin.display(description=_("sought (CNY)"), ordering="external_investment_sought_cny")
    def sought_cny(self, obj: OpportunityList) -> str:
        return _cny(obj.external_investment_sought_cny)


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "kind", "country", "city")
    list_filter = ("kind", "country")
    search_fields = ("name", "name_zh", "city", "description")
    ordering = ("name",)
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("name", "name_zh", "kind", "country", "city")}),
        (_("Cross-border operation"), {"fields": ("partner_countries", "description")}),
        (_("History"), {"fields": ("created_at",)}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        countries_widget(db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ProjectTransitionInline(admin.TabularInline):
    """The project's status history: read-only, written only by the workflow."""

    model = ProjectTransition
    fields = ("at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-at", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProjectActionForm(ActionForm):
    note = forms.CharField(
        label=_("Note or reason"),
        required=False,
        help_text=_("Required to send a project back from review; kept with withdrawals."),
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(Project)
class ProjectAdmin(ServiceSaveMixin, ContractImportMixin, ExportMixin, SimpleHistoryAdmin):
    contract_importer = "projects.importers.projects_import"
    resource_classes = [ProjectResource]

    list_display = (
        "reference",
        "title",
        "owner",
        "opportunity_list",
        "status",
        "total_cny",
        "deadline",
    )
    list_display_links = ("reference", "title")
    list_filter = (
        "status",
        "opportunity_list",
        "park",
        "sectors",
        "location_country",
        ("deadline", admin.DateFieldListFilter),
    )
    list_select_related = ("owner", "opportunity_list")
    search_fields = ("reference", "title", "description", "owner__name", "owner__reference")
    ordering = ("reference",)
    date_hierarchy = "deadline"
    autocomplete_fields = (
        "owner",
        "opportunity_list",
        "park",
        "sectors",
        "cooperation_modes",
        "corridors",
        "target_regions",
        "partner_ownership",
    )
    readonly_fields = (
        "status",
        "published_at",
        "review_note",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "title", "description", "owner")}),
        (_("Where it sits"), {"fields": ("opportunity_list", "park")}),
        (
            _("What it seeks"),
            {
                "fields": (
                    "sectors",
                    "cooperation_modes",
                    "corridors",
                    "target_regions",
                    "target_countries",
                    "partner_ownership",
                )
            },
        ),
        (
            _("Amounts"),
            {"fields": (("total_investment", "external_investment_sought", "currency"),)},
        ),
        (_("Location"), {"fields": (("location_country", "location_city"),)}),
        (
            _("Status"),
            {
                "fields": ("status", "deadline", "published_at", "review_note"),
                "description": _("The status changes only through the actions of the list."),
            },
        ),
        (_("History"), {"fields": ("created_by", "created_at", "updated_at")}),
    )
    inlines = (ProjectTransitionInline,)
    action_form = ProjectActionForm
    actions = ("publish", "withdraw", "review_approve", "review_send_back")

    def get_queryset(self, request):
        return project_annotate_cny(super().get_queryset(request))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        countries_widget(db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("total (CNY)"), ordering="total_investment_cny")
    def total_cny(self, obj: Project) -> str:
        return _cny(obj.total_investment_cny)

    def service_create(self, request, data):
        owner = data.pop("owner")
        return project_create(owner=owner, by=request.user, **data)

    def service_update(self, request, obj, data):
        project_update(project=obj, by=request.user, **data)

    def _apply(self, request, queryset, service) -> None:
        """Call `service(project)` for each selected project; report every outcome.

        Refusals (workflow or permission) are warnings naming the project and the reason;
        successes are grouped by the status the projects reached.
        """
        done: dict[str, list[str]] = {}
        for project in queryset.order_by("reference"):
            try:
                transition = service(project)
            except (TransitionError, PermissionDenied) as exc:
                reason = exc.message if isinstance(exc, TransitionError) else str(exc)
                self.message_user(
                    request,
                    gettext("%(reference)s was not changed: %(reason)s")
                    % {"reference": project.reference, "reason": reason},
                    messages.WARNING,
                )
            else:
                done.setdefault(transition.to_status, []).append(project.reference)
        for status, references in done.items():
            self.message_user(
                request,
                gettext("%(status)s: %(references)s")
                % {"status": STATUS_LABELS[status], "references": ", ".join(references)},
                messages.SUCCESS,
            )

    def _note(self, request) -> str:
        return request.POST.get("note", "").strip()

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        self._apply(
            request, queryset, lambda project: project_publish(project=project, by=request.user)
        )

    @admin.action(description=_("Withdraw"), permissions=["change"])
    def withdraw(self, request, queryset):
        note = self._note(request)
        self._apply(
            request,
            queryset,
            lambda project: project_withdraw(project=project, by=request.user, note=note),
        )

    @admin.action(description=_("Approve publication"), permissions=["change"])
    def review_approve(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda project: project_review_approve(project=project, by=request.user),
        )

    @admin.action(description=_("Send back (review)"), permissions=["change"])
    def review_send_back(self, request, queryset):
        reason = self._note(request)
        self._apply(
            request,
            queryset,
            lambda project: project_review_reject(project=project, by=request.user, reason=reason),
        )


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(admin.ModelAdmin):
    """The audit trail of status changes: searchable, never edited by hand."""

    list_display = ("project", "from_status", "to_status", "by", "at", "note")
    list_filter = ("to_status", "from_status", ("at", admin.DateFieldListFilter))
    list_select_related = ("project", "by")
    search_fields = ("project__reference", "project__title", "note", "by__username")
    ordering = ("-at", "-id")
    date_hierarchy = "at"
    readonly_fields = ("project", "from_status", "to_status", "by", "at", "note")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
