"""E-mails, phones and contact blocks (person + e-mail + phone + role + organisation)."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pytest

from hitta.pipeline import contacts
from hitta.pipeline.contacts import find_emails, find_phones, group_contacts



@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kontakt: Tine Ane Nielsen\n\nE-mail: BW6V@okf.kk.dk\n", ["BW6V@okf.kk.dk"]),
        ("Kontaktperson: Roger Uusitalo, roger2.uusitalo@pajala.se\n", ["roger2.uusitalo@pajala.se"]),
        ("kontakte projektchef Ditte Marquard Jessen på mail dmj@realdania.dk.", ["dmj@realdania.dk"]),
        ("e-post: fornamn.d.efternamn@tillvaxtverket.se", ["fornamn.d.efternamn@tillvaxtverket.se"]),
        ("e.: landdistriktspulje@erst.dk eller Henrik på e.: HenStn@erst.dk", ["landdistriktspulje@erst.dk", "HenStn@erst.dk"]),
        # Glued page text: the address ends where the next word begins.
        ("Mejla oss på info@example.seBesök oss gärna.", ["info@example.se"]),
        ("E-Mail: kontakt@stadt-soest.deTelefon: 02921 103-0", ["kontakt@stadt-soest.de"]),
        # Not addresses: domains, URLs, hidden addresses, image names
        ("Gå direkte til socialerenoveringer.dk", []),
        ("Weitere Informationen gibt es unter www.smartcities-suedwestfalen.com.", []),
        ("Diese E-Mail-Adresse ist vor Spambots geschützt! Zur Anzeige muss JavaScript eingeschaltet sein!", []),
        ("Se billede@2x.png eller https://user@example.com/side", []),
        ("Skicka e-post", []),
    ],
)
def test_find_emails(text: str, expected: list[str]) -> None:
    items = find_emails(text)
    assert [item["text"] for item in items] == expected
    for item in items:
        assert text[item["span"][0]:item["span"][1]] == item["text"]


def test_email_address_lowercases_the_domain_only() -> None:
    assert find_emails("Mail: Anna.Berg@Region.SE")[0]["address"] == "Anna.Berg@region.se"


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("da", "Tel: +45 29 46 29 20", [("+45 29 46 29 20", "+4529462920")]),
        ("de", "Tel.: 02921/103 - 5227", [("02921/103 - 5227", "+4929211035227")]),
        ("de", "Oder rufen Sie uns an:\n02921 / 103-1011", [("02921 / 103-1011", "+4929211031011")]),
        ("sv", "telefon 08–681 65 84", [("08–681 65 84", "+4686816584")]),
        ("sv", "Telefon: 08 681 65 95Behandling av personuppgifter", [("08 681 65 95", "+4686816595")]),
        ("sv", "Skeppsbrogatan 2, Jönköping\n036 – 15 50 00\nSkicka e-post", [("036 – 15 50 00", "+4636155000")]),
        ("da", "Hotline på tlf. 41 71 78 97 (alle hverdage kl. 10-12)", [("41 71 78 97", "+4541717897")]),
        ("de", "E-Mail: info@nwe-kontaktstelle.de\nTelefon: 06321-992554", [("06321-992554", "+496321992554")]),
        ("nl", "Fax 0597-522511\nTelefoon 0597-521818", [("0597-522511", "+31597522511"), ("0597-521818", "+31597521818")]),
        ("sv", "Mobil: 070-123 45 67", [("070-123 45 67", "+46701234567")]),
        ("de", "Telefon +49 (0)211 123456-78", [("+49 (0)211 123456-78", "+4921112345678")]),
        ("nb", "Kontakt: 22 24 90 90.", [("22 24 90 90", "+4722249090")]),
        # Digit groups that look like years inside a real number still make a phone (made-up numbers).
        ("de", "Tel.: 0421 / 2023 2024", [("0421 / 2023 2024", "+4942120232024")]),
        ("de", "Telefon 05251 2019-20", [("05251 2019-20", "+495251201920")]),
        ("da", "Ring på tlf. 20 19 20 24", [("20 19 20 24", "+4520192024")]),
    ],
)
def test_find_phones(lang: str, text: str, expected: list[tuple[str, str]]) -> None:
    items = find_phones(text, lang)
    assert [(item["text"], item["e164"]) for item in items] == expected
    for item in items:
        assert text[item["span"][0]:item["span"][1]] == item["text"]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "In einem digitalen Gespräch am 18.11.2020 stellen sie vor."),
        ("sv", "Total omfattning:  620 211 SEK, varav 324 114 SEK beviljat projektstöd"),
        ("da", "I perioden 2016-2023 er der udmøntet 760 mio. kr. I perioden 2016-1023 også."),
        ("da", "Projektperiode\n\n  2023-2027"),
        ("da", "CVR-nr. 29189846 og EAN 5798000123456"),
        ("sv", "Org.nr 556000-1234. Bankgiro 5050-1055. Postnummer 211 20 Malmö."),
        ("de", "IBAN DE89 3704 0044 0532 0130 00, Postfach 4711, 48127 Münster"),
        ("nl", "Postbus 43\n9693 ZG Bad Nieuweschans"),
        ("da", "Støttebeløb: 1.055.000 kr. og 550.000 kr."),
        # Periods written with slashes and dashes between month-years, years or dates, on their own, after a
        # phone-like label or wherever the phone matcher would start inside them (made-up texts).
        ("de", "Förderzeitraum: 05/2024 – 10/2027"),
        ("de", "Förderzeitraum 11/2022-02/2025 (verlängert)"),
        ("nb", "Prosjektperiode: 08.2023 - 07.2026"),
        ("sv", "Under läsåret 2024/25 erbjuds kursen igen."),
        ("da", "Budgetåret 2022/2023 blev forlænget."),
        ("en", "Funding period 2021 – 2027, second call 2024/25"),
        ("de", "Laufzeit 15.03.2022 - 14.03.2025"),
        ("sv", "Projekttid 2024-02 – 2026-01"),
        ("de", "Tel.-Sprechstunde im Zeitraum 04/2025 – 09/2025"),
    ],
)
def test_not_phones(lang: str, text: str) -> None:
    assert find_phones(text, lang) == []


def person(text: str, name: str, occurrence: int = 0) -> dict[str, Any]:
    """Return a person item for the n-th occurrence of `name` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(name, start + 1)
    return {"text": name, "span": [start, start + len(name)], "name": name, "source": "rule"}


