"""Filters of the interest list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from deals.models import Interest


class InterestFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Interest.State.choices, label=_("State"))
    project = django_filters.NumberFilter(field_name="project_id", label=_("Project id"))
    initiated_by = django_filters.ChoiceFilter(
        choices=Interest.Initiator.choices, label=_("Expressed or invited")
    )

    class Meta:
        model = Interest
        fields: list[str] = []
