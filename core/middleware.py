"""Answer 503 (with Retry-After), not 500, while PostgreSQL or Redis is unreachable.

During a database restart or a Redis failover a request fails in milliseconds (the database
connect timeout is `DATABASE_CONNECT_TIMEOUT`), and the client is told to come back shortly:
a load balancer keeps the process, a browser shows a "try again" page, an API client gets the
one error shape with code "unavailable". Nothing was half-written: every service runs in a
transaction, which the lost connection rolls back.

Two ways in: `process_exception` for errors raised by a view, and the `got_request_exception`
signal for errors raised by an inner middleware (e.g. saving the session), which Django has
already turned into a 500 by the time this middleware sees the response.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.api.errors import error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_ERRORS = (
    OperationalError,  # PostgreSQL refused or dropped the connection
    InterfaceError,  # ... or the connection was already closed
    RedisConnectionError,  # the cache
    RedisTimeoutError,
    BrokerUnreachable,  # publishing a task after commit (the committed rows stay)
)
_MARK = "_parklink_dependency_down"


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    message = gettext("The service is briefly unavailable. Please try again in a few seconds.")
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            error_body(status_code=503, code="unavailable", message=message), status=503
        )
    else:
        title = escape(gettext("Service unavailable"))
        response = HttpResponse(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"</head><body><h1>{title}</h1><p>{escape(message)}</p></body></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    logger.warning(
        "dependency unavailable: %s: %s", exc.__class__.__name__, str(exc).splitlines()[:1]
    )
    return response


@receiver(got_request_exception)
def _mark_unavailable(sender: Any = None, request: HttpRequest | None = None, **kw: Any) -> None:
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, UNAVAILABLE_ERRORS):
        setattr(request, _MARK, exc)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            return unavailable_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UNAVAILABLE_ERRORS):
            return unavailable_response(request, exception)
        return None
