"""What every API view shares: authentication order, throttling, pagination, the error shape.

Every view of /api/v1/ inherits `ApiViewMixin` (directly or through the generic bases
below), so these hold even before the settings name them.
"""

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.api.errors import exception_handler

# Used when settings.REST_FRAMEWORK has no DEFAULT_THROTTLE_RATES for the scope.
DEFAULT_THROTTLE_RATES = {"anon": "120/minute", "user": "1200/minute"}
MAX_PAGE_SIZE = 100


class _RatesFromSettingsMixin:
    scope: str

    def get_rate(self) -> str:
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope) or DEFAULT_THROTTLE_RATES[self.scope]


class AnonThrottle(_RatesFromSettingsMixin, AnonRateThrottle):
    """Anonymous clients, per IP address."""


class UserThrottle(_RatesFromSettingsMixin, UserRateThrottle):
    """Signed-in users and tokens, per user."""


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class ApiViewMixin:
    """Token first (so an unauthenticated client gets 401 with `WWW-Authenticate: Token`),
    then the session (whose unsafe requests need the CSRF token)."""

    authentication_classes: ClassVar[list[type]] = [TokenAuthentication, SessionAuthentication]
    throttle_classes: ClassVar[list[type]] = [AnonThrottle, UserThrottle]
    pagination_class: ClassVar[type | None] = Pagination

    def get_exception_handler(self) -> Any:
        return exception_handler


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField())
                ),
            },
        )
    },
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses in the error shape for the given statuses."""
    descriptions = {
        400: "Invalid input; `fields` names each offending field.",
        401: "Not authenticated.",
        403: "Authenticated but not allowed.",
        404: "Not found, or not visible to you.",
        409: "Conflicts with the current state.",
        429: "Too many requests.",
    }
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=descriptions.get(code, ""))
        for code in codes
    }
