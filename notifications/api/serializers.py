"""Notifications, preferences, saved searches and follows as the API shows them."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Follow, Frequency, Kind, SavedSearch


class NotificationSerializer(serializers.Serializer):
    """A notification rendered in the active language (`Accept-Language`)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    project_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications became read."))


class MarkReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Which notifications; every unread one when omitted."),
    )


class PreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text=_("The language of your emails."),
    )
    kinds = serializers.DictField(
        child=serializers.ChoiceField(choices=Frequency.choices),
        required=False,
        help_text=_("For each kind of notification: instant, daily, weekly or off."),
    )

    def validate_kinds(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)}
            )
        return value


class SavedSearchSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(
        help_text=_(
            "The project browser's query parameters: sector, corridor, mode, place, park, "
            "list, min_amount, max_amount, currency, q."
        )
    )

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "filters", "is_active", "created_at"]
        read_only_fields = ["id", "is_active", "created_at"]


class FollowSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    project_reference = serializers.CharField(source="project.reference", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)

    class Meta:
        model = Follow
        fields = ["id", "project", "project_reference", "project_title", "created_at"]
        read_only_fields = ["id", "project_reference", "project_title", "created_at"]
