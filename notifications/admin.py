"""Admin: watch the outbox, retry failed deliveries, see settings, searches and follows."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import (
    Delivery,
    Follow,
    Notification,
    NotificationSettings,
    Preference,
    SavedSearch,
)
from notifications.services import deliveries_retry


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "idempotency_key",
        "recipient",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "created_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("idempotency_key", "recipient__username", "recipient__email", "last_error")
    list_select_related = ("recipient",)
    readonly_fields = (
        "recipient",
        "notification",
        "channel",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "created_at",
        "updated_at",
    )
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Retry the selected deliveries"))
    def retry(self, request, queryset):
        count = deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "key", "email_frequency", "read_at", "created_at")
    list_filter = ("kind", "email_frequency")
    search_fields = ("recipient__username", "key")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "project", "digest_delivery")


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "updated_at")
    list_filter = ("language",)
    raw_id_fields = ("user",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "frequency", "updated_at")
    list_filter = ("kind", "frequency")
    raw_id_fields = ("user",)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "is_active", "created_at")
    list_filter = ("is_active",)
    raw_id_fields = ("user",)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "project", "created_at")
    raw_id_fields = ("enterprise", "project", "created_by")
