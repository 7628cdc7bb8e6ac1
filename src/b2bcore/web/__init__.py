"""The web shell: a JSON API over the use cases, built by :func:`create_app`."""

from __future__ import annotations

from b2bcore.web.app import API_PREFIX, SCHEMA_PATH, create_app
from b2bcore.web.auth import TokenBook, parse_tokens

__all__ = ["API_PREFIX", "SCHEMA_PATH", "TokenBook", "create_app", "parse_tokens"]
