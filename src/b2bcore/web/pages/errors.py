"""Errors as pages, in the request's language: 400, 403, 404, 409, 413, 429, 500 and the
external systems' 502/503. Never a traceback; unexpected errors are logged.

No session: the login page (303, with ``next`` so the user comes back).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import ExceptionHandlersMap

from b2bcore.domain.errors import DomainError
from b2bcore.i18n import describe_error, translate
from b2bcore.web.errors import status_of
from b2bcore.web.pages.base import SignInRequired
from b2bcore.web.pages.locale import locale_of
from b2bcore.web.pages.session import actor_of

log = logging.getLogger(__name__)
Req = Request[Any, Any, Any]

_TITLES = {
    400: "The request cannot be served",
    403: "Access denied",
    404: "Page not found",
    405: "This method is not allowed here",
    409: "This cannot be done now",
    413: "The request is too large",
    429: "Too many attempts",
    500: "Something went wrong",
    502: "An external system refused the request",
    503: "An external system is temporarily unavailable",
}
_TEXTS = {
    403: "You do not have access to this page.",
    404: "There is no such page.",
    500: "Internal error: we are already looking into it",
}
_CSRF_TEXT = "The form has expired: go back, reload the page and send it again."


def error_page(request: Req, status: int, text: str | None = None) -> Response[Any]:
    locale = locale_of(request)
    title = _TITLES.get(status, _TITLES[400] if status < 500 else _TITLES[500])
    body = text if text is not None else translate(_TEXTS.get(status, title), locale)
    return Template(
        template_name="error.html",
        context={
            "viewer": None,
            "signed_in": actor_of(request) is not None,
            "status": status,
            "title": translate(title, locale),
            "text": body,
        },
        status_code=status,
    )


def domain_error(request: Req, exc: DomainError) -> Response[Any]:
    status = status_of(exc)
    if status == 404:
        return error_page(request, 404)  # a foreign object reads exactly like a missing one
    return error_page(request, status, describe_error(exc, locale_of(request)))


def invalid_request(request: Req, _: ValidationException) -> Response[Any]:
    return error_page(request, 400)


def http_error(request: Req, exc: HTTPException) -> Response[Any]:
    if isinstance(exc, SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urlencode({"next": target}) if request.method == "GET" else ""
        return Redirect(
            path="/login" + (f"?{query}" if query else ""), status_code=HTTP_303_SEE_OTHER
        )
    if exc.status_code >= 500:
        return internal_error(request, exc)
    if exc.status_code == 403 and "CSRF" in str(exc.detail):
        return error_page(request, 403, translate(_CSRF_TEXT, locale_of(request)))
    response = error_page(request, exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def internal_error(request: Req, exc: Exception) -> Response[Any]:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500)


HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error,
    ValidationException: invalid_request,
    HTTPException: http_error,
    Exception: internal_error,
}
