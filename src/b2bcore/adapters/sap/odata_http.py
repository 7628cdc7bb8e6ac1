"""HTTP to SAP Gateway: authentication, CSRF tokens, size limits and error translation.

Everything that can go wrong on the wire becomes a port error naming ``"sap"``::

    Unavailable   timeout, connection refused or dropped mid-answer, 408/425/
                  429/5xx: retrying may help
    Rejected      401/403 (``reason="credentials"``: a refused login or token),
                  other 4xx with the OData error message, an answer that is not
                  JSON (an HTML page, truncated or invalid JSON), over the size
                  limit, or JSON of the wrong shape: retrying will not help

Reads are retried a few times at once (stamina); writes are sent once, because
the adapter makes them idempotent by looking up what a previous attempt did and
the worker retries the whole step. A write refused with ``403`` and
``X-CSRF-Token: Required`` fetches a new token and is sent once more.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
import stamina

from b2bcore.adapters.httpjson import parse_json, send_limited, snippet
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.ports.probe import CREDENTIALS

SYSTEM = "sap"
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
_SAFE = "$'(),:/*@!;"
MAX_PAGES = 100


def query(params: Mapping[str, str]) -> str:
    """A query string SAP Gateway reads: ``%20`` for spaces, ``$`` and quotes kept."""
    return "&".join(f"{name}={quote(value, safe=_SAFE)}" for name, value in params.items())


def literal(value: str) -> str:
    """An OData string literal: ``'it''s'``."""
    return "'" + value.replace("'", "''") + "'"


def odata_message(data: object) -> str:
    """The message of an OData v2 ``error`` (or v3 ``odata.error``) object, if any."""
    if isinstance(data, dict):
        error = data.get("error", data.get("odata.error"))
        if isinstance(error, dict):
            message = error.get("message")
            if isinstance(message, dict):
                message = message.get("value")
            code = error.get("code")
            if isinstance(message, str):
                return f"{message} ({code})" if isinstance(code, str) and code else message
    return ""


class SapHttp:
    """One HTTP session with SAP Gateway: cookies, CSRF token and credentials kept."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        csrf_path: str,
        max_bytes: int,
        read_attempts: int,
        sap_client: str = "",
    ) -> None:
        self._client = client
        self._base = httpx.URL(base_url.rstrip("/"))
        self._csrf_path = csrf_path
        self._max_bytes = max_bytes
        self._read_attempts = read_attempts
        self._sap_client = sap_client
        self._csrf = ""
        self._lock = threading.Lock()
        self.csrf_fetches = 0

    def close(self) -> None:
        self._client.close()

    # -- reads ---------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON of a GET, retried a few times on transient failures."""
        return self._read(self._url(path, params), _what("GET", path))

    def get_all(self, path: str, params: Mapping[str, str]) -> list[Any]:
        """Every entity of a collection, following the server's ``__next`` links."""
        what = _what("GET", path)
        url = self._url(path, params)
        results: list[Any] = []
        for _ in range(MAX_PAGES):
            page, next_link = _collection(self._read(url, what), what)
            results.extend(page)
            if not next_link:
                return results
            url = self._follow(url, next_link, what)
        raise Rejected(SYSTEM, f"{what}: more than {MAX_PAGES} pages")

    def _read(self, url: str, what: str) -> Any:
        for attempt in stamina.retry_context(
            on=Unavailable,
            attempts=self._read_attempts,
            timeout=None,
            wait_initial=0.2,
            wait_max=2.0,
            wait_jitter=0.2,
        ):
            with attempt:
                return self._exchange("GET", url, what=what)
        raise AssertionError("unreachable: stamina returns or raises")  # pragma: no cover

    def _follow(self, url: str, link: str, what: str) -> str:
        """The absolute URL of a ``__next`` link; it must stay on the same server."""
        target = httpx.URL(url).join(link)
        if (target.scheme, target.host, target.port) != (
            self._base.scheme,
            self._base.host,
            self._base.port,
        ):
            raise Rejected(SYSTEM, f"{what}: __next points to another server")
        return str(target)

    # -- writes --------------------------------------------------------------------

    def write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a write with the session's CSRF token; refetch it once if SAP asks to."""
        url = self._url(path, params)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if method in ("PATCH", "MERGE", "PUT", "DELETE"):
            headers["If-Match"] = "*"
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        what = _what(method, path)
        for attempt in range(2):
            headers["X-CSRF-Token"] = self._csrf_token(refresh=attempt > 0)
            try:
                return self._exchange(method, url, what=what, headers=headers, content=content)
            except _CsrfRequired:
                if attempt:
                    raise Rejected(SYSTEM, f"{what}: CSRF token refused twice") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def fetch_csrf(self) -> str:
        """Ask the gateway for a CSRF token (also a cheap authenticated round trip)."""
        what = "CSRF token fetch"
        url = self._url(self._csrf_path + "/", None)
        response, body = self._send("GET", url, what=what, headers={"X-CSRF-Token": "Fetch"})
        check_status(response, body, what)
        token = str(response.headers.get("x-csrf-token", ""))
        if not token or token.lower() == "required":
            raise Rejected(SYSTEM, f"{what}: the gateway sent no X-CSRF-Token header")
        with self._lock:
            self._csrf = token
            self.csrf_fetches += 1
        return token

    # -- internals -----------------------------------------------------------------

    def _csrf_token(self, *, refresh: bool) -> str:
        with self._lock:
            token = "" if refresh else self._csrf
        return token or self.fetch_csrf()

    def _url(self, path: str, params: Mapping[str, str] | None) -> str:
        merged = dict(params or {})
        if self._sap_client:
            merged["sap-client"] = self._sap_client
        url = str(self._base) + quote(path, safe="/;=()',$-_.~")
        return f"{url}?{query(merged)}" if merged else url

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        response, body = self._send(method, url, what=what, headers=headers, content=content)
        if response.status_code == 403 and response.headers.get("x-csrf-token", "").lower() == (
            "required"
        ):
            raise _CsrfRequired
        check_status(response, body, what)
        if response.status_code == 204 or not body.strip():
            return None
        return parse_json(response, body, system=SYSTEM, what=what)

    def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> tuple[httpx.Response, bytes]:
        merged = {"Accept": "application/json", **(headers or {})}
        request = self._client.build_request(method, url, headers=merged, content=content)
        return send_limited(
            self._client, request, system=SYSTEM, what=what, max_bytes=self._max_bytes
        )


