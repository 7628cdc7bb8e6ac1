"""Links the accounts use cases mail out: password reset and invitation."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from b2bcore.application import B2B, Accounts

RESET_PATH = "/password/reset"


def accounts_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Accounts:
    b2b: B2B = connection.app.state["b2b"]
    return b2b.accounts


def reset_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The link mailed for a password reset or an invitation, with ``{token}`` in it.

    Built from :attr:`PageSettings.public_url` when configured, else from the
    request's own URL (which trusts the Host header: configure it in production).
    """
    base = connection.app.state["pages"].public_url or str(connection.base_url)
    return base.rstrip("/") + RESET_PATH + "?token={token}"
