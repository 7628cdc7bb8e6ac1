"""Bearer tokens for integrations: each token the integrator configures acts as one Actor.

Tokens are compared in constant time against every configured token, so the
time of a refusal says nothing about how much of a token was right; a missing,
malformed or unknown token gets the same 401.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.types import ASGIApp

from b2bcore.domain.actors import Actor, ActorKind
from b2bcore.domain.errors import InvalidValue

SCHEME = "Bearer"


class TokenBook:
    """The configured tokens; finds the actor of a presented token in constant time."""

    def __init__(self, tokens: Mapping[str, Actor]) -> None:
        for token, actor in tokens.items():
            if len(token) < 16:
                raise InvalidValue("token", "must be at least 16 characters")
            if actor.is_system:
                raise InvalidValue("token", "must act as a buyer or a manager")
        self._entries = [(_digest(token), actor) for token, actor in tokens.items()]

    def actor_of(self, presented: str) -> Actor | None:
        digest = _digest(presented)
        found: Actor | None = None
        for known, actor in self._entries:  # no early exit: every entry costs the same
            if hmac.compare_digest(known, digest):
                found = actor
        return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Puts the token's Actor in ``request.user``; anything else is a 401."""

    def __init__(self, app: ASGIApp, book: TokenBook, exclude: list[str] | None = None) -> None:
        super().__init__(app, exclude=exclude)
        self._book = book

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        actor = self._book.actor_of(token.strip()) if scheme.lower() == "bearer" else None
        if actor is None:
            raise NotAuthorizedException(headers={"WWW-Authenticate": SCHEME})
        return AuthenticationResult(user=actor, auth=None)


def bearer_auth(book: TokenBook, *, exclude: list[str] | None = None) -> DefineMiddleware:
    # An empty list would compile to a pattern matching every path: pass None instead.
    return DefineMiddleware(BearerTokenMiddleware, book=book, exclude=exclude or None)


def parse_tokens(spec: str) -> dict[str, Actor]:
    """Tokens from ``TOKEN=manager:ID;TOKEN=buyer:CONTACT_ID:CLIENT_ID`` (env B2B_API_TOKENS)."""
    tokens: dict[str, Actor] = {}
    for entry in filter(None, (part.strip() for part in spec.split(";"))):
        token, _, who = entry.partition("=")
        kind, _, rest = who.partition(":")
        if kind == ActorKind.MANAGER.value and rest:
            tokens[token.strip()] = Actor.manager(rest)
        elif kind == ActorKind.BUYER.value and rest.count(":") == 1:
            contact_id, client_id = rest.split(":")
            tokens[token.strip()] = Actor.buyer(contact_id, client_id)
        else:
            raise InvalidValue("token", "must be TOKEN=manager:ID or TOKEN=buyer:CONTACT:CLIENT")
    return tokens
