"""A demo organisation: the operator's staff and two vendors, deterministic from a seed.

The seed makes the people; their passwords and TOTP secrets also depend on the installation's
own session key, so that a published seed (42 by default) gives away nobody's login.
"""

from __future__ import annotations

import hmac
import random
import string
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from ecluse.db import utcnow
from ecluse.errors import NotFound
from ecluse.keys import Keyring
from ecluse.org._credentials import activate_totp_secret, set_password
from ecluse.org._directory import add_site, add_vendor, find_site, find_vendor, set_operator
from ecluse.org._model import TOTP_REQUIRED_ROLES, Site, Vendor
from ecluse.org._people import add_person, find_person
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy
from ecluse.vocabulary import CaseType, Role

__all__ = ["DemoLogin", "DemoOrganisation", "seed_demo_organisation"]

_C = CaseType


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    role: Role
    handle: str
    organisation: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    logins: tuple[DemoLogin, ...]
    vendors: dict[str, Vendor]
    sites: dict[str, Site]  # by vendor name


@dataclass(frozen=True, slots=True)
class _VendorPlan:
    name: str
    domain: str
    country: str
    site: str
    timezone: str
    hours: str
    languages: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    # per agent: skills and languages (the team lead gets every skill)
    agents: tuple[tuple[tuple[CaseType, ...], tuple[str, ...]], ...]


_OPERATOR_DOMAIN = "lumen.example"
_STAFF = (
    (Role.ADMIN, "admin"),
    (Role.DPO, "dpo"),
    (Role.ANALYST, "analyst"),
    (Role.SUPERVISOR, "supervisor"),
)
_VENDORS = (
    _VendorPlan(
        name="Atlas Contact",
        domain="atlas-contact.example",
        country="MA",
        site="Casablanca",
        timezone="Africa/Casablanca",
        hours="mon-fri 08:00-18:00; sat 09:00-13:00",
        languages=("fr",),
        first_names=("Yasmine", "Karim", "Salma", "Mehdi", "Imane", "Youssef", "Nadia"),
        last_names=("Benali", "El Idrissi", "Alaoui", "Tazi", "Bennani", "Chraibi", "Amrani"),
        agents=(
            ((_C.INVOICE_EXPLANATION, _C.METER_MOVE, _C.CONTRACT_RENEGOTIATION), ("fr",)),
            ((_C.INVOICE_EXPLANATION, _C.COMPLAINT), ("fr",)),
            ((_C.METER_MOVE, _C.LINE_RESTORE, _C.USAGE_REVIEW), ("fr",)),
            ((_C.INVOICE_EXPLANATION, _C.PRIVACY_REQUEST, _C.COMPLAINT), ("fr", "en")),
        ),
    ),
    _VendorPlan(
        name="Vlaanderen Care",
        domain="vlaanderen-care.example",
        country="BE",
        site="Antwerpen",
        timezone="Europe/Brussels",
        hours="mon-fri 08:00-18:00",
        languages=("nl",),
        first_names=("Lotte", "Pieter", "Sofie", "Jeroen", "Femke", "Wout", "Elke"),
        last_names=("Peeters", "Janssens", "Maes", "Willems", "Claes", "Goossens", "Wouters"),
        agents=(
            ((_C.INVOICE_EXPLANATION, _C.METER_MOVE, _C.CONTRACT_RENEGOTIATION), ("nl",)),
            ((_C.INVOICE_EXPLANATION, _C.COMPLAINT, _C.USAGE_REVIEW), ("nl", "fr")),
            ((_C.METER_MOVE, _C.LINE_RESTORE, _C.PRIVACY_REQUEST), ("nl", "en")),
        ),
    ),
)


