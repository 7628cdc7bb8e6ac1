"""How a shop configures the pages."""

from __future__ import annotations

import secrets

import attrs


@attrs.frozen(kw_only=True)
class PageSettings:
    """``secret`` signs the CSRF tokens: set the same one on every process of a shop
    (the default, random per process, suits one process and tests)."""

    secret: str = attrs.field(factory=lambda: secrets.token_hex(32), repr=False)
    secure_cookies: bool = False
    """Send cookies over HTTPS only: set it whenever the shop is served over TLS."""
    session_max_age: int = 8 * 3600
    login_attempts: int = 20
    """Sign-in (and password-reset) attempts per client IP per window."""
    login_window_seconds: int = 300
    public_url: str | None = None
    """``https://b2b.shop.example``: the base of links in emails. Without it the
    request's own URL is used, which trusts the Host header."""
    page_size: int = 20
