"""Signing in: passwords, throttling, reset and invitation tokens, who may invite whom.

The application here hashes with :class:`FastPasswordHasher` (the Argon2 adapter
is held to the same contract in ``tests/contracts/test_password_hasher.py``).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, select

from b2bcore.adapters.clock import FixedClock
from b2bcore.adapters.passwords import FastPasswordHasher
from b2bcore.adapters.persistence.sql import SqlUnitOfWorkFactory
from b2bcore.adapters.persistence.sql.tables import login_tokens, logins
from b2bcore.application import B2B, NewContact
from b2bcore.bootstrap import InMemoryWorld, bootstrap
from b2bcore.domain.actors import Actor
from b2bcore.domain.client import Manager
from b2bcore.domain.errors import (
    Conflict,
    InvalidValue,
    InvariantViolation,
    NotFound,
    PermissionDenied,
    SignInRefused,
    SignInThrottled,
)
from b2bcore.i18n import describe_error
from tests.builders import (
    EMPLOYEE_EMAIL,
    OTHER_BUYER_EMAIL,
    SHOP_MANAGER,
    SUPERVISOR_EMAIL,
    Cast,
    register_cast,
    seed_shop,
)

PASSWORD = "correct-horse-1"
NEW_PASSWORD = "battery-staple-2"
RESET_URL = "https://shop.example.ru/b2b/reset?token={token}"
INVITE_URL = "https://shop.example.ru/b2b/welcome/{token}"


class CountingHasher(FastPasswordHasher):
    """The fast hasher, counting verifications (for the cost of unknown e-mails)."""

    verified = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return super().verify(password_hash, password)


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def app(world: InMemoryWorld, hasher: CountingHasher) -> B2B:
    """The shop (manager, catalogue, stock) hashing passwords fast."""
    application = bootstrap(world=world, passwords=hasher)
    seed_shop(application, world)
    return application


@pytest.fixture
def with_passwords(app: B2B, cast: Cast) -> Cast:
    """Client A's supervisor and the shop's manager have the password PASSWORD."""
    app.accounts.set_initial_password(cast.supervisor, PASSWORD)
    app.accounts.create_manager_login(SHOP_MANAGER.id, PASSWORD)
    return cast


def token_from(world: InMemoryWorld, email: str) -> str:
    """The token of the last link mailed to ``email``."""
    text = world.mailer.to(email)[-1].text
    found = re.search(r"(?:token=|welcome/)([A-Za-z0-9_-]+)", text)
    assert found is not None, text
    return found.group(1)


def refusal(app: B2B, email: str, password: str) -> SignInRefused:
    with pytest.raises(SignInRefused) as refused:
        app.accounts.sign_in(email, password)
    return refused.value


# -- signing in ---------------------------------------------------------------------------


def test_the_right_password_signs_the_buyer_in(app: B2B, with_passwords: Cast) -> None:
    """E-mail (any case) and password give the buyer's actor."""
    assert app.accounts.sign_in(SUPERVISOR_EMAIL.upper(), PASSWORD) == with_passwords.supervisor


def test_the_manager_signs_in(app: B2B, with_passwords: Cast) -> None:
    """A manager's login gives the manager actor."""
    assert app.accounts.sign_in(SHOP_MANAGER.email, PASSWORD) == Actor.manager(SHOP_MANAGER.id)


def test_unknown_email_and_wrong_password_are_refused_alike(app: B2B, with_passwords: Cast) -> None:
    """Same exception type, message and rendering: nobody learns which e-mails exist."""
    unknown = refusal(app, "nobody@example.ru", PASSWORD)
    wrong = refusal(app, SUPERVISOR_EMAIL, "wrong-password-1")
    assert type(unknown) is type(wrong)
    assert (str(unknown), unknown.code, dict(unknown.params)) == (
        str(wrong),
        wrong.code,
        dict(wrong.params),
    )
    assert describe_error(unknown) == describe_error(wrong) != wrong.message


