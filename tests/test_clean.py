"""Cleaning: Unicode and whitespace normalisation, and which web boilerplate lines are dropped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hitta.pipeline import clean
from hitta.pipeline.clean import boilerplate_line_flags, clean_text, is_boilerplate_line

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "corpus" / "samples").glob("*.txt"))


@pytest.mark.parametrize(
    "line",
    [
        # cookie and privacy notices
        "Vi använder cookies för att ge dig en bättre upplevelse av webbplatsen.",
        "Wir verwenden Cookies, um unsere Website für Sie optimal zu gestalten. Mit der Nutzung stimmen Sie zu.",
        "Accepter cookies",
        "Alle akzeptieren",
        "Cookie-Einstellungen",
        "Denne hjemmeside bruger cookies til statistik og til at forbedre din oplevelse.",
        "Läs mer om hur vi behandlar personuppgifter på tillvaxtverket.se/personuppgifter.",
        # JavaScript prompts and e-mail cloaking
        "Diese E-Mail-Adresse ist vor Spambots geschützt! Zur Anzeige muss JavaScript eingeschaltet sein!",
        "This email address is being protected from spambots. You need JavaScript enabled to view it.",
        "Du måste aktivera JavaScript för att kunna använda webbplatsen.",
        # share, follow, print
        "Send this to a friend",
        "Connect with us",
        "Del på Facebook",
        "Dela på LinkedIn",
        "Teilen",
        "Auf Facebook teilen",
        "Følg os på LinkedIn",
        "Folgen Sie uns",
        "Facebook Twitter LinkedIn E-mail",
        "Skriv ut",
        "Seite drucken",
        "Skicka e-post",
        # skip links, read more, back, top
        "Skip til primært indhold",
        "Hoppa till huvudinnehållet",
        "Zum Inhalt springen",
        "Skip to main content",
        "Læs mere her.",
        "Läs mer",
        "Weiterlesen »",
        "Mehr Informationen zum Projekt",
        "Gå direkte til socialerenoveringer.dk",
        "Tilbage til oversigten",
        "Zurück zur Übersicht",
        "Till toppen",
        "Nach oben",
        "För att läsa vidare, följ nedanstående länk!",
        "Klik her",
        # login, search, menu, newsletter, breadcrumbs
        "Log ind",
        "Logga in",
        "Hi, what are you looking for?",
        "Søg",
        "Menü",
        "Tilmeld dig vores nyhedsbrev",
        "Newsletter abonnieren",
        "Du er her: Forside › Projekter",
        "Startseite › Projekte › Smart City",
        "Hem Om oss Nyheter Kontakt",
        # labels, ads and residue
        "Annonser",
        "Anzeige",
        "Nyheter",
        "Aktuell",
        "Die letzten Beiträge",
        "Relaterede nyheder",
        "undefined",
        "x",
        "«",
        "•",
        "Bijgewerkt",
    ],
)
def test_boilerplate_lines_are_detected(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Kontakt:",
        "Kontakt",
        "Tine Ane Nielsen",
        "Sophie Lindenstruth",
        "Tel.: 02921/103 - 5227",
        "+45 29 46 29 20",
        "E-mail: BW6V@okf.kk.dk",
        "E-Mail",
        "Projektperiode: 1. april 2012 – 30. juni 2014",
        "Projektets samlede budget: 584 498 EUR",
        "Fakta om projektet",
        "Finansiering",
        "Bakgrund Case Sofielund",
        "Foto: Rambøll Arkitektur og Byudvikling",
        "Text: Jordbruksverket",
        "Kilde: Realdania",
        "Publicerades 2016-01-28",
        "Die Vision:",
        "Oder rufen Sie uns an:",
        "Tillväxtverket",
        "Eems Dollard Regio",
        "Siegen / Olpe / Soest",
        "Del 2: Resultater",
        "Läs mer om projektet på 040-34 10 00",
        "Projektet udgiver et nyhedsbrev hver måned.",
        "Mette Margrethe Elf, projektchef i Realdania",
        "Dann schreiben Sie uns gerne unter: Diese E-Mail-Adresse ist vor Spambots geschützt! Zur Anzeige muss JavaScript eingeschaltet sein!",
        "Lead Partner: Københavns Kommune, Økonomiforvaltningen, Center for Byudvikling",
        "• Eine innovative Region",
        "Weiterführende Informationen zu geförderten Projekten können Sie an dieser Stelle in unserer Datenbank nachlesen",
        "Regionsrådet i Region Syddanmark har på sit seneste møde bevilget 8,7 mio. kr. til kultur- og turismeprojekter.",
        "",
    ],
)
def test_content_lines_are_kept(line):
    assert not is_boilerplate_line(line)


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Fastighetsägare \u00a0 BID Sofielund", "Fastighetsägare BID Sofielund"),
        ("Tel:\u202f+45\u00a029\u00a046 29 20", "Tel: +45 29 46 29 20"),
        ("Ent\u00adwicklung\u200b der Region\ufeff", "Entwicklung der Region"),
        ("Malmo\u0308 Stad", "Malmö Stad"),  # decomposed ö composed (NFC)
        ("a\r\nb\rc\u2028d", "a\nb\nc\nd"),
        ("  Kontakt:\t\tTine   Ane Nielsen  ", "Kontakt: Tine Ane Nielsen"),
        ("Bakgrund\n\n\n\n\nDet handlar om", "Bakgrund\n\nDet handlar om"),
        ("\n\n  \nRubrik\n \t \nText\n\n", "Rubrik\n\nText"),
        ("Kontakt:\nTine Ane Nielsen\nBW6V@okf.kk.dk", "Kontakt:\nTine Ane Nielsen\nBW6V@okf.kk.dk"),
        ("Budget\x07: 5\x00 Mio. Euro", "Budget: 5 Mio. Euro"),
        ("Case Sofielund\n\nLäs mer\n\nBakgrund", "Case Sofielund\n\nBakgrund"),
        (
            "Leonie Bitting\nTel.: 02921/103 - 1011\nDiese E-Mail-Adresse ist vor Spambots geschützt! Zur Anzeige muss JavaScript eingeschaltet sein!\nOder rufen Sie uns an:",
            "Leonie Bitting\nTel.: 02921/103 - 1011\nOder rufen Sie uns an:",
        ),
        (
            "Dann schreiben Sie uns gerne unter: Diese E-Mail-Adresse ist vor Spambots geschützt! Zur Anzeige muss JavaScript eingeschaltet sein!",
            "Dann schreiben Sie uns gerne unter:",
        ),
    ],
)
def test_clean_text_normalises(raw, clean):
    assert clean_text(raw) == clean


MENU_PAGE = """Forside
Om os
Projekter
Nyheder
Kontakt

