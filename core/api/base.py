"""What every API view shares: authentication order, throttling, pagination, the error shape.

Every view of /api/v1/ inherits `ApiViewMixin` (directly or through the generic bases
below), so these hold even before the settings name them.
"""

import contextlib
import hashlib
import logging
from typing import Any, ClassVar
from uuid import uuid4

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.paginator import Paginator as DjangoPaginator
from django.db import transaction
from django.utils.functional import cached_property
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.api.errors import bad_request, exception_handler

logger = logging.getLogger(__name__)

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
    """`?page=` and `?page_size=` (at most MAX_PAGE_SIZE). A page that does not exist is a
    400 naming `page`, like any other bad parameter."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise bad_request(str(exc.detail), field=self.page_query_param) from exc


# The count cache is a shortcut only: while Redis is unreachable the lists count every time.
CACHE_DOWN = (RedisConnectionError, RedisTimeoutError)
# A safety net only: every write the counted rows see moves their generation on.
COUNT_CACHE_SECONDS = 10 * 60


def count_generation(key: str) -> str:
    """The current generation token under `key`, part of every cached count of that table."""
    token = cache.get(key)
    if token is None:  # first use, or evicted: any new token is a new generation
        cache.add(key, uuid4().hex, timeout=None)
        token = cache.get(key)
    return token


def count_generation_move(key: str) -> None:
    """Make every count cached under the generation `key` stale: now, and again once the
    current transaction commits (a count cached in between may have seen the old rows)."""

    def move() -> None:
        try:
            cache.set(key, uuid4().hex, timeout=None)
        except CACHE_DOWN:  # the counts still expire by their own timeout
            logger.warning("could not move the cached counts of %s on", key)

    move()
    transaction.on_commit(move)


class CappedCountPaginator(DjangoPaginator):
    """Counts at most `cap` + 1 rows: `SELECT COUNT(*) FROM (... LIMIT cap + 1)` stops early,
    where an exact count of a broad filter over 10^5 rows reads every match.

    With a `generation_key` (a subclass's), the count is kept in the shared cache under the
    hash of the counting query's SQL and parameters (so the viewer's visibility, the filters,
    the exchange rates are all in the key) and the generation, which the writes of the
    counted table move on (projects.api.counts): an unchanged table is not counted again.
    """

    cap = 1000
    generation_key: ClassVar[str | None] = None
    # Set by CappedCountPagination from the view: a name for the counted rows that is
    # cheaper than the counting query's SQL (see ProjectViewSet.count_key).
    count_key: str | None = None

    @cached_property
    def count(self) -> int:
        # values("pk"): the display-only annotations (code arrays, ranks) are not computed.
        counting = self.object_list.order_by().values("pk")[: self.cap + 1]
        counted = self._count(counting)
        self.count_exact = counted <= self.cap
        return min(counted, self.cap)

    def _count(self, counting: Any) -> int:
        # A per-process cache would not see other processes' writes: count every time.
        if self.generation_key is None or isinstance(caches["default"], LocMemCache):
            return counting.count()
        try:
            if self.count_key is not None:
                named = f"key:{self.count_key}"
            else:
                sql, params = counting.query.sql_with_params()
                named = f"sql:{(sql, params)!r}"
            query = hashlib.blake2s(named.encode(), digest_size=16).hexdigest()
            key = f"api:count:v2:{count_generation(self.generation_key)}:{query}"
            counted = cache.get(key)
        except CACHE_DOWN:
            return counting.count()
        if counted is None:
            counted = counting.count()
            with contextlib.suppress(*CACHE_DOWN):
                cache.set(key, counted, COUNT_CACHE_SECONDS)
        return counted


class CappedCountPagination(Pagination):
    """Pagination for big lists: `count` is exact up to CappedCountPaginator.cap; above it
    `count` is the cap, `count_exact` is false and only the first cap results are paged
    (refine the filters to see others)."""

    paginator_class: ClassVar[type[CappedCountPaginator]] = CappedCountPaginator

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        count_key = getattr(view, "count_key", None)
        self.count_key = count_key() if callable(count_key) else None
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list: Any, per_page: int) -> CappedCountPaginator:
        # PageNumberPagination calls this as it would call a paginator class.
        paginator = self.paginator_class(object_list, per_page)
        paginator.count_key = self.count_key
        return paginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_exact"] = self.page.paginator.count_exact
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_exact"] = {
            "type": "boolean",
            "description": f"False when more than {CappedCountPaginator.cap} results match.",
            "example": True,
        }
        paginated["required"] = [*paginated.get("required", []), "count_exact"]
        return paginated


class ApiAutoSchema(AutoSchema):
    """Documents the error responses every operation can give, in the one error shape:
    400 (bad parameters or body), 401/403 (unless open to all), 404 (one object, or a
    body naming one), 429 (throttled). Responses an operation declares itself win."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        codes = {429}
        is_read = method.upper() in permissions.SAFE_METHODS
        if not is_read or self._is_list_view() or self.get_filter_backends():
            codes.add(400)
        open_to_all = all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
        if not open_to_all:
            codes |= {401, 403}
        if "{" in path:
            codes.add(404)
        responses = operation.setdefault("responses", {})
        for code in sorted(codes):
            responses.setdefault(
                str(code),
                {
                    "content": {"application/json": {"schema": error}},
                    "description": ERROR_DESCRIPTIONS[code],
                },
            )
        return operation


class ApiViewMixin:
    """Token first (so an unauthenticated client gets 401 with `WWW-Authenticate: Token`),
    then the session (whose unsafe requests need the CSRF token)."""

    schema = ApiAutoSchema()

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


ERROR_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each offending field or parameter.",
    401: "Not authenticated.",
    403: "Authenticated but not allowed.",
    404: "Not found, or not visible to you.",
    409: "Conflicts with the current state.",
    429: "Too many requests; see Retry-After.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses in the error shape for the given statuses."""
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }
