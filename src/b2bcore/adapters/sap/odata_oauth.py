"""OAuth2 client credentials for SAP (BTP / S/4HANA Cloud communication users).

An ``httpx.Auth`` flow, as httpx intends: the token request is part of the
flow, so every request of the client gets a valid bearer token without the
adapter thinking about it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator

import httpx

from b2bcore.adapters.httpjson import snippet
from b2bcore.adapters.sap.odata_http import SYSTEM, TRANSIENT
from b2bcore.domain.errors import Rejected, Unavailable
from b2bcore.ports.probe import CREDENTIALS


class OAuth2ClientCredentials(httpx.Auth):
    """A bearer token from the client-credentials grant, cached until shortly before expiry.

    A ``401`` on a request made with a cached token drops it and tries once
    with a new one (the server may have revoked it early).
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        margin: float = 30.0,
    ) -> None:
        self._token_url = token_url
        self._credentials = httpx.BasicAuth(client_id, client_secret)
        self._clock = clock
        self._margin = margin
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetched = 0
        """How many tokens were fetched (for tests and diagnostics)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            valid = self._token and self._clock() < self._expires
            token = self._token if valid else ""
        if not token:
            token = yield from self._fetch()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = yield from self._fetch()
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def _fetch(self) -> Generator[httpx.Request, httpx.Response, str]:
        token_request = httpx.Request(
            "POST",
            self._token_url,
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
        )
        token_request = next(self._credentials.auth_flow(token_request))
        started = self._clock()
        response = yield token_request
        what = "OAuth2 token request"
        if response.status_code in (400, 401, 403):
            raise Rejected(
                SYSTEM,
                f"{what}: the client id or secret was refused (HTTP {response.status_code})",
                reason=CREDENTIALS,
            )
        if response.status_code in TRANSIENT:
            raise Unavailable(SYSTEM, f"{what}: HTTP {response.status_code}")
        try:
            data = json.loads(response.content)
            token = data["access_token"]
            lifetime = float(data.get("expires_in", 300))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise Rejected(
                SYSTEM, f"{what}: no access_token in the answer: {snippet(response.content)}"
            ) from None
        if not isinstance(token, str) or not token:
            raise Rejected(SYSTEM, f"{what}: access_token is not a non-empty string")
        with self._lock:
            self._token = token
            self._expires = started + max(0.0, lifetime - self._margin)
            self.fetched += 1
        return token
