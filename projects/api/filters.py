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

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import django_filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.fields.array import ArrayExact, ArrayOverlap
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    Field,
    FloatField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.functions import Round
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries as all_countries
from django_filters.constants import EMPTY_VALUES

from core.api.filters import CodeListFilter
from core.models import CooperationMode, Corridor, ExchangeRate, Region, Sector
from core.money import exchange_rates_latest, to_cny
from enterprises.models import Enterprise
from projects.models import OpportunityList, Park, Project

SEARCH_CONFIG = "english"
CNY_FIELD = DecimalField(max_digits=30, decimal_places=2)


def _derived_field(column: str, field: Field) -> Field:
    # Named and owned like a model field, for SQL and for expression identity, but not
    # added to Project._meta: Django neither selects nor writes it.
    field.set_attributes_from_name(column)
    field.model = Project
    return field


# Columns PostgreSQL keeps on projects_project (projects/migrations/0004) and the model
# does not declare: the weighted search document (title A, description B, 'english'), and
# the sorted codes of the M2M fields, refreshed by triggers on the M2M tables (GIN indexes
# on the document and the four filtered arrays). Filtering on them tests the project row
# itself, where the M2M tables had to be read (and hashed whole) on every request.
DERIVED = {
    "search_document": _derived_field("search_document", SearchVectorField()),
    "sector_codes": _derived_field("sector_codes", ArrayField(TextField())),
    "mode_codes": _derived_field("mode_codes", ArrayField(TextField())),
    "corridor_codes": _derived_field("corridor_codes", ArrayField(TextField())),
    "region_codes": _derived_field("region_codes", ArrayField(TextField())),
    "ownership_codes": _derived_field("ownership_codes", ArrayField(TextField())),
    # The places targeted, generated from target_countries and region_codes (0006): `c:TH`
    # per country, the region codes, `*` for none (anywhere); GIN-indexed.
    "place_codes": _derived_field("place_codes", ArrayField(TextField())),
}


class Derived(Expression):
    """A DERIVED column of the query's projects_project row (PostgreSQL only)."""

    def __init__(self, column: str):
        super().__init__(output_field=DERIVED[column])
        self.column = column

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> Col:
        # A real column reference, so the alias follows the query into subqueries.
        return Col(query.get_initial_alias(), DERIVED[self.column])


def derived_columns() -> bool:
    """True where the DERIVED columns exist (PostgreSQL)."""
    return connection.vendor == "postgresql"


def cny_amount(field: str, rates: Mapping[str, Decimal], *, prefix: str = "") -> Case:
    """`field` (in the row's currency) in CNY, rounded to the fen; NULL for an unknown currency."""
    whens = [When(**{f"{prefix}currency": "CNY"}, then=F(f"{prefix}{field}"))]
    whens += [
        When(**{f"{prefix}currency": currency}, then=F(f"{prefix}{field}") * Value(rate))
        for currency, rate in sorted(rates.items())
        if currency != "CNY"
    ]
    return Case(*whens, default=Value(None), output_field=CNY_FIELD)


class RateToCny(Expression):
    """CNY per unit of the row's `currency`: `CASE currency WHEN 'USD' THEN 7.17 ... END`,
    NULL for a currency without a rate. The same values as cny_amount's CASE, written as one
    expression because Django resolving and compiling a When per currency, twice, cost more
    than the rest of the list query (about 15 ms a request)."""

    output_field = DecimalField(max_digits=20, decimal_places=10)

    def __init__(self, rates: Mapping[str, Decimal], currency: str = "currency"):
        super().__init__()
        self.rates = tuple(sorted(rates.items()))
        self.currency = F(currency)

    def get_source_expressions(self) -> list[Any]:
        return [self.currency]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.currency,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        currency, params = compiler.compile(self.currency)
        whens = " ".join(["WHEN %s THEN CAST(%s AS NUMERIC)"] * len(self.rates))
        values = [value for pair in self.rates for value in pair]
        return f"(CASE {currency} {whens} ELSE NULL END)", [*params, *values]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # The same values as the CASE, with the rates and their currencies as two array
        # parameters: 2 parameters instead of 2 per currency (26), and a few dozen bytes of
        # SQL instead of ~450, in each of the up to three places a list query converts. The
        # CASE form made the project list's page query longer than 4,096 bytes and gave it
        # more than 50 parameters, past which psycopg parses a statement's placeholders
        # again on every execution instead of caching them (~0.9 ms a request).
        currency, params = compiler.compile(self.currency)
        return self.POSTGRESQL.format(currency=currency), [
            *self.postgresql_params(dict(self.rates)),
            *params,
        ]

    # The PostgreSQL form, also written by hand in projects.api.serializers' row statement:
    # its two parameters are postgresql_params(rates).
    POSTGRESQL = "(%s::numeric[])[array_position(%s::text[], {currency}::text)]"

    @staticmethod
    def postgresql_params(rates: Mapping[str, Decimal]) -> list[list]:
        pairs = sorted(rates.items())
        return [[rate for _code, rate in pairs], [code for code, _rate in pairs]]