def organisation(text: str, name: str) -> dict[str, Any]:
    """Return an organisation item for the first occurrence of `name` in `text`."""
    start = text.index(name)
    return {"text": name, "span": [start, start + len(name)], "name": name, "source": "rule"}


def contacts_of(text: str, lang: str, names: list[str], organisations: list[str]) -> list[dict[str, Any]]:
    """Run group_contacts with hand-made person and organisation items and the real e-mails/phones."""
    persons = [person(text, name) for name in names]
    orgs = [organisation(text, name) for name in organisations]
    contacts = group_contacts(text, persons, find_emails(text), find_phones(text, lang), orgs)
    for contact in contacts:
        start, end = contact["span"]
        assert 0 <= start < end <= len(text)
        assert contact["name"] in text[start:end]
    return [{key: value for key, value in contact.items() if key != "span"} for contact in contacts]


@pytest.mark.parametrize(
    ("lang", "text", "names", "organisations", "expected"),
    [
        (
            "sv",
            "Kontakt\n\nSerena Bonato\ntelefon 08–681 65 84\ne-post: serena.bonato@tillvaxtverket.se\n\n"
            "Filip Ingelström\nE-post: filip.ingelstrom@tillvaxtverket.se\nTelefon: 08 681 92 56\n",
            ["Serena Bonato", "Filip Ingelström"],
            [],
            [
                {"name": "Serena Bonato", "email": "serena.bonato@tillvaxtverket.se", "phone": "+4686816584",
                 "role": None, "organisation": None},
                {"name": "Filip Ingelström", "email": "filip.ingelstrom@tillvaxtverket.se", "phone": "+4686819256",
                 "role": None, "organisation": None},
            ],
        ),
        (
            "de",
            "Ansprechpartnerin:\nMaria Müller\nProjektleiterin\nStadt Soest\nTel.: 02921/103 - 5227\n"
            "E-Mail: m.mueller@soest.de\n",
            ["Maria Müller"],
            ["Stadt Soest"],
            [{"name": "Maria Müller", "email": "m.mueller@soest.de", "phone": "+4929211035227",
              "role": "Projektleiterin", "organisation": "Stadt Soest"}],
        ),
        (
            "da",
            "”Vi tror på det,” fortæller Mette Margrethe Elf, projektchef i Realdania.",
            ["Mette Margrethe Elf"],
            ["Realdania"],
            [{"name": "Mette Margrethe Elf", "email": None, "phone": None, "role": "projektchef",
              "organisation": "Realdania"}],
        ),
        (
            "da",
            "Yderligere kontakt: Hotline på tlf. 41 71 78 97, e.: landdistriktspulje@erst.dk eller "
            "Henrik Steen Jensen på tlf. 35 29 12 86, e.: HenStn@erst.dk",
            ["Henrik Steen Jensen"],
            [],
            [{"name": "Henrik Steen Jensen", "email": "HenStn@erst.dk", "phone": "+4535291286", "role": None,
              "organisation": None}],
        ),
        (
            "sv",
            "Projektägare: Pajala kommun\n\nKontaktperson:   Roger Uusitalo, roger2.uusitalo@pajala.se\n",
            ["Roger Uusitalo"],
            ["Pajala kommun"],
            [{"name": "Roger Uusitalo", "email": "roger2.uusitalo@pajala.se", "phone": None,
              "role": "Kontaktperson", "organisation": None}],
        ),
        (
            # The second person's role and organisation stay with the second person.
            "de",
            "Wer: Infrastrukturministerin Kathrin Schneider und Marietta Tzschoppe, Abteilungsleiterin für "
            "Stadtentwicklung der Stadt Cottbus",
            ["Kathrin Schneider", "Marietta Tzschoppe"],
            ["Stadt Cottbus"],
            [
                {"name": "Kathrin Schneider", "email": None, "phone": None, "role": "Infrastrukturministerin",
                 "organisation": None},
                {"name": "Marietta Tzschoppe", "email": None, "phone": None, "role": "Abteilungsleiterin",
                 "organisation": "Stadt Cottbus"},
            ],
        ),
        (
            # A person named without any contact detail or role is no contact.
            "de",
            "Dirk Lönnecke eröffnete Ausstellung der Malschule Warstein",
            ["Dirk Lönnecke"],
            ["Malschule Warstein"],
            [],
        ),
    ],
)
def test_group_contacts(
    lang: str, text: str, names: list[str], organisations: list[str], expected: list[dict[str, Any]]
) -> None:
    assert contacts_of(text, lang, names, organisations) == expected