def test_an_unknown_email_costs_a_verification_too(
    app: B2B, with_passwords: Cast, hasher: CountingHasher
) -> None:
    """An unknown e-mail is verified against a dummy hash, as a known one is."""
    before = hasher.verified
    refusal(app, "nobody@example.ru", PASSWORD)
    assert hasher.verified == before + 1
    refusal(app, SUPERVISOR_EMAIL, "wrong-password-1")
    assert hasher.verified == before + 2


def test_a_deactivated_user_is_refused_alike(app: B2B, with_passwords: Cast) -> None:
    """The right password of a deactivated user is refused with the same error."""
    app.accounts.set_initial_password(with_passwords.employee, PASSWORD)
    app.cabinet.deactivate_user(with_passwords.supervisor, with_passwords.employee.id)
    assert str(refusal(app, EMPLOYEE_EMAIL, PASSWORD)) == str(refusal(app, "x@y.ru", PASSWORD))


def test_a_blocked_client_cannot_sign_in(app: B2B, with_passwords: Cast) -> None:
    """The users of a blocked client are refused, with the same error."""
    with app.services.uow() as uow:
        uow.clients.get(with_passwords.client_id).block()
        uow.commit()
    refusal(app, SUPERVISOR_EMAIL, PASSWORD)


def test_an_invited_login_without_password_cannot_sign_in(app: B2B, with_passwords: Cast) -> None:
    """A login made by an invitation has no password anything could match."""
    app.accounts.invite(with_passwords.manager, with_passwords.employee, INVITE_URL)
    refusal(app, EMPLOYEE_EMAIL, "")
    refusal(app, EMPLOYEE_EMAIL, PASSWORD)


def test_a_password_longer_than_allowed_is_refused(app: B2B, with_passwords: Cast) -> None:
    """An absurdly long password is refused, not hashed in full."""
    refusal(app, SUPERVISOR_EMAIL, PASSWORD + "x" * 10_000)


# -- throttling -----------------------------------------------------------------------------


def fail(app: B2B, email: str, times: int) -> None:
    for _ in range(times):
        refusal(app, email, "wrong-password-1")


def test_five_failures_throttle_the_email_for_fifteen_minutes(
    app: B2B, with_passwords: Cast, clock: FixedClock
) -> None:
    """After five failures even the right password is throttled, until 15 minutes pass."""
    fail(app, SUPERVISOR_EMAIL, 5)
    with pytest.raises(SignInThrottled) as throttled:
        app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD)
    assert throttled.value.retry_after_seconds == 15 * 60
    assert describe_error(throttled.value).endswith("через 15 мин.")
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(SignInThrottled) as still:
        app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD)
    assert still.value.retry_after_seconds == 1
    clock.advance(seconds=1)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor


def test_unknown_emails_are_throttled_too(app: B2B, clock: FixedClock) -> None:
    """Throttling does not tell unknown e-mails from known ones."""
    fail(app, "nobody@example.ru", 5)
    with pytest.raises(SignInThrottled):
        app.accounts.sign_in("NOBODY@example.ru", PASSWORD)
    clock.advance(minutes=15)
    refusal(app, "nobody@example.ru", PASSWORD)


def test_throttling_is_per_email(app: B2B, with_passwords: Cast) -> None:
    """Failures for one e-mail do not throttle another."""
    fail(app, "nobody@example.ru", 5)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor


def test_failures_are_shared_through_storage(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """Another application (web process) on the same store sees the failures."""
    other_process = bootstrap(world=world, passwords=FastPasswordHasher())
    fail(app, SUPERVISOR_EMAIL, 3)
    fail(other_process, SUPERVISOR_EMAIL, 2)
    with pytest.raises(SignInThrottled):
        app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD)


def test_a_sign_in_forgets_the_failures(app: B2B, with_passwords: Cast) -> None:
    """After a successful sign-in, four failures again do not throttle."""
    fail(app, SUPERVISOR_EMAIL, 4)
    app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD)
    fail(app, SUPERVISOR_EMAIL, 4)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor


# -- rehash ---------------------------------------------------------------------------------


