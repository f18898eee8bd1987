"""No clear password, session token, API token or e-mail leaks into storage or errors."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.org import (
    AuthError,
    authenticate,
    create_api_token,
    enrol_totp,
    resolve_session,
    set_password,
)
from ecluse.org import _tables as t

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
    sessions = [
        authenticate(world.engine, "agent@atlas.example", password, now=NOW, policy=world.policy)
        for _ in range(3)
    ]
    resolve_session(world.engine, sessions[0].token, now=NOW)
    api = create_api_token(world.engine, world.agent.id, "integration", now=NOW)
    enrol_totp(world.engine, world.analyst.id)
    text = dump(world)
    assert "agent@atlas.example" in text  # the scan does see stored values
    planted = [password, api.token, *(s.token for s in sessions)]
    for secret in planted:
        assert secret not in text
        assert secret.removeprefix("ecs_").removeprefix("eca_") not in text


def test_errors_carry_no_email_or_password(world: World) -> None:
    for email, password in [
        ("agent@atlas.example", "planted wrong pass 77"),
        ("planted.unknown@atlas.example", "planted wrong pass 77"),
    ]:
        try:
            authenticate(world.engine, email, password, now=NOW, policy=world.policy)
        except AuthError as exc:
            message = f"{exc} {exc!r} {exc.args}"
            assert "planted" not in message and "atlas" not in message