def projects_with_cny(
    queryset: QuerySet[Project], *, rates: Mapping[str, Decimal] | None = None
) -> QuerySet[Project]:
    """Annotate `total_investment_cny` and `external_investment_sought_cny` (once)."""
    if "total_investment_cny" in queryset.query.annotations:
        return queryset
    rate = RateToCny(exchange_rates_latest() if rates is None else rates)

    def in_cny(field: str) -> Round:
        return Round(ExpressionWrapper(F(field) * rate, output_field=CNY_FIELD), 2)

    return queryset.annotate(
        total_investment_cny=in_cny("total_investment"),
        external_investment_sought_cny=in_cny("external_investment_sought"),
    )


def _codes(model: Any) -> Callable[[], list[str]]:
    return lambda: list(model.objects.values_list("pk", flat=True))


def _places() -> list[str]:
    # The codes alone: iterating `countries` translates and sorts every name.
    return list(all_countries.countries) + list(Region.objects.values_list("code", flat=True))


def _having(field: str, **lookups: Any) -> Q:
    """Projects with a row in the M2M table of `field` matching `lookups` (SQLite)."""
    through = getattr(Project, field).through
    return Q(pk__in=through.objects.filter(**lookups).values("project_id"))


# M2M field -> (its DERIVED codes column, the code column of its M2M table)
CODE_COLUMNS = {
    "sectors": ("sector_codes", "sector_id"),
    "cooperation_modes": ("mode_codes", "cooperationmode_id"),
    "corridors": ("corridor_codes", "corridor_id"),
    "target_regions": ("region_codes", "region_id"),
    "partner_ownership": ("ownership_codes", "ownershiptype_id"),
}


def _having_any(field: str, codes: Iterable[str]) -> Q:
    """Projects with any of `codes` in the M2M field `field`."""
    derived, column = CODE_COLUMNS[field]
    if derived_columns():
        return Q(ArrayOverlap(Derived(derived), sorted(codes)))
    return _having(field, **{f"{column}__in": sorted(codes)})


def _having_none(field: str) -> Q:
    """Projects without any row in the M2M field `field`."""
    derived, _column = CODE_COLUMNS[field]
    if derived_columns():
        return Q(ArrayExact(Derived(derived), []))
    return ~_having(field)


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


class _FieldsCopiedShallow(dict):
    """A form class's `base_fields` that Django's `copy.deepcopy(self.base_fields)` (in
    every form's __init__) copies one level deep: each form gets its own field objects, to
    set per request (ProjectFilter.form's valid codes, the web page's labels and widgets,
    always by assignment), sharing what validation only reads (widgets, validators, the
    model choice fields' querysets, which validation clones and never evaluates). A deep
    copy of the 15 fields (their widgets, error messages, three querysets cloned) took
    0.24 ms of every project-list request, this one 0.03 ms (2,000 copies in one process)."""

    def __deepcopy__(self, memo: dict) -> dict:
        return {name: copy.copy(field) for name, field in self.items()}


def _bound_copy(filter_: django_filters.Filter, filterset: Any, model: Any) -> Any:
    """A copy of the class-level `filter_` for one filterset: its own `parent` and `model`,
    and for a method filter its own FilterMethod (a copied one would still resolve the
    method on the filter it was copied from). Everything else (the form field, `extra`,
    labels) is shared: the filters only read it."""
    bound = copy.copy(filter_)
    bound.model = model
    bound.parent = filterset
    if filter_.method is not None:
        bound.method = filter_.method
    return bound


