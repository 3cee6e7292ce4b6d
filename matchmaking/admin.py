"""Admin: matching configurations (saving creates a new version) and read-only matches."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from matchmaking.explain import reasons_text
from matchmaking.models import Match, MatchingConfig
from matchmaking.services import CONFIG_FIELDS, matching_config_create


@admin.register(MatchingConfig)
class MatchingConfigAdmin(SimpleHistoryAdmin):
    list_display = (
        "version",
        "weight_sector",
        "weight_text",
        "weight_corridor",
        "weight_region",
        "weight_capacity",
        "weight_mode",
        "weight_ownership",
        "top_k",
        "min_score",
        "notify_threshold",
        "created_by",
        "created_at",
    )
    fields = (*CONFIG_FIELDS, "version", "created_by", "created_at")
    readonly_fields = ("version", "created_by", "created_at")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Never edit in place: every save is a new version, which rescores everything."""
        values = {
            name: form.cleaned_data[name] for name in CONFIG_FIELDS if name in form.cleaned_data
        }
        created = matching_config_create(by=request.user, **values)
        obj.pk, obj.version = created.pk, created.version
        obj.created_by, obj.created_at = created.created_by, created.created_at


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = (
        "project",
        "enterprise",
        "score",
        "eligible",
        "state",
        "config_version",
        "computed_at",
    )
    list_filter = ("eligible", "state", "config_version")
    search_fields = ("project__reference", "enterprise__name", "enterprise__reference")
    list_select_related = ("project", "enterprise")
    ordering = ("project__reference", "-eligible", "-score")
    readonly_fields = (
        "project",
        "enterprise",
        "score",
        "eligible",
        "ineligibility_reason",
        "reason_sentences",
        "components",
        "config_version",
        "computed_at",
        "state",
        "state_changed_at",
    )
    exclude = ("reasons",)

    @admin.display(description=_("reasons"))
    def reason_sentences(self, obj: Match) -> str:
        return "\n".join(reasons_text(obj.reasons))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