def test_repeated_person_is_one_contact_with_the_details_of_both_blocks() -> None:
    text = "Kontakt:\n\nTine Ane Nielsen\n\nBW6V@okf.kk.dk\n\nLead Partner: Københavns Kommune\n\n" \
           "Kontakt: Tine Ane Nielsen\n\nTel: +45 29 46 29 20\n"
    persons = [person(text, "Tine Ane Nielsen", 0), person(text, "Tine Ane Nielsen", 1)]
    contacts = group_contacts(text, persons, find_emails(text), find_phones(text, "da"), [])
    assert [(c["name"], c["email"], c["phone"]) for c in contacts] == [
        ("Tine Ane Nielsen", "BW6V@okf.kk.dk", "+4529462920")
    ]


@pytest.mark.parametrize("text", ["", "@", "a@" * 3000, "x@" + "a." * 5000, "+45 " * 2000, "\x00\ufeff"])
def test_odd_input_never_raises(text: str) -> None:
    find_emails(text)
    find_phones(text, "da")
    find_phones(text, "und")
    assert group_contacts(text, [], [], [], []) == []


# E-mails are only matched from the start of the word before each "@" and phone shapes only from "+", "(" or
# a digit (speed); these cases check that this finds exactly what scanning every offset finds.
@pytest.mark.parametrize(
    "text",
    [
        "Kontakt: Tine Ane Nielsen\nE-mail: BW6V@okf.kk.dk, tlf. +45 33 66 33 66 / 2146 8920",
        "info@firma.seTelefon 040-159 97 51 · a..b@x.se · x.@y.de · first.last+tag@sub.example.org",
        "Tel. (0 22 1) 4 70-3 35 · https://user:pw@host.de/pfad · mail@@doppelt.de · né.é@ö.dk 123@4.5",
        "Telefon: +49 (0) 228 570-083, Fax 0228/216-246, 08-681 2019 12 und ab_c@d.de@e.de",
    ],
)
def test_gated_email_and_phone_shape_matching_finds_what_a_full_scan_finds(text: str) -> None:
    assert [m.span() for m in contacts._email_matches(text)] == [m.span() for m in contacts._EMAIL.finditer(text)]
    assert [m.span() for m in contacts._phone_shapes(text)] == [m.span() for m in contacts._PHONE_SHAPE.finditer(text)]


