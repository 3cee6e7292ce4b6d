"""Projects, parks and opportunity lists as the API shows them, and what SOE staff may send."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import CodeRelatedField, RowPlanMixin
from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
from enterprises.api.serializers import (
    CodeListField,
    CountryCodeField,
    EnterpriseSummarySerializer,
    codes,
)
from enterprises.api.serializers import validate_currency as _validate_currency
from enterprises.models import Enterprise
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
        rank = getattr(obj, "rank", None)
        return round(float(rank), 6) if rank is not None else None


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
