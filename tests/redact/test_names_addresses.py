"""Person names and postal addresses, per language, with cues and look-alikes."""

from __future__ import annotations

import pytest

from ecluse.redact import Redactor
from tests.redact.conftest import found

NAMES = [
    ("fr", "Bonjour, je m'appelle Nathalie Bruyère et j'ai un souci", "Nathalie Bruyère"),
    ("fr", "euh oui bonjour c'est nathalie bruyere pour le compteur", "nathalie bruyere"),
    ("fr", "Merci Madame Dupont pour votre patience", "Dupont"),
    ("fr", "mon voisin Sander Van Driessche a le même problème", "Sander Van Driessche"),
    ("nl", "Goedendag, mijn naam is Jan Peeters uit Gent", "Jan Peeters"),
    ("nl", "dhr. Janssens belde gisteren", "Janssens"),
    ("nl", "Met vriendelijke groeten,\nKevin Janssens", "Kevin Janssens"),
    ("en", "Dear Mr Hardy, thank you for your message", "Hardy"),
    ("en", "Hello, this is Ruth Baker calling about my bill", "Ruth Baker"),
]

NOT_NAMES = [
    ("fr", "Bonjour, ma facture de mars est trop élevée", "Bonjour"),
    ("fr", "J'habite Rue Victor Hugo 12 depuis 2019", "Victor Hugo"),
    ("nl", "Ik woon in Gent sinds vorig jaar", "Gent"),
    ("en", "Thanks for the quick answer, regards", "Thanks"),
    ("fr", "Bonjour, Paris est magnifique mais je voudrais résilier", "Paris"),
    ("fr", "Le modem Fritz!Box 7530 redémarre sans cesse", "Fritz"),
    ("en", "Tracking number 1Z999AA10123456784 shows no movement", "AA"),
]

ADDRESSES = [
    ("fr", "Mon adresse: Rue de la Station 12 bte 3, 1000 Bruxelles. Merci",
     "Rue de la Station 12 bte 3, 1000 Bruxelles"),
    ("fr", "euh j'habite rue des alliés 45 à 1190 forest depuis",
     "rue des alliés 45 à 1190 forest"),
    ("fr", "livraison au 12 rue de la Paix, 75002 Paris", "12 rue de la Paix, 75002 Paris"),
    ("fr", "adresse à Casablanca: 45 Bd Mohammed V, 20000 Casablanca",
     "45 Bd Mohammed V, 20000 Casablanca"),
    ("nl", "Ik woon in de Kerkstraat 5 bus 2, 9000 Gent sinds 2019",
     "Kerkstraat 5 bus 2, 9000 Gent"),
    ("nl", "ons adres is Damstraat 1, 1012 AB Amsterdam", "Damstraat 1, 1012 AB Amsterdam"),
    ("nl", "stuur het naar Postbus 123", "Postbus 123"),
    ("en", "please send it to Grote Markt 1, 8000 Brugge", "Grote Markt 1, 8000 Brugge"),
    ("en", "my new address is 36 Holland Road", "36 Holland Road"),
]  # fmt: skip

NOT_ADDRESSES = [
    ("fr", "le 12 mars 2024 j'ai payé 1500 euros pour 3 factures"),
    ("nl", "ik betaal 2024 euro per jaar voor 3500 kWh"),
    ("en", "in 2023 I used 4000 kWh"),
]


@pytest.mark.parametrize(("lang", "text", "name"), NAMES)
def test_finds_name(redactor: Redactor, lang: str, text: str, name: str) -> None:
    assert ("PERSON", name) in found(redactor, text, lang)


@pytest.mark.parametrize(("lang", "text", "word"), NOT_NAMES)
def test_not_a_name(redactor: Redactor, lang: str, text: str, word: str) -> None:
    assert ("PERSON", word) not in found(redactor, text, lang)


@pytest.mark.parametrize(("lang", "text", "address"), ADDRESSES)
def test_finds_address(redactor: Redactor, lang: str, text: str, address: str) -> None:
    assert ("ADDRESS", address) in found(redactor, text, lang)


@pytest.mark.parametrize(("lang", "text"), NOT_ADDRESSES)
def test_not_an_address(redactor: Redactor, lang: str, text: str) -> None:
    assert "ADDRESS" not in {e for e, _ in found(redactor, text, lang)}


def test_french_model_finds_names_the_lexicon_does_not_know(
    redactor: Redactor, redactor_no_ner: Redactor
) -> None:
    """GIVEN a French message naming someone whose names are in no list, with no cue
    THEN only the spaCy model finds them, and the model is used for it."""
    text = "Le compteur de Nkemelu Obiageli est cassé."
    assert ("PERSON", "Nkemelu Obiageli") in found(redactor, text, "fr")
    assert "PERSON" not in {e for e, _ in found(redactor_no_ner, text, "fr")}


def test_sentence_opening_verbs_are_not_names(redactor: Redactor) -> None:
    text = "Ma ligne est coupée. Appelez ma fille. Pouvez-vous vérifier ?"
    assert found(redactor, text, "fr") == []
