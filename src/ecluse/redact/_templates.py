"""Message templates of the development corpus: customer-service e-mails, chats and call
transcripts in French, Dutch and English. ``{slot}``s are filled by :mod:`._corpus`."""

from __future__ import annotations

__all__ = ["TEMPLATES", "TRANSCRIPTS"]

# scenario -> language -> templates (written messages: e-mail and chat)
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "invoice_dispute": {
        "fr": [
            "Bonjour,\nJe m'appelle {name} et je conteste la facture du {date} de {amount}. "
            "Mon numéro client est {customer}. Le prélèvement sur mon compte {iban} a déjà "
            "été fait. Merci de me rappeler au {phone}.\nCordialement,\n{name}",
            "Madame, Monsieur, ma facture {invoice} ({amount}) est trop élevée, j'ai consommé "
            "{kwh}. J'ai payé avec la communication {ref}. {title} {last}, {email}",
            "Bonjour, c'est {name}. J'ai été débité deux fois de {amount} sur {iban} le {date}. "
            "Pouvez-vous vérifier ? J'ai déjà appelé le {hotline} {count}.",
        ],
        "nl": [
            "Goedendag,\nMijn naam is {name}. Ik ga niet akkoord met de factuur van {date} "
            "({amount}). Klantnummer {customer}. Het bedrag werd van {iban} gehaald. "
            "Bel me op {phone}.\nMet vriendelijke groeten,\n{name}",
            "Beste, factuur {invoice} van {amount} klopt niet, ik verbruikte maar {kwh}. "
            "Betaald met mededeling {ref}. Groeten, {title} {last} ({email})",
            "Hallo, hier is {name}. Er werd twee keer {amount} afgehaald van {iban} op {date}. "
            "Ik heb al {count} de {hotline} gebeld.",
        ],
        "en": [
            "Hello,\nMy name is {name} and I dispute the invoice of {date} for {amount}. "
            "Customer number {customer}. It was debited from {iban}. Please call me on {phone}.\n"
            "Kind regards,\n{name}",
            "Dear Sir or Madam, invoice {invoice} ({amount}) is too high, I only used {kwh}. "
            "I paid with reference {ref}. {title} {last}, {email}",
            "Hi, this is {name}. You charged {amount} twice to {iban} on {date}. "
            "I already called {hotline} {count}.",
        ],
    },
    "meter_move": {
        "fr": [
            "Bonjour, je déménage le {date}. Ancienne adresse : {address}. Le compteur a le code "
            "EAN {ean}. Je suis né le {birth}, numéro national {nn}. {name}, {phone}",
            "Bonjour, {title} {last} ici. Je quitte le {address} et je voudrais transférer mon "
            "contrat {contract} ({product}). Mon mail : {email}. Merci !",
        ],
        "nl": [
            "Goedendag, ik verhuis op {date}. Oud adres: {address}. EAN-code van de meter: {ean}. "
            "Geboren op {birth}, rijksregisternummer {nn}. {name}, {phone}",
            "Dag, {title} {last} hier. Ik verlaat {address} en wil mijn contract {contract} "
            "({product}) overzetten. Mijn e-mail: {email}. Bedankt!",
        ],
        "en": [
            "Hello, I am moving on {date}. Old address: {address}. The meter EAN is {ean}. "
            "Date of birth {birth}, national number {nn}. {name}, {phone}",
            "Hi, {title} {last} here. I am leaving {address} and want to move my contract "
            "{contract} ({product}). My email: {email}. Thanks!",
        ],
    },
    "line_cut": {
        "fr": [
            "Bonjour, ma ligne {phone} a été coupée sans prévenir ! Je suis {name}, client depuis "
            "des années. Mon voisin {other} ({phone2}) peut confirmer. Connexion depuis {ip}.",
            "Ma ligne est coupée depuis {count}. Appelez ma fille {other} au {phone2} ou moi au "
            "{phone}. {name}, {address}",
        ],
        "nl": [
            "Goedendag, mijn lijn {phone} werd zonder verwittiging afgesloten! Ik ben {name}, al "
            "jaren klant. Mijn buurman {other} ({phone2}) kan het bevestigen. Verbinding via {ip}.",
            "Mijn lijn is al {count} afgesloten. Bel mijn dochter {other} op {phone2} of mij op "
            "{phone}. {name}, {address}",
        ],
        "en": [
            "Hello, my line {phone} was cut without warning! I am {name}, a customer for years. "
            "My neighbour {other} ({phone2}) can confirm. Connecting from {ip}.",
            "My line has been cut for {count}. Call my daughter {other} on {phone2} or me on "
            "{phone}. {name}, {address}",
        ],
    },
    "contract_change": {
        "fr": [
            "Bonjour, je souhaite passer de {product} à une autre formule. Contrat {contract}, "
            "client {customer}. Pour la domiciliation : {iban}. Société : TVA {vat}. {name}",
            "Bonjour {title} {last}, votre demande pour le contrat {contract} est notée. "
            "Vous pouvez payer par carte {card} ou virement avec la communication {ref}.",
        ],
        "nl": [
            "Goedendag, ik wil overstappen van {product} naar een andere formule. Contract "
            "{contract}, klant {customer}. Domiciliëring: {iban}. Bedrijf: btw {vat}. {name}",
            "Beste {title} {last}, uw aanvraag voor contract {contract} is genoteerd. U kunt "
            "betalen met kaart {card} of overschrijving met mededeling {ref}.",
        ],
        "en": [
            "Hello, I would like to switch from {product} to another plan. Contract {contract}, "
            "customer {customer}. Direct debit: {iban}. Company VAT {vat}. {name}",
            "Dear {title} {last}, your request for contract {contract} is noted. You can pay by "
            "card {card} or transfer with reference {ref}.",
        ],
    },
}

# Call transcripts: lower case, no punctuation, disfluencies.
TRANSCRIPTS: dict[str, list[str]] = {
    "fr": [
        "oui bonjour euh je m'appelle {name} voilà j'appelle pour ma facture de {amount} euh "
        "mon numéro c'est le {phone} et euh mon adresse c'est {address}",
        "allô oui euh c'est {name} ben ma ligne est coupée depuis {count} euh vous pouvez me "
        "rappeler au {phone} ou sur le portable de mon mari {other}",
        "alors euh je suis née le {birth} et euh mon compte c'est {iban} voilà ben je "
        "déménage au {address}",
    ],
    "nl": [
        "ja goedendag euh mijn naam is {name} ik bel voor mijn factuur van {amount} euh mijn "
        "nummer is {phone} en euh mijn adres is {address}",
        "hallo ja euh met {name} dus mijn lijn is al {count} afgesloten euh kunt u mij "
        "terugbellen op {phone} of mijn vrouw {other}",
        "dus euh ik ben geboren op {birth} en euh mijn rekening is {iban} ja en ik verhuis "
        "naar {address}",
    ],
    "en": [
        "yes hello uh my name is {name} I'm calling about my bill of {amount} uh my number is "
        "{phone} and um my address is {address}",
        "hello yeah uh this is {name} so my line has been cut for {count} uh can you call me "
        "back on {phone} or my wife {other}",
        "so um I was born on {birth} and uh my account is {iban} yeah and I'm moving to {address}",
    ],
}
