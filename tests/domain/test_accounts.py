"""The account rules: password policy, tokens, and when failed sign-ins close signing in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from b2bcore.domain.accounts import (
    LOCKOUT,
    Login,
    LoginToken,
    TokenPurpose,
    check_password,
    login_id_for,
    throttled_until,
    token_digest,
)
from b2bcore.domain.actors import Actor
from b2bcore.domain.errors import InvalidValue
from tests.builders import NOW

EMAIL = "p.ivanov@example.ru"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short1", "must be at least 10 characters"),
        ("x" * 257, "must be at most 256 characters"),
        ("1234567890123", "must not consist of digits only"),
        ("P.Ivanov@Example.ru", "must not be the e-mail"),
    ],
)
def test_a_password_breaking_the_policy_is_refused(password: str, rule: str) -> None:
    """Each rule of the policy is an InvalidValue naming the field and the rule."""
    with pytest.raises(InvalidValue) as refused:
        check_password(password, email=EMAIL)
    assert (refused.value.field, refused.value.rule) == ("password", rule)


def test_the_refusal_never_shows_the_password() -> None:
    """A refused password is not put into the error, which is logged and shown."""
    with pytest.raises(InvalidValue) as refused:
        check_password("secret123", email=EMAIL)
    assert "secret123" not in str(refused.value)
    assert refused.value.value is None


@pytest.mark.parametrize("password", ["a" * 10, "x" * 256, "1234567890a", "пароль-надёжный"])
def test_a_password_keeping_the_policy_is_accepted(password: str) -> None:
    """Ten to 256 characters, not only digits, not the e-mail."""
    assert check_password(password, email=EMAIL) == password


def test_a_login_email_is_normalized() -> None:
    """E-mails compare case-insensitively: a login stores the lower-case form."""
    login = Login.create(Actor.manager("m1"), "  Anna@Shop.RU ", now=NOW)
    assert login.email == "anna@shop.ru"
    assert login.id == "manager:m1"
    assert not login.has_password


def test_the_system_has_no_login() -> None:
    """Only buyers and managers sign in."""
    with pytest.raises(InvalidValue):
        login_id_for(Actor.system())


def test_a_token_is_stored_as_its_sha256_and_expires() -> None:
    """A reset token lives an hour, an invitation 72; only its digest is kept."""
    reset = LoginToken.issue("secret", login_id="l", purpose=TokenPurpose.RESET, now=NOW)
    invite = LoginToken.issue("secret", login_id="l", purpose=TokenPurpose.INVITE, now=NOW)
    assert reset.digest == token_digest("secret") != "secret"
    assert len(reset.digest) == 64
    assert reset.is_usable(NOW + timedelta(minutes=59))
    assert not reset.is_usable(NOW + timedelta(hours=1))
    assert invite.is_usable(NOW + timedelta(hours=71))
    assert not invite.is_usable(NOW + timedelta(hours=72))


def minutes(*offsets: float) -> list[datetime]:
    return [NOW + timedelta(minutes=m) for m in offsets]


def test_four_failures_do_not_throttle() -> None:
    """Fewer than five failures leave signing in open."""
    assert throttled_until(minutes(0, 1, 2, 3), NOW + timedelta(minutes=3)) is None


def test_five_failures_within_fifteen_minutes_throttle_for_fifteen() -> None:
    """The fifth failure within 15 minutes closes signing in for 15 minutes after it."""
    failures = minutes(0, 3, 6, 9, 12)
    fifth = failures[-1]
    assert throttled_until(failures, fifth) == fifth + LOCKOUT
    assert throttled_until(failures, fifth + LOCKOUT - timedelta(seconds=1)) == fifth + LOCKOUT
    assert throttled_until(failures, fifth + LOCKOUT) is None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_throttle() -> None:
    """Five failures that never fit in one 15-minute window are not a burst."""
    assert throttled_until(minutes(0, 4, 8, 12, 16), NOW + timedelta(minutes=16)) is None


def test_a_failure_after_the_lockout_does_not_lock_again() -> None:
    """Once the lockout is over, one more failure needs four others to close it again."""
    failures = minutes(0, 0, 0, 0, 0, 15)
    assert throttled_until(failures, NOW + timedelta(minutes=15)) is None
