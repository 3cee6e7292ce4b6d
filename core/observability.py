"""Request ids that follow a request into the Celery tasks it enqueues, and structured logs.

`RequestIdMiddleware` takes the caller's `X-Request-ID` (or makes one), keeps it in a context
variable for the request, and returns it in the response. `RequestIdLogFilter` puts it on every
log record. Celery signals copy it into the headers of every task published while it is set and
restore it in the worker around the task, so one id ties a request to its background work.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


@before_task_publish.connect
def _add_request_id_header(headers: dict | None = None, **kwargs: object) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers["request_id"] = request_id


@task_prerun.connect
def _restore_request_id(task: object = None, **kwargs: object) -> None:
    request = getattr(task, "request", None)
    request_id = getattr(request, "request_id", None) if request is not None else None
    request_id_var.set(request_id if isinstance(request_id, str) else "-")


@task_postrun.connect
def _clear_request_id(**kwargs: object) -> None:
    request_id_var.set("-")
