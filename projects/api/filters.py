"""The opportunity browser's filters over projects, shared by the API and the web pages.

`ProjectFilter(data, queryset=...)` takes the query parameters below; every one is
validated (an unknown code, date or currency is a form error naming the parameter, which
the API answers as a 400). Parameters that take codes accept several values, either
repeated (`sector=a&sector=b`) or comma-separated (`sector=a,b`); a project matches when it
has any of them.

| parameter | meaning |
|---|---|
| sector | sector codes; a parent (`logistics`) includes its children (`logistics.rail`) |
| corridor, mode | corridor / cooperation mode codes |
| place | a country (`TH`) or region code (`ASEAN`): projects targeting it, a region containing the country (or, for a region, any of its countries), or nowhere in particular (no target = anywhere) |
| park, list | park / opportunity list ids |
| owner | enterprise id of the posting enterprise |
| status | statuses (only among the projects the viewer may see) |
| min_amount, max_amount, currency | total investment range, in `currency` (default CNY), compared in CNY with the newest exchange rates |
| deadline_after, deadline_before | deadline range, inclusive (ISO dates) |
| q | full-text search on title (weight A) and description (weight B), ranked; PostgreSQL full-text search, a plain substring match elsewhere |
| ordering | reference, title, deadline, published_at, created, amount, sought (prefix `-` for descending); default: relevance when `q` is given, else reference |

Amounts in CNY are computed in the query from the rate table (a CASE over the
currencies), nothing is stored: `total_investment_cny` and `external_investment_sought_cny`
are annotated on every row by `projects_with_cny`.
"""

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Round
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries as all_countries

from core.api.filters import CodeListFilter, sector_family
from core.models import CooperationMode, Corridor, Region, Sector
from core.money import exchange_rates_latest, to_cny
from enterprises.models import Enterprise
from projects.models import OpportunityList, Park, Project

SEARCH_CONFIG = "english"
CNY_FIELD = DecimalField(max_digits=30, decimal_places=2)
# The searchable document; a GIN index on exactly this expression makes `q` fast.
SEARCH_VECTOR = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
    "description", weight="B", config=SEARCH_CONFIG
)


def cny_amount(field: str, rates: Mapping[str, Decimal], *, prefix: str = "") -> Case:
    """`field` (in the row's currency) in CNY, rounded to the fen; NULL for an unknown currency."""
    whens = [When(**{f"{prefix}currency": "CNY"}, then=F(f"{prefix}{field}"))]
    whens += [
        When(**{f"{prefix}currency": currency}, then=F(f"{prefix}{field}") * Value(rate))
        for currency, rate in sorted(rates.items())
        if currency != "CNY"
    ]
    return Case(*whens, default=Value(None), output_field=CNY_FIELD)


def projects_with_cny(
    queryset: QuerySet[Project], *, rates: Mapping[str, Decimal] | None = None
) -> QuerySet[Project]:
    """Annotate `total_investment_cny` and `external_investment_sought_cny` (once)."""
    if "total_investment_cny" in queryset.query.annotations:
        return queryset
    rates = exchange_rates_latest() if rates is None else rates
    return queryset.annotate(
        total_investment_cny=Round(cny_amount("total_investment", rates), 2),
        external_investment_sought_cny=Round(cny_amount("external_investment_sought", rates), 2),
    )


def _codes(model: Any) -> Callable[[], list[str]]:
    return lambda: list(model.objects.values_list("pk", flat=True))


def _places() -> list[str]:
    return [code for code, _name in all_countries] + list(
        Region.objects.values_list("code", flat=True)
    )


def _having(field: str, **lookups: Any) -> Q:
    """Projects with a row in the M2M table of `field` matching `lookups`.

    An uncorrelated `pk IN (SELECT project_id ...)`: PostgreSQL builds the set once (a hash)
    instead of probing the M2M table per project, which matters when it sits inside an OR
    (the place filter) or when many projects pass the other filters.
    """
    through = getattr(Project, field).through
    return Q(pk__in=through.objects.filter(**lookups).values("project_id"))


def _country_regex(codes: Iterable[str]) -> str:
    """Matches a CountryField(multiple=True) column ("TH,SG") containing any of `codes`."""
    return r"(^|,)(" + "|".join(sorted(codes)) + r")(,|$)"


class ProjectFilterForm(forms.Form):
    # Set by ProjectFilter, so the rates are read once per request.
    rates_loader: Callable[[], Mapping[str, Decimal]] = staticmethod(exchange_rates_latest)

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "CNY").upper()
        if currency not in self.rates_loader():
            raise forms.ValidationError(
                _("No exchange rate for currency %(currency)s.") % {"currency": currency}
            )
        return currency

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("min_amount", _("The minimum is above the maximum."))
        return data


