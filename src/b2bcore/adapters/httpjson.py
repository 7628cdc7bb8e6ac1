"""JSON over HTTP for the real adapters: one way to call, limit, decode and fail.

Every HTTP adapter sends its requests through :class:`JsonHttp`, so each one
refuses the same things the same way and never lets an httpx exception, a
``JSONDecodeError`` or a ``KeyError`` out. Failures, all naming the system::

    ExternalSystemError
    ├── Unavailable   no answer within the timeout, connection refused or
    │                 reset, 408, 429, 5xx                  (reads are retried)
    └── Rejected      401/403 (``params["reason"] == "credentials"``), any
                      other unexpected status, a body over the size limit,
                      a body that is not JSON (an HTML page, truncated JSON)

Reads (``retry=True``) are retried on ``Unavailable`` a few times with short
jittered backoff (stamina); writes are not: the worker retries them with their
idempotency keys. Error details never contain the configured secrets.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
import httpx
import stamina

from b2bcore.domain.errors import ExternalSystemError, Rejected, Unavailable
from b2bcore.ports.probe import CREDENTIALS, ProbeResult, ProbeStatus

MAX_BODY_BYTES = 4 * 1024 * 1024
"""A larger response is refused: no lookup or contract answer comes near it."""

_DETAIL_CHARS = 200


@attrs.frozen
class Reply:
    """A response read in full, within the size limit."""

    system: str
    what: str
    """The request, for messages: ``POST findById/party``."""
    status: int
    content_type: str
    content: bytes = attrs.field(repr=False)

    def json(self) -> Any:
        """The body as JSON; ``Rejected`` naming the system and the problem if it is not."""
        if not self.content.strip():
            raise self.malformed("the body is empty")
        try:
            return json.loads(self.content)
        except (ValueError, RecursionError) as exc:
            if self.is_html:
                raise self.malformed(
                    f"expected JSON, got an HTML page ({self.content_type or 'no content type'})"
                ) from exc
            where = ""
            if isinstance(exc, json.JSONDecodeError):
                where = f": {exc.msg} at byte {exc.pos}"
            raise self.malformed(f"the body is not valid JSON (truncated?){where}") from exc

    def json_object(self) -> Mapping[str, Any]:
        """The body as a JSON object (not a list, string or number)."""
        body = self.json()
        if not isinstance(body, Mapping):
            raise self.malformed(f"expected a JSON object, got {_json_type(body)}")
        return body

    def malformed(self, problem: str, **params: Any) -> Rejected:
        """The error for a body that does not follow the system's format."""
        return Rejected(
            self.system,
            f"unexpected response to {self.what}: {problem}",
            reason="malformed",
            **params,
        )

    @property
    def is_html(self) -> bool:
        start = self.content.lstrip()[:15].lower()
        return "html" in self.content_type.lower() or start.startswith((b"<!doctype", b"<html"))

    def error_detail(self, secrets: Sequence[str] = ()) -> str:
        """A short explanation from an error body (its message field, else its first
        characters), with every secret blanked out."""
        text = ""
        if self.is_html:
            text = "an HTML page"
        else:
            try:
                text = _message_of(json.loads(self.content))
            except (ValueError, RecursionError):
                text = self.content[:_DETAIL_CHARS].decode("utf-8", "replace")
        text = " ".join(text.split())[:_DETAIL_CHARS]
        for value in secrets:
            if value:
                text = text.replace(value, "***")
        return text


