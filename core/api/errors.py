"""The one error shape of the API, for every endpoint and every failure.

    {"error": {"status": 400, "code": "invalid", "message": "Invalid input.",
               "fields": {"deadline": ["Enter a valid date."]}}}

`status` repeats the HTTP status; `code` is a stable machine-readable word (DRF's error
codes: invalid, not_found, not_authenticated, permission_denied, throttled, ...);
`message` is a translated sentence for people; `fields` maps each offending input field to
its messages (present, possibly empty, on every error, so clients need no special case).
Errors that concern the input as a whole are listed under `fields["non_field_errors"]`.

Installed as REST_FRAMEWORK["EXCEPTION_HANDLER"] = "core.api.errors.exception_handler".
Django's own ValidationError (raised by services after `full_clean`) becomes a 400 here
too, so a service refusing bad input never turns into a 500.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_KEY = "non_field_errors"


def _flatten(detail: Any) -> list[str]:
    """Every message in a (possibly nested) DRF error detail, as plain strings."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list | tuple):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list | tuple):
        return {NON_FIELD_KEY: _flatten(detail)}
    return {NON_FIELD_KEY: [str(detail)]}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def django_validation_error_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A model/service ValidationError as DRF's, keeping the per-field messages."""
    if hasattr(exc, "error_dict"):
        detail: Any = {
            (NON_FIELD_KEY if key == "__all__" else key): messages
            for key, messages in exc.message_dict.items()
        }
    else:
        detail = {NON_FIELD_KEY: exc.messages}
    return exceptions.ValidationError(detail)


def error_body(
    *, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # unexpected: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        only_general = set(fields) == {NON_FIELD_KEY}
        message = fields[NON_FIELD_KEY][0] if only_general else _("Invalid input.")
        code = "invalid"
    else:
        fields = {}
        message = " ".join(_flatten(exc.detail))
        code = _code(exc)
    response.data = error_body(
        status_code=response.status_code, code=code, message=message, fields=fields
    )
    return response


class Conflict(exceptions.APIException):
    """The request is valid but the object's current state does not allow it (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The current state does not allow this."
    default_code = "conflict"


def bad_request(message: str, *, field: str | None = None) -> exceptions.ValidationError:
    """A 400 naming `field` (or the input as a whole) with `message`."""
    return exceptions.ValidationError({field or NON_FIELD_KEY: [message]})


__all__ = ["Conflict", "bad_request", "error_body", "exception_handler"]
