"""Projects, parks and opportunity lists as the API shows them, and what SOE staff may send."""

import functools
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import CodeRelatedField, RowPlanMixin, country_code, country_codes
from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
from enterprises.api.serializers import (
    CodeListField,
    CountryCodeField,
    EnterpriseSummarySerializer,
    codes,
)
from enterprises.api.serializers import validate_currency as _validate_currency
from enterprises.models import Enterprise
from projects.api.filters import CODE_COLUMNS, RateToCny
from projects.models import OpportunityList, Park, Project


class ParkSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)
    partner_countries = serializers.SerializerMethodField()

    class Meta:
        model = Park
        fields = [
            "id",
            "name",
            "name_zh",
            "kind",
            "country",
            "city",
            "partner_countries",
            "description",
        ]
        read_only_fields = fields

    def get_partner_countries(self, park: Park) -> list[str]:
        return [country.code for country in park.partner_countries]


class OpportunityListSerializer(serializers.ModelSerializer):
    """A released list with the totals of its public projects, amounts in CNY."""

    publisher = EnterpriseSummarySerializer(read_only=True, allow_null=True)
    projects_count = serializers.IntegerField(
        read_only=True, help_text=_("Published, negotiating and signed projects.")
    )
    total_investment_cny = serializers.DecimalField(
        max_digits=30, decimal_places=2, read_only=True, allow_null=True
    )
    external_investment_sought_cny = serializers.DecimalField(
        max_digits=30, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = OpportunityList
        fields = [
            "id",
            "name",
            "name_zh",
            "publisher",
            "released_on",
            "description",
            "projects_count",
            "total_investment_cny",
            "external_investment_sought_cny",
        ]
        read_only_fields = fields


class _NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectSerializer(RowPlanMixin, serializers.ModelSerializer):
    owner = EnterpriseSummarySerializer(read_only=True)
    opportunity_list = _NamedSerializer(read_only=True, allow_null=True)
    park = _NamedSerializer(read_only=True, allow_null=True)
    sectors = serializers.SerializerMethodField()
    cooperation_modes = serializers.SerializerMethodField()
    corridors = serializers.SerializerMethodField()
    target_regions = serializers.SerializerMethodField()
    target_countries = serializers.SerializerMethodField()
    partner_ownership = serializers.SerializerMethodField()
    location_country = serializers.CharField(source="location_country.code", read_only=True)
    total_investment_cny = serializers.DecimalField(
        max_digits=30,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("The total investment in CNY at the newest exchange rate."),
    )
    external_investment_sought_cny = serializers.DecimalField(
        max_digits=30, decimal_places=2, read_only=True, allow_null=True
    )
    rank = serializers.SerializerMethodField(
        help_text=_("Search relevance when `q` is given, else null.")
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "owner",
            "opportunity_list",
            "park",
            "sectors",
            "cooperation_modes",
            "corridors",
            "target_regions",
            "target_countries",
            "partner_ownership",
            "total_investment",
            "external_investment_sought",
            "currency",
            "total_investment_cny",
            "external_investment_sought_cny",
            "location_country",
            "location_city",
            "status",
            "deadline",
            "published_at",
            "created_at",
            "updated_at",
            "rank",
        ]
        read_only_fields = fields

    @staticmethod
    def _codes(obj: Project, field: str) -> list[str]:
        annotated = getattr(obj, f"{field}_codes", None)  # PostgreSQL: an array per row
        return list(annotated) if annotated is not None else codes(getattr(obj, field))

    def get_sectors(self, obj: Project) -> list[str]:
        return self._codes(obj, "sectors")

    def get_cooperation_modes(self, obj: Project) -> list[str]:
        return self._codes(obj, "cooperation_modes")

    def get_corridors(self, obj: Project) -> list[str]:
        return self._codes(obj, "corridors")

    def get_target_regions(self, obj: Project) -> list[str]:
        return self._codes(obj, "target_regions")

    def get_partner_ownership(self, obj: Project) -> list[str]:
        return self._codes(obj, "partner_ownership")

    def get_target_countries(self, obj: Project) -> list[str]:
        return [country.code for country in obj.target_countries]

    def get_rank(self, obj: Project) -> float | None:
        return rank_shown(getattr(obj, "rank", None))


def rank_shown(rank: float | None) -> float | None:
    return None if rank is None else round(float(rank), 6)


def _slugs(model, *, required: bool = False) -> serializers.SlugRelatedField:
    return CodeRelatedField(
        queryset=model.objects.all(),
        many=True,
        allow_empty=not required,
        required=required,
    )


class ProjectInputSerializer(serializers.Serializer):
    """The fields SOE staff of the owner (or an admin) set; status changes through actions."""

    reference = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=255)
    description = serializers.CharField()
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        required=False,
        help_text=_("Admins only; SOE staff always post for their own enterprise."),
    )
    opportunity_list = serializers.PrimaryKeyRelatedField(
        queryset=OpportunityList.objects.all(), allow_null=True, required=False
    )
    park = serializers.PrimaryKeyRelatedField(
        queryset=Park.objects.all(), allow_null=True, required=False
    )
    sectors = _slugs(Sector, required=True)
    cooperation_modes = _slugs(CooperationMode, required=True)
    corridors = _slugs(Corridor)
    target_regions = _slugs(Region)
    target_countries = CodeListField(required=False)
    partner_ownership = _slugs(OwnershipType)
    total_investment = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=Decimal(0)
    )
    external_investment_sought = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text=_("Defaults to the total investment."),
    )
    currency = serializers.CharField(max_length=3, required=False, default="CNY")
    location_country = CountryCodeField(required=False, default="CN")
    location_city = serializers.CharField(max_length=120, allow_blank=True, required=False)
    deadline = serializers.DateField(allow_null=True, required=False)

    def validate_currency(self, value: str) -> str:
        return _validate_currency(value)

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        total = attrs.get("total_investment", getattr(instance, "total_investment", None))
        sought = attrs.get(
            "external_investment_sought", getattr(instance, "external_investment_sought", None)
        )
        if instance is None and sought is None:
            sought = total
        if total is not None and sought is not None and sought > total:
            raise serializers.ValidationError(
                {
                    "external_investment_sought": [
                        _("The external investment sought cannot exceed the total investment.")
                    ]
                }
            )
        return attrs


class ProjectWithdrawInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


# List pages: rows read with values_list and written out by hand ----------------------------

# The columns project_rows reads, in its order: the project, its owner's summary, its list
# and park (id and name, NULL when it has none), the code arrays PostgreSQL keeps on the row
# (annotated by the view as `<field>_codes`), then the remaining shown fields. `rank` is
# appended when the query ranks.
PROJECT_ROW_COLUMNS = (
    "id",
    "reference",
    "title",
    "description",
    "owner_id",
    "owner__reference",
    "owner__name",
    "owner__ownership",
    "owner__country",
    "owner__is_verified",
    "opportunity_list_id",
    "opportunity_list__name",
    "park_id",
    "park__name",
    "sectors_codes",
    "cooperation_modes_codes",
    "corridors_codes",
    "target_regions_codes",
    "partner_ownership_codes",
    "target_countries",
    "total_investment",
    "external_investment_sought",
    "currency",
    "total_investment_cny",
    "external_investment_sought_cny",
    "location_country",
    "location_city",
    "status",
    "deadline",
    "published_at",
    "created_at",
    "updated_at",
)


@functools.cache
def _row_values_statement() -> str:
    """SELECT the PROJECT_ROW_COLUMNS of the projects whose ids are the last parameter (the
    CNY amounts as projects.api.filters.RateToCny and projects_with_cny compute them, from
    the rates and currencies given as the first four parameters). Written once per
    process from the models' columns."""
    qn = connection.ops.quote_name
    project, enterprise = Project._meta, Enterprise._meta
    p, e = qn(project.db_table), qn(enterprise.db_table)
    lists, parks = qn(OpportunityList._meta.db_table), qn(Park._meta.db_table)
    rate = RateToCny.POSTGRESQL.format(currency=f"{p}.{qn(project.get_field('currency').column)}")
    derived = {f"{field}_codes": column for field, (column, _m2m) in CODE_COLUMNS.items()}
    selected = []
    for name in PROJECT_ROW_COLUMNS:
        if name.startswith("owner__"):
            column = enterprise.get_field(name.removeprefix("owner__")).column
            selected.append(f"{e}.{qn(column)}")
        elif name == "opportunity_list__name":
            selected.append(f"{lists}.{qn('name')}")
        elif name == "park__name":
            selected.append(f"{parks}.{qn('name')}")
        elif name in derived:
            selected.append(f"{p}.{qn(derived[name])}")
        elif name.endswith("_cny"):
            amount = qn(project.get_field(name.removesuffix("_cny")).column)
            selected.append(f"ROUND(({p}.{amount} * {rate}), 2)")
        else:
            selected.append(f"{p}.{qn(project.get_field(name).column)}")
    owner = qn(project.get_field("owner").column)
    listed = qn(project.get_field("opportunity_list").column)
    park = qn(project.get_field("park").column)
    return (
        f"SELECT {', '.join(selected)} FROM {p}"  # noqa: S608 - names from the models
        f" INNER JOIN {e} ON ({p}.{owner} = {e}.{qn(enterprise.pk.column)})"
        f" LEFT OUTER JOIN {lists} ON ({p}.{listed} = {lists}.{qn('id')})"
        f" LEFT OUTER JOIN {parks} ON ({p}.{park} = {parks}.{qn('id')})"
        f" WHERE {p}.{qn(project.pk.column)} = ANY(%s)"
    )


