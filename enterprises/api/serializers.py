"""Enterprises as the API shows them (the public profile) and the fields members may edit."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries as all_countries
from rest_framework import serializers

from core.api.serializers import CodeRelatedField
from core.models import CooperationMode, Corridor, Region, Sector
from core.money import exchange_rates_latest
from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprise_ids_contact_visible_to


class CountryCodeField(serializers.CharField):
    """An ISO 3166-1 alpha-2 country code such as CN, TH or SG (upper-cased)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("min_length", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        code = super().to_internal_value(data).upper()
        if code not in dict(all_countries):
            raise serializers.ValidationError(
                _("“%(code)s” is not an ISO 3166-1 country code.") % {"code": code}
            )
        return code


class CodeListField(serializers.ListField):
    """A list of country codes (ISO 3166-1 alpha-2)."""

    child = CountryCodeField()


def codes(related) -> list[str]:
    """The codes of a prefetched M2M manager, without another query."""
    return [obj.pk for obj in related.all()]


def validate_currency(value: str) -> str:
    if value not in exchange_rates_latest():
        raise serializers.ValidationError(
            _("No exchange rate for currency %(currency)s.") % {"currency": value}
        )
    return value


class EnterpriseSummarySerializer(serializers.ModelSerializer):
    """Enough to name an enterprise inside another object."""

    ownership = serializers.CharField(source="ownership_id", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "reference", "name", "ownership", "country", "is_verified"]
        read_only_fields = fields


class EnterpriseSerializer(serializers.ModelSerializer):
    """The public profile. `contact_email` only for those the contact rule allows
    (enterprises.selectors.enterprise_ids_contact_visible_to), else null."""

    ownership = serializers.CharField(source="ownership_id", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    sectors = serializers.SerializerMethodField()
    cooperation_modes = serializers.SerializerMethodField()
    corridors = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    countries = serializers.SerializerMethodField()
    website = serializers.CharField(read_only=True, help_text=gettext_lazy("A URL, or empty."))
    contact_email = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Only for the enterprise's own members, admins, firms sharing an interest or "
            "invitation with it, and SOE staff whose projects it is a candidate for; else null."
        )
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "reference",
            "name",
            "name_local",
            "ownership",
            "country",
            "sectors",
            "cooperation_modes",
            "corridors",
            "regions",
            "countries",
            "investment_min",
            "investment_max",
            "currency",
            "description",
            "website",
            "contact_email",
            "is_verified",
        ]
        read_only_fields = fields

    def get_sectors(self, obj: Enterprise) -> list[str]:
        return codes(obj.sectors)

    def get_cooperation_modes(self, obj: Enterprise) -> list[str]:
        return codes(obj.cooperation_modes)

    def get_corridors(self, obj: Enterprise) -> list[str]:
        return codes(obj.corridors)

    def get_regions(self, obj: Enterprise) -> list[str]:
        return codes(obj.regions)

    def get_countries(self, obj: Enterprise) -> list[str]:
        return [country.code for country in obj.countries]

    def get_contact_email(self, obj: Enterprise) -> str | None:
        if obj.pk in self._contact_visible_ids(obj):
            return obj.contact_email
        return None

    def _contact_visible_ids(self, obj: Enterprise) -> set[int]:
        """The contact rule, evaluated once for the whole page (two queries at most)."""
        visible = self.context.get("_contact_visible_ids")
        if visible is None or obj.pk not in self.context.get("_contact_checked_ids", ()):
            page = getattr(self.parent, "instance", None)
            checked = {item.pk for item in page} if isinstance(page, list) else {obj.pk}
            checked.add(obj.pk)
            request = self.context.get("request")
            visible = enterprise_ids_contact_visible_to(
                user=getattr(request, "user", None), enterprise_ids=checked
            )
            self.context["_contact_visible_ids"] = visible
            self.context["_contact_checked_ids"] = checked
        return visible


class EnterpriseUpdateInputSerializer(serializers.Serializer):
    """What members may change about their own enterprise (reference, ownership, headquarters
    country and verification are curated by admins)."""

    name = serializers.CharField(max_length=255)
    name_local = serializers.CharField(max_length=255, allow_blank=True)
    sectors = CodeRelatedField(queryset=Sector.objects.all(), many=True, allow_empty=False)
    cooperation_modes = CodeRelatedField(queryset=CooperationMode.objects.all(), many=True)
    corridors = CodeRelatedField(queryset=Corridor.objects.all(), many=True)
    regions = CodeRelatedField(queryset=Region.objects.all(), many=True)
    countries = CodeListField()
    investment_min = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=Decimal(0), allow_null=True
    )
    investment_max = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=Decimal(0), allow_null=True
    )
    currency = serializers.CharField(max_length=3)
    description = serializers.CharField(allow_blank=True)
    website = serializers.URLField(allow_blank=True, max_length=200)
    contact_email = serializers.EmailField(allow_blank=True)

    def validate_currency(self, value: str) -> str:
        return validate_currency(value)

    def validate(self, attrs: dict) -> dict:
        low = attrs.get("investment_min", getattr(self.instance, "investment_min", None))
        high = attrs.get("investment_max", getattr(self.instance, "investment_max", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"investment_min": [_("The smallest commitment exceeds the largest.")]}
            )
        return attrs


class MeSerializer(serializers.Serializer):
    """The signed-in user, their enterprise and their role on the platform."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=["admin", "soe_staff", "enterprise_member", "user"],
        help_text=gettext_lazy(
            "admin: platform admin; soe_staff: member of a state-owned enterprise; "
            "enterprise_member: member of any other enterprise; user: belongs to none."
        ),
    )
    membership_role = serializers.ChoiceField(choices=Membership.Role.choices, allow_null=True)
    enterprise = EnterpriseSummarySerializer(allow_null=True)
