"""Error types of organisations and persons seen on half A of the held-out write-ups (bench/heldout), one
parametrised test each: foreign and English institution names, `&` in company names, named units and committees,
the base form of a genitive organisation, and organisations, programmes or role words taken as persons.

Every sentence here was written for this file. The NER's spans are given where it decides (`ner` fixture), so the
tests check what the rules and filters make of them, whatever the shipped model says. Each rule was also checked on
the corpus test sets (bench/extractor_corpora.py) and on half B of the held-out set (MODELS.md).
"""

from __future__ import annotations

import pytest

from hitta.pipeline import names
from tests.test_name_errors import ner, orgs, persons  # noqa: F401  (ner is a fixture)


@pytest.fixture(autouse=True)
def no_ner(monkeypatch):
    """Make the NER give no spans unless a test sets them with `ner`: the rules alone are tested."""
    monkeypatch.setattr(names, "_ner_spans", lambda t, lang: ())


# (a) English and other foreign institution names, with spans that stop at the name.
@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The consortium includes the City of Narvik and two housing firms.", "en", "City of Narvik"),
        ("Trucks are loaded at the Port of Kalmar every night.", "en", "Port of Kalmar"),
        ("The lead partner is Lindholm Municipality in Sweden.", "en", "Lindholm Municipality"),
        ("Studien görs tillsammans med Kungsåker municipality och två skolor.", "sv", "Kungsåker municipality"),
        ("Evening classes are run by Brackwater College for adults.", "en", "Brackwater College"),
        ("The plan was approved by the Housing Committee on Monday.", "en", "Housing Committee"),
        ("Funding comes from the Norwegian Research Council for Climate and Energy, which backs it.", "en",
         "Norwegian Research Council for Climate and Energy"),
        ("Partners are Vilnius University of Technology, the Danish utility and a school.", "en",
         "Vilnius University of Technology"),
        ("Projektet leds av Tammerfors-universitetet i Finland sedan i fjol.", "sv", "Tammerfors-universitetet"),
        ("Med i projektet er Hansestadt Wismar og Gmina Rewal.", "da", "Hansestadt Wismar"),
        ("Med i projektet er Hansestadt Wismar og Gmina Rewal.", "da", "Gmina Rewal"),
        ("Bland partnerna finns Pärnu Linnavalitsus och ett universitet.", "sv", "Pärnu Linnavalitsus"),
    ],
)
def test_foreign_and_english_institution_names(ner, text, lang, expected):
    found = orgs(text, lang)
    assert expected in found
    # The span stops at the name: no longer or shorter variant of it is listed too.
    assert not {name for name in found if name != expected and (expected in name or name in expected)}


@pytest.mark.parametrize(
    "text",
    [
        "Die Karten wurden in Prüfungen an dem Naval College benutzt.",  # an English head inside German text
        "The city of Narvik is cold in winter.",  # lower-case `city`: a place
    ],
)
def test_english_heads_name_no_body_where_they_name_a_place(ner, text):
    assert not orgs(text, "de" if "Karten" in text else "en")


# (b) `&` and a place inside a company name closed by a legal form.
@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Entreprenør: Lund & Krogh Byggeri A/S", "da", "Lund & Krogh Byggeri A/S"),
        ("Rådgiver er Vestergaard & Bech Landskab ApS, som tegner parken.", "da", "Vestergaard & Bech Landskab ApS"),
        ("Betrieben wird es von der Seeblick Service GmbH & Co. KG und der Stadt.", "de", "Seeblick Service GmbH & Co. KG"),
        ("Bauherr ist die Hafen Nordstrand GmbH & Co. KG.", "de", "Hafen Nordstrand GmbH & Co. KG"),
        ("Bland dem finns Skogsbygg i Umeå AB och två kommuner.", "sv", "Skogsbygg i Umeå AB"),
        ("Laderne sættes op af Strømnet Fyn A/S.", "da", "Strømnet Fyn A/S"),
    ],
)
def test_company_names_joined_before_the_legal_form(ner, text, lang, expected):
    found = orgs(text, lang)
    assert expected in found
    assert not {name for name in found if name != expected and name in expected}


def test_two_companies_each_with_a_legal_form_stay_two(ner):
    found = orgs("Kontrakten deles af Alfa Byg A/S & Beta Bro ApS.", "da")
    assert "Beta Bro ApS" in found and "Alfa Byg A/S & Beta Bro ApS" not in found


# (c) Named units and committees are organisations, never persons, and leave no stray compound part.
@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("– Det er vigtigt, siger Jens Holt, formand for Kultur- og Fritidsudvalget.", "da", "Kultur- og Fritidsudvalget"),
        ("Byggherre: Solvik kommune, Eiendomsavdelingen", "nb", "Eiendomsavdelingen"),
        ("Beställare: Älvby kommun, Miljöavdelningen", "sv", "Miljöavdelningen"),
        ("Den Antrag prüft das Stadtplanungsamt bis zum Sommer.", "de", "Stadtplanungsamt"),
        ("Zuständig ist die Stabsstelle Klimaschutz im Rathaus.", "de", "Stabsstelle Klimaschutz"),
    ],
)
def test_named_units_and_committees(ner, text, lang, expected):
    found = orgs(text, lang)
    assert expected in found
    assert not any(name.endswith("-") for name in found)


