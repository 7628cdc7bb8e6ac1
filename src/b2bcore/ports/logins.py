"""Logins, their one-time tokens and the failed sign-ins: the storage of accounts.

Part of the unit of work (``uow.logins``): writes are pending until ``commit``
and seen by the unit of work that made them. E-mails are passed normalized
(:func:`b2bcore.domain.accounts.normalize_email`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from b2bcore.domain.accounts import Login, LoginToken


class LoginRepository(Protocol):
    def add(self, login: Login) -> None:
        """A new login; ``Conflict`` (at once or at commit) if its id or e-mail is taken."""
        ...

    def update(self, login: Login) -> None:
        """Store the login's new state (a password set or rehashed); last writer wins."""
        ...

    def get(self, login_id: str) -> Login:
        """``NotFound`` if there is none."""
        ...

    def find_by_email(self, email: str) -> Login | None: ...

    def add_token(self, token: LoginToken) -> None: ...

    def find_token(self, digest: str) -> LoginToken | None:
        """The token stored under this SHA-256 digest, used or not."""
        ...

    def use_token(self, digest: str, *, at: datetime) -> None:
        """Mark the token used. The commit raises ``Conflict`` and stores nothing if
        someone else used it first, so a token is used once even under a race."""
        ...

    def record_failure(self, email: str, *, at: datetime, forget_before: datetime) -> None:
        """A failed sign-in for ``email`` (known or not); this e-mail's failures before
        ``forget_before``, which can no longer matter, may be deleted meanwhile."""
        ...

    def failures_since(self, email: str, since: datetime) -> Sequence[datetime]:
        """The times of the failed sign-ins for ``email`` after ``since``, oldest first."""
        ...

    def clear_failures(self, email: str) -> None:
        """Forget the failures of ``email`` (after a sign-in or a password reset)."""
        ...
