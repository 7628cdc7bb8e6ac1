"""A fake HTTP service on loopback that can be told to misbehave.

:class:`FakeService` runs a ``ThreadingHTTPServer`` on ``127.0.0.1`` with a
port the OS picks, in a daemon thread. A subclass answers requests in
:meth:`FakeService.answer` (the system's published format) and checks
authentication in :meth:`FakeService.authorize`; every request is kept in
:attr:`FakeService.requests`. ``fail_next(fault)`` makes the next answers go
wrong in one of the ways real servers do (see :class:`Fault`).
"""

from __future__ import annotations

import enum
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

HUGE_BYTES = 5 * 1024 * 1024
"""Bigger than the adapters' 4 MiB limit."""


class Fault(enum.Enum):
    TOO_MANY_REQUESTS = "429"
    SERVER_ERROR = "500"
    SLOW = "slow"
    """Answer normally, after :attr:`FakeService.slow_seconds`."""
    HTML = "html"
    """200 with an HTML page (a proxy's or a login page) instead of JSON."""
    TRUNCATED = "truncated"
    """The normal JSON answer cut in half, with a Content-Length that matches."""
    HUGE = "huge"
    """A JSON body over the size limit, declared in Content-Length."""
    HUGE_UNDECLARED = "huge-undeclared"
    """A body over the size limit with no Content-Length (read until close)."""
    GARBAGE = "garbage"
    """200 application/json with bytes that are not JSON at all."""
    DROP = "drop"
    """Close the connection without answering."""


@attrs.frozen
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@attrs.frozen
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def of_json(cls, status: int, obj: object) -> Response:
        return cls(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


Mutation = Callable[[Any], Any]


class FakeService:
    """Subclass and implement :meth:`answer` and :meth:`authorize`."""

    slow_seconds = 1.0

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._faults: deque[Fault | Mutation] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifetime ---------------------------------------------------------------------

    def __enter__(self) -> FakeService:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- what tests do ------------------------------------------------------------------

    def fail_next(self, fault: Fault | Mutation, n: int = 1) -> None:
        """The next ``n`` requests meet ``fault``; a function instead rewrites the
        normal JSON answer (wrong types, missing fields)."""
        with self._lock:
            self._faults.extend([fault] * n)

    # -- what subclasses do ------------------------------------------------------------

    def authorize(self, request: Request) -> Response | None:
        """``None`` to let the request through, else the refusal."""
        raise NotImplementedError

    def answer(self, request: Request) -> Response:
        raise NotImplementedError

    # -- the handler's side -----------------------------------------------------------

    def _respond(self, request: Request) -> Response | Fault:
        with self._lock:
            self.requests.append(request)
            fault = self._faults.popleft() if self._faults else None
        refusal = self.authorize(request)
        if refusal is not None:
            return refusal
        if isinstance(fault, Fault) and fault in _CANNED:
            return _CANNED[fault]
        if fault in (Fault.HUGE, Fault.HUGE_UNDECLARED, Fault.DROP):
            assert isinstance(fault, Fault)
            return fault
        if fault is Fault.SLOW:
            time.sleep(self.slow_seconds)
        response = self.answer(request)
        if fault is Fault.TRUNCATED:
            return attrs.evolve(response, body=response.body[: len(response.body) // 2])
        if callable(fault):
            return Response.of_json(response.status, fault(json.loads(response.body)))
        return response


_CANNED = {
    Fault.TOO_MANY_REQUESTS: Response.of_json(
        429, {"family": "CLIENT_ERROR", "reason": "Too Many Requests"}
    ),
    Fault.SERVER_ERROR: Response(500, b"Internal Server Error", "text/plain"),
    Fault.HTML: Response(
        200, b"<!DOCTYPE html><html><body>Please log in</body></html>", "text/html"
    ),
    Fault.GARBAGE: Response(200, b"\x00\xff\xfe not json at all"),
}


def _handler_for(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            outcome = service._respond(request)
            try:
                if isinstance(outcome, Fault):
                    self._misbehave(outcome)
                else:
                    self.send_response(outcome.status)
                    self.send_header("Content-Type", outcome.content_type)
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

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: test output stays readable."""

    return Handler
