"""Word lists (folded): cues around names, street words, customer-service vocabulary."""

from __future__ import annotations

__all__ = [
    "DOMAIN_WORDS",
    "LANG_WORDS",
    "PARTICLES",
    "PLACE_NAMES",
    "STREET_WORDS",
    "STRONG_CUES",
    "TITLES",
    "WEAK_CUES",
]


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that name lists contain but that in our messages are almost never a person.
DOMAIN_WORDS = _w(
    """
    bonjour bonsoir merci madame monsieur cordialement salut allo allô euh ben bah hein voila
    voilà ok oui non facture factures compteur contrat client cliente energie énergie gaz
    electricite électricité ligne internet mobile telephone téléphone abonnement tarif prix
    rue avenue place boulevard chaussee chaussée chemin quai route square allee allée
    beste geachte dag goedendag goedemiddag hallo dank bedankt mevrouw meneer factuur meter
    contract klant lijn straat laan plein steenweg weg dreef stroom groeten vriendelijke ja nee
    hello hi dear thanks thank regards kind best invoice customer line road
    street lane please sorry yes no okay bill account payment power gas
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    januari februari maart april mei juni juli augustus oktober
    january february march may june july august october december
    lundi mardi mercredi jeudi vendredi samedi dimanche maandag dinsdag woensdag donderdag
    vrijdag zaterdag zondag monday tuesday wednesday thursday friday saturday sunday
    belgique belgie belgium bruxelles brussel brussels france nederland maroc morocco
    proximus orange telenet engie luminus base voo scarlet mega eneco totalenergies
    iban ean tva btw vat sms wifi fibre fiber modem box decodeur decoder
    team equipe équipe ploeg service dienst madam colleagues collegas collègues all allen
    """
)

#: Cities a lone capitalised word may name (folded): a single word that is one is not taken
#: for a person (a full name still is: "Paris Hilton" has two words).
PLACE_NAMES = _w(
    """
    bruxelles brussel brussels anvers antwerpen antwerp gand gent ghent liege luik namur namen
    charleroi mons bergen louvain leuven malines mechelen bruges brugge hasselt genk ostende
    oostende courtrai kortrijk alost aalst tournai doornik verviers arlon aarlen wavre waver
    nivelles nijvel ixelles elsene uccle ukkel forest vorst anderlecht schaerbeek schaarbeek
    paris lyon lille marseille amsterdam rotterdam utrecht maastricht eindhoven luxembourg
    luxemburg casablanca rabat tanger marrakech fes agadir london londres londen berlin
    cologne keulen koln aachen aken
    """
)

TITLES = _w(
    """
    monsieur madame mademoiselle m mme mlle mr mrs ms miss dr docteur meneer mevrouw dhr
    mevr heer juffrouw sir mister maitre
    """
)

#: Word sequences (folded) right before a name that make it almost certainly a person.
STRONG_CUES = (
    "je m'appelle",
    "je me nomme",
    "mon nom est",
    "mon nom c'est",
    "mijn naam is",
    "ik heet",
    "my name is",
    "name is",
    "de la part de",
    "namens",
    "on behalf of",
    "au nom de",
    "op naam van",
    "in the name of",
    "signe",
    "getekend",
    "signed",
    "dear",
    "beste",
    "cher",
    "chere",
    "geachte",
)
#: Weaker cues: raise confidence but do not make a lower-case word a name on their own.
WEAK_CUES = (
    *sorted(
        _w(
            """
            c'est ici bonjour hello hi dag hallo contact met avec with voisin voisine buurman
            buurvrouw neighbour femme mari vrouw man wife husband fils fille zoon dochter son
            daughter
            """
        )
    ),
    "ik ben",
    "hier is",
    "this is",
    "i am",
    "i'm",
)

PARTICLES = _w(
    "van de der den het t 'tvan le la du des d' di da del von vande vander ten ter op el ben ibn al"
)

STREET_WORDS = _w(
    """
    rue avenue av boulevard bd chaussee place chemin allee square quai impasse route clos
    drève dreve sentier rond-point residence straat laan steenweg plein weg dreef lei baan
    kaai markt singel hof dijk gracht pad veld berg street road lane drive way saint sint
    sainte st
    """
)

# A few very frequent function words per language, for language guessing.
LANG_WORDS = {
    "fr": _w(
        "le la les je j vous est et pas une un mon ma mes des du que qui pour sur avec "
        "bonjour merci suis ai avez votre nous c ce il elle au aux ne euh oui mais"
    ),
    "nl": _w(
        "het een ik is niet en van mijn u uw dat die voor op met de wij we ook maar heb heeft "
        "goedendag bedankt ja nee er naar zijn dag"
    ),
    "en": _w(
        "the i is my and you to not a of it for on with your we have has this that am are "
        "hello thanks yes no please was be"
    ),
}
