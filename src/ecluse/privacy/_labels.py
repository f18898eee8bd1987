"""Words the customer reads, in French, Dutch and English."""

from __future__ import annotations

__all__ = ["LABELS", "label"]

LABELS: dict[str, dict[str, str]] = {
    "title": {
        "fr": "Qui a consulté mes données",
        "nl": "Wie heeft mijn gegevens bekeken",
        "en": "Who looked at my data",
    },
    "intro": {
        "fr": "Chaque consultation de vos données par nos équipes et nos sous-traitants est "
        "enregistrée dans un registre infalsifiable. Voici la liste complète.",
        "nl": "Elke raadpleging van uw gegevens door onze teams en onderaannemers wordt "
        "vastgelegd in een register dat niet ongemerkt kan worden gewijzigd. Hier is de "
        "volledige lijst.",
        "en": "Every time our teams or our contractors access your data it is recorded in a "
        "tamper-evident register. Here is the complete list.",
    },
    "when": {"fr": "Quand", "nl": "Wanneer", "en": "When"},
    "who": {"fr": "Qui", "nl": "Wie", "en": "Who"},
    "where": {"fr": "Où", "nl": "Waar", "en": "Where"},
    "why": {"fr": "Pourquoi", "nl": "Waarom", "en": "Why"},
    "what": {"fr": "Quoi", "nl": "Wat", "en": "What"},
    "none": {
        "fr": "Personne n'a consulté vos données sur cette période.",
        "nl": "Niemand heeft uw gegevens in deze periode bekeken.",
        "en": "Nobody accessed your data in this period.",
    },
    "agent": {"fr": "conseiller", "nl": "medewerker", "en": "agent"},
    "masked": {"fr": "masqué", "nl": "gemaskeerd", "en": "masked"},
    "clear": {"fr": "en clair", "nl": "leesbaar", "en": "in clear"},
    "viewed": {"fr": "a consulté", "nl": "bekeek", "en": "viewed"},
    "revealed": {"fr": "a affiché en clair", "nl": "toonde leesbaar", "en": "revealed"},
    "edited": {"fr": "a modifié", "nl": "wijzigde", "en": "changed"},
    "approved": {"fr": "a validé une modification de", "nl": "keurde een wijziging goed van", "en": "approved a change of"},
    "decided": {"fr": "a traité votre dossier", "nl": "behandelde uw dossier", "en": "worked on your case"},
    "exported": {"fr": "a exporté", "nl": "exporteerde", "en": "exported"},
    "denied": {"fr": "a été refusé l'accès à", "nl": "kreeg geen toegang tot", "en": "was refused access to"},
    "operator": {"fr": "notre service clientèle", "nl": "onze klantendienst", "en": "our customer service"},
    "footer": {
        "fr": "Une question ou une contestation ? Répondez à ce document ou contactez notre délégué "
        "à la protection des données. Référence du registre :",
        "nl": "Een vraag of bezwaar? Antwoord op dit document of neem contact op met onze "
        "functionaris voor gegevensbescherming. Registerreferentie:",
        "en": "A question or an objection? Reply to this document or contact our data "
        "protection officer. Register reference:",
    },
    # case purposes
    "invoice_explanation": {"fr": "explication de facture", "nl": "uitleg bij factuur", "en": "invoice explanation"},
    "meter_move": {"fr": "déménagement de compteur", "nl": "verhuis van meter", "en": "meter move"},
    "contract_renegotiation": {"fr": "révision de contrat", "nl": "herziening van contract", "en": "contract renegotiation"},
    "usage_review": {"fr": "examen de consommation", "nl": "controle van verbruik", "en": "usage review"},
    "line_restore": {"fr": "rétablissement de ligne", "nl": "herstel van lijn", "en": "line restoration"},
    "complaint": {"fr": "plainte", "nl": "klacht", "en": "complaint"},
    "privacy_request": {"fr": "demande vie privée", "nl": "privacyverzoek", "en": "privacy request"},
    # fields
    "name": {"fr": "nom", "nl": "naam", "en": "name"},
    "birth_date": {"fr": "date de naissance", "nl": "geboortedatum", "en": "birth date"},
    "national_number": {"fr": "numéro de registre national", "nl": "rijksregisternummer", "en": "national register number"},
    "address": {"fr": "adresse", "nl": "adres", "en": "address"},
    "phone": {"fr": "téléphone", "nl": "telefoon", "en": "phone"},
    "email": {"fr": "e-mail", "nl": "e-mail", "en": "e-mail"},
    "iban": {"fr": "compte bancaire (IBAN)", "nl": "bankrekening (IBAN)", "en": "bank account (IBAN)"},
    "contracts": {"fr": "contrats", "nl": "contracten", "en": "contracts"},
    "invoices": {"fr": "factures", "nl": "facturen", "en": "invoices"},
    "lines": {"fr": "lignes mobiles", "nl": "mobiele lijnen", "en": "mobile lines"},
    "supply_points": {"fr": "points de fourniture", "nl": "leveringspunten", "en": "supply points"},
    # reveal reasons
    "verify_identity": {"fr": "pour vérifier votre identité", "nl": "om uw identiteit te controleren", "en": "to check your identity"},
    "contact_customer": {"fr": "pour vous contacter", "nl": "om u te contacteren", "en": "to contact you"},
    "correct_data": {"fr": "pour corriger vos données", "nl": "om uw gegevens te verbeteren", "en": "to correct your data"},
    "legal_obligation": {"fr": "pour une obligation légale", "nl": "voor een wettelijke verplichting", "en": "for a legal obligation"},
    "other": {"fr": "pour une autre raison notée au dossier", "nl": "om een andere reden vermeld in het dossier", "en": "for another reason noted in the case"},
}  # fmt: skip


def label(key: str, language: str) -> str:
    """The word for ``key`` in ``language`` (English, then the key itself, as fallbacks)."""
    words = LABELS.get(key)
    if words is None:
        return key
    return words.get(language) or words["en"]