Partnerskab for vækst

Malmø og København har en fælles funktion som vækstmotor for hele Øresundsregionen."""

PARTNER_LIST = """Projektpartnere

Region Skåne
Malmö Stad
Københavns Kommune
Lunds Universitet
Region Hovedstaden

Projektet har ett gemensamt mål."""

TEASERS = """Aktuell

Bewerbungsstart für JU DO!-Gründerwettbewerb 2021

Aktuell

Dieses Mal möchte die Volkshochschule Unna-Fröndenberg-Holzwickede nicht verzichten.

Aktuell

Dirk Lönnecke eröffnete Ausstellung der Malschule Warstein"""


@pytest.mark.parametrize(
    "text, expected",
    [
        (MENU_PAGE, "Partnerskab for vækst\n\nMalmø og København har en fælles funktion som vækstmotor for hele Øresundsregionen."),
        (PARTNER_LIST, PARTNER_LIST),
        (TEASERS, "\n\n".join(line for line in TEASERS.split("\n\n") if line != "Aktuell")),
    ],
    ids=["menu-run-dropped", "partner-list-kept", "repeated-label-dropped"],
)
def test_context_rules(text, expected):
    assert clean_text(text) == expected


CONTACT_BLOCKS = """Projekt
Anna Berg
Projektledare
Region Skåne
Kontakt
Ole Hansen
Kontakt
Eva Lund"""


def test_contact_blocks_of_short_lines_are_no_menu():
    assert clean_text(CONTACT_BLOCKS) == CONTACT_BLOCKS


def test_repeated_contact_headings_are_kept():
    text = "Kontakt\nAnna Berg\n040-12 34 56\n\nKontakt\nOle Hansen\n33 12 34 56\n\nKontakt\nEva Lund\n08-123 45 67"
    assert clean_text(text) == text


def test_flags_cover_every_line():
    lines = ["Connect with us", "", "Malmö Stad", "Aktuell"]
    assert boilerplate_line_flags(lines) == [True, False, False, True]


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_keep_every_gold_string_and_clean_is_idempotent(sample):
    gold = json.loads((ROOT / "tests" / "gold" / f"{sample.stem}.json").read_text(encoding="utf-8"))
    cleaned = clean_text(sample.read_text(encoding="utf-8"))
    folded = " ".join(cleaned.split())
    strings = gold["organisations"] + gold["persons"] + gold["emails"]
    strings += [item["text"] for key in ("budgets", "dates", "phones") for item in gold[key]]
    assert [s for s in strings if " ".join(s.split()) not in folded] == []
    assert clean_text(cleaned) == cleaned


def test_sample_boilerplate_is_gone():
    cleaned = clean_text((ROOT / "corpus" / "samples" / "004_8e5d42d5634a53e9.txt").read_text(encoding="utf-8"))
    lines = cleaned.splitlines()
    for gone in ("Connect with us", "Send this to a friend", "Aktuell", "Anzeige", "Hi, what are you looking for?"):
        assert gone not in lines
    assert "Bobag Bauunternehmung AG" in cleaned


PIECES = list("ab Ö\n\t\u00a0\u00ad\u200b\r.:•x") + [
    "Läs mer", "Aktuell", "Kontakt", "Hem", "Om oss", "Nyheter", "Presse", "Del", "12", "@", "undefined", "Connect with us",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_clean_text_is_idempotent(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert "\n\n\n" not in cleaned and "  " not in cleaned


# Long lines are checked for the strong hint words in line.lower() (speed) unless they hold a letter that only
# case-insensitive matching pairs with a hint letter; these cases check it agrees with the regex.
@pytest.mark.parametrize(
    "line",
    [
        "Wir verwenden COOKIES, um die Website zu verbessern.",
        "Läs vår Integritetspolicy och personuppgifter.",
        "CookİE-Einstellungen, ſpam und PRİVACY, prıvacy",
        "Projektet stöttar företag i regionen med 12 miljoner kronor.",
        "Datenschutz · JavaScript · Personoplysninger · personvern",
    ],
)
def test_strong_hint_check_agrees_with_the_hint_pattern(line: str) -> None:
    assert clean._has_strong_hint(line) == bool(clean._STRONG_HINT.search(line))


def test_case_exotic_holds_every_letter_that_matches_a_hint_letter_only_case_insensitively() -> None:
    letters = sorted(set("".join(clean._STRONG_HINT_WORDS)))
    any_letter = re.compile("[" + re.escape("".join(letters)) + "]", re.IGNORECASE)
    for char in filter(any_letter.fullmatch, map(chr, range(0x110000))):
        if char.lower() not in letters:
            assert clean.has_case_exotic(char), hex(ord(char))
