"""Filters of the match list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from matchmaking.models import Match


class MatchFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Match.State.choices, label=_("States"))
    eligible = django_filters.BooleanFilter(label=_("Eligible only (true) or ineligible (false)"))
    min_score = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label=_("Smallest score")
    )

    class Meta:
        model = Match
        fields: list[str] = []