class ProjectFilter(django_filters.FilterSet):
    """Built once per request by the API and the opportunity browser.

    django-filter's FilterSet deep-copies every declared filter (their querysets, labels
    and choices included) and then builds a new form class from them for every instance,
    about a quarter of a filtered list's Python time. Here the filters are shallow copies
    bound to this instance (`_bound_copy`) and the form class is built once per filterset
    class (its fields are copied per form by Django, as for any form), so instances share
    nothing they write to: tests/api/test_project_filter_sharing.py runs them in threads.
    """

    _form_class_lock: ClassVar[threading.Lock] = threading.Lock()

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

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ):
        # FilterSet.__init__, with _bound_copy instead of copy.deepcopy(base_filters).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        type(self).shared_form_class()  # the class-level filters build their fields first
        self.filters = {
            name: _bound_copy(filter_, self, queryset.model)
            for name, filter_ in self.base_filters.items()
        }

    @classmethod
    def shared_form_class(cls) -> type[forms.Form]:
        """The form class of this filterset class (FilterSet.get_form_class builds the same
        class for every instance), built on first use."""
        form_class = cls.__dict__.get("_shared_form_class")
        if form_class is None:
            with ProjectFilter._form_class_lock:
                form_class = cls.__dict__.get("_shared_form_class")
                if form_class is None:
                    fields = {name: filter_.field for name, filter_ in cls.base_filters.items()}
                    form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
                    form_class.base_fields = _FieldsCopiedShallow(form_class.base_fields)
                    cls._shared_form_class = form_class
        return form_class

    def get_form_class(self) -> type[forms.Form]:
        return type(self).shared_form_class()

    # The filters ---------------------------------------------------------------------

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # read by filter_amount

    def filter_sector(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        # core.api.filters.sector_family, from the codes validation already read.
        family = [
            code
            for code in self.sector_codes
            if code in value or any(code.startswith(f"{parent}.") for parent in value)
        ]
        return queryset.filter(_having_any("sectors", family))

    def filter_corridor(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(_having_any("corridors", value))

    def filter_mode(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(_having_any("cooperation_modes", value))

    def filter_place(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        regions = self.region_members
        countries: set[str] = set()
        region_codes: set[str] = set()
        for code in value:
            if code in regions:
                region_codes.add(code)
                countries.update(regions[code])
            else:
                countries.add(code)
                region_codes.update(
                    region for region, members in regions.items() if code in members
                )
        if derived_columns():  # one indexed array of the places (projects/migrations/0006)
            places = {"*", *region_codes, *(f"c:{country}" for country in countries)}
            return queryset.filter(ArrayOverlap(Derived("place_codes"), sorted(places)))
        anywhere = Q(target_countries="") & _having_none("target_regions")
        targeted = _having_any("target_regions", region_codes)
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
        if derived_columns():
            # The stored document: neither the match nor the rank recomputes it per row.
            query = SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)
            document = Derived("search_document")
            return queryset.filter(Q(SearchVectorExact(document, query))).annotate(
                rank=SearchRank(document, query)
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
            self._read_reference_data()
        return self._rates

    # Reference data, read once per request by validation and filtering both ------------

    @property
    def sector_codes(self) -> list[str]:
        if getattr(self, "_sector_codes", None) is None:
            self._read_reference_data()
        return self._sector_codes

    @property
    def region_members(self) -> dict[str, set[str]]:
        """Region code -> its country codes, from the stored "TH,SG" strings (building
        Country objects cost more than the query)."""
        if getattr(self, "_region_members", None) is None:
            self._read_reference_data()
        return self._region_members

    def _read_reference_data(self) -> None:
        """The rates (as core.money.exchange_rates_latest reads them), the sector codes and
        the regions' members: in one statement on PostgreSQL, where each was a query of its
        own, built and compiled by the ORM, in every request of the project list."""
        if not derived_columns():  # SQLite (the quick start): the ORM's three queries
            self._sector_codes = list(Sector.objects.values_list("pk", flat=True))
            self._region_members = _region_members(Region.objects.values_list("code", "countries"))
            self._rates = exchange_rates_latest()
            return
        with connection.cursor() as cursor:
            cursor.execute(_reference_data_sql())
            sectors, regions, rates = cursor.fetchone()
        self._sector_codes = list(sectors)
        self._region_members = _region_members(regions)
        self._rates = {currency: Decimal(rate) for currency, rate in rates}
        self._rates.setdefault("CNY", Decimal(1))

    @property
    def form(self) -> forms.Form:
        form = super().form
        form.rates_loader = lambda: self.rates
        form.fields["sector"].valid_codes = lambda: self.sector_codes
        form.fields["place"].valid_codes = lambda: [
            *all_countries.countries,
            *self.region_members,
        ]
        return form

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(projects_with_cny(queryset, rates=self.rates))
        if self.form.cleaned_data.get("ordering"):
            return queryset.order_by(*queryset.query.order_by, "pk")
        if "rank" in queryset.query.annotations:
            return queryset.order_by("-rank", "reference", "pk")
        return queryset.order_by("reference", "pk")

    def selection_key(self) -> str:
        """Everything the rows this filterset selects depend on, beyond the queryset it was
        given (call after filtering): the validated parameters but `ordering`, the
        exchange rates, and the reference data the sector and place filters expanded
        their codes with. Equal keys over the same base queryset select the same rows, so
        the project list caches its counts under it (with the viewer's visibility) without
        compiling the counting query's SQL to name it."""
        parts: list[tuple[str, Any]] = []
        for name, value in sorted(self.form.cleaned_data.items()):
            if name == "ordering" or value in EMPTY_VALUES:
                continue
            parts.append((name, _key_value(value)))
        parts.append(("rates", tuple(sorted(self.rates.items()))))
        if getattr(self, "_sector_codes", None) is not None:
            parts.append(("sector_codes", tuple(self._sector_codes)))
        if getattr(self, "_region_members", None) is not None:
            parts.append(
                (
                    "regions",
                    tuple(sorted((r, tuple(sorted(m))) for r, m in self._region_members.items())),
                )
            )
        return repr(parts)


def _region_members(rows: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    return {region: set(filter(None, members.split(","))) for region, members in rows}


def _reference_data_sql() -> str:
    """One row: the sector codes in their order, [region, "TH,SG"] pairs, and the newest
    [currency, rate as text] of each currency (text keeps the rate's exact Decimal)."""
    sector, region = Sector._meta.db_table, Region._meta.db_table
    rate = ExchangeRate._meta.db_table
    return f"""
        SELECT
          (SELECT coalesce(array_agg(code ORDER BY sort_order, code), '{{}}') FROM {sector}),
          (SELECT coalesce(json_agg(json_build_array(code, countries)), '[]') FROM {region}),
          (SELECT coalesce(json_agg(json_build_array(currency, rate_to_cny::text)), '[]')
             FROM (SELECT DISTINCT ON (currency) currency, rate_to_cny FROM {rate}
                   ORDER BY currency, valid_on DESC) AS newest)
    """  # noqa: S608 - table names from the models, no input


def _key_value(value: Any) -> Any:
    """A validated filter value as plain, comparable data for selection_key."""
    if isinstance(value, QuerySet):  # ModelMultipleChoiceField: the chosen rows
        return tuple(sorted(row.pk for row in value))
    if hasattr(value, "_meta"):  # ModelChoiceField: one row
        return ("pk", value.pk)
    if isinstance(value, list | tuple):
        return tuple(_key_value(item) for item in value)
    return (type(value).__name__, str(value))


# `list` would shadow the builtin inside the class body, so it is added here; it goes
# before `ordering` so that ordering stays the last filter applied.
_ordering = ProjectFilter.base_filters.pop("ordering")
ProjectFilter.base_filters["list"] = django_filters.ModelMultipleChoiceFilter(
    field_name="opportunity_list",
    queryset=OpportunityList.objects.all(),
    label=gettext_lazy("Opportunity lists"),
)
ProjectFilter.base_filters["ordering"] = _ordering
