"""Filters of the notification list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind, Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Only unread (true) or read (false)")
    )
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, label=_("Kinds"))

    class Meta:
        model = Notification
        fields: list[str] = []
