"""Hand-kept tables for entity normalisation: aliases, demonyms, junk words (no imports)."""

from __future__ import annotations

# Canonical display -> (type, aliases). Spelling variants that ``entity_key`` already merges
# (case, accents, hyphens, dots, -iy/-yy endings) need not be listed.
ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    # places
    "United States": (
        "place",
        ("US", "U.S.", "USA", "U.S.A.", "America", "United States of America"),
    ),
    "United Kingdom": ("place", ("UK", "U.K.", "Britain", "Great Britain")),
    "Russia": ("place", ("Russian Federation",)),
    "Soviet Union": ("place", ("USSR", "U.S.S.R.")),
    "North Korea": ("place", ("DPRK", "Democratic People's Republic of Korea")),
    "South Korea": ("place", ("ROK", "Republic of Korea")),
    "China": ("place", ("PRC", "People's Republic of China", "mainland China")),
    "Czechia": ("place", ("Czech Republic",)),
    # The Federal Republic is Germany before 1990 and after; the GDR is another state.
    "Germany": ("place", ("West Germany", "W. Germany", "Federal Republic of Germany", "FRG")),
    "East Germany": ("place", ("GDR", "German Democratic Republic")),
    # US states by their news abbreviations (AP style: "Calif.", "N.J."), which no rule can know
    "Alabama": ("place", ("Ala.",)),
    "Arizona": ("place", ("Ariz.",)),
    "Arkansas": ("place", ("Ark.",)),
    "California": (
        "place",
        (
            "Calif.",
            "Cal.",
        ),
    ),
    "Colorado": ("place", ("Colo.",)),
    "Connecticut": ("place", ("Conn.",)),
    "Delaware": ("place", ("Del.",)),
    "Florida": ("place", ("Fla.",)),
    "Illinois": ("place", ("Ill.",)),
    "Indiana": ("place", ("Ind.",)),
    "Kansas": (
        "place",
        (
            "Kan.",
            "Kans.",
        ),
    ),
    "Kentucky": ("place", ("Ky.",)),
    "Louisiana": ("place", ("La.",)),
    "Massachusetts": ("place", ("Mass.",)),
    "Maryland": ("place", ("Md.",)),
    "Michigan": ("place", ("Mich.",)),
    "Minnesota": ("place", ("Minn.",)),
    "Mississippi": ("place", ("Miss.",)),
    "Missouri": ("place", ("Mo.",)),
    "Nebraska": (
        "place",
        (
            "Neb.",
            "Nebr.",
        ),
    ),
    "Nevada": ("place", ("Nev.",)),
    "New Jersey": ("place", ("N.J.",)),
    "New Mexico": ("place", ("N.M.",)),
    "New York": ("place", ("N.Y.",)),
    "New Hampshire": ("place", ("N.H.",)),
    "North Carolina": ("place", ("N.C.",)),
    "North Dakota": ("place", ("N.D.",)),
    "Oklahoma": ("place", ("Okla.",)),
    "Oregon": (
        "place",
        (
            "Ore.",
            "Oreg.",
        ),
    ),
    "Pennsylvania": (
        "place",
        (
            "Pa.",
            "Penn.",
        ),
    ),
    "Rhode Island": ("place", ("R.I.",)),
    "South Carolina": ("place", ("S.C.",)),
    "South Dakota": ("place", ("S.D.",)),
    "Tennessee": ("place", ("Tenn.",)),
    "Texas": ("place", ("Tex.",)),
    "Vermont": ("place", ("Vt.",)),
    "Virginia": ("place", ("Va.",)),
    "Wisconsin": (
        "place",
        (
            "Wis.",
            "Wisc.",
        ),
    ),
    "West Virginia": ("place", ("W.Va.",)),
    "Wyoming": ("place", ("Wyo.",)),
    "Myanmar": ("place", ("Burma",)),
    "Netherlands": ("place", ("Holland",)),
    "Ivory Coast": ("place", ("Cote d'Ivoire",)),
    "United Arab Emirates": ("place", ("UAE", "U.A.E.")),
    "Democratic Republic of the Congo": ("place", ("DRC", "DR Congo")),
    "Vatican": ("place", ("Vatican City", "Holy See")),
    "Turkey": ("place", ("Turkiye",)),
    "Eswatini": ("place", ("Swaziland",)),
    "North Macedonia": ("place", ("Macedonia",)),
    "Cabo Verde": ("place", ("Cape Verde",)),
    "Timor Leste": ("place", ("East Timor",)),
    "Palestinian Territory": ("place", ("Palestinian Territories",)),
    "Kyiv": ("place", ("Kiev",)),
    "Beijing": ("place", ("Peking",)),
    "Mumbai": ("place", ("Bombay",)),
    # organisations
    "United Nations": ("org", ("UN", "U.N.")),
    "Liberal Democrats": ("org", ("Lib Dems", "Lib Dem", "LibDems", "Liberal Democrat")),
    "European Union": ("org", ("EU", "E.U.")),
    # The Community's executive: one body under its names before and after 1993
    "European Commission": (
        "org",
        ("EC Commission", "Commission of the European Communities", "EU Commission"),
    ),
    "NATO": ("org", ("Nato", "North Atlantic Treaty Organization")),
    "OPEC": ("org", ("Organization of the Petroleum Exporting Countries",)),
    "International Monetary Fund": ("org", ("IMF",)),
    "World Health Organization": ("org", ("WHO",)),
    "Korean Central News Agency": ("org", ("KCNA",)),
    "Federal Reserve": ("org", ("Fed", "Federal Reserve Board")),
    # people (well-known leaders: full-name transliterations and unambiguous surnames)
    "Kim Jong Un": ("person", ("Kim Jongun",)),
    "Vladimir Putin": ("person", ("Putin", "Vladimir Vladimirovich Putin")),
    "Volodymyr Zelenskyy": (
        "person",
        ("Zelenskyy", "Zelenskii", "Zelenskyi", "Vladimir Zelensky", "Volodymyr Zelenskyi"),
    ),
    "Donald Trump": ("person", ("Trump", "Donald J. Trump")),
    "Joe Biden": ("person", ("Biden", "Joseph Biden", "Joseph R. Biden")),
    "Xi Jinping": ("person", ("Xi",)),
    "Emmanuel Macron": ("person", ("Macron",)),
    "Recep Tayyip Erdogan": ("person", ("Erdogan", "Tayyip Erdogan")),
    "Benjamin Netanyahu": ("person", ("Netanyahu",)),
    "Narendra Modi": ("person", ("Modi",)),
    "Sergei Lavrov": ("person", ("Lavrov", "Sergey Lavrov")),
    "Dmitry Peskov": ("person", ("Peskov", "Dmitri Peskov")),
    "Valery Gerasimov": ("person", ("Valeri Gerasimov",)),
    "Sergei Shoigu": ("person", ("Shoigu", "Sergey Shoigu")),
}