def seed_demo_organisation(
    engine: Engine,
    rng: random.Random,
    *,
    now: datetime | None = None,
    keyring: Keyring,
    policy: AccountPolicy = DEFAULT_POLICY,
    operator_name: str = "Lumen Energie",
) -> DemoOrganisation:
    """Seed the operator (admin, dpo, analyst, supervisor), "Atlas Contact" (French, Casablanca)
    and "Vlaanderen Care" (Dutch, Antwerp), each with a team lead and agents.

    The same ``rng`` seed gives the same people and handles; in the same installation, also
    the same passwords and TOTP secrets (drawn from its session key: another installation with
    the same seed gets others). A rerun keeps existing rows and resets their passwords to
    those. Returns the logins.
    """
    now = now or utcnow()
    handles = random.Random(rng.getrandbits(64))
    logins: list[DemoLogin] = []

    def person(org: str, email: str, role: Role, name: str, **kw: object) -> int:
        # the seed's draws, then the installation's key over them
        password = _password(_secret(keyring, b"password", _draw(rng, 20)))
        totp = role in TOTP_REQUIRED_ROLES
        secret = (
            b32encode(_secret(keyring, b"totp", rng.randbytes(20))[:20]).decode() if totp else None
        )
        try:
            who = find_person(engine, email)
        except NotFound:
            who = add_person(
                engine,
                email=email,
                display_name=name,
                role=role,
                now=now,
                rng=handles,
                **kw,  # type: ignore[arg-type]
            )
        set_password(engine, who.id, password, now=now, policy=policy)
        if secret:
            activate_totp_secret(engine, who.id, secret, keyring=keyring)
        logins.append(DemoLogin(email, role, who.handle, org, password, secret))
        return who.id

    set_operator(engine, operator_name, "BE")
    for role, local in _STAFF:
        person(operator_name, f"{local}@{_OPERATOR_DOMAIN}", role, f"Demo {role.value.title()}")

    vendors: dict[str, Vendor] = {}
    sites: dict[str, Site] = {}
    for n, plan in enumerate(_VENDORS):
        try:
            vendor = find_vendor(engine, plan.name)
        except NotFound:
            vendor = add_vendor(
                engine,
                plan.name,
                contract_start=now - timedelta(days=365 - 100 * n),
                contract_end=now + timedelta(days=730 - 300 * n),
                countries=[plan.country],
                now=now,
            )
        try:
            site = find_site(engine, vendor.id, plan.site)
        except NotFound:
            site = add_site(
                engine,
                vendor.id,
                plan.site,
                country=plan.country,
                languages=plan.languages,
                timezone=plan.timezone,
                hours=plan.hours,
            )
        vendors[plan.name], sites[plan.name] = vendor, site
        names = [
            f"{rng.choice(plan.first_names)} {rng.choice(plan.last_names)}"
            for _ in range(len(plan.agents) + 1)
        ]
        where = {"vendor_id": vendor.id, "site_id": site.id}
        lead = person(
            plan.name,
            f"lead@{plan.domain}",
            Role.TEAM_LEAD,
            names[0],
            skills=[c.value for c in CaseType],
            languages=plan.languages,
            capacity=4,
            **where,
        )
        for i, (skills, languages) in enumerate(plan.agents, 1):
            person(
                plan.name,
                f"agent{i}@{plan.domain}",
                Role.AGENT,
                names[i],
                skills=[s.value for s in skills],
                languages=languages,
                team_lead_id=lead,
                **where,
            )
    return DemoOrganisation(tuple(logins), vendors, sites)


def _secret(keyring: Keyring, purpose: bytes, drawn: bytes) -> bytes:
    return hmac.digest(keyring.session_key, b"ecluse.demo." + purpose + b"\0" + drawn, "sha256")


_ALPHABET = string.ascii_letters + string.digits


def _draw(rng: random.Random, n: int) -> bytes:
    return "".join(rng.choice(_ALPHABET) for _ in range(n)).encode()


def _password(secret: bytes) -> str:
    # 20 characters from 62 symbols: ~119 bits, and readable enough to type in a demo.
    n = int.from_bytes(secret, "big")
    chars = []
    for _ in range(20):
        n, i = divmod(n, len(_ALPHABET))
        chars.append(_ALPHABET[i])
    return "-".join("".join(chars[k : k + 5]) for k in range(0, 20, 5))
