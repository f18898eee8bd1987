"""Structured identifiers, per entity and language, and look-alikes that must stay."""

from __future__ import annotations

import pytest

from ecluse.redact import Redactor
from tests.redact.conftest import found

# (language, text, entity, value that must be found as that entity)
POSITIVE = [
    ("fr", "Mon numéro est le 0470/12.34.56, merci.", "PHONE", "0470/12.34.56"),
    ("fr", "Appelez-moi au +32 470 12 34 56 demain", "PHONE", "+32 470 12 34 56"),
    ("fr", "mon fixe 02 512 34 56 le soir", "PHONE", "02 512 34 56"),
    ("fr", "au Maroc: +212 6 61 23 45 67", "PHONE", "+212 6 61 23 45 67"),
    ("fr", "portable français 06 12 34 56 78", "PHONE", "06 12 34 56 78"),
    ("fr", "au Luxembourg +352 621 123 456", "PHONE", "+352 621 123 456"),
    ("nl", "Bel me op 0032 9 234 56 78 aub", "PHONE", "0032 9 234 56 78"),
    ("nl", "mijn Nederlandse nummer 06-12345678", "PHONE", "06-12345678"),
    ("en", "my German number is +49 30 12345678", "PHONE", "+49 30 12345678"),
    ("fr", "écrivez à jean.dupont+ecluse@gmail.com svp", "EMAIL", "jean.dupont+ecluse@gmail.com"),
    ("fr", "IBAN BE16 0609 8259 7974 merci", "IBAN", "BE16 0609 8259 7974"),
    ("nl", "rekening BE16060982597974.", "IBAN", "BE16060982597974"),
    (
        "en",
        "account FR76 3000 6000 0112 3456 7890 189 please",
        "IBAN",
        "FR76 3000 6000 0112 3456 7890 189",
    ),
    ("fr", "NN 85.07.30-033.28 du client", "NATIONAL_NUMBER", "85.07.30-033.28"),
    ("nl", "rijksregisternummer 85073003328", "NATIONAL_NUMBER", "85073003328"),
    ("fr", "le code EAN 541448820000000015 du compteur", "EAN", "541448820000000015"),
    ("en", "card 4111 1111 1111 1111 expired", "CARD", "4111 1111 1111 1111"),
    ("fr", "TVA BE 0403.170.701 de la société", "VAT", "BE 0403.170.701"),
    ("nl", "ondernemingsnummer 0403170701", "VAT", "0403170701"),
    ("fr", "communication +++090/9337/55493+++ svp", "PAYMENT_REF", "+++090/9337/55493+++"),
    ("nl", "mededeling ***090/9337/55493***", "PAYMENT_REF", "***090/9337/55493***"),
    ("fr", "je suis née le 30/07/1985 à Liège", "BIRTH_DATE", "30/07/1985"),
    ("nl", "geboren op 3 maart 1962 in Gent", "BIRTH_DATE", "3 maart 1962"),
    ("en", "date of birth: March 3, 1962", "BIRTH_DATE", "March 3, 1962"),
    ("fr", "numéro client : 12345678", "CUSTOMER_NUMBER", "12345678"),
    ("en", "customer C-000123 called", "CUSTOMER_NUMBER", "C-000123"),
    ("nl", "contractnummer CTR-2024117 loopt af", "CONTRACT_NUMBER", "CTR-2024117"),
    ("en", "login from 192.168.10.20 failed", "IP", "192.168.10.20"),
    ("en", "ipv6 2001:db8::1 seen", "IP", "2001:db8::1"),
]

# (language, text, entity that must NOT be reported)
LOOK_ALIKES = [
    ("fr", "Votre facture de 1.234,56 € du 12/03/2024", "PHONE"),
    ("fr", "3 commandes, 0470 kWh ce mois-ci", "PHONE"),
    ("fr", "rendez-vous le 01/02/2024 entre 09.30 et 12.00", "PHONE"),
    ("nl", "factuur van 12/03/2024 voor 234,56 euro", "BIRTH_DATE"),
    ("fr", "facture du 12 mars 2024", "BIRTH_DATE"),
    ("fr", "IBAN BE16 0609 8259 7975 (erroné)", "IBAN"),
    ("fr", "NN 85.07.30-033.29", "NATIONAL_NUMBER"),
    ("fr", "EAN 541448820000000016", "EAN"),
    ("en", "order 4111 1111 1111 1112", "CARD"),
    ("fr", "communication +++090/9337/55494+++", "PAYMENT_REF"),
    ("en", "version 1.2.3.4.5 of the app", "IP"),
    ("en", "at 10:30:45 today", "IP"),
    ("nl", "0403.170.702 is geen geldig nummer", "VAT"),
    ("en", "we sent 12 345 678 messages", "PHONE"),
]


@pytest.mark.parametrize(("lang", "text", "entity", "value"), POSITIVE)
def test_finds_identifier(
    redactor_no_ner: Redactor, lang: str, text: str, entity: str, value: str
) -> None:
    assert (entity, value) in found(redactor_no_ner, text, lang)


@pytest.mark.parametrize(("lang", "text", "entity"), LOOK_ALIKES)
def test_look_alike_is_not_redacted(
    redactor_no_ner: Redactor, lang: str, text: str, entity: str
) -> None:
    assert entity not in {e for e, _ in found(redactor_no_ner, text, lang)}


def test_language_is_guessed() -> None:
    from ecluse.redact import guess_language

    assert guess_language("Bonjour, je voudrais changer mon contrat") == "fr"
    assert guess_language("Goedendag, ik heb een vraag over mijn factuur") == "nl"
    assert guess_language("Hello, I have a question about my bill") == "en"
