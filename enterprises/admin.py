"""Admin for enterprises and memberships: curation, verification, import and export.

Thin: saves go through enterprises.services (so `enterprise_changed` fires), the verify
action calls `enterprise_verify`.
"""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ServiceSaveMixin, countries_widget
from core.admin_import import ContractImportMixin
from enterprises.models import Enterprise, Membership
from enterprises.resources import EnterpriseResource
from enterprises.services import enterprise_create, enterprise_update, enterprise_verify


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceSaveMixin, ContractImportMixin, ExportMixin, SimpleHistoryAdmin):
    contract_importer = "enterprises.importers.enterprises_import"
    resource_classes = [EnterpriseResource]

    list_display = (
        "reference",
        "name",
        "name_local",
        "ownership",
        "country",
        "is_verified",
        "updated_at",
    )
    list_display_links = ("reference", "name")
    list_filter = ("ownership", "country", "is_verified", "sectors")
    list_select_related = ("ownership",)
    search_fields = ("reference", "name", "name_local", "description")
    ordering = ("name",)
    autocomplete_fields = ("ownership", "sectors", "cooperation_modes", "corridors", "regions")
    readonly_fields = ("is_verified", "verified_at", "created_at", "updated_at")
    inlines = (MembershipInline,)
    actions = ("verify_selected",)
    fieldsets = (
        (None, {"fields": ("reference", "name", "name_local", "ownership", "country")}),
        (
            _("Profile for matching"),
            {
                "fields": (
                    "sectors",
                    "cooperation_modes",
                    "corridors",
                    "regions",
                    "countries",
                    ("investment_min", "investment_max", "currency"),
                    "description",
                )
            },
        ),
        (_("Contact"), {"fields": ("website", "contact_email")}),
        (
            _("Verification and history"),
            {"fields": ("is_verified", "verified_at", "created_at", "updated_at")},
        ),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        countries_widget(db_field, kwargs)
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def service_create(self, request, data):
        return enterprise_create(by=request.user, **data)

    def service_update(self, request, obj, data):
        enterprise_update(enterprise=obj, by=request.user, **data)

    @admin.action(description=_("Verify selected enterprises"), permissions=["change"])
    def verify_selected(self, request, queryset):
        verified = already = 0
        for enterprise in queryset:
            if enterprise_verify(enterprise=enterprise, by=request.user):
                verified += 1
            else:
                already += 1
        if verified:
            self.message_user(
                request,
                ngettext(
                    "%(count)d enterprise verified.",
                    "%(count)d enterprises verified.",
                    verified,
                )
                % {"count": verified},
                messages.SUCCESS,
            )
        if already:
            self.message_user(
                request,
                ngettext(
                    "%(count)d enterprise was already verified.",
                    "%(count)d enterprises were already verified.",
                    already,
                )
                % {"count": already},
                messages.INFO,
            )


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "enterprise", "role", "created_at")
    list_filter = ("role", "enterprise__ownership")
    list_select_related = ("user", "enterprise")
    search_fields = (
        "user__username",
        "user__email",
        "enterprise__reference",
        "enterprise__name",
    )
    ordering = ("enterprise__name", "user__username")
    autocomplete_fields = ("user", "enterprise")
    readonly_fields = ("created_at",)
    fields = ("user", "enterprise", "role", "created_at")