def test_a_unit_word_alone_is_a_back_reference(ner):
    # A definite unit compound alone is how a text refers back to a committee (DaN+ tags none of these).
    assert not orgs("Sagen kommer nu op i Markedsudvalget igen.", "da")


def test_a_staff_unit_after_a_role_is_no_person(ner):
    text = "Kontakt\nLeiterin Stabsstelle Klimaschutz\nTel. 0123 45678"
    ner(text, [("Leiterin Stabsstelle Klimaschutz", "PER")])
    assert not persons(text, "de")
    assert "Stabsstelle Klimaschutz" in orgs(text, "de")


# (d) The base form of a genitive organisation, a verbatim substring (gold README, "Inflected forms").
@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Aarhus Kommunes Teknik og Miljø står for anlægget.", "da", "Aarhus Kommune"),
        ("Det er Odense Kommunes største projekt.", "da", "Odense Kommune"),
        ("Projektet är en del av Lunds Universitets satsning.", "sv", "Lunds Universitet"),
    ],
)
def test_base_form_of_a_genitive_organisation(ner, text, lang, expected):
    found = orgs(text, lang)
    assert expected in found
    assert expected + "s" not in found


# (e) Persons: bodies and programmes are no persons, role words and titles are cut off.
@pytest.mark.parametrize(
    ("text", "lang", "spans", "expected"),
    [
        ("Kontakt\nByplanlægger Rasmus Kjeldgaard\nTlf. 12 34 56 78", "da",
         [("Byplanlægger Rasmus Kjeldgaard", "PER")], {"Rasmus Kjeldgaard"}),
        ("„Es läuft gut“, sagt Kreisbeigeordnete Helga Brandtner.", "de",
         [("Kreisbeigeordnete Helga Brandtner", "PER")], {"Helga Brandtner"}),
        ("– Vi är nöjda, säger trafikplanerare Jonas Wiklund.", "sv",
         [("trafikplanerare Jonas Wiklund", "PER")], {"Jonas Wiklund"}),
        ("Councillor Morag McAllister, chair of the board, opened the site.", "en", [], {"Morag McAllister"}),
        ("Partnerne er Hansestadt Wismar og Gmina Rewal.", "da",
         [("Hansestadt Wismar", "PER"), ("Gmina Rewal", "PER")], set()),
    ],
)
def test_persons_without_roles_bodies_or_programmes(ner, text, lang, spans, expected):
    ner(text, spans)
    assert persons(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Cllr Ann Reidford opened the new depot on Friday.", "en", {"Ann Reidford"}),
        ("Ms Tove Arnesen leads the pilot.", "en", {"Tove Arnesen"}),
        ("– Vi er klare, sier varaordfører Signe Ulvang.", "nb", {"Signe Ulvang"}),
        # A contact block: a name line under a role, above an e-mail address made of the name.
        ("Contact\n\nPress officer\nTiit Saar\ntiit.saar@example.org\n", "en", {"Tiit Saar"}),
        # An address not made of the words above it is no evidence.
        ("Contact\n\nNordlys Consult\ninfo@example.org\n", "en", set()),
    ],
)
def test_person_cues_of_english_titles_and_contact_blocks(ner, text, lang, expected):
    assert persons(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected", "absent"),
    [
        ("Projektet följer EU:s regler för stöd.", "sv", "EU", "EU:s"),
        ("Planen ska godkännas av SKR:s styrelse.", "sv", "SKR", "SKR:s"),
        # A compound naming an institution of the body is that institution, not the body.
        ("Förslaget kommer från EU-kommissionen i Bryssel.", "sv", "EU-kommissionen", "EU"),
    ],
)
def test_genitive_and_institution_compounds_of_known_acronyms(ner, text, lang, expected, absent):
    found = orgs(text, lang)
    assert expected in found and absent not in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The scheme is funded by the Ministry of Housing, Towns and Regions.", {"Ministry of Housing, Towns and Regions"}),
        ("Support comes from the Department for Transport.", {"Department for Transport"}),
        # A list item that is a body of its own ends the name before it.
        ("Partners are the University of Kentford and Marlow Valley University.",
         {"University of Kentford", "Marlow Valley University"}),
    ],
)
def test_english_government_bodies_and_lists_of_universities(ner, text, expected):
    assert orgs(text, "en") == expected


def test_an_english_body_opening_with_the_is_no_person(ner):
    text = "The Norwegian Coastal Agency signed the contract."
    assert not persons(text, "en")
    assert "Norwegian Coastal Agency" in orgs(text, "en")
