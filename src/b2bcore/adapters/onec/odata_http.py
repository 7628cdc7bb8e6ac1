"""HTTP to 1C's standard OData interface (OData v3, JSON), errors translated.

Every failure becomes a port error naming ``"1c"``::

    Unavailable   timeout, connection refused or dropped mid-answer, 408/429/5xx
    Rejected      401/403 (``reason="credentials"``), other 4xx with 1C's
                  ``odata.error`` message, an answer that is not JSON (an HTML
                  page, truncated or invalid JSON), over the size limit, or JSON
                  of the wrong shape

Reads are retried a few times at once (stamina); writes are sent once -- the
adapter makes them idempotent and the worker retries the whole step.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import stamina

from b2bcore.adapters.httpjson import parse_json, send_limited, snippet
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.ports.probe import CREDENTIALS

SYSTEM = "1c"
MAX_PAGES = 200
_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
_SAFE = "$'(),:/*@!;"
_PATH_SAFE = "/()'=,-_.~"


def query(params: Mapping[str, str]) -> str:
    return "&".join(f"{name}={quote(value, safe=_SAFE)}" for name, value in params.items())


def literal(value: str) -> str:
    """An OData string literal: ``'it''s'``."""
    return "'" + value.replace("'", "''") + "'"


def dumps(body: Mapping[str, Any]) -> bytes:
    """JSON with ``Decimal`` written as an exact number (never through a float)."""
    marker = uuid.uuid4().hex
    numbers: dict[str, str] = {}

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            token = f"{marker}{len(numbers)}"
            numbers[token] = format(value, "f")
            return token
        if isinstance(value, Mapping):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(body), ensure_ascii=False)
    for token, number in numbers.items():
        text = text.replace(f'"{token}"', number)
    return text.encode("utf-8")


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    error = data.get("odata.error", data.get("error")) if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return ""
    message = error.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    return message if isinstance(message, str) else ""


class OnecHttp:
    """Requests to one infobase's ``standard.odata`` root."""

    def __init__(
        self, client: httpx.Client, *, base_url: str, max_bytes: int, read_attempts: int
    ) -> None:
        self._client = client
        self._root = base_url.rstrip("/")
        self._max_bytes = max_bytes
        self._read_attempts = read_attempts

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON of a GET, retried a few times on transient failures."""
        url = self._url(path, params)
        what = _what("GET", path)
        for attempt in stamina.retry_context(
            on=Unavailable,
            attempts=self._read_attempts,
            timeout=None,
            wait_initial=0.2,
            wait_max=2.0,
            wait_jitter=0.2,
        ):
            with attempt:
                return self._exchange("GET", url, what)
        raise AssertionError("unreachable: stamina returns or raises")  # pragma: no cover

    def get_all(self, path: str, params: Mapping[str, str], page_size: int) -> list[Any]:
        """Every row, read in pages of ``$top``/``$skip`` (1C does not page by itself)."""
        rows: list[Any] = []
        for page in range(MAX_PAGES):
            paged = {**params, "$top": str(page_size), "$skip": str(page * page_size)}
            batch = collection(self.get(path, paged), _what("GET", path))
            rows.extend(batch)
            if len(batch) < page_size:
                return rows
        raise Rejected(SYSTEM, f"{_what('GET', path)}: more than {MAX_PAGES} pages")

    def write(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a write once; the JSON answer, or ``None`` for an empty one."""
        content = None if body is None else dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        return self._exchange(
            method, self._url(path, params), _what(method, path), headers=headers, content=content
        )

    def _url(self, path: str, params: Mapping[str, str] | None) -> str:
        merged = {"$format": "json", **(params or {})}
        return f"{self._root}/{quote(path, safe=_PATH_SAFE)}?{query(merged)}"

    def _exchange(
        self,
        method: str,
        url: str,
        what: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        request = self._client.build_request(
            method, url, headers={"Accept": "application/json", **(headers or {})}, content=content
        )
        response, body = self._send(request, what)
        status = response.status_code
        if status >= 300:
            reason = _message(body) or snippet(body) or response.reason_phrase
            detail = f"{what}: HTTP {status}: {reason}"
            if status in _TRANSIENT:
                raise Unavailable(SYSTEM, detail, status=status)
            if status in (401, 403):
                raise Rejected(SYSTEM, f"{detail} (login or rights refused)", reason=CREDENTIALS)
            raise Rejected(SYSTEM, detail, status=status)
        if status == 204 or not body.strip():
            return None
        return parse_json(response, body, system=SYSTEM, what=what)

    def _send(self, request: httpx.Request, what: str) -> tuple[httpx.Response, bytes]:
        return send_limited(
            self._client, request, system=SYSTEM, what=what, max_bytes=self._max_bytes
        )


def collection(data: Any, what: str) -> list[Any]:
    """The rows of ``{"value": [...]}``."""
    rows = data.get("value") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise Rejected(SYSTEM, f"{what}: expected {{'value': [...]}}, got {_shape(data)}")
    return rows


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        return "an object with keys " + ", ".join(sorted(map(str, data))[:5])
    return type(data).__name__


def _what(method: str, path: str) -> str:
    """``GET Document_СчетНаОплатуКлиенту`` -- the entity, for messages."""
    return f"{method} {path.split('(', 1)[0]}"
