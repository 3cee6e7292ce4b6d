"""Filter building blocks every app's API (and the web pages) share."""

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class MultiValueTextInput(forms.TextInput):
    """Reads repeated parameters (`a=1&a=2`) as well as comma-separated ones (`a=1,2`)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if hasattr(data, "getlist"):
            values = data.getlist(name)
        else:
            value = data.get(name)
            values = value if isinstance(value, list | tuple) else [value]
        values = [v for v in values if v not in (None, "")]
        return ",".join(str(v) for v in values) if values else None


class CodeListField(forms.Field):
    """A list of codes, each of which must be one of `valid_codes()` (read at validation)."""

    widget = MultiValueTextInput

    def __init__(
        self, *, valid_codes: Callable[[], Iterable[str]], upper: bool = False, **kwargs: Any
    ):
        self.valid_codes = valid_codes
        self.upper = upper
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        cleaned = [str(item).strip() for item in items if str(item).strip()]
        return [item.upper() for item in cleaned] if self.upper else cleaned

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if not value:
            return
        valid = set(self.valid_codes())
        unknown = [code for code in value if code not in valid]
        if unknown:
            raise forms.ValidationError(
                _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}, code="invalid_code"
            )


class FilterSetOnViewBackend(DjangoFilterBackend):
    """DjangoFilterBackend that leaves the filterset it filtered with on the view
    (`view.filterset`, None without one), for what the view derives from it (e.g. a count's
    cache key)."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        # DjangoFilterBackend.filter_queryset, keeping the filterset.
        filterset = self.get_filterset(request, queryset, view)
        view.filterset = filterset
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs


@extend_schema_field(OpenApiTypes.STR)
class CodeListFilter(django_filters.Filter):
    """Codes, repeated or comma-separated; documented as a string in the schema."""

    field_class = CodeListField

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        if not value:
            return qs
        return self.apply(qs, value)

    def apply(self, qs: QuerySet, value: list[str]) -> QuerySet:
        return self.get_method(qs)(**{f"{self.field_name}__in": value}).distinct()


def sector_family(codes: Iterable[str]) -> list[str]:
    """`codes` and, for each parent among them, its children (`logistics` -> `logistics.*`)."""
    from django.db.models import Q

    from core.models import Sector

    family = Q(code__in=list(codes))
    for code in codes:
        family |= Q(code__startswith=f"{code}.")
    return list(Sector.objects.filter(family).values_list("code", flat=True))
