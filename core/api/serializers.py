"""Reference data and API tokens, as the API shows them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector

TOKEN_ID_LENGTH = 8


class _LabelledSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text=_("In the active language."))


class SectorSerializer(_LabelledSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Sector
        fields = ["code", "parent", "label", "label_en", "label_zh"]


class CorridorSerializer(_LabelledSerializer):
    class Meta:
        model = Corridor
        fields = ["code", "label", "label_en", "label_zh"]


class CooperationModeSerializer(_LabelledSerializer):
    class Meta:
        model = CooperationMode
        fields = ["code", "label", "label_en", "label_zh"]


class OwnershipTypeSerializer(_LabelledSerializer):
    class Meta:
        model = OwnershipType
        fields = ["code", "label", "label_en", "label_zh"]


class RegionSerializer(_LabelledSerializer):
    countries = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["code", "label", "label_en", "label_zh", "countries"]

    def get_countries(self, region: Region) -> list[str]:
        return [country.code for country in region.countries]


class TokenSerializer(serializers.ModelSerializer):
    """A token as listed: never the whole key, only its first characters as its id."""

    id = serializers.SerializerMethodField(help_text=_("The first characters of the key."))

    class Meta:
        model = Token
        fields = ["id", "created"]

    def get_id(self, token: Token) -> str:
        return token.key[:TOKEN_ID_LENGTH]


class TokenCreatedSerializer(TokenSerializer):
    """A token just created: the only time its whole key is shown."""

    class Meta:
        model = Token
        fields = ["id", "key", "created"]


class CodeRelatedField(serializers.SlugRelatedField):
    """A reference code (`logistics.rail`, `ASEAN`), looked up by `code`.

    Input that cannot be a code (not a string, or holding a NUL byte, which PostgreSQL
    refuses in text) is reported as an unknown code instead of reaching the database.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > 64:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:64])
        return super().to_internal_value(data)