# Country adjectives ("North Korean troops") -> the country they stand for.
DEMONYMS: dict[str, str] = {
    "afghan": "Afghanistan",
    "albanian": "Albania",
    "algerian": "Algeria",
    "american": "United States",
    "angolan": "Angola",
    "argentine": "Argentina",
    "argentinian": "Argentina",
    "armenian": "Armenia",
    "australian": "Australia",
    "austrian": "Austria",
    "azerbaijani": "Azerbaijan",
    "bangladeshi": "Bangladesh",
    "belarusian": "Belarus",
    "belgian": "Belgium",
    "bolivian": "Bolivia",
    "bosnian": "Bosnia and Herzegovina",
    "brazilian": "Brazil",
    "british": "United Kingdom",
    "english": "England",
    "scottish": "Scotland",
    "scots": "Scotland",
    "welsh": "Wales",
    "northern irish": "Northern Ireland",
    "bulgarian": "Bulgaria",
    "burmese": "Myanmar",
    "cambodian": "Cambodia",
    "cameroonian": "Cameroon",
    "canadian": "Canada",
    "chilean": "Chile",
    "chinese": "China",
    "colombian": "Colombia",
    "congolese": "Democratic Republic of the Congo",
    "croatian": "Croatia",
    "cuban": "Cuba",
    "cypriot": "Cyprus",
    "czech": "Czechia",
    "danish": "Denmark",
    "dutch": "Netherlands",
    "ecuadorian": "Ecuador",
    "egyptian": "Egypt",
    "emirati": "United Arab Emirates",
    "eritrean": "Eritrea",
    "estonian": "Estonia",
    "ethiopian": "Ethiopia",
    "filipino": "Philippines",
    "finnish": "Finland",
    "french": "France",
    "georgian": "Georgia",
    "german": "Germany",
    "ghanaian": "Ghana",
    "greek": "Greece",
    "guatemalan": "Guatemala",
    "haitian": "Haiti",
    "honduran": "Honduras",
    "hungarian": "Hungary",
    "icelandic": "Iceland",
    "indian": "India",
    "indonesian": "Indonesia",
    "iranian": "Iran",
    "iraqi": "Iraq",
    "irish": "Ireland",
    "israeli": "Israel",
    "italian": "Italy",
    "jamaican": "Jamaica",
    "japanese": "Japan",
    "jordanian": "Jordan",
    "kazakh": "Kazakhstan",
    "kenyan": "Kenya",
    "kuwaiti": "Kuwait",
    "kyrgyz": "Kyrgyzstan",
    "latvian": "Latvia",
    "lebanese": "Lebanon",
    "libyan": "Libya",
    "lithuanian": "Lithuania",
    "malaysian": "Malaysia",
    "malian": "Mali",
    "mexican": "Mexico",
    "moldovan": "Moldova",
    "mongolian": "Mongolia",
    "moroccan": "Morocco",
    "mozambican": "Mozambique",
    "nepalese": "Nepal",
    "nicaraguan": "Nicaragua",
    "nigerian": "Nigeria",
    "north korean": "North Korea",
    "norwegian": "Norway",
    "omani": "Oman",
    "pakistani": "Pakistan",
    "palestinian": "Palestinian Territory",
    "panamanian": "Panama",
    "paraguayan": "Paraguay",
    "peruvian": "Peru",
    "philippine": "Philippines",
    "polish": "Poland",
    "portuguese": "Portugal",
    "qatari": "Qatar",
    "romanian": "Romania",
    "russian": "Russia",
    "rwandan": "Rwanda",
    "salvadoran": "El Salvador",
    "saudi": "Saudi Arabia",
    "senegalese": "Senegal",
    "serbian": "Serbia",
    "singaporean": "Singapore",
    "slovak": "Slovakia",
    "slovenian": "Slovenia",
    "somali": "Somalia",
    "south african": "South Africa",
    "south korean": "South Korea",
    "south sudanese": "South Sudan",
    "soviet": "Soviet Union",
    "spanish": "Spain",
    "sri lankan": "Sri Lanka",
    "sudanese": "Sudan",
    "swedish": "Sweden",
    "swiss": "Switzerland",
    "syrian": "Syria",
    "taiwanese": "Taiwan",
    "tajik": "Tajikistan",
    "tanzanian": "Tanzania",
    "thai": "Thailand",
    "tunisian": "Tunisia",
    "turkish": "Turkey",
    "turkmen": "Turkmenistan",
    "ugandan": "Uganda",
    "ukrainian": "Ukraine",
    "uruguayan": "Uruguay",
    "uzbek": "Uzbekistan",
    "venezuelan": "Venezuela",
    "vietnamese": "Vietnam",
    "yemeni": "Yemen",
    "zambian": "Zambia",
    "zimbabwean": "Zimbabwe",
}

