"""No clear password, session token, API token, TOTP seed or e-mail leaks into storage or errors."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from ecluse.keys import UndecryptableError
from ecluse.org import (
    AuthError,
    confirm_totp,
    create_api_token,
    enrol_totp,
    resolve_session,
    set_password,
)
from ecluse.org import _tables as t
from ecluse.org._credentials import open_totp

from .conftest import NOW, World


def dump(world: World) -> str:
    """Every org table, every row, as text (bytes shown as hex and latin-1 too)."""
    parts: list[str] = []
    with world.engine.connect() as conn:
        for table in (t.operator, t.vendors, t.sites, t.people, t.sessions, t.api_tokens):
            for row in conn.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        parts += [value.hex(), value.decode("latin-1")]
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def test_no_clear_secret_reaches_the_database(world: World) -> None:
    password = "planted-Secret-Passphrase-5150"
    set_password(world.engine, world.agent.id, password, policy=world.policy)
    sessions = [world.login("agent@atlas.example", password, now=NOW) for _ in range(3)]
    resolve_session(world.engine, sessions[0].token, now=NOW)
    api = create_api_token(world.engine, world.agent.id, "integration", now=NOW)
    pending = enrol_totp(world.engine, world.analyst.id, keyring=world.keyring)
    confirm_totp(
        world.engine,
        world.analyst.id,
        pyotp.TOTP(pending.secret).at(NOW),
        now=NOW,
        keyring=world.keyring,
    )
    later = enrol_totp(world.engine, world.admin.id, keyring=world.keyring)  # left pending
    text = dump(world)
    assert "agent@atlas.example" in text  # the scan does see stored values
    planted = [password, api.token, *(s.token for s in sessions), pending.secret, later.secret]
    for secret in planted:
        assert secret not in text
        assert secret.removeprefix("ecs_").removeprefix("eca_") not in text


def test_errors_carry_no_email_or_password(world: World) -> None:
    for email, password in [
        ("agent@atlas.example", "planted wrong pass 77"),
        ("planted.unknown@atlas.example", "planted wrong pass 77"),
    ]:
        try:
            world.login(email, password, now=NOW)
        except AuthError as exc:
            message = f"{exc} {exc!r} {exc.args}"
            assert "planted" not in message and "atlas" not in message


def test_a_totp_seed_opens_only_for_its_own_person(world: World) -> None:
    """GIVEN a sealed TOTP seed WHEN it is copied onto another person's row THEN it does not
    open there (the seal is bound to the person), so the copy is useless for logging in."""
    enrol_totp(world.engine, world.analyst.id, keyring=world.keyring)
    with world.engine.connect() as conn:
        sealed = conn.execute(
            sa.select(t.people.c.totp_pending).where(t.people.c.id == world.analyst.id)
        ).scalar_one()
    assert open_totp(world.keyring, world.analyst.id, sealed)
    with pytest.raises(UndecryptableError):
        open_totp(world.keyring, world.admin.id, sealed)
