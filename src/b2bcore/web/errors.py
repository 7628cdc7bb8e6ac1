"""Errors as HTTP answers: a status, a stable code and a Russian message; no internals.

=========================================  ======
DomainError subclass                        status
=========================================  ======
InvalidValue (and any other DomainError)    400
PermissionDenied                            403
NotFound (also another tenant's object)     404
Conflict, IllegalTransition, Invariant...   409
Rejected (an external system refused)       502
Unavailable (an external system is down)    503
anything unexpected                         500, logged, body without details
=========================================  ======

Every route documents its refusals in the OpenAPI schema with :func:`refusals`,
all with the one :class:`ErrorOut` body, so a client (and schemathesis in the
tests) can rely on the status codes and bodies the schema lists.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from b2bcore.domain.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidValue,
    InvariantViolation,
    NotFound,
    PermissionDenied,
    Rejected,
    Unavailable,
)
from b2bcore.i18n import describe_error, translate
from b2bcore.web.schemas import ErrorOut

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (IllegalTransition, 409),
    (InvariantViolation, 409),
    (Unavailable, 503),
    (Rejected, 502),
)

_HTTP_MESSAGES = {
    400: "Invalid request: the body must be valid JSON",
    401: "Authentication required: pass a valid API token",
    404: "Not found",
    405: "This method is not allowed here",
    413: "The request is too large",
    415: "Send the body as application/json",
}

_HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 404: "not_found"}

Req = Request[Any, Any, Any]

_REFUSALS = {
    400: "Invalid request: a parameter or the body is malformed, or a business rule refused it",
    401: "No valid API token",
    403: "The token's user may not do this",
    404: "Not found, or not visible to the token's user",
    409: "Conflicts with the object's current state",
    413: "The request body is too large",
    502: "An external system refused the request",
    503: "An external system is unavailable; retry later",
}
ALWAYS = (400, 401, 403, 404)
"""What any route may answer: bad input, no token, no right, nothing (visible) there."""


def refusals(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers a route documents: :data:`ALWAYS` and ``statuses``, each an ErrorOut."""
    return {
        status: ResponseSpec(
            data_container=ErrorOut, description=_REFUSALS[status], generate_examples=False
        )
        for status in sorted({*ALWAYS, *statuses})
    }


def status_of(error: DomainError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 400)


def _answer(status: int, body: ErrorOut, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(body, status_code=status, headers=headers)


def domain_error(_: Req, exc: DomainError) -> Response[Any]:
    field = exc.field if isinstance(exc, InvalidValue) else None
    return _answer(status_of(exc), ErrorOut(exc.code, describe_error(exc), field))


def invalid_request(_: Req, exc: ValidationException) -> Response[Any]:
    """Malformed JSON, a wrong type, a parameter out of bounds: names the fields at fault."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    keys = [str(item["key"]) for item in extra if isinstance(item, dict) and item.get("key")]
    if keys:
        message = translate("Invalid request: check {fields}", fields=", ".join(keys))
    else:
        message = translate("Invalid request: the body must be valid JSON")
    return _answer(400, ErrorOut("invalid_request", message, keys[0] if keys else None))


def http_error(_: Req, exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return internal_error(_, exc)
    text = _HTTP_MESSAGES.get(status, "The request cannot be served")
    code = _HTTP_CODES.get(status, "bad_request")
    return _answer(status, ErrorOut(code, translate(text)), exc.headers)


def internal_error(request: Req, exc: Exception) -> Response[Any]:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(
        HTTP_500_INTERNAL_SERVER_ERROR,
        ErrorOut("internal_error", translate("Internal error: we are already looking into it")),
    )


HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error,
    ValidationException: invalid_request,
    HTTPException: http_error,
    Exception: internal_error,
}
