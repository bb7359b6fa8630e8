"""Word lists for the demo data. Everything here is invented; the sectors,
thematic areas and the sittings' dates and places follow the ministry's public
announcement (see DOMAIN.md)."""

# (sector, seat-holding members at scale 1): uneven, real-world-looking shares.
SECTORS: list[tuple[str, int]] = [
    ("Zivilgesellschaft", 16),
    ("Politik", 10),
    ("Verwaltung", 13),
    ("Wissenschaft", 7),
    ("Unternehmen/Wirtschaft", 9),
    ("Bildungsorganisationen", 8),
    ("Religionsgemeinschaften", 6),
    ("Migrantenorganisationen", 12),
]

# How likely a sector's members come to a meeting (invented, to give the charts shape).
ATTENDANCE_RATE: dict[str, float] = {
    "Zivilgesellschaft": 0.82,
    "Politik": 0.58,
    "Verwaltung": 0.9,
    "Wissenschaft": 0.7,
    "Unternehmen/Wirtschaft": 0.55,
    "Bildungsorganisationen": 0.78,
    "Religionsgemeinschaften": 0.66,
    "Migrantenorganisationen": 0.85,
}

AREAS: list[tuple[str, str]] = [
    ("Rassismus & frühkindliche Bildung", "AG 1"),
    ("Arbeitsmarkt & Integration", "AG 2"),
    ("Asyl & Integration", "AG 3"),
]

# (name, default percent proposed by the forms, done, discontinued)
STATUSES: list[tuple[str, int | None, bool, bool]] = [
    ("vorgeschlagen", 0, False, False),
    ("geplant", 10, False, False),
    ("in Umsetzung", None, False, False),
    ("umgesetzt", 100, True, False),
    ("zurückgestellt", None, False, True),
]

ORGANISATIONS: dict[str, list[str]] = {
    "Zivilgesellschaft": [
        "Nachbarschaft im Quartier e. V.",
        "Landesnetzwerk Ehrenamt & Teilhabe",
        "Initiative Willkommen am Mainufer e. V.",
        "Stiftung Zusammenhalt Lahnhausen",
        "Forum Freie Wohlfahrt Nordhessen-Beispiel",
    ],
    "Politik": [
        "Landtagsfraktion Partei A",
        "Landtagsfraktion Partei B",
        "Landtagsfraktion Partei C",
        "Landtagsfraktion Partei D",
        "Städtebund Hessen-Mitte (Beispiel)",
    ],
    "Verwaltung": [
        "Regierungspräsidium Musterstadt",
        "Kreisverwaltung Vogelsberg-Beispiel",
        "Stadt Lahnhausen – Integrationsbüro",
        "Landesamt für Zuwanderung (Beispiel)",
        "Jobcenter Taunusregion",
    ],
    "Wissenschaft": [
        "Hochschule Mainufer – Institut für Migrationsforschung",
        "Universität Lahnhausen – Fachbereich Soziologie",
        "Institut für Teilhabeforschung Musterstadt",
    ],
    "Unternehmen/Wirtschaft": [
        "Industrie- und Handelskammer Musterstadt",
        "Handwerkskammer Hessen-Mitte (Beispiel)",
        "Arbeitgeberverband Nordhessen-Beispiel",
        "Logistik Lahnhausen GmbH",
    ],
    "Bildungsorganisationen": [
        "Volkshochschule Lahnhausen",
        "Landesverband Kindertagesstätten (Beispiel)",
        "Bildungswerk Taunusregion e. V.",
        "Elternbund Mainufer",
    ],
    "Religionsgemeinschaften": [
        "Evangelisches Dekanat Musterstadt",
        "Katholisches Bildungswerk Lahnhausen",
        "Islamische Gemeinde Mainufer e. V.",
        "Jüdische Gemeinde Musterstadt",
        "Alevitische Gemeinde Taunusregion e. V.",
    ],
    "Migrantenorganisationen": [
        "Verband der Migrantenvereine Hessen-Süd (Beispiel)",
        "Deutsch-Türkischer Kulturverein Lahnhausen",
        "Afrikanisches Forum Mainufer e. V.",
        "Syrischer Elternverein Musterstadt",
        "Ukrainische Gemeinschaft Taunusregion e. V.",
    ],
}

# A member who joins after the last plenary sitting comes from this new organisation.
NEW_ORGANISATION = ("Migrantenorganisationen", "Netzwerk Neue Nachbarschaft Wetterau e. V.")

FIRST_NAMES = [
    "Anna",
    "Jonas",
    "Leyla",
    "Mehmet",
    "Sophie",
    "Lukas",
    "Fatma",
    "Yusuf",
    "Marie",
    "Tobias",
    "Amira",
    "Karim",
    "Julia",
    "Stefan",
    "Olena",
    "Dmytro",
    "Aylin",
    "Emre",
    "Claudia",
    "Thomas",
    "Nadia",
    "Samir",
    "Katharina",
    "Michael",
    "Grace",
    "Kwame",
    "Elif",
    "Murat",
    "Sabine",
    "Andreas",
    "Rania",
    "Hassan",
    "Lea",
    "Felix",
    "Zeynep",
    "Ömer",
    "Ingrid",
    "Bernd",
    "Mariam",
    "Tarek",
    "Hanna",
    "Paul",
    "Jasmin",
    "Ali",
]
LAST_NAMES = [
    "Albrecht",
    "Brandauer",
    "Celik",
    "Demirtas",
    "Eberhardt",
    "Falkner",
    "Gündoğdu",
    "Hartwig",
    "Ilhan",
    "Jansen-Roth",
    "Kowalczyk",
    "Lindqvist",
    "Mahmoud",
    "Neuhaus",
    "Okafor",
    "Petrenko",
    "Quandt",
    "Rahimi",
    "Schäfer-Lenz",
    "Tekin",
    "Uhlmann",
    "Vogelsang",
    "Wendler",
    "Yıldız",
    "Zimmerling",
    "Achterberg",
    "Bozkurt",
    "Haddad",
    "Kovalenko",
    "Mensah",
    "Özdemir",
    "Reinhold",
    "Sommerfeld",
    "Taşkın",
    "Wagenknecht-Beispiel",
]
FUNCTIONS = [
    "Geschäftsführung",
    "Vorsitz",
    "Referent/in",
    "Fachbereichsleitung",
    "Abgeordnete/r",
    "Integrationsbeauftragte/r",
    "Professor/in",
    "Projektleitung",
    "Vorstandsmitglied",
]