# The matcher passes over candidates with too few digits to be valid (speed): the library's own matcher finds the
# same numbers, here on candidates of every length up to a valid number and around it.
@pytest.mark.parametrize("region", ["SE", "DK", "DE", "NO", "GB", "ZZ"])
def test_phone_matcher_finds_what_the_library_matcher_finds(region: str) -> None:
    text = (
        "1 12 123 1234 12345 123456 1234567 12345678 08-12 34 5 040-159 97 51 +45 33 66 33 66 +4 +45 1 +49 (0) 228 "
        "570-083 0049 228 57 0049 1 3366 33 66 00 45 3366 3366 0228/216-246 1-800-FLOWERS 030 1234 x12 "
        "tlf. 33 66 33 66, Tel. 0221 123456, år 2024, 2014-2020, 12 500 000 kr, +46 8 123 456 78, \uff0b46 8 1234567, "
        "the shortest valid numbers of some regions: 0208509 (SE), 06586 (NO), 1697 (DE)"
    )

    def found(matches: Any) -> list[tuple[int, int, str]]:
        return [(m.start, m.end, phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)) for m in matches]

    fast = found(contacts._PhoneMatcher(text, region))
    assert fast == found(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
    assert fast  # the text holds valid numbers of every region (ZZ: those with a plus)


def _role_before_by_scan(text: str, window_start: int, start: int) -> tuple[int, int] | None:
    """Return the span of the first role word with only spaces, colons or commas between it and `start`."""
    for match in contacts._ROLE.finditer(text, window_start, start):
        if re.fullmatch(r"[\s:,]*", text[match.end():start]):
            return match.span()
    return None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Som projektchef Ditte Marquard Jessen siger", "Ditte"),
        ("Kontaktperson:   Roger Uusitalo", "Roger"),
        ("Die Projektleiterin, Anna Berg, sagt", "Anna"),
        ("Kontakt: Lars Holm, projektleder", "Lars"),
        ("chef_Anna Berg", "Anna"),
        ("Bürgermeister3 Anna Berg", "Anna"),
        ("Ansprechpartnerin\n\nAnna Berg", "Anna"),
    ],
)
def test_role_right_before_a_name_is_the_one_a_line_scan_finds(text: str, name: str) -> None:
    start = text.index(name)
    end = start + len(name)
    for window_start in range(start + 1):
        role = contacts._role_near(text, start, end, end, window_start)
        expected = _role_before_by_scan(text, window_start, start)
        if expected is not None:
            assert role is not None and role.span() == expected
        elif role is not None:  # found by a later rule: then it is not a role word right before the name
            assert not (window_start <= role.start() and re.fullmatch(r"[\s:,]*", text[role.end():start]))


# Roles seen missing on unseen write-ups (issue 14, item 5); the texts are made up.
@pytest.mark.parametrize(
    ("lang", "text", "name", "role"),
    [
        ("sv", "Kontakt\nMaja Lindroth\nProjektledare\nTelefon: 070-123 45 67", "Maja Lindroth", "Projektledare"),
        ("sv", "Projektledare: Maja Lindroth, tel. 070-123 45 67", "Maja Lindroth", "Projektledare"),
        ("sv", "Maja Lindroth, Projektledare, maja.lindroth@example.se", "Maja Lindroth", "Projektledare"),
        ("de", "Ansprechpartnerin: Frau Ilka Weidenbach, E-Mail: ilka@example.de", "Ilka Weidenbach", "Ansprechpartnerin"),
        ("de", "Projektleiter Herr Dr. Jannis Oberholz, Tel. 0341 998877", "Jannis Oberholz", "Projektleiter"),
    ],
)
def test_role_found_past_a_salutation_and_in_swedish(lang, text, name, role):
    found = contacts_of(text, lang, [name], [])
    assert [(contact["name"], contact["role"]) for contact in found] == [(name, role)]