@attrs.define(eq=False)
class JsonHttp:
    """An httpx client bound to one system: base URL, auth headers, timeout, limits."""

    system: str
    client: httpx.Client
    timeout: float
    retries: int = 2
    """Extra attempts for a read that failed with ``Unavailable``."""
    max_bytes: int = MAX_BODY_BYTES
    hints: Mapping[int, str] = attrs.field(factory=dict)
    """What a status means for this system, added to its message (DaData's 403)."""
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False)

    @classmethod
    def create(
        cls,
        system: str,
        *,
        base_url: str,
        timeout: float,
        headers: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        max_bytes: int = MAX_BODY_BYTES,
        hints: Mapping[int, str] | None = None,
        secrets: Sequence[str] = (),
    ) -> JsonHttp:
        client = httpx.Client(
            base_url=base_url,
            headers={"Accept": "application/json", **headers},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        return cls(
            system,
            client,
            timeout,
            retries=retries,
            max_bytes=max_bytes,
            hints=dict(hints or {}),
            secrets=tuple(secrets),
        )

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)

    def send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Mapping[str, str] | None = None,
        expect: Collection[int] = (200,),
        retry: bool = False,
    ) -> Reply:
        """Send one request and read the reply; a status outside ``expect`` raises.

        ``retry=True`` (idempotent reads only) retries ``Unavailable``.
        """
        if not retry or self.retries == 0:
            return self._once(method, path, json, params, expect)
        for attempt in stamina.retry_context(
            on=Unavailable,
            attempts=self.retries + 1,
            timeout=None,
            wait_initial=0.05,
            wait_max=1.0,
            wait_jitter=0.1,
        ):
            with attempt:
                return self._once(method, path, json, params, expect)
        raise AssertionError("stamina either returns or raises")  # pragma: no cover

    def probe(self, call: Callable[[], object]) -> ProbeResult:
        """Run ``call`` (one request, no retries) and classify what happened."""
        started = time.monotonic()
        try:
            call()
        except ExternalSystemError as exc:
            return ProbeResult.from_error(exc)
        elapsed = (time.monotonic() - started) * 1000
        return ProbeResult(ProbeStatus.OK, f"{self.base_url} answered in {elapsed:.0f} ms")

    def close(self) -> None:
        self.client.close()

    def _once(
        self,
        method: str,
        path: str,
        body: object,
        params: Mapping[str, str] | None,
        expect: Collection[int],
    ) -> Reply:
        what = f"{method} {path}"
        try:
            with self.client.stream(method, path, json=body, params=params) as response:
                reply = self._read(response, what)
        except httpx.TimeoutException as exc:
            raise Unavailable(
                self.system, f"{what}: no answer within {self.timeout:g} s", reason="timeout"
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise Rejected(self.system, f"{what}: bad URL: {exc}", reason="config") from exc
        except httpx.TransportError as exc:
            raise Unavailable(
                self.system,
                f"{what}: cannot reach {self.base_url}: {_describe(exc)}",
                reason="connection",
            ) from exc
        except httpx.HTTPError as exc:
            raise Rejected(
                self.system, f"{what}: unreadable response: {_describe(exc)}", reason="malformed"
            ) from exc
        if reply.status in expect:
            return reply
        raise self._status_error(reply)

    def _read(self, response: httpx.Response, what: str) -> Reply:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(what)
        # The timeout bounds each read; this bounds a server trickling bytes slowly.
        deadline = time.monotonic() + 4 * self.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large(what)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the body took too long", request=response.request)
            chunks.append(chunk)
        return Reply(
            self.system,
            what,
            response.status_code,
            response.headers.get("content-type", ""),
            b"".join(chunks),
        )

    def _too_large(self, what: str) -> Rejected:
        limit = f"{self.max_bytes / 1024 / 1024:g} MiB"
        return Rejected(
            self.system, f"{what}: the response is larger than {limit}", reason="malformed"
        )

    def _status_error(self, reply: Reply) -> ExternalSystemError:
        status = reply.status
        text = f"{reply.what}: {status} {httpx.codes.get_reason_phrase(status)}".rstrip()
        if hint := self.hints.get(status):
            text = f"{text} ({hint})"
        if detail := reply.error_detail(self.secrets):
            text = f"{text}: {detail}"
        if status in (401, 403):
            return Rejected(self.system, text, reason=CREDENTIALS, status=status)
        if status in (408, 429) or status >= 500:
            return Unavailable(self.system, text, status=status)
        return Rejected(self.system, text, reason="refused", status=status)


def _message_of(body: object) -> str:
    """The human part of a JSON error body: ``message``, ``detail`` or ``error``."""
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error", "reason"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, Mapping):
                return _message_of(value)
    return json.dumps(body, ensure_ascii=False)


def _json_type(value: object) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def send_limited(
    client: httpx.Client, request: httpx.Request, *, system: str, what: str, max_bytes: int
) -> tuple[httpx.Response, bytes]:
    """Send and read at most ``max_bytes`` of the body (OData adapters): transport
    errors become ``Unavailable``, an oversized body ``Rejected``, naming ``system``."""
    try:
        response = client.send(request, stream=True)
    except httpx.TimeoutException as exc:
        raise Unavailable(system, f"{what}: timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise Unavailable(system, f"{what}: {type(exc).__name__}: {exc}") from exc
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise Rejected(system, f"{what}: response of {declared} bytes exceeds {max_bytes}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise Rejected(system, f"{what}: response exceeds {max_bytes} bytes")
            chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise Unavailable(system, f"{what}: timed out reading the response") from exc
    except httpx.TransportError as exc:
        raise Unavailable(system, f"{what}: response cut off ({type(exc).__name__})") from exc
    finally:
        response.close()
    return response, b"".join(chunks)


_TAGS = re.compile(r"<[^>]*>|\s+")


def snippet(body: bytes, limit: int = 120) -> str:
    """The start of a body as one line of text, tags removed, for error messages."""
    text = _TAGS.sub(" ", body[:4096].decode("utf-8", "replace")).strip()
    return text[:limit] + ("…" if len(text) > limit else "")


def parse_json(response: httpx.Response, body: bytes, *, system: str, what: str) -> Any:
    """The JSON body with decimals kept exact; an HTML page or broken JSON is
    ``Rejected`` naming ``system`` and what was wrong (OData adapters)."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise Rejected(
            system,
            f"{what}: expected JSON, got {content_type or 'no content type'}: {snippet(body)}",
        )
    try:
        return json.loads(body, parse_float=Decimal)
    except UnicodeDecodeError:
        raise Rejected(system, f"{what}: response is not valid JSON (not UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise Rejected(
            system, f"{what}: response is not valid JSON ({exc.msg} at byte {exc.pos})"
        ) from None
