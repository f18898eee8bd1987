"""Development corpus: annotated customer-service messages with synthetic personal data.

Deterministic by seed. Every message belongs to a synthetic customer whose vault values
(:class:`KnownValues`) come with it; the text writes those values in varied spellings (other
phone formats, no accents, a typo in the surname, upper-case surnames) and adds third parties
who are not in the vault, plus look-alikes that are not personal data (amounts, invoice dates,
counts, the operator's hotline and product names).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from ecluse.redact._lang import LANGUAGES
from ecluse.redact._synth import Person, Synth
from ecluse.redact._templates import TEMPLATES, TRANSCRIPTS
from ecluse.redact._text import fold
from ecluse.redact._types import EntityType, KnownValues

__all__ = ["CORPUS_ALLOW_LIST", "CorpusMessage", "GoldSpan", "generate_corpus"]

#: The operator's public data used in the corpus (hotline, products): never personal data.
CORPUS_ALLOW_LIST = ("078 15 15 15", "Engie Easy", "Proximus Flex", "Luminus ComfyPlus")
_SLOT = re.compile(r"\{(\w+)\}")
_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}
_TITLES = {
    "fr": ["Madame", "Monsieur", "Mme", "M."],
    "nl": ["Mevrouw", "Meneer", "dhr.", "mevr."],
    "en": ["Mr", "Mrs", "Ms"],
}
_COUNTS = {
    "fr": ["3 jours", "deux semaines", "48 heures", "trois fois", "5 fois"],
    "nl": ["3 dagen", "twee weken", "48 uur", "drie keer", "5 keer"],
    "en": ["3 days", "two weeks", "48 hours", "three times", "5 times"],
}


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    entity: EntityType


@dataclass(frozen=True)
class CorpusMessage:
    id: str
    lang: str
    style: str  # "written" or "transcript"
    scenario: str
    text: str
    spans: tuple[GoldSpan, ...]
    known: KnownValues

    def values(self) -> list[tuple[EntityType, str]]:
        return [(s.entity, self.text[s.start : s.end]) for s in self.spans]


@dataclass
class _Customer:
    person: Person
    phone: tuple[str, str]
    email: str
    iban: tuple[str, str]
    born: date
    nn: tuple[str, str]
    ean: tuple[str, str]
    address: str
    customer: str
    contract: str


def _date_text(rng: random.Random, d: date, lang: str) -> str:
    months = _MONTHS[lang].split()
    forms = [f"{d:%d/%m/%Y}", f"{d.day} {months[d.month - 1]} {d.year}", f"{d:%d-%m-%Y}"]
    if lang == "en":
        forms.append(f"{months[d.month - 1]} {d.day}, {d.year}")
    return rng.choice(forms)


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randint(1, len(word) - 3)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _spelled_name(rng: random.Random, p: Person) -> str:
    r = rng.random()
    if r < 0.15:
        return fold(p.full).title()  # accents lost
    if r < 0.25:
        return f"{p.first} {p.last.upper()}"
    if r < 0.33:
        return f"{p.first} {_typo(rng, p.last)}"
    return p.full


class _Builder:
    def __init__(self, seed: int) -> None:
        self.synth = Synth(seed)
        self.rng = self.synth.rng

    def customer(self, lang: str) -> _Customer:
        s = self.synth
        person = s.person(lang)
        born = s.birth_date()
        return _Customer(
            person=person,
            phone=s.phone(),
            email=s.email(person),
            iban=s.iban(),
            born=born,
            nn=s.national_number(born),
            ean=s.ean(),
            address=s.address(lang),
            customer=f"C-{s.digits(6)}",
            contract=f"CTR-{s.digits(7)}",
        )

    def amount(self) -> str:
        euros, cents = self.rng.randint(20, 900), self.rng.randint(0, 99)
        return self.rng.choice([f"{euros},{cents:02d} €", f"€{euros}.{cents:02d}"])

    def slot(
        self, name: str, lang: str, c: _Customer, other: Person
    ) -> tuple[str, EntityType | None]:
        s, r, e = self.synth, self.rng, EntityType
        fill: dict[str, tuple[str, EntityType | None]] = {
            "name": (_spelled_name(r, c.person), e.PERSON),
            "last": (c.person.last if r.random() < 0.8 else c.person.last.upper(), e.PERSON),
            "title": (r.choice(_TITLES[lang]), None),
            "other": (other.full, e.PERSON),
            "phone": (s.phone()[1] if r.random() < 0.1 else c.phone[1], e.PHONE),
            "phone2": (s.phone()[1], e.PHONE),
            "email": (c.email, e.EMAIL),
            "iban": (c.iban[1], e.IBAN),
            "nn": (c.nn[1], e.NATIONAL_NUMBER),
            "ean": (c.ean[1], e.EAN),
            "birth": (_date_text(r, c.born, lang), e.BIRTH_DATE),
            "address": (c.address, e.ADDRESS),
            "customer": (c.customer, e.CUSTOMER_NUMBER),
            "contract": (c.contract, e.CONTRACT_NUMBER),
            "card": (s.card(), e.CARD),
            "vat": (s.vat(), e.VAT),
            "ref": (s.payment_ref(), e.PAYMENT_REF),
            "ip": (s.ip(), e.IP),
            "amount": (self.amount(), None),
            "date": (_date_text(r, date(2024, r.randint(1, 12), r.randint(1, 28)), lang), None),
            "count": (r.choice(_COUNTS[lang]), None),
            "kwh": (f"{r.randint(800, 9000)} kWh", None),
            "invoice": (f"F{r.randint(2022, 2025)}-{s.digits(6)}", None),
            "hotline": (CORPUS_ALLOW_LIST[0], None),
            "product": (r.choice(CORPUS_ALLOW_LIST[1:]), None),
        }
        return fill[name]

    def message(self, idx: int, lang: str) -> CorpusMessage:
        r = self.rng
        c = self.customer(lang)
        other = self.synth.person(lang)
        transcript = r.random() < 0.3
        if transcript:
            scenario, template = "call", r.choice(TRANSCRIPTS[lang])
        else:
            scenario = r.choice(sorted(TEMPLATES))
            template = r.choice(TEMPLATES[scenario][lang])
        parts: list[str] = []
        spans: list[GoldSpan] = []
        pos = 0
        length = 0
        for m in _SLOT.finditer(template):
            literal = template[pos : m.start()]
            parts.append(literal)
            length += len(literal)
            value, entity = self.slot(m.group(1), lang, c, other)
            if transcript:
                value = value.lower().replace(",", "")
            parts.append(value)
            if entity is not None:
                spans.append(GoldSpan(length, length + len(value), entity))
            length += len(value)
            pos = m.end()
        parts.append(template[pos:])
        known = KnownValues(
            names=(c.person.full,),
            birth_date=c.born.isoformat(),
            national_number=c.nn[0],
            phones=(c.phone[0],),
            emails=(c.email,),
            ibans=(c.iban[0],),
            addresses=(c.address,),
            eans=(c.ean[0],),
            contract_numbers=(c.contract,),
            customer_numbers=(c.customer,),
        )
        return CorpusMessage(
            id=f"{lang}-{idx:05d}",
            lang=lang,
            style="transcript" if transcript else "written",
            scenario=scenario,
            text="".join(parts),
            spans=tuple(spans),
            known=known,
        )


def generate_corpus(
    n: int, *, seed: int = 0, languages: tuple[str, ...] = LANGUAGES
) -> list[CorpusMessage]:
    """``n`` annotated messages, spread evenly over ``languages``; same seed, same corpus."""
    builder = _Builder(seed)
    return [builder.message(i, languages[i % len(languages)]) for i in range(n)]