def project_row_values(ids: list[int], rates: Mapping[str, Decimal]) -> list[tuple]:
    """The PROJECT_ROW_COLUMNS values of the projects `ids`, in the order of `ids`
    (PostgreSQL). The list page selects its ids and ranks first, without these columns
    or the joins, then reads these 20 rows: the ORM compiled a 32-column query for every
    page, and PostgreSQL joined the owner, list and park of every match (615 rows for the
    bench's search) before sorting out the 20 shown."""
    if not ids:
        return []
    rate = RateToCny.postgresql_params(rates)
    with connection.cursor() as cursor:
        cursor.execute(_row_values_statement(), [*rate, *rate, ids])
        found = {row[0]: row for row in cursor.fetchall()}
    return [found[pk] for pk in ids if pk in found]


@functools.cache
def _row_formats() -> dict[str, Any]:
    """ProjectSerializer's own field instances for the values that need formatting (decimals,
    dates, datetimes), so project_rows writes what the serializer writes."""
    fields = ProjectSerializer().fields
    return {
        name: fields[name].to_representation
        for name in (
            "total_investment",
            "external_investment_sought",
            "total_investment_cny",
            "external_investment_sought_cny",
            "deadline",
            "published_at",
            "created_at",
            "updated_at",
        )
    }


_project_country = country_code(Project._meta.get_field("location_country"))
_project_countries = country_codes(Project._meta.get_field("target_countries"))
_owner_country = country_code(Enterprise._meta.get_field("country"))


def _none_or(format_: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else format_(value)


def project_rows(rows: Iterable[tuple], *, ranked: bool) -> list[dict]:
    """ProjectSerializer's representation of each row of PROJECT_ROW_COLUMNS (plus `rank`
    when `ranked`), byte for byte once rendered (tests/api/test_project_rows.py), without
    model instances or DRF's per-field machinery: a list page of 20 rows built 20 projects,
    60 related instances and walked 26 fields of each."""
    formats = _row_formats()
    total_f, sought_f = formats["total_investment"], formats["external_investment_sought"]
    total_cny_f = formats["total_investment_cny"]
    sought_cny_f = formats["external_investment_sought_cny"]
    deadline_f, published_f = formats["deadline"], formats["published_at"]
    created_f, updated_f = formats["created_at"], formats["updated_at"]
    out = []
    for row in rows:
        (
            pk,
            reference,
            title,
            description,
            owner_id,
            owner_reference,
            owner_name,
            owner_ownership,
            owner_country,
            owner_verified,
            list_id,
            list_name,
            park_id,
            park_name,
            sectors,
            modes,
            corridors,
            regions,
            ownerships,
            target_countries,
            total,
            sought,
            currency,
            total_cny,
            sought_cny,
            location_country,
            location_city,
            status,
            deadline,
            published_at,
            created_at,
            updated_at,
        ) = row[:32]
        rank = row[32] if ranked else None
        out.append(
            {
                "id": pk,
                "reference": reference,
                "title": title,
                "description": description,
                "owner": {
                    "id": owner_id,
                    "reference": owner_reference,
                    "name": owner_name,
                    "ownership": owner_ownership,
                    "country": _owner_country(owner_country),
                    "is_verified": owner_verified,
                },
                "opportunity_list": None if list_id is None else {"id": list_id, "name": list_name},
                "park": None if park_id is None else {"id": park_id, "name": park_name},
                "sectors": list(sectors),
                "cooperation_modes": list(modes),
                "corridors": list(corridors),
                "target_regions": list(regions),
                "target_countries": list(_project_countries(target_countries)),
                "partner_ownership": list(ownerships),
                "total_investment": total_f(total),
                "external_investment_sought": sought_f(sought),
                "currency": currency,
                "total_investment_cny": _none_or(total_cny_f, total_cny),
                "external_investment_sought_cny": _none_or(sought_cny_f, sought_cny),
                "location_country": _project_country(location_country),
                "location_city": location_city,
                "status": status,
                "deadline": _none_or(deadline_f, deadline),
                "published_at": _none_or(published_f, published_at),
                "created_at": created_f(created_at),
                "updated_at": updated_f(updated_at),
                "rank": rank_shown(rank),
            }
        )
    return out
