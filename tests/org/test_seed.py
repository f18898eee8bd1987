"""The demo organisation: deterministic, rerunnable, its logins work, and they are its own."""

from __future__ import annotations

import random

import pyotp
from sqlalchemy.engine import Engine

from ecluse.keys import Keyring
from ecluse.org import (
    AccountPolicy,
    authenticate,
    get_operator,
    list_people,
    resolve_session,
    seed_demo_organisation,
)
from ecluse.vocabulary import Role

from .conftest import NOW


def test_seed_is_deterministic_rerunnable_and_usable(
    engine: Engine, policy: AccountPolicy, keyring: Keyring
) -> None:
    first = seed_demo_organisation(
        engine, random.Random(42), now=NOW, policy=policy, keyring=keyring
    )
    again = seed_demo_organisation(
        engine, random.Random(42), now=NOW, policy=policy, keyring=keyring
    )
    assert [(x.email, x.password, x.handle, x.totp_secret) for x in first.logins] == [
        (x.email, x.password, x.handle, x.totp_secret) for x in again.logins
    ]
    other = random.Random(43)
    assert seed_demo_organisation(engine, other, now=NOW, policy=policy, keyring=keyring).logins[
        0
    ].password != (first.logins[0].password)
    seed_demo_organisation(engine, random.Random(42), now=NOW, policy=policy, keyring=keyring)
    op = get_operator(engine)
    assert op is not None and op.country == "BE"
    roles = {x.role for x in first.logins}
    assert roles == set(Role)
    atlas, vlaanderen = first.sites["Atlas Contact"], first.sites["Vlaanderen Care"]
    assert (atlas.country, atlas.languages, atlas.timezone) == ("MA", ("fr",), "Africa/Casablanca")
    assert (vlaanderen.country, vlaanderen.languages) == ("BE", ("nl",))
    assert first.vendors["Atlas Contact"].countries == ("MA",)
    agents = list_people(engine, role=Role.AGENT)
    assert len(agents) == 7 and all(a.skills and a.team_lead_id for a in agents)
    assert len(list_people(engine)) == len(first.logins) == 13

    for login in first.logins:
        totp = pyotp.TOTP(login.totp_secret).at(NOW) if login.totp_secret else None
        assert (login.totp_secret is not None) == (login.role in {Role.ADMIN, Role.DPO})
        session = authenticate(
            engine, login.email, login.password, totp, now=NOW, policy=policy, keyring=keyring
        )
        principal = resolve_session(engine, session.token, now=NOW)
        assert principal.role is login.role and principal.handle == login.handle


def test_the_same_seed_in_another_installation_gives_other_logins(
    engine: Engine, policy: AccountPolicy, keyring: Keyring
) -> None:
    """GIVEN the published default seed
    WHEN two installations (their own session keys) seed the demo organisation with it
    THEN the people and handles are the same, but no password or TOTP secret is: knowing the
    seed gives nobody a way into someone else's demo."""
    ours = seed_demo_organisation(
        engine, random.Random(42), now=NOW, policy=policy, keyring=keyring
    ).logins
    theirs = seed_demo_organisation(
        engine, random.Random(42), now=NOW, policy=policy, keyring=Keyring.ephemeral()
    ).logins
    assert [(x.email, x.handle) for x in ours] == [(x.email, x.handle) for x in theirs]
    assert not {x.password for x in ours} & {x.password for x in theirs}
    secrets = [x.totp_secret for x in ours if x.totp_secret]
    assert len(secrets) == 2 and not set(secrets) & {x.totp_secret for x in theirs}
    assert all(len(x.password) == 23 and x.password.count("-") == 3 for x in ours)
