"""Synthetic personal data with valid checksums, for the development corpus and tests."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from faker import Faker
from stdnum import iban as std_iban
from stdnum import luhn

from ecluse.redact._checks import phone_e164
from ecluse.redact._text import fold

__all__ = ["CITIES", "Synth"]

#: (postcode, French name, Dutch name) of Belgian municipalities.
CITIES = [
    ("1000", "Bruxelles", "Brussel"), ("1050", "Ixelles", "Elsene"), ("1060", "Saint-Gilles",
    "Sint-Gillis"), ("1070", "Anderlecht", "Anderlecht"), ("1080", "Molenbeek-Saint-Jean",
    "Sint-Jans-Molenbeek"), ("1180", "Uccle", "Ukkel"), ("1190", "Forest", "Vorst"),
    ("1200", "Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe"), ("1300", "Wavre", "Waver"),
    ("1348", "Louvain-la-Neuve", "Louvain-la-Neuve"), ("1400", "Nivelles", "Nijvel"),
    ("2000", "Anvers", "Antwerpen"), ("2800", "Malines", "Mechelen"), ("3000", "Louvain",
    "Leuven"), ("3500", "Hasselt", "Hasselt"), ("4000", "Liège", "Luik"), ("4800", "Verviers",
    "Verviers"), ("5000", "Namur", "Namen"), ("6000", "Charleroi", "Charleroi"),
    ("7000", "Mons", "Bergen"), ("7500", "Tournai", "Doornik"), ("8000", "Bruges", "Brugge"),
    ("8500", "Courtrai", "Kortrijk"), ("9000", "Gand", "Gent"), ("9300", "Alost", "Aalst"),
    ("6700", "Arlon", "Aarlen"), ("3600", "Genk", "Genk"), ("8400", "Ostende", "Oostende"),
]  # fmt: skip
_FR_STREETS = [
    "de la Station", "des Alliés", "Louise", "du Midi", "Victor Hugo", "de Namur", "Haute",
    "de l'Église", "des Tilleuls", "du Moulin", "Saint-Lambert", "de la Gare", "Royale",
    "des Écoles", "du Bois", "Émile Jacqmain", "de Mons", "des Champs", "du Marché",
]  # fmt: skip
_FR_TYPES = ["Rue", "Avenue", "Chaussée", "Boulevard", "Place", "Chemin", "Clos", "Drève"]
_NL_STEMS = [
    "Kerk", "School", "Molen", "Stations", "Dorps", "Linden", "Beuken", "Kapel", "Brug",
    "Veld", "Hoog", "Nieuw", "Sint-Jans", "Koning Albert", "Leopold", "Vijver", "Bos",
]  # fmt: skip
_BE_MOBILE = ["470", "471", "472", "475", "476", "477", "478", "479", "485", "486", "491", "495"]
_MAIL_DOMAINS = ["gmail.com", "hotmail.com", "skynet.be", "telenet.be", "outlook.com", "yahoo.fr"]
_NL_SUFFIXES = ["straat", "laan", "steenweg", "plein", "dreef", "weg", "lei"]
_FOREIGN = [
    "12 rue de la Paix, 75002 Paris",
    "8 avenue Jean Jaurès, 69007 Lyon",
    "45 Bd Mohammed V, 20000 Casablanca",
    "17 Avenue Hassan II, 10000 Rabat",
    "Damstraat 1, 1012 AB Amsterdam",
    "Lange Voorhout 34, 2514 EE Den Haag",
]


@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


class Synth:
    """Deterministic generator of plausible Belgian customer data (seeded)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc in ("fr_BE", "nl_BE", "en_GB")}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(seed * 7 + i)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def person(self, lang: str) -> Person:
        f = self.fakers[{"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}[lang]]
        return Person(f.first_name(), f.last_name())

    def phone(self) -> tuple[str, str]:
        """(E.164 as stored in the vault, the spelling written in the message), valid."""
        while True:
            e164, written = self._phone()
            if phone_e164(written) == e164:
                return e164, written

    def _phone(self) -> tuple[str, str]:
        r = self.rng
        kinds = ["be_mobile", "be_fixed", "fr", "ma", "nl", "lu", "de"]
        kind = r.choices(kinds, [6, 2, 1, 1, 1, 0.5, 0.5])[0]
        if kind == "be_mobile":
            nsn = r.choice(_BE_MOBILE) + self.digits(6)
            a, b, c, d = nsn[:3], nsn[3:5], nsn[5:7], nsn[7:]
            forms = [
                f"0{a} {b} {c} {d}",
                f"0{a}/{b}.{c}.{d}",
                f"+32 {a} {b} {c} {d}",
                f"0032{nsn}",
                f"0{nsn}",
                f"+32 (0){a} {b}{c}{d}",
                f"0{a}.{b}.{c}.{d}",
            ]
            return "+32" + nsn, r.choice(forms)
        if kind == "be_fixed":
            nsn = r.choice(["2", "9", "3", "4"]) + str(r.randint(2, 9)) + self.digits(6)
            a, b, c, d = nsn[0], nsn[1:4], nsn[4:6], nsn[6:]
            forms = [f"0{a} {b} {c} {d}", f"0{a}/{b}.{c}.{d}", f"+32 {a} {b} {c} {d}"]
            return "+32" + nsn, r.choice(forms)
        if kind == "fr":
            nsn = "6" + self.digits(8)
            pairs = " ".join(nsn[i : i + 2] for i in range(1, 9, 2))
            return "+33" + nsn, r.choice([f"06 {pairs}", f"+33 6 {pairs}"])
        if kind == "ma":
            nsn = "6" + r.choice(["61", "62", "66", "70"]) + self.digits(6)
            return "+212" + nsn, r.choice(
                [
                    f"+212 {nsn[0]} {nsn[1:3]} {nsn[3:5]} {nsn[5:7]} {nsn[7:]}",
                    f"0{nsn[:3]}-{nsn[3:]}",
                ]
            )
        if kind == "nl":
            nsn = "6" + self.digits(8)
            return "+31" + nsn, r.choice([f"06-{nsn[1:]}", f"+31 6 {nsn[1:]}"])
        if kind == "lu":
            nsn = "621" + self.digits(6)
            return "+352" + nsn, f"+352 {nsn[:3]} {nsn[3:6]} {nsn[6:]}"
        nsn = "30" + self.digits(8)
        return "+49" + nsn, f"+49 30 {nsn[2:]}"

    def iban(self) -> tuple[str, str]:
        r = self.rng
        if r.random() < 0.85:
            while True:  # the bank code must exist too: retry until stdnum accepts it
                account = r.choice(["001", "063", "068", "363", "310", "735", "737", "973"])
                account += self.digits(7)
                bban = f"{account}{int(account) % 97 or 97:02d}"
                iban = "BE" + std_iban.calc_check_digits("BE00" + bban) + bban
                if std_iban.is_valid(iban):
                    break
        else:
            iban = self.fakers["en_GB"].iban() if r.random() < 0.5 else Faker("nl_NL").iban()
        spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban, r.choice([iban, spaced, spaced])

    def birth_date(self) -> date:
        return date(self.rng.randint(1940, 2003), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def national_number(self, born: date) -> tuple[str, str]:
        base = f"{born:%y%m%d}{self.rng.randint(1, 997):03d}"
        num = int(("2" if born.year >= 2000 else "") + base)
        nn = f"{base}{97 - num % 97:02d}"
        fmt = f"{nn[:2]}.{nn[2:4]}.{nn[4:6]}-{nn[6:9]}.{nn[9:]}"
        return nn, self.rng.choice([nn, fmt, fmt])

    def ean(self) -> tuple[str, str]:
        body = "54" + self.digits(15)
        total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
        code = body + str((10 - total % 10) % 10)
        return code, self.rng.choice([code, code, " ".join(code[i : i + 6] for i in (0, 6, 12))])

    def card(self) -> str:
        body = self.rng.choice(["4", "5"]) + self.digits(14)
        num = body + luhn.calc_check_digit(body)
        return self.rng.choice([num, " ".join(num[i : i + 4] for i in range(0, 16, 4))])

    def vat(self) -> str:
        first = "0" + str(self.rng.randint(2, 9)) + self.digits(6)
        num = first + f"{97 - int(first) % 97:02d}"
        dotted = f"{num[:4]}.{num[4:7]}.{num[7:]}"
        return self.rng.choice([f"BE {dotted}", f"BE{num}", dotted])

    def payment_ref(self) -> str:
        base = self.digits(10)
        d = base + f"{int(base) % 97 or 97:02d}"
        return f"+++{d[:3]}/{d[3:7]}/{d[7:]}+++"

    def ip(self) -> str:
        return ".".join(str(self.rng.randint(1, 223 if i == 0 else 254)) for i in range(4))

    def address(self, lang: str) -> str:
        r = self.rng
        if r.random() < 0.1:
            return r.choice(_FOREIGN)
        postcode, fr_city, nl_city = r.choice(CITIES)
        number = str(r.randint(1, 250)) + r.choice(["", "", "", "A", " bte 3", " bus 2", "/12"])
        if lang == "fr" or (lang == "en" and r.random() < 0.5):
            street = f"{r.choice(_FR_TYPES)} {r.choice(_FR_STREETS)} {number}"
            return f"{street}, {postcode} {fr_city}"
        return f"{r.choice(_NL_STEMS)}{r.choice(_NL_SUFFIXES)} {number}, {postcode} {nl_city}"

    def email(self, person: Person) -> str:
        local = fold(f"{person.first}.{person.last}").replace(" ", "").replace("'", "")
        domain = self.rng.choice(_MAIL_DOMAINS)
        return f"{local}{self.rng.choice(['', '', str(self.rng.randint(1, 99))])}@{domain}"
