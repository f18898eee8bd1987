"""Accounts: passwords, lockout, TOTP, sessions, API tokens, rate limit (time injected)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from ecluse.config import load_settings
from ecluse.errors import ConfigError, InputError
from ecluse.org import (
    DEFAULT_POLICY,
    AccountPolicy,
    AuthError,
    AuthFailure,
    RateLimiter,
    Session,
    authenticate,
    check_password_policy,
    confirm_totp,
    create_api_token,
    enrol_totp,
    list_api_tokens,
    logout,
    reset_password,
    reset_totp,
    resolve_api_token,
    resolve_session,
    revoke_api_token,
    revoke_sessions,
    set_password,
)
from ecluse.org import _tables as t

from .conftest import NOW, PASSWORD, World

MIN = timedelta(minutes=1)


def login(world: World, email: str, password: str = PASSWORD, **kw: object) -> Session:
    kw.setdefault("now", NOW)
    return authenticate(
        world.engine, email, password, policy=world.policy, **kw, keyring=world.keyring
    )  # type: ignore[arg-type]


def reason(exc: pytest.ExceptionInfo[AuthError]) -> AuthFailure:
    return exc.value.reason


def code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


# -- passwords ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password",
    ["short-pass", "agent@atlas.example", "xx-agent-xx-123", "aaaaaaaaaaaaaaaa", "x" * 2000],
)
def test_password_policy_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(InputError, match="'password'") as exc:
        check_password_policy(password, "agent@atlas.example")
    assert password not in str(exc.value)


def test_default_policy_is_argon2id_owasp_profile() -> None:
    stored = DEFAULT_POLICY.hasher.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_login_opens_a_session_that_resolves_to_the_principal(world: World) -> None:
    session = login(world, "AGENT@atlas.example")
    assert session.token.startswith("ecs_") and session.token not in repr(session)
    assert session.expires_at == NOW + timedelta(hours=12)
    principal = resolve_session(world.engine, session.token, now=NOW + MIN, policy=world.policy)
    assert principal.person_id == world.agent.id
    assert principal.handle == world.agent.handle
    assert principal.vendor_id == world.vendor.id and principal.site_id == world.site.id
    assert principal.site_country == "MA" and principal.team_id == world.lead.id
    assert principal.skills == {"meter_move", "invoice_explanation"}
    assert principal.languages == {"fr"} and principal.is_vendor and not principal.is_operator
    assert (principal.via, principal.credential_id) == ("session", session.id)
    stronger = AccountPolicy(argon2_time_cost=2, argon2_memory_kib=2048)
    authenticate(
        world.engine,
        "agent@atlas.example",
        PASSWORD,
        now=NOW,
        policy=stronger,
        keyring=world.keyring,
    )
    with world.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.people.c.password_hash).where(t.people.c.id == world.agent.id)
        ).scalar_one()
    assert "m=2048,t=2" in stored


def test_unknown_email_and_wrong_password_look_the_same(world: World) -> None:
    with pytest.raises(AuthError) as unknown:
        login(world, "nobody@atlas.example")
    with pytest.raises(AuthError) as wrong:
        login(world, "agent@atlas.example", "wrong password 123")
    assert reason(unknown) == reason(wrong) == AuthFailure.BAD_CREDENTIALS
    assert str(unknown.value) == str(wrong.value)
    assert "atlas" not in str(wrong.value)
    assert unknown.value.person_id is None and wrong.value.person_id == world.agent.id
    with pytest.raises(AuthError):
        login(world, "not an address")


def test_lockout_after_five_failures_and_its_expiry(world: World) -> None:
    """GIVEN five wrong passwords WHEN the right one comes within 15 minutes THEN the account is
    locked; after 15 minutes it works again and the count starts afresh."""
    for n in range(5):
        with pytest.raises(AuthError) as exc:
            login(world, "agent@atlas.example", "wrong password 123", now=NOW + n * MIN)
        assert reason(exc) is AuthFailure.BAD_CREDENTIALS
    locked_at = NOW + 4 * MIN
    with pytest.raises(AuthError) as exc:
        login(world, "agent@atlas.example", now=locked_at + 14 * MIN)
    assert reason(exc) is AuthFailure.BAD_CREDENTIALS  # even the right password
    # A wrong password on the locked account reads like an unknown e-mail (no enumeration),
    # and does not extend the lock.
    for who in ("agent@atlas.example", "nobody@atlas.example"):
        with pytest.raises(AuthError) as exc:
            login(world, who, "wrong password 123", now=locked_at + 14 * MIN)
        assert reason(exc) is AuthFailure.BAD_CREDENTIALS
    login(world, "agent@atlas.example", now=locked_at + 15 * MIN)
    # The lock is per account: the lead was never affected.
    login(world, "lead@atlas.example", now=locked_at)
    # After a success, four failures do not lock.
    for _ in range(4):
        with pytest.raises(AuthError):
            login(world, "agent@atlas.example", "wrong password 123", now=locked_at + 20 * MIN)
    login(world, "agent@atlas.example", now=locked_at + 21 * MIN)
    for _ in range(5):
        with pytest.raises(AuthError):
            login(world, "agent@atlas.example", "wrong password 123")
    open_session = login(world, "lead@atlas.example").token
    set_password(world.engine, world.agent.id, "a brand new passphrase", policy=world.policy)
    login(world, "agent@atlas.example", "a brand new passphrase")
    # An administrator's reset also ends the person's open sessions.
    assert reset_password(world.engine, world.lead.id, "reset by the admin 9", now=NOW) == 2
    with pytest.raises(AuthError) as exc:
        resolve_session(world.engine, open_session, now=NOW)
    assert reason(exc) is AuthFailure.REVOKED


def test_a_locked_account_does_not_tell_the_right_password_apart(world: World) -> None:
    """GIVEN a locked account WHEN guessing goes on THEN the right password gets the very
    answer a wrong one gets: the lock cannot be used to go on guessing and learn when the
    password was found."""
    for _ in range(5):
        with pytest.raises(AuthError):
            login(world, "agent@atlas.example", "wrong password 123")
    answers = []
    for password in ("wrong password 456", PASSWORD, "wrong password 789"):
        with pytest.raises(AuthError) as exc:
            login(world, "agent@atlas.example", password, now=NOW + 5 * MIN)
        answers.append((exc.value.reason, str(exc.value), exc.value.retry_after))
    with pytest.raises(AuthError) as unknown:
        login(world, "nobody@atlas.example", PASSWORD, now=NOW + 5 * MIN)
    answers.append((unknown.value.reason, str(unknown.value), unknown.value.retry_after))
    assert len(set(answers)) == 1 and answers[0][0] is AuthFailure.BAD_CREDENTIALS
    login(world, "agent@atlas.example", now=NOW + 16 * MIN)  # the lock still ends on time


@pytest.mark.parametrize("db_url", ["pg"], indirect=True)
def test_guesses_sent_at_once_cannot_pass_the_limit(world: World) -> None:
    """GIVEN many more wrong guesses than the limit, sent at once (held at the account's row by
    an attempt under way, then let go together) WHEN they go through THEN only the limit's
    worth count and are checked: the account is locked and no failure is counted past it."""
    guesses = 2 * world.policy.lockout_failures + 2
    answers: list[AuthFailure] = []

    def guess() -> None:
        try:
            login(world, "agent@atlas.example", "wrong password 123")
        except AuthError as exc:
            answers.append(exc.reason)

    with world.engine.connect() as other:
        other.begin()  # another attempt, under way: it holds the row
        other.execute(_touch_agent(world))
        threads = [threading.Thread(target=guess) for _ in range(guesses)]
        for thread in threads:
            thread.start()
        _wait_for(lambda: _waiting_on_people(world.engine) == guesses)
        other.commit()
        for thread in threads:
            thread.join(timeout=10)
    assert answers == [AuthFailure.BAD_CREDENTIALS] * guesses
    # Checked before being counted, every guess counted: the limit reached twice over and
    # two failures more (failed_logins 2). Counted first, the guesses past the limit were
    # refused under the lock and left no trace.
    assert _agent_lock(world) == (0, NOW + world.policy.lockout)
    with pytest.raises(AuthError) as exc:
        login(world, "agent@atlas.example")
    assert reason(exc) is AuthFailure.BAD_CREDENTIALS


@pytest.mark.parametrize("db_url", ["pg"], indirect=True)
def test_the_right_password_cannot_slip_in_beside_the_last_allowed_guess(world: World) -> None:
    """GIVEN one guess left and a wrong one under way (holding the account's row) WHEN the
    right password comes at that very moment THEN it is refused: the guess under way used the
    last try and locked the account, and the right password was not checked in its place."""
    for _ in range(world.policy.lockout_failures - 1):
        with pytest.raises(AuthError):
            login(world, "agent@atlas.example", "wrong password 123")
    found: list[object] = []

    def right() -> None:
        try:
            found.append(login(world, "agent@atlas.example"))
        except AuthError as exc:
            found.append(exc.reason)

    with world.engine.connect() as other:
        other.begin()  # the last allowed guess, under way: it holds the row
        other.execute(_touch_agent(world))
        racer = threading.Thread(target=right)
        racer.start()
        _wait_for(lambda: _waiting_on_people(world.engine) == 1)
        # ... and it was wrong: it is the limit-th failure, which locks the account.
        other.execute(
            _touch_agent(world).values(failed_logins=0, locked_until=NOW + world.policy.lockout)
        )
        other.commit()
        racer.join(timeout=10)
    assert found == [AuthFailure.BAD_CREDENTIALS]
    assert _agent_lock(world) == (0, NOW + world.policy.lockout)


def test_the_right_password_without_its_code_is_not_a_failure(world: World) -> None:
    """GIVEN a person with TOTP WHEN the right password comes without a code (asking for it)
    THEN the attempt is not a failure, even next to the limit; wrong codes still are."""
    enrolment = enrol_totp(world.engine, world.analyst.id, keyring=world.keyring)
    confirm_totp(
        world.engine, world.analyst.id, code(enrolment.secret, NOW), now=NOW, keyring=world.keyring
    )
    later = NOW + MIN
    with pytest.raises(AuthError):
        login(world, "analyst@op.example", "wrong password 123", now=later)
    with pytest.raises(AuthError) as exc:
        login(world, "analyst@op.example", now=later)
    assert reason(exc) is AuthFailure.TOTP_REQUIRED
    assert _lock_of(world, world.analyst.id) == (1, None)
    for _ in range(world.policy.lockout_failures - 2):
        with pytest.raises(AuthError):
            login(world, "analyst@op.example", "wrong password 123", now=later)
    for _ in range(2):  # each would have been the limit-th failure
        with pytest.raises(AuthError) as exc:
            login(world, "analyst@op.example", now=later)
        assert reason(exc) is AuthFailure.TOTP_REQUIRED
    assert _lock_of(world, world.analyst.id) == (world.policy.lockout_failures - 1, None)
    with pytest.raises(AuthError) as exc:
        login(world, "analyst@op.example", totp="000000", now=later)
    assert reason(exc) is AuthFailure.TOTP_INVALID  # the limit-th failure: locked
    with pytest.raises(AuthError) as exc:
        login(world, "analyst@op.example", totp=code(enrolment.secret, later), now=later)
    assert reason(exc) is AuthFailure.BAD_CREDENTIALS


def _touch_agent(world: World) -> sa.Update:
    people = t.people.c
    return (
        sa.update(t.people)
        .where(people.id == world.agent.id)
        .values(failed_logins=people.failed_logins)
    )


def _agent_lock(world: World) -> tuple[int, datetime | None]:
    return _lock_of(world, world.agent.id)


def _lock_of(world: World, person_id: int) -> tuple[int, datetime | None]:
    people = t.people.c
    with world.engine.connect() as conn:
        row = conn.execute(
            sa.select(people.failed_logins, people.locked_until).where(people.id == person_id)
        ).one()
    return row.failed_logins, row.locked_until


def _waiting_on_people(engine: Engine) -> int:
    """How many statements wait on a lock while writing this test's people table
    (PostgreSQL). A writer holds a lock on the table itself while it waits for the row: that
    table's OID tells it from the tests of other xdist workers, each in a schema of its own."""
    # A fresh transaction each look: pg_stat_activity is a snapshot per transaction.
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(DISTINCT a.pid) FROM pg_stat_activity a"
                    " JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation'"
                    " AND l.relation = 'org_people'::regclass"
                    " WHERE a.wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the attempts never waited on the row"
        time.sleep(0.01)


# -- TOTP ----------------------------------------------------------------------------------------
def test_admin_needs_totp_and_codes_cannot_be_replayed(world: World) -> None:
    """GIVEN an admin WHEN they log in without TOTP THEN refused until enrolled; once enrolled a
    code works once only, a code one step old still works, two steps old does not."""
    with pytest.raises(AuthError) as exc:
        login(world, "admin@op.example")
    assert reason(exc) is AuthFailure.TOTP_ENROLMENT_REQUIRED
    enrolment = enrol_totp(world.engine, world.admin.id, keyring=world.keyring)
    assert enrolment.uri.startswith("otpauth://totp/Ecluse:opr-")
    assert "admin%40op" not in enrolment.uri and "admin@op" not in enrolment.uri
    assert enrolment.secret not in repr(enrolment)
    with pytest.raises(AuthError) as exc:
        confirm_totp(
            world.engine,
            world.admin.id,
            "000000",
            now=NOW,
            policy=world.policy,
            keyring=world.keyring,
        )
    assert reason(exc) is AuthFailure.TOTP_INVALID
    confirm_totp(
        world.engine, world.admin.id, code(enrolment.secret, NOW), now=NOW, keyring=world.keyring
    )

    later = NOW + 2 * MIN
    with pytest.raises(AuthError) as exc:
        login(world, "admin@op.example", now=later)
    assert reason(exc) is AuthFailure.TOTP_REQUIRED
    fresh = code(enrolment.secret, later)
    login(world, "admin@op.example", totp=fresh, now=later)
    with pytest.raises(AuthError) as exc:
        login(world, "admin@op.example", totp=fresh, now=later + timedelta(seconds=5))
    assert reason(exc) is AuthFailure.TOTP_INVALID  # replay
    ten = NOW + 10 * MIN
    login(
        world, "admin@op.example", totp=code(enrolment.secret, ten - timedelta(seconds=30)), now=ten
    )
    twenty = NOW + 20 * MIN
    with pytest.raises(AuthError):
        login(world, "admin@op.example", totp=code(enrolment.secret, twenty - MIN), now=twenty)


def test_totp_is_optional_for_agents_but_binding_once_enrolled(world: World) -> None:
    login(world, "agent@atlas.example")
    enrolment = enrol_totp(world.engine, world.agent.id, keyring=world.keyring)
    login(world, "agent@atlas.example")  # pending enrolment changes nothing yet
    confirm_totp(
        world.engine, world.agent.id, code(enrolment.secret, NOW), now=NOW, keyring=world.keyring
    )
    with pytest.raises(AuthError) as exc:
        login(world, "agent@atlas.example", now=NOW + MIN)
    assert reason(exc) is AuthFailure.TOTP_REQUIRED
    reset_totp(world.engine, world.agent.id)
    login(world, "agent@atlas.example", now=NOW + MIN)
    with pytest.raises(InputError, match="enrol first"):
        confirm_totp(world.engine, world.agent.id, "123456", now=NOW, keyring=world.keyring)


def test_wrong_codes_count_towards_lockout(world: World) -> None:
    enrolment = enrol_totp(world.engine, world.analyst.id, keyring=world.keyring)
    confirm_totp(
        world.engine, world.analyst.id, code(enrolment.secret, NOW), now=NOW, keyring=world.keyring
    )
    for _ in range(5):
        with pytest.raises(AuthError) as exc:
            login(world, "analyst@op.example", totp="12 34 5x", now=NOW + MIN)
        assert reason(exc) is AuthFailure.TOTP_INVALID
    with pytest.raises(AuthError) as exc:
        login(
            world,
            "analyst@op.example",
            totp=code(enrolment.secret, NOW + 2 * MIN),
            now=NOW + 2 * MIN,
        )
    assert reason(exc) is AuthFailure.BAD_CREDENTIALS  # locked: right password and code refused


# -- sessions ------------------------------------------------------------------------------------
def test_idle_expiry(world: World) -> None:
    """GIVEN a 30-minute idle limit WHEN requests come 25 minutes apart THEN the session lives;
    after 31 quiet minutes it is expired."""
    token = login(world, "agent@atlas.example").token
    seen = NOW
    for _ in range(4):
        seen += 25 * MIN
        resolve_session(world.engine, token, now=seen, policy=world.policy)
    with pytest.raises(AuthError) as exc:
        resolve_session(world.engine, token, now=seen + 31 * MIN, policy=world.policy)
    assert reason(exc) is AuthFailure.EXPIRED


def test_absolute_expiry_and_last_seen_writes(world: World) -> None:
    """GIVEN a session used every 20 minutes WHEN 12 hours have passed THEN it expires anyway;
    and last-seen is written only when a minute has passed since the last write."""
    token = login(world, "agent@atlas.example").token
    at = NOW
    while at + 20 * MIN < NOW + timedelta(hours=12):
        at += 20 * MIN
        resolve_session(world.engine, token, now=at, policy=world.policy)
    with pytest.raises(AuthError) as exc:
        resolve_session(world.engine, token, now=NOW + timedelta(hours=12), policy=world.policy)
    assert reason(exc) is AuthFailure.EXPIRED
    session = login(world, "agent@atlas.example")

    def last_seen() -> datetime:
        with world.engine.connect() as conn:
            return conn.execute(
                sa.select(t.sessions.c.last_seen_at).where(t.sessions.c.id == session.id)
            ).scalar_one()

    resolve_session(world.engine, session.token, now=NOW + timedelta(seconds=30))
    assert last_seen() == NOW
    resolve_session(world.engine, session.token, now=NOW + timedelta(seconds=90))
    assert last_seen() == NOW + timedelta(seconds=90)


def test_logout_and_unknown_tokens(world: World) -> None:
    first = login(world, "agent@atlas.example")
    second = login(world, "agent@atlas.example")
    logout(world.engine, first.token, now=NOW)
    with pytest.raises(AuthError) as exc:
        resolve_session(world.engine, first.token, now=NOW)
    assert reason(exc) is AuthFailure.REVOKED
    resolve_session(world.engine, second.token, now=NOW)
    assert revoke_sessions(world.engine, world.agent.id, now=NOW) == 1
    for bad in ("", "ecs_nope", "x" * 10_000, first.token.upper()):
        with pytest.raises(AuthError) as exc:
            resolve_session(world.engine, bad, now=NOW)
        assert reason(exc) in {AuthFailure.UNKNOWN_TOKEN}


def test_config_section_sets_the_policy(tmp_path: Path) -> None:
    (tmp_path / "ecluse.toml").write_text(
        "[accounts]\nsession_idle_minutes = 10\nlockout_failures = 3\n", encoding="utf-8"
    )
    policy = AccountPolicy.from_settings(load_settings(tmp_path))
    assert policy.session_idle == timedelta(minutes=10) and policy.lockout_failures == 3
    assert policy.session_absolute == timedelta(hours=12)
    (tmp_path / "ecluse.toml").write_text("[accounts]\nlockout = 'soon'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[accounts\] lockout: unknown"):
        AccountPolicy.from_settings(load_settings(tmp_path))
    (tmp_path / "ecluse.toml").write_text("[accounts]\nlockout_minutes = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lockout_minutes"):
        AccountPolicy.from_settings(load_settings(tmp_path))


# -- API tokens ----------------------------------------------------------------------------------
def test_api_tokens_act_as_their_person_until_revoked(world: World) -> None:
    created = create_api_token(world.engine, world.analyst.id, "CRM sync", now=NOW)
    assert created.token.startswith("eca_") and created.token not in repr(created)
    principal = resolve_api_token(world.engine, created.token, now=NOW + MIN)
    assert (principal.person_id, principal.role, principal.via) == (
        world.analyst.id,
        world.analyst.role,
        "token",
    )
    [info] = list_api_tokens(world.engine, world.analyst.id)
    assert info.last_used_at == NOW + MIN and info.name == "CRM sync"
    # A session token is not an API token, and the other way round.
    with pytest.raises(AuthError):
        resolve_session(world.engine, created.token, now=NOW)
    assert revoke_api_token(world.engine, created.id, now=NOW)
    assert not revoke_api_token(world.engine, info.id, now=NOW)
    with pytest.raises(AuthError) as exc:
        resolve_api_token(world.engine, created.token, now=NOW + 2 * MIN)
    assert reason(exc) is AuthFailure.REVOKED


# -- rate limit ----------------------------------------------------------------------------------
def test_per_source_rate_limit(world: World) -> None:
    limiter = RateLimiter(limit=3, per=MIN)
    for _ in range(3):
        login(world, "agent@atlas.example", source="198.51.100.7", limiter=limiter)
    with pytest.raises(AuthError) as exc:
        login(world, "agent@atlas.example", source="198.51.100.7", limiter=limiter)
    assert reason(exc) is AuthFailure.RATE_LIMITED and exc.value.retry_after == NOW + MIN
    login(world, "agent@atlas.example", source="203.0.113.9", limiter=limiter)
    login(world, "agent@atlas.example", source="198.51.100.7", limiter=limiter, now=NOW + MIN)
    assert limiter.remaining("198.51.100.7", NOW + MIN) == 2


def test_arbitrary_tokens_are_unknown_never_a_crash(world: World) -> None:
    """Whatever a client sends as a token, the answer is ``unknown_token``."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(token=st.text(max_size=200) | st.from_regex(r"ec[sa]_[A-Za-z0-9_-]{43}", fullmatch=True))
    def check(token: str) -> None:
        for resolve in (resolve_session, resolve_api_token):
            with pytest.raises(AuthError) as exc:
                resolve(world.engine, token, now=NOW)
            assert exc.value.reason is AuthFailure.UNKNOWN_TOKEN

    check()
