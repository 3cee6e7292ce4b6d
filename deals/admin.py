"""Admin views of the deal flow: read the pipeline; moves go through deals.services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deals.models import Interest, InterestTransition


class InterestTransitionInline(admin.TabularInline):
    model = InterestTransition
    extra = 0
    can_delete = False
    fields = ("from_state", "to_state", "by", "at", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Interest)
class InterestAdmin(SimpleHistoryAdmin):
    list_display = (
        "project",
        "enterprise",
        "initiated_by",
        "state",
        "indicative_amount",
        "currency",
        "signed_value",
        "signed_currency",
        "updated_at",
    )
    list_filter = ("state", "initiated_by", "project__opportunity_list")
    search_fields = ("project__reference", "project__title", "enterprise__name")
    list_select_related = ("project", "enterprise")
    raw_id_fields = ("project", "enterprise", "created_by")
    readonly_fields = ("state", "signed_at", "created_at", "updated_at")
    inlines = [InterestTransitionInline]