def test_a_sign_in_rehashes_an_outdated_hash(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """With stronger hasher parameters, the next sign-in stores a hash made with them."""
    stronger = FastPasswordHasher(rounds=3)
    upgraded = bootstrap(world=world, passwords=stronger)
    old = stored_login_hash(app, SUPERVISOR_EMAIL)
    assert stronger.needs_rehash(old)
    assert upgraded.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor
    new = stored_login_hash(app, SUPERVISOR_EMAIL)
    assert new != old
    assert not stronger.needs_rehash(new)
    assert upgraded.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor
    assert stored_login_hash(app, SUPERVISOR_EMAIL) == new


def stored_login_hash(app: B2B, email: str) -> str:
    with app.services.uow() as uow:
        login = uow.logins.find_by_email(email)
    assert login is not None
    assert login.password_hash is not None
    return login.password_hash


# -- changing the password --------------------------------------------------------------


def test_a_user_changes_their_password(app: B2B, with_passwords: Cast) -> None:
    """The new password signs in; the old one no longer does."""
    app.accounts.change_password(with_passwords.supervisor, PASSWORD, NEW_PASSWORD)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, NEW_PASSWORD) == with_passwords.supervisor
    refusal(app, SUPERVISOR_EMAIL, PASSWORD)


def test_a_wrong_current_password_is_refused_and_counted(app: B2B, with_passwords: Cast) -> None:
    """A wrong current password changes nothing and counts as a failed sign-in."""
    for _ in range(5):
        with pytest.raises(InvalidValue) as refused:
            app.accounts.change_password(with_passwords.supervisor, "wrong-password", NEW_PASSWORD)
        assert refused.value.field == "current_password"
    with pytest.raises(SignInThrottled):
        app.accounts.change_password(with_passwords.supervisor, PASSWORD, NEW_PASSWORD)


def test_a_new_password_must_keep_the_policy(app: B2B, with_passwords: Cast) -> None:
    """A too short new password is refused with the rule; the old one stays."""
    with pytest.raises(InvalidValue) as refused:
        app.accounts.change_password(with_passwords.supervisor, PASSWORD, "short")
    assert (refused.value.field, refused.value.rule) == (
        "password",
        "must be at least 10 characters",
    )
    assert describe_error(refused.value) == "Пароль: должен быть не короче 10 символов"
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor


# -- sessions and the credentials stamp ---------------------------------------------------


def test_a_session_is_current_until_the_password_changes(app: B2B, with_passwords: Cast) -> None:
    """A session's stamp stays current until the password changes; the stamp the change
    returns is the current one, and it is not the stored hash."""
    opened = app.accounts.open_session(SUPERVISOR_EMAIL, PASSWORD)
    assert opened.actor == with_passwords.supervisor
    assert app.accounts.session_is_current(opened.actor, opened.stamp)
    assert app.accounts.open_session(SUPERVISOR_EMAIL, PASSWORD).stamp == opened.stamp
    renewed = app.accounts.change_password(opened.actor, PASSWORD, NEW_PASSWORD)
    assert not app.accounts.session_is_current(opened.actor, opened.stamp)
    assert app.accounts.session_is_current(opened.actor, renewed)
    assert renewed not in stored_login_hash(app, SUPERVISOR_EMAIL)


