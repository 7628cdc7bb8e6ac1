"""Accounts: who may sign in with which e-mail, and the rules that keep it safe.

A :class:`Login` ties an e-mail to the actor it signs in as (a client's contact
or a B2B manager) and holds a password *hash*: hashing is a port
(``PasswordHasher``), never done here. A login made by an invitation has no
password until its owner sets one with the token from the letter.

Tokens (password reset, invitation) are stored only as their SHA-256
(:func:`token_digest`); the token itself exists in the letter alone.

A session keeps the :func:`credentials_stamp` of the password it was opened
with; a new password changes the stamp, which ends every session opened before.

Throttling is a pure function of the recent failures of one e-mail
(:func:`throttled_until`): :data:`MAX_FAILURES` failures within
:data:`FAILURE_WINDOW` close signing in for :data:`LOCKOUT`.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from b2bcore.domain.actors import Actor
from b2bcore.domain.client import CorporateClient
from b2bcore.domain.errors import InvalidValue

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
FAILURE_MEMORY = FAILURE_WINDOW + LOCKOUT
"""How far back failures matter: older ones can no longer close signing in."""

RESET_VALIDITY = timedelta(hours=1)
INVITE_VALIDITY = timedelta(hours=72)


def normalize_email(email: str) -> str:
    """E-mails compare case-insensitively: the stored and looked-up form."""
    return email.strip().lower()


def check_password(password: str, *, email: str) -> str:
    """The password if it keeps the policy, else ``InvalidValue("password", rule)``.

    The value is never put into the error: errors are logged and shown.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValue("password", f"must be at most {MAX_PASSWORD_LENGTH} characters")
    if password.isdigit():
        raise InvalidValue("password", "must not consist of digits only")
    if normalize_email(password) == normalize_email(email):
        raise InvalidValue("password", "must not be the e-mail")
    return password


_STAMP_KEY = b"b2bcore: credentials stamp of a session"


def credentials_stamp(password_hash: str) -> str:
    """A short keyed digest of a stored password hash: what a session keeps to tell
    whether the password it was opened with is still the current one.

    It changes whenever the stored hash does -- a new password, and also a rehash
    with new hasher parameters at sign-in. It is one-way and the hash it comes from
    is salted, so it gives away neither the hash nor the password.
    """
    digest = hmac.new(_STAMP_KEY, password_hash.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def login_id_for(actor: Actor) -> str:
    """One login per actor: ``buyer:<contact id>`` or ``manager:<manager id>``."""
    if actor.is_system:
        raise InvalidValue("subject", "must be a buyer or a manager", str(actor))
    return str(actor)


@attrs.frozen(kw_only=True)
class Login:
    """An e-mail that signs in as ``actor``; ``password_hash`` is ``None`` until set."""

    id: str
    email: str = attrs.field(converter=normalize_email)
    actor: Actor
    created_at: datetime
    password_hash: str | None = None
    password_changed_at: datetime | None = None

    @classmethod
    def create(
        cls, actor: Actor, email: str, *, now: datetime, password_hash: str | None = None
    ) -> Login:
        return cls(
            id=login_id_for(actor),
            email=email,
            actor=actor,
            created_at=now,
            password_hash=password_hash,
            password_changed_at=None if password_hash is None else now,
        )

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def stamp(self) -> str | None:
        """The :func:`credentials_stamp` of the password; ``None`` while there is none."""
        return None if self.password_hash is None else credentials_stamp(self.password_hash)

    def with_password(self, password_hash: str, *, now: datetime) -> Login:
        """A new password, set at ``now``."""
        return attrs.evolve(self, password_hash=password_hash, password_changed_at=now)

    def rehashed(self, password_hash: str) -> Login:
        """The same password hashed again with the hasher's current parameters."""
        return attrs.evolve(self, password_hash=password_hash)


class TokenPurpose(enum.Enum):
    RESET = "reset"
    INVITE = "invite"

    @property
    def validity(self) -> timedelta:
        return RESET_VALIDITY if self is TokenPurpose.RESET else INVITE_VALIDITY


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex. A token is random, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@attrs.frozen(kw_only=True)
class LoginToken:
    """A one-time token that lets its holder set the password of ``login_id``."""

    digest: str
    login_id: str
    purpose: TokenPurpose
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls, token: str, *, login_id: str, purpose: TokenPurpose, now: datetime
    ) -> LoginToken:
        return cls(
            digest=token_digest(token),
            login_id=login_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + purpose.validity,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


def throttled_until(failures: Iterable[datetime], now: datetime) -> datetime | None:
    """When signing in opens again, or ``None`` if it is open now.

    Any :data:`MAX_FAILURES` failures within :data:`FAILURE_WINDOW` close it until
    :data:`LOCKOUT` after the last of them. Attempts refused while closed are not
    failures, so waiting out the lockout always helps.
    """
    times = sorted(failures)
    until: datetime | None = None
    for first, last in zip(times, times[MAX_FAILURES - 1 :], strict=False):
        if last - first < FAILURE_WINDOW:
            until = last + LOCKOUT
    return until if until is not None and until > now else None


def buyer_may_sign_in(client: CorporateClient, contact_id: str) -> bool:
    """A buyer signs in only while their client is not blocked and they are not deactivated."""
    contact = client.contacts.get(contact_id)
    return client.is_active and contact is not None and contact.active
