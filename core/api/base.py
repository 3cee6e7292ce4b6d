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
from django.db import connections, transaction
from django.db.models import Count, Window
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
# CappedCountPaginator.count_with_page: the page query counts every selected row (it sorts
# them all anyway), or at most cap + 1 of them (a list read in an index's order).
WITH_ALL_ROWS = "all rows"
WITH_CAPPED_ROWS = "capped rows"


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
    With a `count_key` too (the view's name of the selection), so is each page's list of
    rows (the view's values: ids and ranks), under that name, the ordering and the page:
    an unchanged table is not searched again for the same page. The view reads the rows'
    columns by those ids every time, so related rows the generation does not follow (an
    owner's name) are never stale.
    """

    cap = 1000
    generation_key: ClassVar[str | None] = None
    # Set by CappedCountPagination from the view: a name for the counted rows that is
    # cheaper than the counting query's SQL (see ProjectViewSet.count_key).
    count_key: str | None = None
    # Set by CappedCountPagination from the view: whether the count may come with the
    # page's rows, and how: WITH_ALL_ROWS (_page_counted_with_rows) or WITH_CAPPED_ROWS
    # (_page_counted_from_capped_rows); None counts first.
    count_with_page: str | None = None
    _generation: str | None = None

    def page(self, number: Any) -> Any:
        try:
            key = self._page_cache_key(number)
            cached = None if key is None else cache.get(key)
        except CACHE_DOWN:
            key = cached = None
        if cached is not None:
            count, self.count_exact, rows = cached
            self.__dict__["count"] = count  # the cached_property's value
            return self._get_page(rows, self.validate_number(number), self)
        page = None
        if "count" not in self.__dict__:
            if self.count_with_page == WITH_ALL_ROWS:
                page = self._page_counted_with_rows(number)
            elif self.count_with_page == WITH_CAPPED_ROWS:
                page = self._page_counted_from_capped_rows(number)
        if page is None:
            page = super().page(number)
        if key is not None:
            with contextlib.suppress(*CACHE_DOWN):
                cache.set(key, (self.count, self.count_exact, list(page)), COUNT_CACHE_SECONDS)
        return page

    def _page_cache_key(self, number: Any) -> str | None:
        if not self._shared_cache() or self.count_key is None:
            return None
        order = self.object_list.query.order_by
        named = f"page:{self.count_key}|{order!r}|{self.per_page}|{number}"
        return self._cache_key("api:page:v1", named)

    def _shared_cache(self) -> bool:
        # A per-process cache would not see other processes' writes: count every time.
        return self.generation_key is not None and not isinstance(caches["default"], LocMemCache)

    def _cache_key(self, prefix: str, named: str) -> str:
        name = hashlib.blake2s(named.encode(), digest_size=16).hexdigest()
        if self._generation is None:  # once per request (page and count)
            self._generation = count_generation(self.generation_key)
        return f"{prefix}:{self._generation}:{name}"

    def _page_counted_with_rows(self, number: Any) -> Any:
        """The page, each of its rows carrying `COUNT(*) OVER ()`, the number of rows the
        whole selection has: one query instead of the page's and the count's, where the
        database reads every selected row for the page anyway (a list sorted by search
        rank), and the count would read them all again. The same `count` and
        `count_exact` as the capped count. None (count first, as usual) when the page is
        not a page number within the cap, or has no rows: Django's validation then
        answers as for any list."""
        bottom = self._page_bottom(number)
        if bottom is None:
            return None
        top = min(bottom + self.per_page, self.cap)
        counted = self.object_list.annotate(selected_rows=Window(Count("*")))
        rows = list(counted[bottom:top])
        return self._page_of_counted_rows(rows, number) if rows else None

    def _page_counted_from_capped_rows(self, number: Any) -> Any:
        """For a list read in an index's order (the project list by reference), where the
        page query stops at its rows: at most cap + 1 of the selected rows, in no order,
        counted and the page sorted out of them, in one query. When the selection has at
        most `cap` rows that is all of it, and the page and exact count are those of the
        usual two queries; a selective filter no longer costs a walk of the index past the
        thousands of rows it rejects (17 ms for 172 matches of 10^5 projects, against 3.7
        for this query; docs/performance.md). A larger selection (known from this query,
        or from the count cache before it) is capped: None, and the page is read in index
        order as before, without a count query. Also None (count first, as usual) for a
        page past the cap or the selection, and for rows that are not values of plain
        ordered fields."""
        bottom = self._page_bottom(number)
        fields = getattr(self.object_list, "_fields", None)
        order = list(self.object_list.query.order_by)
        if bottom is None or not fields or not order:
            return None
        if not all(isinstance(o, str) and o.lstrip("-").isidentifier() for o in order):
            return None
        cached = self._cached_count()
        if cached is not None and cached > self.cap:  # a broad selection, counted before
            return self._known_capped()
        names = [o.lstrip("-") for o in order]
        columns = [*fields, *(name for name in names if name not in fields)]
        sql, params = (
            self.object_list.order_by()
            .values_list(*columns)[: self.cap + 1]
            .query.sql_with_params()
        )
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        ordering = ", ".join(
            f"s.c{columns.index(o.lstrip('-'))} {'DESC' if o.startswith('-') else 'ASC'}"
            for o in order
        )
        selected = ", ".join(f"s.c{i}" for i in range(len(fields)))
        statement = (
            f"SELECT {selected}, COUNT(*) OVER () FROM ({sql}) AS s ({aliases}) "  # noqa: S608 - compiled by the ORM
            f"ORDER BY {ordering} LIMIT %s OFFSET %s"
        )
        with connections[self.object_list.db].cursor() as cursor:
            cursor.execute(statement, [*params, self.per_page, bottom])
            rows = cursor.fetchall()
        if not rows:
            return None
        self._remember_count(rows[0][-1])  # at most cap + 1, as the capped count's
        if rows[0][-1] > self.cap:  # rows from an arbitrary part of a larger selection
            return self._known_capped()
        return self._page_of_counted_rows(rows, number)

    def _page_bottom(self, number: Any) -> int | None:
        """The offset of page `number`'s first row, when it is a page number within the
        cap; None otherwise (Django's validation answers it, as for any list)."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            return None
        bottom = (number - 1) * self.per_page
        return bottom if number >= 1 and bottom < self.cap else None

    def _page_of_counted_rows(self, rows: list[tuple], number: Any) -> Any:
        """Page `number` of `rows`, each ending with the number of rows selected."""
        counted = rows[0][-1]
        self.__dict__["count"] = min(counted, self.cap)  # the cached_property's value
        self.count_exact = counted <= self.cap
        return self._get_page([row[:-1] for row in rows], self.validate_number(number), self)

    def _known_capped(self) -> None:
        """The selection has more than `cap` rows: the count is the cap, and the page is
        read as usual (None)."""
        self.__dict__["count"] = self.cap  # the cached_property's value
        self.count_exact = False

    @cached_property
    def count(self) -> int:
        counted = self._cached_count()
        if counted is None:
            counted = self._counting().count()
            self._remember_count(counted)
        self.count_exact = counted <= self.cap
        return min(counted, self.cap)

    def _counting(self) -> Any:
        # values("pk"): the display-only annotations (code arrays, ranks) are not computed.
        return self.object_list.order_by().values("pk")[: self.cap + 1]

    @cached_property
    def _count_cache_key(self) -> str | None:
        """Where the count of this selection is cached; None without a shared cache."""
        if not self._shared_cache():
            return None
        if self.count_key is not None:
            named = f"key:{self.count_key}"
        else:
            sql, params = self._counting().query.sql_with_params()
            named = f"sql:{(sql, params)!r}"
        return self._cache_key("api:count:v2", named)

    def _cached_count(self) -> int | None:
        """The cached count (at most cap + 1) of this selection, or None."""
        try:
            key = self._count_cache_key
            return None if key is None else cache.get(key)
        except CACHE_DOWN:
            return None

    def _remember_count(self, counted: int) -> None:
        with contextlib.suppress(*CACHE_DOWN):
            key = self._count_cache_key
            if key is not None:
                cache.set(key, counted, COUNT_CACHE_SECONDS)


class CappedCountPagination(Pagination):
    """Pagination for big lists: `count` is exact up to CappedCountPaginator.cap; above it
    `count` is the cap, `count_exact` is false and only the first cap results are paged
    (refine the filters to see others)."""

    paginator_class: ClassVar[type[CappedCountPaginator]] = CappedCountPaginator

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.count_with_page = getattr(view, "count_with_page", None)
        count_key = getattr(view, "count_key", None)
        self.count_key = count_key() if callable(count_key) else None
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list: Any, per_page: int) -> CappedCountPaginator:
        # PageNumberPagination calls this as it would call a paginator class.
        paginator = self.paginator_class(object_list, per_page)
        paginator.count_key = self.count_key
        paginator.count_with_page = self.count_with_page
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
