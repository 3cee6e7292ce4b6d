"""Filters of the enterprise directory."""

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from core.api.filters import CodeListFilter, sector_family
from core.models import OwnershipType, Sector
from enterprises.models import Enterprise


class EnterpriseFilter(django_filters.FilterSet):
    ownership = django_filters.ModelMultipleChoiceFilter(
        queryset=OwnershipType.objects.all(), to_field_name="code", label=_("Ownership type")
    )
    country = django_filters.MultipleChoiceFilter(
        choices=list(all_countries), label=_("Headquarters country")
    )
    sector = CodeListFilter(
        valid_codes=lambda: Sector.objects.values_list("code", flat=True),
        method="filter_sector",
        label=_("Sectors (a parent includes its children)"),
    )
    verified = django_filters.BooleanFilter(field_name="is_verified", label=_("Verified"))
    q = django_filters.CharFilter(method="filter_q", label=_("Name or reference contains"))

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def filter_sector(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        through = Enterprise.sectors.through
        family = through.objects.filter(
            sector_id__in=sector_family(value), enterprise_id=OuterRef("pk")
        )
        return queryset.filter(Exists(family))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(name_local__icontains=value) | Q(reference__iexact=value)
        )