class _CsrfRequired(Exception):
    """SAP answered 403 with ``X-CSRF-Token: Required``."""


def check_status(response: httpx.Response, body: bytes, what: str) -> None:
    """Raise the port error for a non-2xx status, with SAP's message when it sent one."""
    status = response.status_code
    if status < 300:
        return
    try:
        message = odata_message(json.loads(body)) if body else ""
    except ValueError:
        message = ""
    detail = f"{what}: HTTP {status}: {message or snippet(body) or response.reason_phrase}"
    if status in TRANSIENT:
        raise Unavailable(SYSTEM, detail, status=status)
    if status in (401, 403):
        raise Rejected(SYSTEM, f"{detail} (login or rights refused)", reason=CREDENTIALS)
    raise Rejected(SYSTEM, detail, status=status)


def _collection(data: Any, what: str) -> tuple[list[Any], str]:
    """``{"d": {"results": [...], "__next": ...}}`` (or the older ``{"d": [...]}``)."""
    inner = data.get("d") if isinstance(data, dict) else None
    if isinstance(inner, list):
        return inner, ""
    if isinstance(inner, dict) and isinstance(inner.get("results"), list):
        next_link = inner.get("__next", "")
        return inner["results"], next_link if isinstance(next_link, str) else ""
    raise Rejected(SYSTEM, f"{what}: expected {{'d': {{'results': [...]}}}}, got {_shape(data)}")


def entity(data: Any, what: str) -> Any:
    """The object of ``{"d": {...}}``."""
    inner = data.get("d") if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        raise Rejected(SYSTEM, f"{what}: expected {{'d': {{...}}}}, got {_shape(data)}")
    return inner


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        return "an object with keys " + ", ".join(sorted(map(str, data))[:5])
    return type(data).__name__


def _what(method: str, path: str) -> str:
    """``GET A_SalesOrder`` -- the entity set, for messages."""
    last = path.rstrip("/").rsplit("/", 1)[-1].split("(", 1)[0]
    return f"{method} {last}"
