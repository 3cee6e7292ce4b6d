"""The opportunity browser's filters: one FilterSet, driven by GET parameters (shareable URLs).

The parameters and their meaning are those of a saved search (notifications.matching), so a
browser URL saved as a search notifies about exactly the projects the browser shows:
`sector` (a parent covers its children; a child fits a project posted under its parent),
`corridor`, `mode`, `place` (a country or region code: where the project is or where it
seeks partners), `park`, `list`, `min_amount` / `max_amount` in `currency` (compared in CNY
with the external investment sought), `q` (every word in the reference, title or
description), plus `sort` and `page`.
"""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Case, DecimalField, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.models import CooperationMode, Corridor, Region, Sector
from core.money import exchange_rates_latest
from projects.models import OpportunityList, Park, Project
from web.money import VIEWER_CURRENCIES

SORTS = {
    "newest": ("-published_at", "-id"),
    "deadline": (F("deadline").asc(nulls_last=True), "reference"),
    "investment_desc": ("-sought_cny", "reference"),
    "investment_asc": ("sought_cny", "reference"),
    "title": ("title", "reference"),
}
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("deadline", _("Deadline soonest")),
    ("investment_desc", _("Largest investment")),
    ("investment_asc", _("Smallest investment")),
    ("title", _("Title A-Z")),
]


def sector_choices() -> list[tuple[str, str]]:
    choices = []
    for sector in Sector.objects.order_by("sort_order", "code"):
        prefix = "— " if sector.parent_id else ""
        choices.append((sector.code, f"{prefix}{sector.label}"))
    return choices


def region_choices() -> list[tuple[str, str]]:
    regions = [(r.code, r.label) for r in Region.objects.all()]
    return regions + [(code, name) for code, name in countries]


def annotate_sought_cny(queryset: QuerySet[Project], rates: dict[str, Decimal]) -> QuerySet:
    """Annotate `sought_cny`: the external investment sought, in CNY at the latest rates."""
    output = DecimalField(max_digits=30, decimal_places=4)
    whens = [
        When(
            currency=code,
            then=F("external_investment_sought") * Value(rate, output_field=output),
        )
        for code, rate in rates.items()
        if code != "CNY"
    ]
    return queryset.annotate(
        sought_cny=Case(*whens, default=F("external_investment_sought"), output_field=output)
    )


class ProjectBrowserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sector = django_filters.ChoiceFilter(
        label=_("Sector"), choices=sector_choices, method="filter_sector", empty_label=_("Any")
    )
    corridor = django_filters.ModelChoiceFilter(
        label=_("Corridor"),
        queryset=Corridor.objects.all(),
        field_name="corridors",
        to_field_name="code",
        empty_label=_("Any"),
    )
    mode = django_filters.ModelChoiceFilter(
        label=_("Cooperation mode"),
        queryset=CooperationMode.objects.all(),
        field_name="cooperation_modes",
        to_field_name="code",
        empty_label=_("Any"),
    )
    place = django_filters.ChoiceFilter(
        label=_("Region or country"),
        choices=region_choices,
        method="filter_place",
        empty_label=_("Anywhere"),
        help_text=_("Where the project is, or where it seeks partners."),
    )
    park = django_filters.ModelChoiceFilter(
        label=_("Park"), queryset=Park.objects.all(), empty_label=_("Any")
    )
    list = django_filters.ModelChoiceFilter(
        label=_("Opportunity list"),
        queryset=OpportunityList.objects.all(),
        field_name="opportunity_list",
        empty_label=_("Any"),
    )
    min_amount = django_filters.NumberFilter(
        label=_("Minimum investment sought"), method="filter_amount", min_value=0
    )
    max_amount = django_filters.NumberFilter(
        label=_("Maximum investment sought"), method="filter_amount", min_value=0
    )
    currency = django_filters.ChoiceFilter(
        label=_("Currency"),
        choices=[(c, c) for c in VIEWER_CURRENCIES],
        method="filter_noop",
        empty_label=None,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="filter_noop", empty_label=None
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args, rates: dict[str, Decimal] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rates = rates if rates is not None else exchange_rates_latest()

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(title__icontains=word)
                | Q(description__icontains=word)
            )
        return queryset

    def filter_sector(self, queryset, name, value):
        # A parent covers its children; a child fits a project posted under its parent.
        condition = Q(sectors__code=value) | Q(sectors__parent_id=value)
        if "." in value:
            condition |= Q(sectors__code=value.split(".", 1)[0])
        return queryset.filter(condition)

    def filter_place(self, queryset, name, value):
        if len(value) == 2 and value.isupper():
            # A country: located there, named as a target, or inside a targeted region.
            return queryset.filter(
                Q(location_country=value)
                | Q(target_countries__contains=value)
                | Q(target_regions__countries__contains=value)
            )
        region = Region.objects.filter(code=value).first()
        members = list(region.countries) if region else []
        condition = Q(target_regions__code=value) | Q(
            location_country__in=[str(c) for c in members]
        )
        for country in members:
            condition |= Q(target_countries__contains=str(country))
        return queryset.filter(condition)

    def filter_amount(self, queryset, name, value):
        # Applied together in `qs` (needs the currency); nothing here.
        return queryset

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = annotate_sought_cny(super().qs, self.rates)
            data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
            currency = data.get("currency") or "CNY"
            rate = self.rates.get(currency, Decimal(1))
            if data.get("min_amount") is not None:
                queryset = queryset.filter(sought_cny__gte=Decimal(data["min_amount"]) * rate)
            if data.get("max_amount") is not None:
                queryset = queryset.filter(sought_cny__lte=Decimal(data["max_amount"]) * rate)
            order = SORTS.get(data.get("sort") or "newest", SORTS["newest"])
            self._qs = queryset.order_by(*order).distinct()
        return self._qs
