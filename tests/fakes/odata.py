"""The common part of the fake OData servers (SAP Gateway, 1C standard.odata).

Like :class:`tests.fakes.server.FakeService` (same :class:`Fault` vocabulary;
``Fault.SLOW`` here does the work and then answers late, as a server whose
client timed out does), but OData needs more of HTTP: response headers (``X-CSRF-Token``,
``Set-Cookie``, ``WWW-Authenticate``), ``PATCH``/``MERGE``, query options, and
faults aimed at one entity set (``fail_next(Fault.HTML, path="A_SalesOrder")``),
because one port call makes several requests. :func:`matches` evaluates the
``$filter`` subset the adapters send.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from tests.fakes.server import HUGE_BYTES, Fault

Mutation = Callable[[Any], Any]


@attrs.frozen
class Request:
    method: str
    path: str
    """Percent-decoded, without the query."""
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal) if self.body else None

    @property
    def cookies(self) -> dict[str, str]:
        pairs = (p.strip().partition("=") for p in self.headers.get("cookie", "").split(";"))
        return {name: value for name, _, value in pairs if name}


@attrs.frozen
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of_json(cls, status: int, obj: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        body = json.dumps(obj, ensure_ascii=False, default=_plain).encode("utf-8")
        return cls(status, body, "application/json;charset=utf-8", headers)


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


@attrs.define
class _Planned:
    fault: Fault | Mutation
    path: str
    method: str


class FakeOData:
    """Subclass and implement :meth:`authorize` and :meth:`answer`."""

    slow_seconds = 3.0
    """Well past the 1 s timeout the tests give adapters they make wait."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._faults: deque[_Planned] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeOData:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(
        self, fault: Fault | Mutation, n: int = 1, *, path: str = "", method: str = ""
    ) -> None:
        """The next ``n`` requests whose path contains ``path`` (and of ``method``,
        if given) meet ``fault``; a function instead rewrites the normal JSON answer."""
        with self._lock:
            self._faults.extend(_Planned(fault, path, method) for _ in range(n))

    def count(self, method: str, path_part: str) -> int:
        """How many requests of ``method`` went to a path containing ``path_part``."""
        return sum(1 for r in self.requests if r.method == method and path_part in r.path)

    def authorize(self, request: Request) -> Reply | None:
        raise NotImplementedError

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    def _respond(self, request: Request) -> Reply | Fault:
        with self._lock:
            self.requests.append(request)
            fault = self._take(request)
        refusal = self.authorize(request)
        if refusal is not None:
            return refusal
        if fault in _CANNED:
            return _CANNED[fault]  # type: ignore[index]
        if fault in (Fault.HUGE, Fault.HUGE_UNDECLARED, Fault.DROP):
            return fault  # type: ignore[return-value]
        reply = self.answer(request)
        if fault is Fault.SLOW:
            time.sleep(self.slow_seconds)  # the work is done, the answer comes too late
        if fault is Fault.TRUNCATED:
            return attrs.evolve(reply, body=reply.body[: len(reply.body) // 2])
        if callable(fault):
            return Reply.of_json(reply.status, fault(json.loads(reply.body)), reply.headers)
        return reply

    def _take(self, request: Request) -> Fault | Mutation | None:
        for planned in self._faults:
            if planned.path in request.path and planned.method in ("", request.method):
                self._faults.remove(planned)
                return planned.fault
        return None


_CANNED = {
    Fault.TOO_MANY_REQUESTS: Reply(429, b"Too Many Requests", "text/plain"),
    Fault.SERVER_ERROR: Reply.of_json(
        500, {"error": {"code": "/IWBEP/CM_MGW_RT/020", "message": {"value": "Internal error"}}}
    ),
    Fault.HTML: Reply(200, b"<!DOCTYPE html><html><body>Please log on</body></html>", "text/html"),
    Fault.GARBAGE: Reply(200, b"\x00\xff\xfe not json at all"),
}


def _handler_for(service: FakeOData) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            url = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=unquote(url.path),
                query=dict(parse_qsl(url.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            outcome = service._respond(request)
            try:
                if isinstance(outcome, Fault):
                    self._misbehave(outcome)
                    return
                self.send_response(outcome.status)
                self.send_header("Content-Type", outcome.content_type)
                for name, value in outcome.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(outcome.body)))
                self.end_headers()
                self.wfile.write(outcome.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a size limit or a timeout), as it should

        def _misbehave(self, fault: Fault) -> None:
            if fault is Fault.DROP:
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if fault is Fault.HUGE:
                self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            chunk = b" " * 65536
            for _ in range(HUGE_BYTES // len(chunk)):
                self.wfile.write(chunk)

        do_GET = do_POST = do_PUT = do_PATCH = do_MERGE = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: test output stays readable."""

    return Handler


# -- $filter ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<typed>(?:datetime|datetimeoffset|guid|time)'[^']*')
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<open>\() | (?P<close>\))
    | (?P<word>[\w/.]+)
    )""",
    re.VERBOSE,
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}


class FilterError(ValueError):
    """The server does not understand the $filter (answered with 400)."""


def matches(expression: str, row: Mapping[str, Any]) -> bool:
    """Whether ``row`` satisfies the OData ``$filter`` (eq ne gt ge lt le, and or not,
    parentheses; string, number, boolean, null, datetime'…' and guid'…' literals)."""
    if not expression.strip():
        return True
    return _Parser(expression, row).parse()


class _Parser:
    def __init__(self, text: str, row: Mapping[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip():
                    raise FilterError(f"cannot read $filter at {text[position:]!r}")
                break
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match[kind]))
            position = match.end()
        self.row = row
        self.at = 0

    def parse(self) -> bool:
        value = self._or()
        if self.at != len(self.tokens):
            raise FilterError(f"unexpected {self.tokens[self.at][1]!r} in $filter")
        return value

    def _peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def _next(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise FilterError("$filter ends too early")
        self.at += 1
        return self.tokens[self.at - 1]

    def _or(self) -> bool:
        value = self._and()
        while self._peek() == "or":
            self._next()
            value = self._and() or value
        return value

    def _and(self) -> bool:
        value = self._not()
        while self._peek() == "and":
            self._next()
            value = self._not() and value
        return value

    def _not(self) -> bool:
        if self._peek() == "not":
            self._next()
            return not self._not()
        if self._peek() == "(":
            self._next()
            value = self._or()
            if self._next()[1] != ")":
                raise FilterError("missing ) in $filter")
            return value
        left = self._operand()
        operator = self._next()[1]
        if operator not in _COMPARE:
            raise FilterError(f"unknown operator {operator!r} in $filter")
        return _COMPARE[operator](left, self._operand())

    def _operand(self) -> Any:
        kind, text = self._next()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "typed":
            return text.split("'", 1)[1][:-1]
        if kind == "number":
            return Decimal(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if kind != "word":
            raise FilterError(f"unexpected {text!r} in $filter")
        if text not in self.row:
            raise FilterError(f"unknown property {text!r} in $filter")
        value = self.row[text]
        return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def select(row: Mapping[str, Any], fields: str) -> dict[str, Any]:
    """``$select``: the named properties (and ``__metadata``); all when empty."""
    if not fields:
        return dict(row)
    wanted = {f.strip() for f in fields.split(",")} | {"__metadata"}
    return {name: value for name, value in row.items() if name in wanted}
