"""Reference data and API tokens, as the API shows them; the fast read path of list rows."""

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.relations import PKOnlyObject

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


# Field classes whose get_attribute and to_representation depend on nothing but their own
# arguments (not on the serializer they are bound to, its context or the request), so one
# bound instance can serve every request. Exact classes: a subclass may do otherwise.
_SHARABLE_FIELDS = frozenset(
    {
        drf_fields.BigIntegerField,
        drf_fields.BooleanField,
        drf_fields.CharField,
        drf_fields.ChoiceField,
        drf_fields.DateField,
        drf_fields.DateTimeField,
        drf_fields.DecimalField,
        drf_fields.DictField,
        drf_fields.FloatField,
        drf_fields.IntegerField,
        drf_fields.JSONField,
        drf_fields.ReadOnlyField,
    }
)
_METHOD, _NESTED, _PLAIN = range(3)
_MISSING = object()


def _formatter(field: drf_fields.Field) -> Any:
    # CharField.to_representation is str(value), IntegerField's int(value): called directly.
    if type(field) is drf_fields.CharField:
        return str
    if type(field) is drf_fields.IntegerField:
        return int
    return field.to_representation


def _row_plan(serializer: serializers.Serializer) -> tuple:
    """(kind, name, field, nested plan, attribute name, formatter) for each readable field of
    `serializer`, in order."""
    plan = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((_METHOD, field.field_name, field.method_name, None, None, None))
            continue
        attr = field.source_attrs[0] if len(field.source_attrs) == 1 else None
        if isinstance(field, serializers.Serializer):
            nested = _row_plan(field)
            if any(kind == _METHOD for kind, *_rest in nested):
                raise TypeError(f"{type(field).__name__}: a nested serializer's method field")
            plan.append((_NESTED, field.field_name, field, nested, attr, None))
        elif type(field) in _SHARABLE_FIELDS:
            plan.append((_PLAIN, field.field_name, field, None, attr, _formatter(field)))
        else:
            raise TypeError(f"{type(serializer).__name__}.{field.field_name}: {type(field)}")
    return tuple(plan)


def _represent(plan: tuple, serializer: Any, instance: Any) -> dict:
    # Serializer.to_representation, step for step, over the planned fields. A plain
    # attribute is read directly; anything else (a dotted source, a mapping, a callable, a
    # missing attribute) goes through the field's own get_attribute, with its defaults.
    ret = {}
    direct = not isinstance(instance, Mapping)
    for kind, name, field, nested, attr, formatter in plan:
        if kind == _METHOD:
            ret[name] = getattr(serializer, field)(instance)
            continue
        attribute = _MISSING
        if direct and attr is not None:
            try:
                attribute = getattr(instance, attr)
            except (AttributeError, ObjectDoesNotExist):
                attribute = _MISSING
        if attribute is _MISSING or callable(attribute):
            try:
                attribute = field.get_attribute(instance)
            except drf_fields.SkipField:
                continue
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        if check_for_none is None:
            ret[name] = None
        elif kind == _NESTED:
            ret[name] = _represent(nested, None, attribute)
        else:
            ret[name] = formatter(attribute)
    return ret


class RowPlanMixin:
    """Read-only rows (list pages) without building the serializer's fields per request.

    A ModelSerializer builds its fields from the model on first use, in every request
    (deep copies of the declared fields, model introspection, field binding), which cost
    about a third of serialising a 20-row page. This mixin builds them once per class,
    into a plan, and `to_representation` walks the plan: the same `get_attribute` and
    `to_representation` of the same field classes, in the same order, so the output is
    the same as DRF's (tests/api/test_row_plans.py compares them). Method fields call
    the current serializer's method (its context is this request's); nested serializers
    must be plain (no method fields). `.fields` still works as usual, for the schema and
    for input.
    """

    _plan_lock: ClassVar[threading.Lock] = threading.Lock()

    def to_representation(self, instance: Any) -> dict:
        plan = type(self).__dict__.get("_row_plan_built")
        if plan is None:
            with RowPlanMixin._plan_lock:
                plan = type(self).__dict__.get("_row_plan_built")
                if plan is None:
                    plan = _row_plan(type(self)())
                    type(self)._row_plan_built = plan
        return _represent(plan, self, instance)


@cache
def unread_related_fields(serializer_class: type, relations: Iterable[str]) -> tuple[str, ...]:
    """`relation__field` for each concrete field of the related rows (`relations`: forward
    relations of the serializer's model, each shown by a nested serializer) that the nested
    serializer does not read: what a list page may defer so that the query neither selects
    nor the ORM builds those columns (an owner's description, contact, amounts...)."""
    serializer = serializer_class()
    model = serializer.Meta.model
    unread = []
    for relation in relations:
        nested = serializer.fields[relation]
        read = {field.source_attrs[0] for field in nested.fields.values() if field.source_attrs}
        related = model._meta.get_field(relation).related_model
        for field in related._meta.concrete_fields:
            if not (field.primary_key or field.name in read or field.attname in read):
                unread.append(f"{relation}__{field.name}")
    return tuple(unread)


def country_code(field: Any) -> Callable[[str], str]:
    """A stored country code as the model field's Country gives it (`country.code`)."""

    @functools.lru_cache(maxsize=1024)
    def code(stored: str) -> str:
        return Country(code=stored, custom_countries=field.countries).code

    return code


def country_codes(field: Any) -> Callable[[str], tuple[str, ...]]:
    """A stored CountryField(multiple=True) value ("TH,SG") as the codes the model's
    descriptor gives (cleaned, unique, sorted, then each as a Country)."""
    code = country_code(field)

    @functools.lru_cache(maxsize=4096)
    def codes(stored: str) -> tuple[str, ...]:
        return tuple(code(each) for each in field.get_clean_value(stored))

    return codes
