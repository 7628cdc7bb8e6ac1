"""Signing in: passwords, reset and invitation letters, throttling of failed attempts.

What the web cabinet calls to turn an e-mail and a password into an
:class:`~b2bcore.domain.actors.Actor`. The rules are in
:mod:`b2bcore.domain.accounts`; hashing is the ``PasswordHasher`` port.

* Refusals do not tell an unknown e-mail from a wrong password, a deactivated
  user or a blocked client: one :class:`SignInRefused`, and an unknown e-mail
  costs one hash verification too (against a dummy hash).
* Failures are stored per e-mail, known or not, so every web process throttles
  alike; five within 15 minutes close signing in for 15 minutes
  (:class:`SignInThrottled`).
* Reset and invitation tokens go out in a letter and are stored as SHA-256 only.
* A session opened by :meth:`Accounts.open_session` keeps the login's credentials
  stamp (:func:`~b2bcore.domain.accounts.credentials_stamp`); once the password
  changes, :meth:`Accounts.session_is_current` says no, so a stolen session ends
  with the password change or reset that the victim makes.
"""

from __future__ import annotations

import functools
import hmac
import math
import secrets
from datetime import datetime

import attrs

from b2bcore.application.access import load_client, require_manager, require_supervisor
from b2bcore.application.context import Services
from b2bcore.application.notify import Notifier
from b2bcore.domain.accounts import (
    FAILURE_MEMORY,
    MAX_PASSWORD_LENGTH,
    Login,
    LoginToken,
    TokenPurpose,
    buyer_may_sign_in,
    check_password,
    login_id_for,
    normalize_email,
    throttled_until,
    token_digest,
)
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import (
    Conflict,
    InvalidValue,
    InvariantViolation,
    NotFound,
    PermissionDenied,
    SignInRefused,
    SignInThrottled,
)
from b2bcore.i18n import translate
from b2bcore.ports import UnitOfWork

TOKEN_RULE = "is unknown, expired or already used"
# A password nobody has: what an unknown e-mail's attempt is verified against.
_DUMMY_PASSWORD = "b2bcore: there is no such login"


@attrs.frozen(kw_only=True)
class SignedIn:
    """Who signed in, and the credentials stamp their session keeps (see
    :meth:`Accounts.session_is_current`)."""

    actor: Actor
    stamp: str