def test_a_reset_ends_the_sessions_opened_before(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """After a reset only the stamp it returns is current."""
    before = app.accounts.open_session(SUPERVISOR_EMAIL, PASSWORD)
    app.accounts.request_password_reset(SUPERVISOR_EMAIL, RESET_URL)
    after = app.accounts.reset_and_open_session(token_from(world, SUPERVISOR_EMAIL), NEW_PASSWORD)
    assert after.actor == before.actor
    assert not app.accounts.session_is_current(before.actor, before.stamp)
    assert app.accounts.session_is_current(after.actor, after.stamp)


def test_a_stamp_is_current_only_for_its_own_login(app: B2B, with_passwords: Cast) -> None:
    """Another user's stamp, a user without a login, the system or garbage: not current."""
    buyer = app.accounts.open_session(SUPERVISOR_EMAIL, PASSWORD)
    manager = app.accounts.open_session(SHOP_MANAGER.email, PASSWORD)
    assert not app.accounts.session_is_current(manager.actor, buyer.stamp)
    assert not app.accounts.session_is_current(with_passwords.employee, buyer.stamp)
    assert not app.accounts.session_is_current(Actor.system(), buyer.stamp)
    assert not app.accounts.session_is_current(buyer.actor, "")
    assert not app.accounts.session_is_current(buyer.actor, "пароль")


# -- password reset -------------------------------------------------------------------------


def test_a_reset_link_sets_a_new_password(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """The letter is Russian, links to reset_url with the token; the token sets the password."""
    app.accounts.request_password_reset(SUPERVISOR_EMAIL.upper(), RESET_URL)
    letter = world.mailer.to(SUPERVISOR_EMAIL)[-1]
    assert letter.subject == "Восстановление пароля в B2B-кабинете"
    assert "https://shop.example.ru/b2b/reset?token=" in letter.text
    assert "один час" in letter.text
    token = token_from(world, SUPERVISOR_EMAIL)
    assert app.accounts.check_token(token) == SUPERVISOR_EMAIL
    assert app.accounts.reset_password(token, NEW_PASSWORD) == with_passwords.supervisor
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, NEW_PASSWORD) == with_passwords.supervisor


def test_an_unknown_email_gets_no_letter_and_the_same_answer(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """Nothing tells the caller whether the e-mail exists."""
    sent = len(world.mailer.sent)
    app.accounts.request_password_reset("nobody@example.ru", RESET_URL)
    assert len(world.mailer.sent) == sent


def test_a_reset_token_works_once(app: B2B, with_passwords: Cast, world: InMemoryWorld) -> None:
    """A used token is refused like an unknown one."""
    app.accounts.request_password_reset(SUPERVISOR_EMAIL, RESET_URL)
    token = token_from(world, SUPERVISOR_EMAIL)
    app.accounts.reset_password(token, NEW_PASSWORD)
    with pytest.raises(InvalidValue) as used:
        app.accounts.reset_password(token, "another-password-3")
    with pytest.raises(InvalidValue) as unknown:
        app.accounts.reset_password("no-such-token", "another-password-3")
    assert used.value.field == unknown.value.field == "token"
    assert str(used.value) == str(unknown.value)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, NEW_PASSWORD) == with_passwords.supervisor


def test_a_reset_token_expires_after_an_hour(
    app: B2B, with_passwords: Cast, world: InMemoryWorld, clock: FixedClock
) -> None:
    """One hour after the request the token is refused and the password unchanged."""
    app.accounts.request_password_reset(SUPERVISOR_EMAIL, RESET_URL)
    token = token_from(world, SUPERVISOR_EMAIL)
    clock.advance(minutes=59)
    assert app.accounts.check_token(token) == SUPERVISOR_EMAIL
    clock.advance(minutes=1)
    with pytest.raises(InvalidValue):
        app.accounts.reset_password(token, NEW_PASSWORD)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == with_passwords.supervisor


def test_a_policy_refusal_keeps_the_token(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """A new password breaking the policy does not use the token up."""
    app.accounts.request_password_reset(SUPERVISOR_EMAIL, RESET_URL)
    token = token_from(world, SUPERVISOR_EMAIL)
    with pytest.raises(InvalidValue):
        app.accounts.reset_password(token, "1234567890")
    assert app.accounts.reset_password(token, NEW_PASSWORD) == with_passwords.supervisor


def test_a_reset_ends_the_throttling(app: B2B, with_passwords: Cast, world: InMemoryWorld) -> None:
    """Whoever proves to own the mailbox may sign in at once."""
    fail(app, SUPERVISOR_EMAIL, 5)
    app.accounts.request_password_reset(SUPERVISOR_EMAIL, RESET_URL)
    app.accounts.reset_password(token_from(world, SUPERVISOR_EMAIL), NEW_PASSWORD)
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, NEW_PASSWORD) == with_passwords.supervisor


def test_a_link_without_a_token_placeholder_is_refused(app: B2B, with_passwords: Cast) -> None:
    """A reset URL that could not carry the token is a programming error, said early."""
    with pytest.raises(InvalidValue) as refused:
        app.accounts.request_password_reset("nobody@example.ru", "https://shop.example.ru/reset")
    assert refused.value.field == "reset_url"


# -- invitations ----------------------------------------------------------------------------


def test_a_manager_invites_a_user_who_sets_a_password(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """The letter (Russian, to the contact's e-mail) carries a link whose token sets it."""
    app.accounts.invite(with_passwords.manager, with_passwords.employee, INVITE_URL)
    assert app.accounts.has_login(EMPLOYEE_EMAIL)
    letter = world.mailer.to(EMPLOYEE_EMAIL)[-1]
    assert letter.subject == "Ваш B2B-кабинет готов: задайте пароль"
    assert "Ольга Петрова" in letter.text
    assert "72 часа" in letter.text
    token = token_from(world, EMPLOYEE_EMAIL)
    assert app.accounts.reset_password(token, NEW_PASSWORD) == with_passwords.employee
    assert app.accounts.sign_in(EMPLOYEE_EMAIL, NEW_PASSWORD) == with_passwords.employee


def test_a_supervisor_invites_a_user_of_their_client(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """A supervisor adds a user and invites them."""
    added = app.cabinet.add_user(
        with_passwords.supervisor, NewContact(full_name="Иван Новиков", email="new@romashka.ru")
    )
    invitee = Actor.buyer(added.id, with_passwords.client_id)
    app.accounts.invite(with_passwords.supervisor, invitee, INVITE_URL)
    token = token_from(world, "new@romashka.ru")
    assert app.accounts.reset_password(token, NEW_PASSWORD) == invitee


def test_an_employee_may_not_invite(app: B2B, with_passwords: Cast) -> None:
    """Only supervisors and managers invite."""
    with pytest.raises(PermissionDenied):
        app.accounts.invite(with_passwords.employee, with_passwords.supervisor, INVITE_URL)
    assert not app.accounts.has_login(EMPLOYEE_EMAIL)


def test_a_supervisor_cannot_reach_another_client(app: B2B, with_passwords: Cast) -> None:
    """Another client's user is not found for a supervisor, as everywhere."""
    with pytest.raises(NotFound):
        app.accounts.invite(with_passwords.supervisor, with_passwords.other_buyer, INVITE_URL)
    assert not app.accounts.has_login(OTHER_BUYER_EMAIL)


def test_only_a_manager_invites_a_manager(
    app: B2B, with_passwords: Cast, world: InMemoryWorld
) -> None:
    """A buyer may not invite a manager; a manager may."""
    app.catalogue.add_manager(Manager(id="mgr-2", full_name="Олег Ким", email="o.kim@shop.ru"))
    second = Actor.manager("mgr-2")
    with pytest.raises(PermissionDenied):
        app.accounts.invite(with_passwords.supervisor, second, INVITE_URL)
    app.accounts.invite(with_passwords.manager, second, INVITE_URL)
    assert app.accounts.reset_password(token_from(world, "o.kim@shop.ru"), NEW_PASSWORD) == second


def test_an_invitation_lasts_72_hours(
    app: B2B, with_passwords: Cast, world: InMemoryWorld, clock: FixedClock
) -> None:
    """An invitation link works for 72 hours; inviting again sends a fresh one."""
    app.accounts.invite(with_passwords.manager, with_passwords.employee, INVITE_URL)
    first = token_from(world, EMPLOYEE_EMAIL)
    clock.advance(hours=71)
    assert app.accounts.check_token(first) == EMPLOYEE_EMAIL
    clock.advance(hours=1)
    with pytest.raises(InvalidValue):
        app.accounts.reset_password(first, NEW_PASSWORD)
    app.accounts.invite(with_passwords.manager, with_passwords.employee, INVITE_URL)
    second = token_from(world, EMPLOYEE_EMAIL)
    assert second != first
    assert app.accounts.reset_password(second, NEW_PASSWORD) == with_passwords.employee


def test_a_user_with_a_password_is_not_invited_again(app: B2B, with_passwords: Cast) -> None:
    """Someone who has a password uses the reset instead."""
    with pytest.raises(Conflict) as refused:
        app.accounts.invite(with_passwords.manager, with_passwords.supervisor, INVITE_URL)
    assert refused.value.params["reason"] == "has_login"


def test_a_deactivated_user_is_not_invited(app: B2B, with_passwords: Cast) -> None:
    """An invitation to someone who could not sign in is refused."""
    app.cabinet.deactivate_user(with_passwords.supervisor, with_passwords.employee.id)
    with pytest.raises(InvariantViolation, match="cannot sign in"):
        app.accounts.invite(with_passwords.manager, with_passwords.employee, INVITE_URL)


# -- passwords set directly -----------------------------------------------------------------


def test_a_registering_buyer_sets_the_first_password(app: B2B) -> None:
    """Right after registration the new supervisor gets a password and signs in."""
    registered = app.registration.register_client(
        inn="7700222227",
        kpp="770001001",
        contact=NewContact(full_name="Семён Сидоров", email="S.Sidorov@vasilek.ru"),
    )
    buyer = Actor.buyer(registered.contact_id, registered.client_id)
    app.accounts.set_initial_password(buyer, PASSWORD)
    assert app.accounts.sign_in("s.sidorov@vasilek.ru", PASSWORD) == buyer
    with pytest.raises(Conflict):
        app.accounts.set_initial_password(buyer, NEW_PASSWORD)


def test_the_first_password_keeps_the_policy(app: B2B, cast: Cast) -> None:
    """The e-mail itself is not a password; nothing is stored."""
    with pytest.raises(InvalidValue):
        app.accounts.set_initial_password(cast.supervisor, SUPERVISOR_EMAIL)
    assert not app.accounts.has_login(SUPERVISOR_EMAIL)


def test_a_login_email_is_unique(app: B2B, cast: Cast) -> None:
    """A manager whose e-mail a user already signs in with gets no login."""
    app.accounts.set_initial_password(cast.supervisor, PASSWORD)
    app.catalogue.add_manager(Manager(id="mgr-2", full_name="Олег Ким", email=SUPERVISOR_EMAIL))
    with pytest.raises(Conflict):
        app.accounts.create_manager_login("mgr-2", PASSWORD)


def test_the_operator_sets_a_password_by_email(app: B2B, cast: Cast) -> None:
    """The CLI's way: the user found by e-mail gets a login with the password."""
    assert app.accounts.operator_set_password(OTHER_BUYER_EMAIL, PASSWORD) == cast.other_buyer
    assert app.accounts.sign_in(OTHER_BUYER_EMAIL, PASSWORD) == cast.other_buyer
    with pytest.raises(NotFound):
        app.accounts.operator_set_password("nobody@example.ru", PASSWORD)


# -- nothing secret is stored in clear ------------------------------------------------------


def test_no_password_or_token_is_stored_in_clear(
    world: InMemoryWorld, sqlite_engine: Engine
) -> None:
    """The stored rows hold hashes of the password and digests of the tokens only."""
    app = bootstrap(world=world, uow=SqlUnitOfWorkFactory(sqlite_engine))  # Argon2id
    seed_shop(app, world)
    cast = register_cast(app)
    app.accounts.set_initial_password(cast.supervisor, PASSWORD)
    app.accounts.request_password_reset(SUPERVISOR_EMAIL, RESET_URL)
    app.accounts.invite(cast.supervisor, cast.employee, INVITE_URL)
    secrets = [PASSWORD, token_from(world, SUPERVISOR_EMAIL), token_from(world, EMPLOYEE_EMAIL)]
    with sqlite_engine.connect() as connection:
        rows = [
            *connection.execute(select(logins)).mappings(),
            *connection.execute(select(login_tokens)).mappings(),
        ]
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert len(rows) == 4
    for secret in secrets:
        assert secret not in stored
    assert "$argon2id$" in stored
    assert app.accounts.sign_in(SUPERVISOR_EMAIL, PASSWORD) == cast.supervisor