NEEDS: dict[str, list[str]] = {
    "AG 1": [
        "Rassismuskritische Qualifizierung von Fachkräften in Kitas",
        "Mehrsprachigkeit in der frühkindlichen Bildung stärken",
        "Zugang zu Kita-Plätzen für neu zugewanderte Familien",
        "Beschwerdestellen bei Diskriminierung bekannt machen",
    ],
    "AG 2": [
        "Schnellere Anerkennung ausländischer Berufsabschlüsse",
        "Berufsbezogene Sprachförderung ausbauen",
        "Arbeitsmarktzugang für Frauen mit Zuwanderungsgeschichte",
        "Betriebe bei der Einstellung Geflüchteter unterstützen",
    ],
    "AG 3": [
        "Unterbringung und Erstorientierung verbessern",
        "Asylverfahrensberatung flächendeckend sichern",
        "Psychosoziale Versorgung Geflüchteter",
        "Übergang von der Erstaufnahme in die Kommune",
    ],
}

MEASURES: dict[str, list[str]] = {
    "AG 1": [
        "Fortbildungsreihe Vorurteilsbewusste Bildung für Kita-Teams",
        "Leitfaden Mehrsprachigkeit im Kita-Alltag",
        "Elternbegleiterinnen-Programm in Familienzentren",
        "Antidiskriminierungsberatung in allen Landkreisen",
        "Kampagne Beschwerdewege bei Diskriminierung",
        "Fachtag Rassismuskritische Pädagogik",
        "Mehrsprachige Informationen zur Kita-Anmeldung",
        "Qualifizierung von Kindertagespflegepersonen mit Migrationsgeschichte",
        "Monitoring Diskriminierungsfälle in Bildungseinrichtungen",
        "Praxisbegleitung Sprach-Kitas nach Programmende",
        "Netzwerk Vielfalt in der Kita-Leitung",
        "Materialkoffer Vielfalt für Krippen",
        "Übergangsbegleitung Kita–Grundschule für Familien im Asylverfahren",
    ],
    "AG 2": [
        "Anerkennungslotsen in allen Jobcentern",
        "Berufssprachkurse mit Kinderbetreuung",
        "Mentoringprogramm für zugewanderte Frauen",
        "Informationsoffensive Ausbildung für Geflüchtete",
        "Betriebliche Integrationsbegleitung im Handwerk",
        "Teilqualifizierung in Pflegeberufen",
        "Beschleunigtes Verfahren für Berufsanerkennung",
        "Digitale Jobbörse für Menschen mit Duldung",
        "Regionale Arbeitsmarktkonferenzen Integration",
        "Förderprogramm interkulturelle Öffnung von Betrieben",
        "Nachqualifizierung akademischer Abschlüsse",
        "Beratungsstelle faire Arbeitsbedingungen",
        "Gründungsberatung für Migrantinnen und Migranten",
    ],
    "AG 3": [
        "Standards für die Unterbringung in Gemeinschaftsunterkünften",
        "Unabhängige Asylverfahrensberatung in der Erstaufnahme",
        "Psychosoziale Zentren für Geflüchtete ausbauen",
        "Willkommenslotsen für den Übergang in die Kommunen",
        "Dolmetschpool für Behörden und Beratung",
        "Gewaltschutzkonzepte in Unterkünften",
        "Schulzugang für Kinder in der Erstaufnahme",
        "Wohnraumvermittlung für anerkannte Geflüchtete",
        "Gesundheitskarte für Asylsuchende",
        "Erstorientierungskurse flächendeckend",
        "Ehrenamtskoordination in Unterkünften",
        "Rückkehr- und Perspektivberatung",
        "Clearingstelle für unbegleitete Minderjährige",
    ],
}

RESPONSIBLE = [
    "Geschäftsstelle Integrationskonferenz",
    "HMAIJS, Abteilung Integration",
    "Regierungspräsidien",
    "Kommunale Spitzenverbände",
    "Regionaldirektion der Arbeitsagentur (Beispiel)",
    "Träger der freien Wohlfahrt",
    "Landesnetzwerk Ehrenamt & Teilhabe",
]

LOCATIONS = [
    "Wiesbaden, Dienstgebäude des Ministeriums",
    "Frankfurt am Main, Haus der Vereine (Beispiel)",
    "Kassel, Tagungszentrum Nord (Beispiel)",
    "Gießen, Bildungszentrum (Beispiel)",
    "Online (Videokonferenz)",
]
PLENARY_LOCATIONS = {
    2024: "Wiesbaden, Dienstgebäude des Ministeriums",
    2025: "Kreishaus des Wetteraukreises, Friedberg (Hessen)",
}

# Answers to invitations (db.demo._responses): the sector that has declined the
# next meeting, and deputies who are not members.
AT_RISK = "Unternehmen/Wirtschaft"
GUEST_DEPUTIES = ["Dr. Lena Vogt", "Jonas Albers", "Selin Kaya", "Markus Brandt"]
