"""A synthetic but realistic CRM extract of a Belgian operator, dirty rows included.

Deterministic for a seed. Pools of names and streets are drawn from Faker once, then combined
with a seeded RNG, so a million rows take seconds, not minutes.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from ecluse.demo._identifiers import ean, iban_be, mobile_be, national_number
from ecluse.vault import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

__all__ = ["COLUMNS", "CrmRow", "crm_rows", "write_crm_csv"]

COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CrmRow = dict[str, str]

# (postcode, city, language) — real Belgian postcodes.
_PLACES = (
    ("1000", "Bruxelles", "fr"), ("1050", "Ixelles", "fr"), ("1030", "Schaerbeek", "fr"),
    ("1070", "Anderlecht", "fr"), ("1348", "Louvain-la-Neuve", "fr"), ("1300", "Wavre", "fr"),
    ("4000", "Liège", "fr"), ("4800", "Verviers", "fr"), ("5000", "Namur", "fr"),
    ("6000", "Charleroi", "fr"), ("6700", "Arlon", "fr"), ("7000", "Mons", "fr"),
    ("7500", "Tournai", "fr"), ("1400", "Nivelles", "fr"),
    ("2000", "Antwerpen", "nl"), ("2300", "Turnhout", "nl"), ("2500", "Lier", "nl"),
    ("2800", "Mechelen", "nl"), ("3000", "Leuven", "nl"), ("3500", "Hasselt", "nl"),
    ("3600", "Genk", "nl"), ("8000", "Brugge", "nl"), ("8400", "Oostende", "nl"),
    ("8500", "Kortrijk", "nl"), ("8800", "Roeselare", "nl"), ("9000", "Gent", "nl"),
    ("9100", "Sint-Niklaas", "nl"), ("9200", "Dendermonde", "nl"), ("9300", "Aalst", "nl"),
    ("1800", "Vilvoorde", "nl"), ("1500", "Halle", "nl"),
)  # fmt: skip
_FR_STREETS = (
    "Rue de la Station", "Rue du Moulin", "Rue Haute", "Avenue Louise", "Chaussée de Wavre",
    "Rue des Lilas", "Rue de l'Église", "Place du Marché", "Boulevard d'Avroy", "Rue Neuve",
    "Rue du Commerce", "Avenue des Tilleuls", "Rue de Namur", "Rue Saint-Gilles",
)  # fmt: skip
_NL_STREETS = (
    "Kerkstraat", "Stationsstraat", "Molenstraat", "Nieuwstraat", "Dorpsstraat", "Schoolstraat",
    "Kapelstraat", "Beekstraat", "Veldstraat", "Lindenlaan", "Grote Markt", "Meir",
)  # fmt: skip
_MAIL_DOMAINS = ("gmail.com", "skynet.be", "telenet.be", "proximus.be", "hotmail.com", "outlook.be")
_PRODUCTS = (
    ("Elec Flex", 62.0), ("Gaz Fixe 3 ans", 78.5), ("Mobile 20 GB", 25.0),
    ("Internet + TV", 69.99), ("Mobile Unlimited", 39.0), ("Elec Vert Fixe", 71.2),
)  # fmt: skip


@dataclass(frozen=True)
class _Pools:
    first: dict[str, list[tuple[str, bool]]]
    last: dict[str, list[str]]
    streets: dict[str, list[str]]


def _pools(seed: int) -> _Pools:
    first: dict[str, list[tuple[str, bool]]] = {}
    last: dict[str, list[str]] = {}
    streets: dict[str, list[str]] = {"fr": list(_FR_STREETS), "nl": list(_NL_STREETS)}
    for lang, locale in (("fr", "fr_BE"), ("nl", "nl_BE")):
        fake = Faker(locale)
        fake.seed_instance(seed)
        first[lang] = [(fake.first_name_male(), True) for _ in range(150)] + [
            (fake.first_name_female(), False) for _ in range(150)
        ]
        last[lang] = [fake.last_name() for _ in range(400)]
    fake_nl = Faker("nl_BE")
    fake_nl.seed_instance(seed)
    streets["nl"] += [fake_nl.street_name() for _ in range(40)]
    return _Pools(first, last, streets)


def _phone_style(rng: random.Random, e164: str) -> str:
    national = "0" + e164[3:]
    style = rng.randrange(5)
    if style == 0:
        return f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}"
    if style == 1:
        return f"+32 {e164[3:6]} {e164[6:8]} {e164[8:10]} {e164[10:]}"
    if style == 2:
        return "00" + e164[1:]
    if style == 3:
        return f"{national[:4]}/{national[4:6]}.{national[6:8]}.{national[8:]}"
    return e164


def _email(first: str, last: str, rng: random.Random, n: int) -> str:
    import unicodedata

    def ascii_(s: str) -> str:
        s = unicodedata.normalize("NFKD", s)
        return "".join(c for c in s if c.isalnum() and c.isascii()).lower()

    local = (
        f"{ascii_(first)}.{ascii_(last)}"
        if rng.random() < 0.7
        else f"{ascii_(first)[:1]}{ascii_(last)}{n % 100}"
    )
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


def crm_rows(
    count: int, *, seed: int = 42, dirty: float = 0.08, start_id: int = 1
) -> Iterator[CrmRow]:
    """``count`` CRM rows; about ``dirty`` of them carry realistic defects."""
    rng = random.Random(seed)
    pools = _pools(seed)
    today = date(2026, 11, 1)
    for n in range(start_id, start_id + count):
        postcode, city, region_lang = rng.choice(_PLACES)
        language = region_lang if rng.random() < 0.93 else rng.choice(("fr", "nl", "en", "de"))
        name_lang = region_lang
        first, male = rng.choice(pools.first[name_lang])
        last = rng.choice(pools.last[name_lang])
        born = today - timedelta(days=rng.randrange(18 * 365, 90 * 365))
        mobile = mobile_be(rng)
        row: CrmRow = {
            "external_id": f"C-{n:07d}",
            "first_name": first,
            "last_name": last,
            "birth_date": born.isoformat() if rng.random() < 0.8 else born.strftime("%d/%m/%Y"),
            "national_number": national_number(rng, born, male),
            "language": language,
            "street": rng.choice(pools.streets[region_lang]),
            "house_number": str(rng.randrange(1, 250)),
            "box": str(rng.randrange(1, 12)) if rng.random() < 0.15 else "",
            "postcode": postcode,
            "city": city,
            "country": "BE",
            "phone": _phone_style(rng, mobile),
            "email": _email(first, last, rng, n),
            "iban": iban_be(rng),
            "mobile_lines": mobile if rng.random() < 0.6 else "",
            "ean_electricity": ean(rng) if rng.random() < 0.7 else "",
            "ean_gas": ean(rng) if rng.random() < 0.4 else "",
            "contracts": ";".join(
                f"K{n:07d}{k}|{product}|{_start(rng)}|{price}"
                for k, (product, price) in enumerate(rng.sample(_PRODUCTS, rng.randrange(1, 3)))
            ),
            "invoices": ";".join(
                f"F{n:07d}{m:02d}|2026-{m:02d}|{rng.uniform(20, 180):.2f}|{_paid(m)}"
                for m in range(8, 11)
            ),
        }
        if rng.random() < dirty:
            _dirty(row, rng)
        yield row


def _start(rng: random.Random) -> str:
    return f"20{rng.randrange(15, 26)}-0{rng.randrange(1, 10)}-01"


def _paid(month: int) -> str:
    return "paid" if month < 10 else "open"


def _dirty(row: CrmRow, rng: random.Random) -> None:
    """One of the defects real CRM extracts carry (wrong phones and e-mails above all)."""
    kind = rng.randrange(9)
    if kind in (0, 1):
        row["phone"] = row["phone"][: rng.randrange(4, 9)]  # truncated number
    elif kind in (2, 3):
        row["email"] = rng.choice(
            (row["email"].replace("@", ""), row["email"].replace(".", " ", 1), "n/a")
        )
    elif kind == 4:
        nn = row["national_number"]
        row["national_number"] = nn[:-1] + str((int(nn[-1]) + 1) % 10)  # bad checksum
    elif kind == 5:
        iban = row["iban"]
        row["iban"] = iban[:-1] + str((int(iban[-1]) + 3) % 10)  # typo
    elif kind == 6:
        row["postcode"] = "B-" + row["postcode"] + "0"
    elif kind == 7:
        row["language"] = rng.choice(("", "FR-BE", "vlaams"))
    else:
        row["first_name"] = row["last_name"] = ""  # no usable identity: rejected


def write_crm_csv(path: Path, count: int, *, seed: int = 42, dirty: float = 0.08) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(crm_rows(count, seed=seed, dirty=dirty))
    return path