# Single words the small model tags as names but that are no entity on their own.
JUNK_WORDS: frozenset[str] = frozenset(
    """
    supreme motherland homeland fatherland government ministry commission party army military
    state states republic federation parliament congress senate court council committee agency
    north south east west northern southern eastern western central
    ai pm am ceo cfo gmt est edt pst ltd inc corp co plc llc ag sa nv
    also read reuters said says today yesterday tomorrow
    bank finance avg revs shr shrs qtr vs net oper
    """.split()
)

# Company-form words: never resolved to a longer name ("Co" is no short form of "Penn Traffic Co").
CORP_SUFFIXES: frozenset[str] = frozenset("ltd inc corp co plc llc ag sa nv bhd gmbh".split())

# Unit words of financial copy ("U.S. Dlrs", "cts"): a span holding one is no entity.
UNIT_WORDS: frozenset[str] = frozenset("dlrs dlr cts mln bln pct".split())

# Currency words: a country's name or adjective before one ("U.S. Dollar", "Swiss franc")
# names money, not an organisation.
CURRENCY_WORDS: frozenset[str] = frozenset(
    """
    dollar dollars yen franc francs mark marks pound pounds sterling lira lire peso pesos
    rupee rupees yuan rouble roubles ruble rubles krona kronor krone kroner guilder guilders
    dinar dinars riyal riyals rand ringgit baht won euro euros escudo escudos peseta pesetas
    schilling schillings drachma drachmas
    """.split()
)

# Place names that are common given names: a PERSON tag on them is trusted.
GIVEN_NAME_PLACES: frozenset[str] = frozenset(
    """
    chad jordan georgia israel sofia santiago victoria austin florence charlotte kingston lima
    hamilton madison jackson lincoln regina eugene troy paris sydney denver dallas houston
    phoenix aurora salem orlando tyler beverly camden chester clifton darwin elizabeth
    florida maria mary marion
    """.split()
)

# Place names that are ordinary English words when capitalised at a sentence or title start:
# never added from untagged text (a model tag on them is still honoured).
COMMON_WORD_PLACES: frozenset[str] = frozenset(
    """
    of best mobile nice reading split bath hope independence orange surprise gary temple
    concord mission victoria union progress liberty justice deal march may june august
    enterprise commerce industry opportunity providence paradise eagle bend college
    university station river lake bay port ocean valley mountain spring springs summit
    south north east west central marine sale trade bank banks city page sandy parma
    buy sell rose lower upper chance fair pleasant hillsboro natal guide rank brent male goes
    """.split()
)