class ProjectFilter(django_filters.FilterSet):
    sector = CodeListFilter(
        valid_codes=_codes(Sector),
        method="filter_sector",
        label=gettext_lazy("Sectors (a parent includes its children)"),
    )
    corridor = CodeListFilter(
        valid_codes=_codes(Corridor), method="filter_corridor", label=gettext_lazy("Corridors")
    )
    mode = CodeListFilter(
        valid_codes=_codes(CooperationMode),
        method="filter_mode",
        label=gettext_lazy("Cooperation modes"),
    )
    place = CodeListFilter(
        valid_codes=_places,
        upper=True,
        method="filter_place",
        label=gettext_lazy("Target country or region"),
    )
    park = django_filters.ModelMultipleChoiceFilter(
        queryset=Park.objects.all(), label=gettext_lazy("Parks")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Enterprise.objects.all(), label=gettext_lazy("Posting enterprise")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Project.Status.choices, label=gettext_lazy("Status")
    )
    min_amount = django_filters.NumberFilter(
        method="filter_amount",
        min_value=Decimal(0),
        label=gettext_lazy("Smallest total investment, in `currency`"),
    )
    max_amount = django_filters.NumberFilter(
        method="filter_amount",
        min_value=Decimal(0),
        label=gettext_lazy("Largest total investment, in `currency`"),
    )
    currency = django_filters.CharFilter(
        method="filter_nothing", label=gettext_lazy("Currency of the amounts (default CNY)")
    )
    deadline_after = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=gettext_lazy("Deadline on or after")
    )
    deadline_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=gettext_lazy("Deadline on or before")
    )
    q = django_filters.CharFilter(method="filter_q", label=gettext_lazy("Search words"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("deadline", "deadline"),
            ("published_at", "published_at"),
            ("created_at", "created"),
            ("total_investment_cny", "amount"),
            ("external_investment_sought_cny", "sought"),
        ),
        label=gettext_lazy("Ordering"),
    )

    class Meta:
        model = Project
        fields: list[str] = []
        form = ProjectFilterForm

    # The filters ---------------------------------------------------------------------

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # read by filter_amount

    def filter_sector(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(_having("sectors", sector_id__in=sector_family(value)))

    def filter_corridor(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(_having("corridors", corridor_id__in=value))

    def filter_mode(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(_having("cooperation_modes", cooperationmode_id__in=value))

    def filter_place(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        regions = {region.code: region for region in Region.objects.all()}
        countries: set[str] = set()
        region_codes: set[str] = set()
        for code in value:
            if code in regions:
                region_codes.add(code)
                countries.update(country.code for country in regions[code].countries)
            else:
                countries.add(code)
                region_codes.update(
                    region.code
                    for region in regions.values()
                    if code in {country.code for country in region.countries}
                )
        anywhere = Q(target_countries="") & ~_having("target_regions")
        targeted = _having("target_regions", region_id__in=sorted(region_codes))
        if countries:
            targeted |= Q(target_countries__regex=_country_regex(countries))
        return queryset.filter(anywhere | targeted)

    def filter_amount(self, queryset: QuerySet, name: str, value: Decimal) -> QuerySet:
        currency = self.form.cleaned_data.get("currency") or "CNY"
        bound = to_cny(value, currency, rates=self.rates)
        lookup = "gte" if name == "min_amount" else "lte"
        return queryset.filter(**{f"total_investment_cny__{lookup}": bound})

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.strip()
        if not words:
            return queryset
        if connection.vendor == "postgresql":
            query = SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)
            return (
                queryset.annotate(search=SEARCH_VECTOR)
                .filter(search=query)
                .annotate(rank=SearchRank(SEARCH_VECTOR, query))
            )
        in_title = Q(title__icontains=words)
        return queryset.filter(in_title | Q(description__icontains=words)).annotate(
            rank=Case(
                When(in_title, then=Value(1.0)), default=Value(0.5), output_field=FloatField()
            )
        )

    # Amounts in CNY, default ordering ----------------------------------------------------------------

    @property
    def rates(self) -> Mapping[str, Decimal]:
        if getattr(self, "_rates", None) is None:
            self._rates = exchange_rates_latest()
        return self._rates

    @property
    def form(self) -> forms.Form:
        form = super().form
        form.rates_loader = lambda: self.rates
        return form

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(projects_with_cny(queryset, rates=self.rates))
        if self.form.cleaned_data.get("ordering"):
            return queryset.order_by(*queryset.query.order_by, "pk")
        if "rank" in queryset.query.annotations:
            return queryset.order_by("-rank", "reference", "pk")
        return queryset.order_by("reference", "pk")


# `list` would shadow the builtin inside the class body, so it is added here; it goes
# before `ordering` so that ordering stays the last filter applied.
_ordering = ProjectFilter.base_filters.pop("ordering")
ProjectFilter.base_filters["list"] = django_filters.ModelMultipleChoiceFilter(
    field_name="opportunity_list",
    queryset=OpportunityList.objects.all(),
    label=gettext_lazy("Opportunity lists"),
)
ProjectFilter.base_filters["ordering"] = _ordering
