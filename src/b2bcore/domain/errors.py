"""The domain's exceptions.

Every error the core raises on purpose derives from :class:`DomainError`, so a
shell can catch one class and turn it into an HTTP status or a CLI message::

    DomainError
    ├── InvalidValue (also ValueError)    a field broke a rule: names field and rule
    ├── IllegalTransition                  an action not allowed in the order's state
    ├── InvariantViolation                 an aggregate would be left inconsistent
    ├── PermissionDenied                   the actor's role does not allow the action
    ├── NotFound                           no such object for this actor
    ├── Conflict                           duplicate or concurrently changed data
    ├── SignInRefused                      wrong e-mail or password, or a closed account
    ├── SignInThrottled                    too many failed sign-ins: retry after a while
    └── ExternalSystemError                a port failed (raised by adapters)
        ├── Unavailable                    transient: retry later
        └── Rejected                       permanent: the system refused the request

Each error carries a stable ``code`` and ``params`` so a shell can render the
message in the user's language through the translation catalog; ``str(error)``
is the English text for logs and developers.

Every error pickles by its state (:meth:`DomainError.__reduce__`), so it crosses
a process boundary (``multiprocessing``) as itself: the subclasses' ``__init__``
take other arguments than ``args``, which the default pickling would pass them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base of every error b2bcore raises on purpose."""

    code: str = "domain_error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params: Mapping[str, Any] = params

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), self.args, dict(self.__dict__))


class InvalidValue(DomainError, ValueError):
    """A value breaks a rule; names the field and the rule that failed."""

    code = "invalid_value"

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        shown = "" if value is None else f" (got {value!r})"
        super().__init__(f"{field}: {rule}{shown}", field=field, rule=rule, value=value)
        self.field = field
        self.rule = rule
        self.value = value


class IllegalTransition(DomainError):
    """The action is not allowed in the aggregate's current state."""

    code = "illegal_transition"

    def __init__(self, *, action: str, state: str, detail: str = "") -> None:
        text = f"cannot {action} an order in state {state!r}"
        if detail:
            text = f"{text}: {detail}"
        super().__init__(text, action=action, state=state, detail=detail)
        self.action = action
        self.state = state


class InvariantViolation(DomainError):
    """The change would leave an aggregate inconsistent."""

    code = "invariant_violation"


class PermissionDenied(DomainError):
    """The acting user's role does not allow the action."""

    code = "permission_denied"


class NotFound(DomainError):
    """No such object, or not visible to the acting user (never says which)."""

    code = "not_found"


class Conflict(DomainError):
    """Duplicate data or a concurrent change; the caller may reload and retry."""

    code = "conflict"


class SignInRefused(DomainError):
    """Sign-in failed. One error and one message whatever the cause -- unknown e-mail,
    wrong password, deactivated user, blocked client -- so nobody learns which."""

    code = "sign_in_refused"

    def __init__(self) -> None:
        super().__init__("the e-mail or the password is wrong, or signing in is closed")


class SignInThrottled(DomainError):
    """Too many failed sign-ins for this e-mail: refused unchecked until the time is up."""

    code = "sign_in_throttled"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after_seconds} s",
            retry_after_seconds=retry_after_seconds,
            retry_after_minutes=minutes,
        )
        self.retry_after_seconds = retry_after_seconds


class ExternalSystemError(DomainError):
    """An external system failed; raised by adapters, never by the domain itself."""

    code = "external_system_error"

    def __init__(self, system: str, message: str, **params: Any) -> None:
        super().__init__(f"{system}: {message}", system=system, **params)
        self.system = system


class Unavailable(ExternalSystemError):
    """A transient failure (timeout, 5xx, rate limit): the call may be retried."""

    code = "unavailable"


class Rejected(ExternalSystemError):
    """A permanent failure: the system understood and refused the request."""

    code = "rejected"


def _restore(cls: type[DomainError], args: tuple[Any, ...], state: dict[str, Any]) -> DomainError:
    """The error ``__reduce__`` took apart, rebuilt without calling its ``__init__``."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
