"""Plain-language texts of the alerts, in English, French and Dutch.

Texts name what fired, by how much and against which baseline, and list the legitimate
explanations that fit. They never contain a number in full: other parties appear as ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["LANGUAGES", "legitimate_texts", "render", "word"]

LANGUAGES: Final = ("en", "fr", "nl")

_FIRED: Final[Mapping[str, Mapping[str, str]]] = {
    "sim_box": {
        "en": "Possible SIM box: {distinct_out} distinct numbers called in one day (threshold "
        "{thr_distinct}); {out_n} outgoing against {in_n} incoming (ratio {ratio}, threshold "
        "{thr_ratio}); {cells} cell(s) used; {imeis} handset(s) (IMEI).",
        "fr": "Possible SIM box : {distinct_out} numéros distincts appelés en un jour (seuil "
        "{thr_distinct}) ; {out_n} sortants pour {in_n} entrants (rapport {ratio}, seuil "
        "{thr_ratio}) ; {cells} cellule(s) ; {imeis} appareil(s) (IMEI).",
        "nl": "Mogelijke simbox: {distinct_out} verschillende nummers gebeld op één dag (drempel "
        "{thr_distinct}); {out_n} uitgaand tegenover {in_n} inkomend (verhouding {ratio}, "
        "drempel {thr_ratio}); {cells} cel(len); {imeis} toestel(len) (IMEI).",
    },
    "irsf": {
        "en": "Possible international revenue share fraud: {risk_min} minutes in {risk_out_n} "
        "calls to high-risk or premium international ranges ({ranges}) (threshold {thr_min} "
        "minutes); {overlap_n} call(s) in parallel; charges {charge} EUR against a usual "
        "{charge_avg} EUR a day.",
        "fr": "Possible fraude au partage de revenus international (IRSF) : {risk_min} minutes "
        "en {risk_out_n} appels vers des tranches internationales à risque ou surtaxées "
        "({ranges}) (seuil {thr_min} minutes) ; {overlap_n} appel(s) en parallèle ; {charge} EUR "
        "facturés pour {charge_avg} EUR par jour d'habitude.",
        "nl": "Mogelijke internationale inkomstendelingsfraude (IRSF): {risk_min} minuten in "
        "{risk_out_n} oproepen naar internationale risico- of premiumreeksen ({ranges}) "
        "(drempel {thr_min} minuten); {overlap_n} parallelle oproep(en); {charge} EUR kosten "
        "tegenover gewoonlijk {charge_avg} EUR per dag.",
    },
    "wangiri": {
        "en": "Wangiri pattern: {risk_ring_n} one-ring incoming call(s) from high-risk ranges "
        "({ranges}); {risk_callback_n} number(s) called back afterwards.",
        "fr": "Schéma Wangiri : {risk_ring_n} appel(s) entrant(s) d'une sonnerie depuis des "
        "tranches à risque ({ranges}) ; {risk_callback_n} numéro(s) rappelé(s) ensuite.",
        "nl": "Wangiri-patroon: {risk_ring_n} inkomende oproep(en) van één keer overgaan uit "
        "risicoreeksen ({ranges}); {risk_callback_n} nummer(s) daarna teruggebeld.",
    },
    "resale": {
        "en": "Possible resale of the line: {distinct_out} distinct numbers called in a {window} "
        "(threshold {thr_distinct}), {intl_pct}% international (threshold {thr_intl_pct}%) in "
        "{out_countries} countries; {out_n} outgoing against {in_n} incoming.",
        "fr": "Possible revente de la ligne : {distinct_out} numéros distincts appelés en un(e) "
        "{window} (seuil {thr_distinct}), {intl_pct} % vers l'international (seuil "
        "{thr_intl_pct} %) dans {out_countries} pays ; {out_n} sortants pour {in_n} entrants.",
        "nl": "Mogelijke doorverkoop van de lijn: {distinct_out} verschillende nummers gebeld "
        "per {window} (drempel {thr_distinct}), {intl_pct}% internationaal (drempel "
        "{thr_intl_pct}%) naar {out_countries} landen; {out_n} uitgaand tegenover {in_n} "
        "inkomend.",
    },
    "commercial_use": {
        "en": "Commercial use on a consumer plan ({plan}): {distinct_out} distinct numbers "
        "called in a week (threshold {thr_distinct}), {business_pct}% in office hours.",
        "fr": "Usage professionnel sur un abonnement particulier ({plan}) : {distinct_out} "
        "numéros distincts appelés en une semaine (seuil {thr_distinct}), {business_pct} % aux "
        "heures de bureau.",
        "nl": "Zakelijk gebruik op een particulier abonnement ({plan}): {distinct_out} "
        "verschillende nummers gebeld in een week (drempel {thr_distinct}), {business_pct}% "
        "tijdens kantooruren.",
    },
    "fair_use": {
        "en": "Fair-use threshold passed ({window}): {what}.",
        "fr": "Seuil d'usage raisonnable dépassé ({window}) : {what}.",
        "nl": "Drempel voor redelijk gebruik overschreden ({window}): {what}.",
    },
    "charge_spike": {
        "en": "Sudden charge spike: {charge} EUR in one day, {factor}× the baseline of "
        "{baseline} EUR ({baseline_kind}).",
        "fr": "Hausse soudaine des frais : {charge} EUR en un jour, {factor}× la référence de "
        "{baseline} EUR ({baseline_kind}).",
        "nl": "Plotse kostenpiek: {charge} EUR op één dag, {factor}× de referentie van "
        "{baseline} EUR ({baseline_kind}).",
    },
    "sim_swap": {
        "en": "New handset (IMEI) followed by unusual destinations: {intl_pct}% of outgoing "
        "traffic international against {intl_avg_pct}% usually ({ranges}).",
        "fr": "Nouvel appareil (IMEI) suivi de destinations inhabituelles : {intl_pct} % du "
        "trafic sortant vers l'international pour {intl_avg_pct} % d'habitude ({ranges}).",
        "nl": "Nieuw toestel (IMEI) gevolgd door ongewone bestemmingen: {intl_pct}% van het "
        "uitgaande verkeer internationaal tegenover gewoonlijk {intl_avg_pct}% ({ranges}).",
    },
    "anomaly": {
        "en": "Unusual day for this line: anomaly score {score} (threshold {thr}) against its "
        "own last {hist_n} active days; {out_n} outgoing against {out_avg} on average, "
        "{distinct_out} distinct numbers against {distinct_avg}.",
        "fr": "Journée inhabituelle pour cette ligne : score d'anomalie {score} (seuil {thr}) "
        "par rapport à ses {hist_n} derniers jours actifs ; {out_n} sortants pour {out_avg} en "
        "moyenne, {distinct_out} numéros distincts pour {distinct_avg}.",
        "nl": "Ongewone dag voor deze lijn: anomaliescore {score} (drempel {thr}) tegenover "
        "haar eigen laatste {hist_n} actieve dagen; {out_n} uitgaand tegenover gemiddeld "
        "{out_avg}, {distinct_out} verschillende nummers tegenover {distinct_avg}.",
    },
}

_WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "day": {"en": "day", "fr": "jour", "nl": "dag"},
    "week": {"en": "week", "fr": "semaine", "nl": "week"},
    "month": {"en": "month", "fr": "mois", "nl": "maand"},
    "hour": {"en": "hour", "fr": "heure", "nl": "uur"},
    "own history": {"en": "own history", "fr": "historique de la ligne", "nl": "eigen historiek"},
    "plan peers": {
        "en": "lines on the same plan",
        "fr": "lignes du même abonnement",
        "nl": "lijnen met hetzelfde abonnement",
    },
    "call_hours": {
        "en": "{v} hours of outgoing calls (limit {t})",
        "fr": "{v} heures d'appels sortants (limite {t})",
        "nl": "{v} uur uitgaande oproepen (limiet {t})",
    },
    "sms": {
        "en": "{v} SMS sent (limit {t})",
        "fr": "{v} SMS envoyés (limite {t})",
        "nl": "{v} sms'en verstuurd (limiet {t})",
    },
    "recipients": {
        "en": "SMS to {v} distinct recipients (limit {t})",
        "fr": "SMS vers {v} destinataires distincts (limite {t})",
        "nl": "sms'en naar {v} verschillende ontvangers (limiet {t})",
    },
}

_LEGIT: Final[Mapping[str, Mapping[str, str]]] = {
    "intensive_national": {
        "en": "many calls and SMS to a few dozen national numbers in daytime: consistent with "
        "intensive personal or professional use (for example a crisis at work or at home)",
        "fr": "beaucoup d'appels et de SMS vers quelques dizaines de numéros nationaux en "
        "journée : compatible avec un usage personnel ou professionnel intensif (par exemple "
        "une crise au travail ou en famille)",
        "nl": "veel oproepen en sms'en naar enkele tientallen nationale nummers overdag: past "
        "bij intensief persoonlijk of professioneel gebruik (bijvoorbeeld een crisis op het "
        "werk of thuis)",
    },
    "few_correspondents": {
        "en": "most messages go to one or two correspondents: consistent with a personal "
        "conversation, not bulk messaging",
        "fr": "la plupart des messages vont à un ou deux correspondants : compatible avec une "
        "conversation personnelle, pas avec un envoi en masse",
        "nl": "de meeste berichten gaan naar één of twee correspondenten: past bij een "
        "persoonlijk gesprek, niet bij massaberichten",
    },
    "two_way": {
        "en": "the line also receives many calls and messages: a two-way pattern typical of a "
        "person, not of a machine",
        "fr": "la ligne reçoit aussi beaucoup d'appels et de messages : un échange dans les deux "
        "sens, typique d'une personne et non d'une machine",
        "nl": "de lijn ontvangt ook veel oproepen en berichten: verkeer in twee richtingen, "
        "typisch voor een persoon en niet voor een machine",
    },
    "roaming": {
        "en": "the line is roaming abroad ({country}): consistent with travel and its roaming "
        "charges",
        "fr": "la ligne est en itinérance à l'étranger ({country}) : compatible avec un voyage "
        "et ses frais d'itinérance",
        "nl": "de lijn is aan het roamen in het buitenland ({country}): past bij een reis en de "
        "roamingkosten ervan",
    },
    "office_hours": {
        "en": "calls in office hours on weekdays to national numbers: consistent with a small "
        "business or self-employed use; a business plan may fit better",
        "fr": "appels en semaine aux heures de bureau vers des numéros nationaux : compatible "
        "avec une petite entreprise ou un indépendant ; un abonnement professionnel conviendrait "
        "peut-être mieux",
        "nl": "oproepen op weekdagen tijdens kantooruren naar nationale nummers: past bij een "
        "kleine onderneming of zelfstandige; een zakelijk abonnement past misschien beter",
    },
    "wangiri_target": {
        "en": "the customer is most likely the target, not the author: one-ring calls invite "
        "a costly callback",
        "fr": "le client est très probablement la cible et non l'auteur : les appels d'une "
        "sonnerie incitent à rappeler un numéro coûteux",
        "nl": "de klant is waarschijnlijk het doelwit, niet de dader: oproepen die één keer "
        "overgaan lokken een dure terugbelactie uit",
    },
    "new_handset": {
        "en": "a new handset alone is common (new, repaired or borrowed phone)",
        "fr": "un nouvel appareil seul est courant (téléphone neuf, réparé ou prêté)",
        "nl": "een nieuw toestel alleen komt vaak voor (nieuwe, herstelde of geleende telefoon)",
    },
    "family_abroad": {
        "en": "calls to a few numbers in one foreign country: consistent with family or "
        "friends abroad",
        "fr": "appels vers quelques numéros d'un seul pays étranger : compatible avec de la "
        "famille ou des amis à l'étranger",
        "nl": "oproepen naar enkele nummers in één buitenland: past bij familie of vrienden in "
        "het buitenland",
    },
}


def word(key: str, lang: str) -> str:
    return _WORDS[key][lang]


def render(detector: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The "what fired" sentence of ``detector`` in every language."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        local = {k: (v(lang) if callable(v) else v) for k, v in values.items()}
        out[lang] = _FIRED[detector][lang].format(**local)
    return out


def legitimate_texts(
    keys: tuple[str, ...], values: Mapping[str, Any]
) -> dict[str, tuple[str, ...]]:
    """The legitimate explanations named by ``keys`` in every language."""
    return {lang: tuple(_LEGIT[k][lang].format(**values) for k in keys) for lang in LANGUAGES}