class Accounts:
    def __init__(self, services: Services) -> None:
        self._s = services
        self._notify = Notifier(services)

    # -- signing in -------------------------------------------------------------------

    def sign_in(self, email: str, password: str) -> Actor:
        """The actor whose login this is: :meth:`open_session` without the stamp."""
        return self.open_session(email, password).actor

    def open_session(self, email: str, password: str) -> SignedIn:
        """The actor whose login this is, if the password matches and they may sign in,
        with the stamp their session keeps.

        Raises :class:`SignInThrottled` while the e-mail is throttled (the password is
        not even checked), else :class:`SignInRefused` for any failure, recorded.
        """
        address = normalize_email(email)
        now = self._s.clock.now()
        with self._s.uow() as uow:
            had_failures = bool(self._refuse_throttled(uow, address, now))
            login = uow.logins.find_by_email(address)
            stored = None if login is None else login.password_hash
            # No stored password is that long; a huge one is not worth hashing in full.
            too_long = len(password) > MAX_PASSWORD_LENGTH
            candidate = password[:MAX_PASSWORD_LENGTH]
            matches = self._s.passwords.verify(stored or self._dummy_hash, candidate)
            if (
                login is None
                or stored is None
                or too_long
                or not matches
                or not self._may_sign_in(uow, login.actor)
            ):
                self._record_failure(uow, address, now)
                raise SignInRefused()
            if had_failures:
                uow.logins.clear_failures(address)
            if self._s.passwords.needs_rehash(stored):
                # A new hash is a new stamp: the user's other sessions end (rare: only
                # when the hasher's parameters have been raised).
                login = login.rehashed(self._s.passwords.hash(password))
                uow.logins.update(login)
            uow.commit()
        return _signed_in(login)

    def session_is_current(self, actor: Actor, stamp: str) -> bool:
        """Whether a session of ``actor`` that keeps ``stamp`` was opened with the
        current password: one lookup of the login by its key, for every signed-in page.
        Whether the user may still sign in (deactivated, blocked) is not checked here."""
        try:
            login_id = login_id_for(actor)
        except InvalidValue:
            return False
        with self._s.uow() as uow:
            try:
                login = uow.logins.get(login_id)
            except NotFound:
                return False
        current = login.stamp
        return current is not None and hmac.compare_digest(current.encode(), stamp.encode())

    def change_password(self, actor: Actor, current: str, new: str) -> str:
        """A signed-in user changes their password; a wrong ``current`` counts as a failed
        sign-in (``InvalidValue("current_password", ...)``), so it cannot be guessed.

        Returns the new credentials stamp: the session that changed it keeps working
        with it, every other session of the user ends."""
        now = self._s.clock.now()
        with self._s.uow() as uow:
            login = self._login_of(uow, actor)
            if login is None or not self._may_sign_in(uow, login.actor):
                raise PermissionDenied("this user cannot change a password")
            self._refuse_throttled(uow, login.email, now)
            if login.password_hash is None or not self._s.passwords.verify(
                login.password_hash, current
            ):
                self._record_failure(uow, login.email, now)
                raise InvalidValue("current_password", "is not the current password")
            check_password(new, email=login.email)
            login = login.with_password(self._s.passwords.hash(new), now=now)
            uow.logins.update(login)
            uow.commit()
        return _signed_in(login).stamp

    # -- reset and invitation tokens ----------------------------------------------------

    def request_password_reset(self, email: str, reset_url: str) -> None:
        """Mail a one-hour reset link (``reset_url`` with ``{token}`` filled in) if the
        e-mail signs someone in; returns the same, nothing, either way."""
        _require_token_placeholder("reset_url", reset_url)
        address = normalize_email(email)
        token = secrets.token_urlsafe(32)
        now = self._s.clock.now()
        with self._s.uow() as uow:
            login = uow.logins.find_by_email(address)
            if login is None or not self._may_sign_in(uow, login.actor):
                return
            issued = LoginToken.issue(token, login_id=login.id, purpose=TokenPurpose.RESET, now=now)
            uow.logins.add_token(issued)
            uow.commit()
        link = reset_url.replace("{token}", token)
        self._notify.send(
            [login.email],
            self._t("Password reset in the B2B cabinet"),
            self._t(
                "To set a new password for {email}, open {link}\n"
                "The link works once, for one hour. If you did not ask for it, ignore this letter.",
                email=login.email,
                link=link,
            ),
            key=f"password-reset:{issued.digest}",
        )

    def check_token(self, token: str) -> str:
        """The e-mail whose password a reset or invitation token sets, if it is still
        usable (for the web's "set a password" page); ``InvalidValue("token", ...)`` else."""
        with self._s.uow() as uow:
            return self._usable_token(uow, token, self._s.clock.now())[1].email

    def reset_password(self, token: str, new_password: str) -> Actor:
        """Who set their password: :meth:`reset_and_open_session` without the stamp."""
        return self.reset_and_open_session(token, new_password).actor

    def reset_and_open_session(self, token: str, new_password: str) -> SignedIn:
        """Set the password with a reset or invitation token, once; the e-mail's failed
        sign-ins are forgotten and every session opened before ends. Returns who it is,
        with the new stamp: the web may sign them in."""
        now = self._s.clock.now()
        with self._s.uow() as uow:
            issued, login = self._usable_token(uow, token, now)
            if not self._may_sign_in(uow, login.actor):
                raise SignInRefused()
            check_password(new_password, email=login.email)
            login = login.with_password(self._s.passwords.hash(new_password), now=now)
            uow.logins.update(login)
            uow.logins.use_token(issued.digest, at=now)
            uow.logins.clear_failures(login.email)
            try:
                uow.commit()
            except Conflict as exc:
                if exc.params.get("reason") == "token_used":
                    raise InvalidValue("token", TOKEN_RULE) from exc
                raise
        return _signed_in(login)

    def invite(self, by: Actor, subject: Actor, invite_url: str) -> None:
        """Make a login without a password for a client's user or a manager, and mail
        them a 72-hour link to set one. Inviting again sends a new link while no password
        is set. A manager invites anyone; a supervisor the users of their own client."""
        _require_token_placeholder("invite_url", invite_url)
        token = secrets.token_urlsafe(32)
        now = self._s.clock.now()
        with self._s.uow() as uow:
            actor, email, name = self._invitee(uow, by, subject)
            login = self._login_of(uow, actor)
            if login is not None and login.has_password:
                raise Conflict(
                    f"{email} already has a password; use a password reset",
                    reason="has_login",
                    email=email,
                )
            if login is None:
                login = Login.create(actor, email, now=now)
                self._refuse_taken_email(uow, login)
                uow.logins.add(login)
            issued = LoginToken.issue(
                token, login_id=login.id, purpose=TokenPurpose.INVITE, now=now
            )
            uow.logins.add_token(issued)
            uow.commit()
        self._notify.send(
            [login.email],
            self._t("Your B2B cabinet is ready: set a password"),
            self._t(
                "Hello, {name}! Your B2B cabinet is ready. Your login is {email}.\n"
                "To set a password, open {link}\nThe link works once, for 72 hours.",
                name=name,
                email=login.email,
                link=invite_url.replace("{token}", token),
            ),
            key=f"invite:{issued.digest}",
        )

    # -- passwords set directly ---------------------------------------------------------

    def set_initial_password(self, subject: Actor, password: str) -> str:
        """The first password of a user who has no login yet: the buyer who has just
        registered their client (``app.registration.register_client``). No permission is
        checked: call it only right after the registration, for the contact it created.
        Returns the credentials stamp a session signed in with it keeps."""
        now = self._s.clock.now()
        with self._s.uow() as uow:
            actor, email, _name = self._subject(uow, subject)
            if self._login_of(uow, actor) is not None:
                raise Conflict(f"{email} already has a login", reason="has_login", email=email)
            check_password(password, email=email)
            login = Login.create(
                actor, email, now=now, password_hash=self._s.passwords.hash(password)
            )
            self._refuse_taken_email(uow, login)
            uow.logins.add(login)
            uow.commit()
        return _signed_in(login).stamp

    def create_manager_login(self, manager_id: str, password: str) -> None:
        """A manager's login with a password (for the CLI and the demo)."""
        self.set_initial_password(Actor.manager(manager_id), password)

    def operator_set_password(self, email: str, password: str) -> Actor:
        """Set the password of whoever ``email`` belongs to -- a login, a client's user
        or a manager -- making the login if needed. For the operator's CLI only: no
        permission is checked. The e-mail's failed sign-ins are forgotten."""
        address = normalize_email(email)
        now = self._s.clock.now()
        with self._s.uow() as uow:
            login = uow.logins.find_by_email(address)
            if login is None:
                login = Login.create(self._owner_of(uow, address), address, now=now)
                uow.logins.add(login)
            check_password(password, email=login.email)
            uow.logins.update(login.with_password(self._s.passwords.hash(password), now=now))
            uow.logins.clear_failures(address)
            uow.commit()
        return login.actor

    def has_login(self, email: str) -> bool:
        """Whether a login (with a password or only invited) uses this e-mail."""
        with self._s.uow() as uow:
            return uow.logins.find_by_email(normalize_email(email)) is not None

    # -- helpers ------------------------------------------------------------------------

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """Made on first need, by the configured hasher, so it costs what real ones do."""
        return self._s.passwords.hash(_DUMMY_PASSWORD)

    def _t(self, message_id: str, **params: object) -> str:
        return translate(message_id, self._s.settings.locale, **params)

    @staticmethod
    def _refuse_throttled(uow: UnitOfWork, email: str, now: datetime) -> list[datetime]:
        """The recent failures of ``email``; raises SignInThrottled while they close it."""
        failures = list(uow.logins.failures_since(email, now - FAILURE_MEMORY))
        until = throttled_until(failures, now)
        if until is not None:
            raise SignInThrottled(math.ceil((until - now).total_seconds()))
        return failures

    @staticmethod
    def _record_failure(uow: UnitOfWork, email: str, now: datetime) -> None:
        uow.logins.record_failure(email, at=now, forget_before=now - FAILURE_MEMORY)
        uow.commit()

    @staticmethod
    def _may_sign_in(uow: UnitOfWork, actor: Actor) -> bool:
        try:
            if actor.is_buyer and actor.client_id is not None:
                return buyer_may_sign_in(uow.clients.get(actor.client_id), actor.id)
            if actor.is_manager:
                uow.managers.get(actor.id)
                return True
        except NotFound:
            return False
        return False

    @staticmethod
    def _login_of(uow: UnitOfWork, actor: Actor) -> Login | None:
        try:
            return uow.logins.get(login_id_for(actor))
        except NotFound:
            return None

    @staticmethod
    def _usable_token(uow: UnitOfWork, token: str, now: datetime) -> tuple[LoginToken, Login]:
        issued = uow.logins.find_token(token_digest(token))
        if issued is None or not issued.is_usable(now):
            raise InvalidValue("token", TOKEN_RULE)
        return issued, uow.logins.get(issued.login_id)

    @staticmethod
    def _refuse_taken_email(uow: UnitOfWork, login: Login) -> None:
        other = uow.logins.find_by_email(login.email)
        if other is not None and other.id != login.id:
            raise Conflict(
                f"a user with email {login.email} already exists",
                reason="email_taken",
                email=login.email,
            )

    def _invitee(self, uow: UnitOfWork, by: Actor, subject: Actor) -> tuple[Actor, str, str]:
        """Who is invited, with their e-mail and name, if ``by`` may invite them."""
        if subject.is_buyer:
            client = load_client(uow, by, subject.client_id or "")
            require_supervisor(client, by)
        elif subject.is_manager:
            require_manager(by)
        actor, email, name = self._subject(uow, subject)
        if not self._may_sign_in(uow, actor):
            raise InvariantViolation(
                f"{email} cannot sign in: the user is deactivated or the client blocked",
                reason="cannot_sign_in",
                email=email,
            )
        return actor, email, name

    @staticmethod
    def _subject(uow: UnitOfWork, subject: Actor) -> tuple[Actor, str, str]:
        """The actor as stored (a buyer with their client), their e-mail and name."""
        if subject.is_buyer and subject.client_id is not None:
            contact = uow.clients.get(subject.client_id).contact(subject.id)
            return Actor.buyer(contact.id, subject.client_id), contact.email, contact.full_name
        if subject.is_manager:
            manager = uow.managers.get(subject.id)
            return Actor.manager(manager.id), manager.email, manager.full_name
        raise InvalidValue("subject", "must be a buyer or a manager", str(subject))

    @staticmethod
    def _owner_of(uow: UnitOfWork, email: str) -> Actor:
        client = uow.clients.find_by_contact_email(email)
        if client is not None:
            contact = next(c for c in client.contacts.values() if c.email == email)
            return Actor.buyer(contact.id, client.id)
        manager = next((m for m in uow.managers.list() if m.email == email), None)
        if manager is not None:
            return Actor.manager(manager.id)
        raise NotFound(f"no user or manager with email {email}", reason="email", email=email)


def _signed_in(login: Login) -> SignedIn:
    stamp = login.stamp
    assert stamp is not None, "called only with a login whose password was just checked or set"
    return SignedIn(actor=login.actor, stamp=stamp)


def _require_token_placeholder(field: str, url: str) -> None:
    if "{token}" not in url:
        raise InvalidValue(field, "must contain {token}", url)
