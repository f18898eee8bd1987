# ruff: noqa: E501 — a translation table reads best one entry per line.
"""The console's words in English, French and Dutch, and how a request picks its language."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["LANGUAGES", "pick_language", "translate"]

LANGUAGES = ("en", "fr", "nl")

# key: (en, fr, nl)
_WORDS: dict[str, tuple[str, str, str]] = {
    "app": ("Ecluse console", "Console Ecluse", "Ecluse-console"),
    "skip": ("Skip to content", "Aller au contenu", "Naar de inhoud"),
    "sign_in": ("Sign in", "Se connecter", "Aanmelden"),
    "sign_out": ("Sign out", "Se déconnecter", "Afmelden"),
    "email": ("E-mail address", "Adresse e-mail", "E-mailadres"),
    "password": ("Password", "Mot de passe", "Wachtwoord"),
    "totp": (
        "One-time code (if enrolled)",
        "Code à usage unique (si activé)",
        "Eenmalige code (indien ingesteld)",
    ),
    "language": ("Language", "Langue", "Taal"),
    "queue": ("My queue", "Ma file", "Mijn wachtrij"),
    "team": ("Team", "Équipe", "Team"),
    "case": ("Case", "Dossier", "Dossier"),
    "type": ("Type", "Type", "Type"),
    "status": ("Status", "Statut", "Status"),
    "priority": ("Priority", "Priorité", "Prioriteit"),
    "due": ("SLA due", "Échéance SLA", "SLA-termijn"),
    "assignee": ("Assigned to", "Assigné à", "Toegewezen aan"),
    "unassigned": ("team queue", "file d'équipe", "teamwachtrij"),
    "overdue": ("overdue by", "en retard de", "te laat met"),
    "left": ("left", "restant", "resterend"),
    "no_cases": ("No open cases.", "Aucun dossier ouvert.", "Geen open dossiers."),
    "customer_card": ("Customer", "Client", "Klant"),
    "customer_ref": ("Customer reference", "Référence client", "Klantreferentie"),
    "field": ("Field", "Champ", "Veld"),
    "value": ("Value", "Valeur", "Waarde"),
    "shown": ("Shown", "Affichage", "Weergave"),
    "masked": ("masked", "masqué", "gemaskeerd"),
    "clear": ("in clear", "en clair", "leesbaar"),
    "revealed": ("revealed for you", "affiché pour vous", "voor u getoond"),
    "reveal": ("Reveal", "Afficher en clair", "Leesbaar tonen"),
    "reveal_field": ("Field to reveal", "Champ à afficher", "Te tonen veld"),
    "reason": ("Reason", "Motif", "Reden"),
    "explanation": (
        "Explanation (required for 'other')",
        "Explication (obligatoire pour « autre »)",
        "Uitleg (verplicht bij 'andere')",
    ),
    "quota": ("Reveals left today", "Affichages restants aujourd'hui", "Resterend vandaag"),
    "no_reveal": (
        "Nothing on this case can be revealed.",
        "Rien ne peut être affiché en clair sur ce dossier.",
        "Niets op dit dossier kan leesbaar worden getoond.",
    ),
    "take": ("Take this case", "Prendre ce dossier", "Dit dossier nemen"),
    "move": ("Move to", "Passer à", "Verplaatsen naar"),
    "outcome": ("Outcome (to resolve)", "Résultat (pour résoudre)", "Resultaat (om op te lossen)"),
    "apply": ("Apply", "Appliquer", "Toepassen"),
    "note": ("Internal note", "Note interne", "Interne notitie"),
    "add_note": ("Add note", "Ajouter la note", "Notitie toevoegen"),
    "history": ("History", "Historique", "Geschiedenis"),
    "messages": ("Messages", "Messages", "Berichten"),
    "no_messages": ("No messages yet.", "Pas encore de message.", "Nog geen berichten."),
    "reply": ("Reply to the customer", "Répondre au client", "Antwoorden aan de klant"),
    "reply_help": (
        "Write tokens such as [PERSON_1] where the customer's data goes: they are filled in "
        "on the operator's side when the reply is sent.",
        "Écrivez les jetons comme [PERSON_1] là où vont les données du client : ils sont "
        "remplis chez l'opérateur à l'envoi.",
        "Schrijf tokens zoals [PERSON_1] waar de gegevens van de klant komen: ze worden bij "
        "de operator ingevuld bij het verzenden.",
    ),
    "held": ("held for review", "retenu pour vérification", "tegengehouden voor controle"),
    "change": ("Request a change", "Demander une modification", "Wijziging aanvragen"),
    "new_value": ("New value", "Nouvelle valeur", "Nieuwe waarde"),
    "street": ("Street", "Rue", "Straat"),
    "house_number": ("Number", "Numéro", "Nummer"),
    "postcode": ("Postcode", "Code postal", "Postcode"),
    "city": ("City", "Localité", "Gemeente"),
    "send": ("Send", "Envoyer", "Verzenden"),
    "two_person": (
        "IBAN and address changes take effect once a team lead approves them.",
        "Les changements d'IBAN et d'adresse s'appliquent après accord d'un chef d'équipe.",
        "Wijzigingen van IBAN en adres gelden pas na goedkeuring door een teamleider.",
    ),
    "agent": ("Agent", "Conseiller", "Medewerker"),
    "agent_load": ("Agent load", "Charge des conseillers", "Belasting per medewerker"),
    "open_cases": ("Open cases", "Dossiers ouverts", "Open dossiers"),
    "capacity": ("Capacity", "Capacité", "Capaciteit"),
    "approvals": ("Change requests to approve", "Demandes à approuver", "Goed te keuren aanvragen"),
    "requested_by": ("Requested by", "Demandé par", "Aangevraagd door"),
    "approve": ("Approve", "Approuver", "Goedkeuren"),
    "reject": ("Reject", "Refuser", "Weigeren"),
    "no_approvals": ("Nothing to approve.", "Rien à approuver.", "Niets goed te keuren."),
    "assign": ("Assign", "Assigner", "Toewijzen"),
    "ledger": ("Ledger", "Registre", "Register"),
    "reveals": ("Reveals", "Affichages en clair", "Leesbaar getoond"),
    "policy": ("Policy", "Politique", "Beleid"),
    "transfers": ("Data transfers", "Transferts de données", "Gegevensdoorgiften"),
    "verification": ("Verification", "Vérification", "Verificatie"),
    "verified_ok": (
        "Every entry and checkpoint verifies.",
        "Chaque entrée et chaque point de contrôle est vérifié.",
        "Elke regel en elk controlepunt klopt.",
    ),
    "verified_bad": (
        "Ledger damaged: first bad entry",
        "Registre altéré : première entrée fautive",
        "Register beschadigd: eerste foute regel",
    ),
    "checkpoint": (
        "Latest signed checkpoint",
        "Dernier point de contrôle signé",
        "Laatste ondertekende controlepunt",
    ),
    "no_checkpoint": (
        "No checkpoint yet.",
        "Pas encore de point de contrôle.",
        "Nog geen controlepunt.",
    ),
    "entries": ("Latest entries", "Dernières entrées", "Laatste regels"),
    "kind": ("Kind", "Type", "Soort"),
    "all": ("all", "tous", "alle"),
    "filter": ("Filter", "Filtrer", "Filteren"),
    "when": ("When", "Quand", "Wanneer"),
    "actor": ("Actor", "Acteur", "Actor"),
    "details": ("Details", "Détails", "Details"),
    "by_vendor": ("Reveals per vendor", "Affichages par prestataire", "Per leverancier"),
    "by_site": ("Reveals per site", "Affichages par site", "Per site"),
    "by_agent": ("Reveals per agent", "Affichages par conseiller", "Per medewerker"),
    "by_day": (
        "Reveals per day (last 14 days)",
        "Affichages par jour (14 derniers jours)",
        "Per dag (laatste 14 dagen)",
    ),
    "no_data": ("No data yet.", "Pas encore de données.", "Nog geen gegevens."),
    "role": ("Role", "Rôle", "Rol"),
    "explain": ("Explain", "Expliquer", "Uitleggen"),
    "sees": ("Sees", "Voit", "Ziet"),
    "decided_by": ("Decided by", "Décidé par", "Beslist door"),
    "matrix": ("Whole matrix", "Matrice complète", "Volledige matrix"),
    "vendor": ("Vendor", "Prestataire", "Leverancier"),
    "site": ("Site", "Site", "Site"),
    "country": ("Country", "Pays", "Land"),
    "contract": ("Contract", "Contrat", "Contract"),
    "accesses": ("Accesses (ledger)", "Accès (registre)", "Toegangen (register)"),
    "people": ("People", "Personnes", "Personen"),
    "help": ("Keyboard shortcuts", "Raccourcis clavier", "Sneltoetsen"),
    "help_keys": (
        "j / k: next / previous case · Enter: open · r: reveal · n: note · g q: queue · ?: this help",
        "j / k : dossier suivant / précédent · Entrée : ouvrir · r : afficher · n : note · g q : file · ? : cette aide",
        "j / k: volgend / vorig dossier · Enter: openen · r: tonen · n: notitie · g q: wachtrij · ?: deze hulp",
    ),
    "error": ("Something is not right", "Un problème est survenu", "Er is iets misgegaan"),
    "back": ("Back", "Retour", "Terug"),
    "bad_login": (
        "Wrong e-mail, password or code.",
        "E-mail, mot de passe ou code erroné.",
        "Verkeerd e-mailadres, wachtwoord of code.",
    ),
    "rate_limited": (
        "Too many attempts; wait a minute.",
        "Trop de tentatives ; patientez une minute.",
        "Te veel pogingen; wacht een minuut.",
    ),
    "csrf": (
        "The form expired; please try again.",
        "Le formulaire a expiré ; réessayez.",
        "Het formulier is verlopen; probeer opnieuw.",
    ),
    "done": ("Done.", "C'est fait.", "Gedaan."),
    # customer portal
    "portal": ("My data", "Mes données", "Mijn gegevens"),
    "portal_intro": (
        "Sign in with the e-mail address we know you by. We send you a one-time code.",
        "Connectez-vous avec l'adresse e-mail que nous connaissons. Nous vous envoyons un code à usage unique.",
        "Meld u aan met het e-mailadres dat wij van u kennen. We sturen u een eenmalige code.",
    ),
    "send_code": ("Send me a code", "M'envoyer un code", "Stuur mij een code"),
    "code": ("Code from the e-mail", "Code reçu par e-mail", "Code uit de e-mail"),
    "code_sent": (
        "If we know this address, a code is on its way. It is valid for 10 minutes.",
        "Si nous connaissons cette adresse, un code est en route. Il est valable 10 minutes.",
        "Als wij dit adres kennen, is er een code onderweg. Ze is 10 minuten geldig.",
    ),
    "bad_code": (
        "Wrong or expired code.",
        "Code erroné ou expiré.",
        "Verkeerde of verlopen code.",
    ),
    "my_cases": ("My cases", "Mes dossiers", "Mijn dossiers"),
    "who_saw": ("Who saw my data", "Qui a consulté mes données", "Wie heeft mijn gegevens bekeken"),
    "download": ("Download my data", "Télécharger mes données", "Mijn gegevens downloaden"),
    "download_json": ("All my data (JSON)", "Toutes mes données (JSON)", "Al mijn gegevens (JSON)"),
    "download_html": (
        "Printable report (HTML)",
        "Rapport imprimable (HTML)",
        "Afdrukbaar rapport (HTML)",
    ),
    "contest": ("Contest a decision", "Contester une décision", "Een beslissing betwisten"),
    "opened": ("Opened", "Ouvert le", "Geopend op"),
    # analyst
    "reviews": ("Usage reviews", "Examens de consommation", "Verbruikscontroles"),
    "evidence": ("Evidence", "Éléments", "Bewijs"),
    "severity": ("Severity", "Gravité", "Ernst"),
    "detector": ("Detector", "Détecteur", "Detector"),
    "legitimate": (
        "Legitimate explanations that fit",
        "Explications légitimes possibles",
        "Passende legitieme verklaringen",
    ),
    "contacted": ("Customer contacted", "Client contacté", "Klant gecontacteerd"),
    "not_contacted": (
        "Customer not contacted yet: no measure on the line before that.",
        "Client pas encore contacté : aucune mesure sur la ligne avant cela.",
        "Klant nog niet gecontacteerd: geen maatregel op de lijn voordien.",
    ),
    "decision": ("Decision", "Décision", "Beslissing"),
    "decide": ("Decide", "Décider", "Beslissen"),
    "measures": ("Measures on the line", "Mesures sur la ligne", "Maatregelen op de lijn"),
    "restore": ("Restore the line", "Rétablir la ligne", "Lijn herstellen"),
    "wrongful": ("It was wrongful", "C'était injustifié", "Het was onterecht"),
    "two_analysts": (
        "A suspension takes effect once a second, different analyst approves it.",
        "Une suspension ne prend effet qu'après l'accord d'un second analyste.",
        "Een schorsing gaat pas in na goedkeuring door een tweede analist.",
    ),
    "contest_title": ("Explain or contest", "Expliquer ou contester", "Toelichten of betwisten"),
    "contest_intro": (
        "Tell us how you use your line, or why you disagree. A person reads every message before any decision.",
        "Dites-nous comment vous utilisez votre ligne, ou pourquoi vous n'êtes pas d'accord. Une personne lit chaque message avant toute décision.",
        "Vertel ons hoe u uw lijn gebruikt, of waarom u het niet eens bent. Een mens leest elk bericht vóór elke beslissing.",
    ),
    "your_message": ("Your message", "Votre message", "Uw bericht"),
    "contest_done": (
        "Thank you: your message was added to your file. We will get back to you.",
        "Merci : votre message a été ajouté à votre dossier. Nous revenons vers vous.",
        "Dank u: uw bericht is aan uw dossier toegevoegd. We nemen contact met u op.",
    ),
    # field classes
    "f_name": ("Name", "Nom", "Naam"),
    "f_birth_date": ("Birth date", "Date de naissance", "Geboortedatum"),
    "f_national_number": ("National number", "Numéro national", "Rijksregisternummer"),
    "f_address": ("Address", "Adresse", "Adres"),
    "f_phone": ("Phone", "Téléphone", "Telefoon"),
    "f_email": ("E-mail", "E-mail", "E-mail"),
    "f_iban": ("IBAN", "IBAN", "IBAN"),
    "f_contracts": ("Contracts", "Contrats", "Contracten"),
    "f_invoices": ("Invoices", "Factures", "Facturen"),
    "f_lines": ("Mobile lines", "Lignes mobiles", "Mobiele lijnen"),
    "f_supply_points": (
        "Supply points (EAN)",
        "Points de fourniture (EAN)",
        "Leveringspunten (EAN)",
    ),
    # reveal reasons
    "reason_verify_identity": ("Verify identity", "Vérifier l'identité", "Identiteit nagaan"),
    "reason_contact_customer": (
        "Contact the customer",
        "Contacter le client",
        "De klant contacteren",
    ),
    "reason_correct_data": ("Correct data", "Corriger des données", "Gegevens verbeteren"),
    "reason_legal_obligation": ("Legal obligation", "Obligation légale", "Wettelijke verplichting"),
    "reason_other": ("Other (explain)", "Autre (expliquer)", "Andere (uitleggen)"),
    # priorities
    "p_low": ("low", "basse", "laag"),
    "p_normal": ("normal", "normale", "normaal"),
    "p_high": ("high", "haute", "hoog"),
    "p_urgent": ("urgent", "urgente", "dringend"),
    # statuses
    "st_new": ("new", "nouveau", "nieuw"),
    "st_assigned": ("assigned", "assigné", "toegewezen"),
    "st_in_progress": ("in progress", "en cours", "in behandeling"),
    "st_pending_customer": (
        "waiting for the customer",
        "en attente du client",
        "wacht op de klant",
    ),
    "you_pending_customer": ("waiting for you", "en attente de vous", "wacht op u"),
    "st_resolved": ("resolved", "résolu", "opgelost"),
    "st_closed": ("closed", "clôturé", "afgesloten"),
    # messages
    "edit_applied": ("Change applied.", "Modification appliquée.", "Wijziging toegepast."),
    "edit_pending_approval": (
        "Change requested: it waits for a team lead's approval.",
        "Modification demandée : elle attend l'accord d'un chef d'équipe.",
        "Wijziging aangevraagd: ze wacht op goedkeuring door een teamleider.",
    ),
    "own_request": ("your own request", "votre propre demande", "uw eigen aanvraag"),
    "contest_help": (
        "To explain or contest a decision about your line, use the link in the message we sent you.",
        "Pour expliquer ou contester une décision sur votre ligne, utilisez le lien du message que nous vous avons envoyé.",
        "Om een beslissing over uw lijn toe te lichten of te betwisten, gebruik de link in ons bericht.",
    ),
}

_INDEX = {lang: i for i, lang in enumerate(LANGUAGES)}


def translate(key: str, language: str) -> str:
    """The word for ``key`` in ``language`` (English if missing; the key itself if unknown)."""
    words = _WORDS.get(key)
    if words is None:
        return key.replace("_", " ")
    return words[_INDEX.get(language, 0)]


def pick_language(chosen: str | None, accept: str | None, known: Iterable[str] = ()) -> str:
    """The user's explicit choice, else their own languages, else the browser's, else English."""
    if chosen in _INDEX:
        return str(chosen)
    for lang in known:
        if lang in _INDEX:
            return lang
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in _INDEX:
            return tag
    return "en"
