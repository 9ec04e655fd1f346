"""Organisation and person rules on sv/da/de sentences, genitive normalisation, and the NER merge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hitta.pipeline import names
from hitta.pipeline.names import find_names, normalise_name

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "corpus" / "samples").glob("*.txt"))
SAMPLE_LANGUAGES = {"000": "sv", "001": "da", "002": "de", "003": "da", "004": "de"}


def org_texts(text: str, lang: str) -> set[str]:
    """Return the distinct organisation surfaces found by the rules."""
    return {item["text"] for item in find_names(text, lang, use_ner=False)[0]}


def person_texts(text: str, lang: str) -> set[str]:
    """Return the distinct person surfaces found by the rules."""
    return {item["text"] for item in find_names(text, lang, use_ner=False)[1]}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("sv", "Projektet drivs i samverkan med Tillväxtverket och Boverket.", {"Tillväxtverket", "Boverket"}),
        ("sv", "Projektägare: Kiruna kommun\n", {"Kiruna kommun"}),
        ("sv", "Beslutet fattades av Länsstyrelsen i Skåne län i maj.", {"Länsstyrelsen i Skåne län"}),
        ("sv", "Region Norrbotten beviljar stöd till företagen.", {"Region Norrbotten"}),
        ("sv", "Detta ingår i Energimyndighetens arbete.", {"Energimyndigheten"}),
        ("sv", "Målet har en djup förankring i FN:s 2030-mål och FN-målen.", {"FN"}),
        ("sv", "Finansiär: Europeiska socialfonden (ESF) med 3 miljoner kronor.", {"Europeiska socialfonden", "ESF"}),
        ("da", "Lead Partner: Aarhus Kommune, Teknik- og Miljøforvaltningen", {"Aarhus Kommune", "Teknik- og Miljøforvaltningen"}),
        ("da", "Københavns Kommune og Malmö stad samarbejder.", {"Københavns Kommune", "Malmö stad"}),
        ("da", "Styrelsen for Dataforsyning og Infrastruktur (SDFI) fører registret. SDFI offentliggør det.",
         {"Styrelsen for Dataforsyning og Infrastruktur", "SDFI"}),
        ("da", "Projektet får penge fra Landsbyggefondens pulje.", {"Landsbyggefonden"}),
        ("da", "Pengene kommer fra Den Europæiske Fond for Regionaludvikling.", {"Den Europæiske Fond for Regionaludvikling"}),
        ("de", "Das Bundesministerium für Wirtschaft und Klimaschutz (BMWK) fördert das Vorhaben.",
         {"Bundesministerium für Wirtschaft und Klimaschutz", "BMWK"}),
        ("de", "Beteiligt ist die Stadt Arnsberg.", {"Stadt Arnsberg"}),
        ("de", "Die Stadtwerke Lippstadt GmbH baut das Netz aus.", {"Stadtwerke Lippstadt GmbH"}),
        ("de", "Der Hochsauerlandkreis hatte den Antrag gestellt.", {"Hochsauerlandkreis"}),
        ("de", "Geld kommt aus dem Klima- und Transformationsfonds.", {"Klima- und Transformationsfonds"}),
        ("de", "Die Fachhochschule Südwestfalen feiert ihr Jubiläum.", {"Fachhochschule Südwestfalen"}),
        ("de", "Die IHK-zugehörigen Unternehmen bilden aus.", {"IHK"}),
    ],
)
def test_finds_organisations(lang, text, expected):
    assert org_texts(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("sv", "Förtroendet mellan lokalsamhället och kommunen stärks."),
        ("sv", "Regeringen har infört ett nytt stöd till kommunerna."),
        ("sv", "Det handlar om stadsutveckling i Sofielundsområdet i Malmö."),
        ("sv", "Projektet finansieras med EU-medel samt statliga medel."),
        ("da", "Det ville partnerne i projektet Partnerskab for Vækst ændre."),
        ("da", "Malmø og København har gennem flere år haft politisk samarbejde."),
        ("da", "Bredbåndspuljen giver statsstøtte til hurtigt internet."),
        ("de", "Eine Förderung im Rahmen des Programms Interreg Oberrhein ist möglich."),
        ("de", "Der Bund stellt erneut Mittel bereit."),
        ("de", "Soest soll eine klimaneutrale Smart City werden."),
        ("de", "Der Freundeskreis trifft sich jeden Montag."),
        ("de", "Die Volkshochschule bietet neue Kurse an."),
        ("de", "Insgesamt stehen 213 Millionen Euro aus EU-Fonds zur Verfügung."),
    ],
)
def test_ignores_programmes_places_and_unnamed_references(lang, text):
    assert org_texts(text, lang) == set()


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("da", "Kontakt: Mette Hansen, projektleder\n", {"Mette Hansen"}),
        ("de", "„Das ist gut“, sagt Dr. Stephanie Arens, Leiterin des Programms.", {"Stephanie Arens"}),
        ("de", "Ansprechpartner: Torvald Quast\nTel.: 02921 103 5227", {"Torvald Quast"}),
        ("sv", "– Vi är nöjda, säger Jonte Berglund, projektledare på kommunen.", {"Jonte Berglund"}),
        ("sv", "Kontaktperson: Roger Uusitalo, roger.uusitalo@example.se", {"Roger Uusitalo"}),
        ("de", "Infrastrukturministerin Kathrin Schneider und Bgm. Leopold Wimmer (Zwettl) kamen.",
         {"Kathrin Schneider", "Leopold Wimmer"}),
        ("da", "Erhvervsminister Brian Mikkelsen har givet tilsagn.", {"Brian Mikkelsen"}),
        ("de", "Lennart Vossberg\nTel.: 02921/103 - 5227\n", {"Lennart Vossberg"}),
        ("de", "Thomas de Maizière besuchte die Region.", {"Thomas de Maizière"}),
    ],
)
def test_finds_persons(lang, text, expected):
    assert person_texts(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("da", "Hans kontor ligger i Malmø."),
        ("de", "Sie können uns gerne anrufen."),
        ("de", "Die Eisenhower-Matrix hilft bei Prioritäten."),
        ("sv", "Case Sofielund\n\nCase Sofielund är ett treårigt projekt."),
        ("de", "Der Obmann des Regionalvereins Kampseen eröffnete den Festakt."),
        ("da", "Portræt af Anna\n\n"),
    ],
)
def test_ignores_non_persons(lang, text):
    assert person_texts(text, lang) == set()


def test_person_text_and_span_leave_out_the_title():
    text = "erklärt Dr. Stephanie Arens, Leiterin des Programms"
    [person] = find_names(text, "de", use_ner=False)[1]
    assert person["text"] == person["name"] == "Stephanie Arens"
    assert text[person["span"][0]:person["span"][1]] == "Stephanie Arens"
    assert person["source"] == "rule"


def test_organisation_span_leaves_out_the_genitive():
    text = "Detta ingår i Tillväxtverkets arbete."
    [org] = find_names(text, "sv", use_ner=False)[0]
    assert org == {"text": "Tillväxtverket", "span": [14, 28], "name": "Tillväxtverket", "source": "rule"}


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        ("Europa-Kommissionens", "sv", "Europa-Kommissionen"),
        ("Tillväxtverkets", "sv", "Tillväxtverket"),
        ("FN:s", "sv", "FN"),
        ("Landsbyggefondens", "da", "Landsbyggefonden"),
        ("Landsbygdsnätverkets", "sv", "Landsbygdsnätverket"),
        ("Realdanias", "da", "Realdania"),
        ("EU's", "da", "EU"),
        ("Distriktssenterets", "nb", "Distriktssenteret"),
        ("Bundesministeriums", "de", "Bundesministerium"),
        ("Københavns  Kommune\n", "da", "Københavns Kommune"),
        ("Formas", "sv", "Formas"),
        ("Siemens", "de", "Siemens"),
        ("Mercedes", "de", "Mercedes"),
        ("Hochschule für Technik und Wirtschaft des Saarlandes", "de", "Hochschule für Technik und Wirtschaft des Saarlandes"),
        ("Malmö stad", "sv", "Malmö stad"),
    ],
)
def test_normalise_name(name, lang, expected):
    assert normalise_name(name, lang) == expected


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_item_text_is_its_span_in_samples(path):
    text = path.read_text(encoding="utf-8")
    lang = SAMPLE_LANGUAGES[path.stem[:3]]
    organisations, persons = find_names(text, lang, use_ner=False)
    items = organisations + persons
    assert items
    for item in items:
        start, end = item["span"]
        assert text[start:end] == item["text"]
        assert item["source"] == "rule"


@pytest.mark.parametrize("lang", ["nb", "en", "nl", "und", "xx"])
def test_any_language_code_works(lang):
    assert find_names("Husbanken og Region Nordland samarbeider.", lang, use_ner=False)[0]


TEXT = "Kontakt: Tine Nielsen\nSorø Kommune og Grøn Fremtid arbejder med Vestby, sagde Poul. Han bor i Vestby."


@pytest.fixture
def fake_ner(monkeypatch):
    """Replace the trained NER by fixed spans over TEXT."""

    def spans(text, lang):
        found = []
        for surface, label in [
            ("Tine Nielsen", "PER"),  # overlaps a rule person: dropped
            ("Sorø", "LOC"),
            ("Sorø Kommune", "ORG"),  # overlaps a rule organisation: dropped
            ("Grøn Fremtid", "ORG"),  # new: added
            ("Vestby", "ORG"),  # a bare name used as a place elsewhere (`i Vestby`): dropped
            ("Poul", "PER"),  # one token: not a person
        ]:
            start = text.index(surface)
            found.append((start, start + len(surface), label))
        return found

    monkeypatch.setattr(names, "_ner_spans", spans)


def test_ner_merge_keeps_rules_and_adds_only_new_items(fake_ner):
    orgs, persons = find_names(TEXT, "da")
    assert [(item["text"], item["source"]) for item in orgs] == [("Sorø Kommune", "rule"), ("Grøn Fremtid", "ner")]
    assert [(item["text"], item["source"]) for item in persons] == [("Tine Nielsen", "rule")]


def test_use_ner_false_ignores_the_model(fake_ner):
    # `Grøn Fremtid` is found by the list rule (listed beside `Sorø Kommune`), not taken from the model.
    assert {item["source"] for item in find_names(TEXT, "da", use_ner=False)[0]} == {"rule"}


def test_missing_ner_model_means_rules_only():
    # No model is shipped for this code, so the NER contributes nothing.
    assert find_names("Sorø Kommune", "qq")[0] == find_names("Sorø Kommune", "qq", use_ner=False)[0]


# --------------------------------------------------------------------------------------------
# The fast paths must find exactly what the plain spaCy tokens and regular expressions find.

TRICKY_TEXTS = [
    ("de", "Die Stadtwerke Lippstadt GmbH (SWL) baut z.B. das Netz  aus.\n\nTel.: 02921/103-5227"),
    ("sv", "Projektägare:\tPajala kommun – i samverkan med Länsstyrelsen i Norrbotten, bl.a. FN:s mål."),
    ("da", "Kontakt: H.C. Nielsen, Aarhus Kommune \n\n  E-mail: hcn@aarhus.dk (SDFI) 3.000 kr."),
    ("und", "„Bündnis 90/Die Grünen“ – e.V. … İn Berlin\u00a0und Köln"),
]


@pytest.mark.parametrize(("lang", "text"), TRICKY_TEXTS)
def test_token_columns_are_the_spacy_tokens(lang, text):
    doc = names._pipeline(lang)(text)
    tokens = names.token_columns(doc, text, lang)
    assert tokens.text == [t.text for t in doc]
    assert tokens.lower == [t.lower_ for t in doc]
    assert tokens.space == [t.is_space for t in doc]
    assert tokens.idx == [t.idx for t in doc]


def matcher_anchors(text: str, lang: str) -> tuple[list[int], list[int]]:
    """Return cue phrase ends and parenthesised acronym starts as a spaCy Matcher finds them."""
    from spacy.matcher import Matcher

    nlp = names._pipeline(lang)
    matcher = Matcher(nlp.vocab)
    matcher.add("PAREN_ACRONYM", [[{"ORTH": "("}, {"TEXT": {"REGEX": r"^[A-ZÄÖÜÅØÆ][A-ZÄÖÜÅØÆ0-9&]{1,7}$"}}, {"ORTH": ")"}]])
    for cue in names.CUE_PHRASES:
        matcher.add("CUE", [[{"LOWER": word} for word in cue]])
    doc = nlp(text)
    matches = [(doc.vocab.strings[key], start, end) for key, start, end in matcher(doc)]
    return sorted(end for key, _, end in matches if key == "CUE"), sorted(start for key, start, _ in matches if key == "PAREN_ACRONYM")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("sv", "Projektet drivs i samverkan med Tillväxtverket (TVV), med stöd från Vinnova."),
        ("da", "Støtte fra Realdania og i samarbejde med\nKøbenhavns Kommune (KK) (Kk) (K)."),
        ("de", "Gefördert durch das BMWK ( BMWK ) und in Zusammenarbeit mit der IHK (IHK-Nord) (ÄÖ&1)."),
        ("sv", "i samverkan\nmed Boverket (SKR) I SAMVERKAN MED Formas"),
        *TRICKY_TEXTS,
    ],
)
def test_cue_phrases_and_parenthesised_acronyms_are_what_a_matcher_finds(lang, text):
    tokens = names.token_columns(names._pipeline(lang)(text), text, lang)
    assert (names._cue_ends(tokens), names._paren_acronym_starts(tokens)) == matcher_anchors(text, lang)


def propagation_pattern_spans(text: str, surface: str) -> list[tuple[int, int]]:
    """Return the spans the propagation pattern finds by a plain regex scan."""
    return [m.span() for m in re.finditer(r"(?<![\w@./-])" + re.escape(surface) + r"(?![\w@/]|\.\w)", text)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("SDFI, SDFI-data, www.SDFI.dk, sdfi@SDFI og SDFI.", "SDFI"),
        ("FNFN FN FN:s FN-målen", "FN"),
        ("aaa aa", "aa"),
        ("Region X/Region X.Y Region X", "Region X"),
    ],
)
def test_propagation_finds_the_pattern_matches(text, surface):
    assert names._standalone_occurrences(text, surface) == propagation_pattern_spans(text, surface)


def plain_place_words(text: str) -> frozenset[str]:
    """Return the place words as the plain patterns find them."""
    after = re.findall(r"\b(?:" + "|".join(names.LOCATIVE_PREPOSITIONS) + r")\s+(\w[\w-]*)", text, flags=re.IGNORECASE)
    dateline = re.findall(r"(\w[\w-]*)/", text)
    return frozenset(word.lower() for word in after + dateline)


@pytest.mark.parametrize(
    "text",
    ["Vestby/Mosjøen", "-a-b/c", "a--/b x-/", "Kiel/Lübeck/Flensburg", "i Vestby, in  Berlin und nach-Hamburg", "IN Berlin İn Köln"],
)
def test_place_words_are_the_plain_pattern_matches(text):
    assert names._place_words(text) == plain_place_words(text)


PIECES = st.sampled_from(["i ", "in ", "IN ", "İn ", "på ", "-", "--", "/", " ", "\n", ".", "@", "FN", "a", "Ab", "ä", "_", "1"])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=25).map("".join), st.sampled_from(["FN", "a", "Ab", "FN a"]))
def test_fast_scans_equal_the_plain_patterns_on_any_text(text, surface):
    assert names._standalone_occurrences(text, surface) == propagation_pattern_spans(text, surface)
    assert names._place_words(text) == plain_place_words(text)


SCAN_PIECES = st.sampled_from([
    "projekt", "Projekter", "PROGRAM", "programmet", "İ", "ſ", "-", "--", " ", "\n", "(", ")", " (", "EUDP", "SE9+",
    "AB", "Ä", "x", "_", "1", "+", "Stadt", "/", "a-", ":", "›", "Grøn",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(SCAN_PIECES, max_size=30).map("".join), st.sampled_from(["projekt", "ab", "x", "a-b", "stadt", ""]))
def test_scans_before_anchors_equal_the_patterns_over_the_whole_text(text, word):
    assert [m.span() for m in names._project_words(text)] == [m.span() for m in names._PROJECT_WORD.finditer(text)]
    after = {m.group(2): m.group(1) for m in names._ACRONYM_AFTER.finditer(text)}
    before = {m.group(1): m.group(2) for m in names._ACRONYM_BEFORE.finditer(text)}
    everything = lambda words: True  # noqa: E731 - every acronym, not only a programme's
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(names, "_is_programme", everything)
        assert names._programme_acronyms(text) == frozenset(after) | frozenset(before)
    plain_alone = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None
    assert names._written_alone(text, word) == plain_alone


# --------------------------------------------------------------------------------------------
# The extraction pipeline's components (one Doc, the model's tokens) find what find_names finds on the
# text alone (its own tokens, the NER's spans asked apart).

SHARED_TOKEN_TEXTS = [
    ("sv", "Projektägare: Region Blekinge. Kontakt: Anna Lindqvist, projektledare vid Lunds universitet."),
    ("da", "Projektet drives af Aarhus Kommune i samarbejde med Realdania (RD).\n\nKontakt: Mette Hansen."),
    ("de", "Die Stadtwerke Lippstadt GmbH (SWL) und die Hochschule Trier, z.B. mit Dr. Stephanie Arens."),
]


def _long_text(lang: str, text: str) -> str:
    """Return lines of the text, over two NER chunks long, cut mid-paragraph after a line break."""
    return "\n".join(f"{i}) {text}" for i in range(70))


@pytest.mark.parametrize("use_ner", [True, False])
@pytest.mark.parametrize(("lang", "text"), SHARED_TOKEN_TEXTS)
def test_pipeline_finds_what_find_names_finds(lang, text, use_ner):
    import hitta.pipeline.ner as ner
    from hitta.pipeline.extract import entities_of, extraction_pipeline

    long_text = _long_text(lang, text)
    assert len(ner.text_chunks(long_text)) >= 2
    for one in (text, long_text):
        entities = entities_of(extraction_pipeline(lang, use_ner)(one))
        organisations, persons = find_names(one, lang, use_ner)
        assert (entities["organisations"], entities["persons"]) == (organisations, persons)
        assert any(item["source"] == "rule" for item in organisations) and persons


# --------------------------------------------------------------------------------------------
# Long texts: the work of extraction grows linearly with the text (issue 17), and reading a long
# text's tokens in segments finds what reading it whole finds.

LINEAR_LINE = (
    "Projektet leds av Region Skåne och Malmö stad med Vinnova (VA). Kontakt: Anna Svensson, projektledare, "
    "anna.svensson@skane.se, 040-123 45 67. Budget 2,5 miljoner kronor, 1 mars 2021 till 2023."
)


def _line_ner(text, lang):
    """A stand-in NER that tags the same names on every line, as a model would on repeated text."""
    found = []
    for match in re.finditer(r"Malmö stad|Grøn Fremtid|Anna Svensson|Vinnova", text):
        found.append((match.start(), match.end(), "PER" if match.group() == "Anna Svensson" else "ORG"))
    return found


def _calls_to_extract(lines: int) -> int:
    """Return how many Python and C function calls extracting a text of `lines` repeated lines makes."""
    import sys

    from hitta.pipeline.extract import entities_of, extraction_pipeline

    text = "\n".join(f"{LINEAR_LINE} Grøn Fremtid {i}." for i in range(lines))
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event in ("call", "c_call")

    nlp = extraction_pipeline("sv", use_ner=False)
    nlp("warm-up")  # word caches and matchers are built before counting
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(start, end, label=label) for start, end, label in _line_ner(text, "sv")]  # the NER's part
    sys.setprofile(count)
    try:
        entities = entities_of(nlp(doc))
    finally:
        sys.setprofile(None)
    assert len(entities["persons"]) >= lines and len(entities["organisations"]) >= 3 * lines
    return calls


def test_extraction_work_grows_linearly_with_the_text():
    # All-pairs overlap tests (names._merge, names._propagate, contacts._first_in) made 4x the text cost
    # 16x the calls: 5 MB took a minute. Counting calls, not seconds, keeps this free of timing noise.
    small, large = _calls_to_extract(100), _calls_to_extract(400)
    assert large < 5 * small, (small, large)


def test_long_texts_are_read_in_segments_with_the_same_items(monkeypatch):
    paragraphs = [f"{LINEAR_LINE}\nKontakt: Lena Berg, Region Gotland (RG), {i} lena@gotland.se" for i in range(40)]
    text = "\n\n".join(paragraphs)
    monkeypatch.setattr(names, "_ner_spans", _line_ner)
    whole = find_names(text, "sv")
    monkeypatch.setattr(names, "SEGMENT_CHARS", 2_000)
    assert len(names._segments(text)) > 5
    assert find_names(text, "sv") == whole


# --------------------------------------------------------------------------------------------
# Error types seen on unseen write-ups (issue 14, item 5); every text here is made up.


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # A suspended compound is part of the name it opens.
        ("de", "Die Dresdner Wohnungs- und Siedlungsgesellschaft mbH saniert den Block.", "Dresdner Wohnungs- und Siedlungsgesellschaft mbH"),
        ("de", "Gefördert von der Bremer Energie- und Klimaschutzagentur GmbH.", "Bremer Energie- und Klimaschutzagentur GmbH"),
        # A lower-case closing head keeps the place before it.
        ("sv", "Studien görs av forskare vid Örebro universitet under två år.", "Örebro universitet"),
        ("sv", "Mälardalens högskola leder arbetet.", "Mälardalens högskola"),
        ("da", "Projektet følges af forskere fra Roskilde Universitet.", "Roskilde Universitet"),
        # A contact label after the name is the next field.
        ("de", "Kontakt: Amt für Stadtgrün, E-Mail: gruen@example.de", "Amt für Stadtgrün"),
        ("de", "Amt für Denkmalpflege, Tel. 0711 1234", "Amt für Denkmalpflege"),
    ],
)
def test_organisation_spans_are_neither_cut_nor_glued(lang, text, expected):
    assert expected in org_texts(text, lang)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "Ansprechpartnerin ist Frau Ilka Weidenbach, Leiterin des Bauamts.", {"Ilka Weidenbach"}),
        ("de", "Kontakt: Herr Jannis Oberholz, Telefon 0341 99887", {"Jannis Oberholz"}),
        ("de", "Es sprach Herr Prof. Dr. Arnold Kesselring zur Eröffnung.", {"Arnold Kesselring"}),
        # Two persons on consecutive lines stay two persons.
        ("sv", "Kontaktpersoner:\nMaja Lindroth\nOskar Fjällgren\nmaja@example.se", {"Maja Lindroth", "Oskar Fjällgren"}),
        ("da", "Kontakt:\nSigne Vestergaard\nTroels Bækgaard\n", {"Signe Vestergaard", "Troels Bækgaard"}),
    ],
)
def test_persons_without_salutation_and_one_per_line(lang, text, expected):
    assert person_texts(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "surface"),
    [
        ("de", "Die 3 Partner treffen sich im Mai.", "Die 3"),
        ("da", "Den 12. marts åbner udstillingen.", "Den 12."),
        ("en", "The Clean Industry Act sets new rules for the sector.", "Clean Industry Act"),
        ("sv", "Företagen flyttar in i Norra Tech Park under våren.", "Norra Tech Park"),
        ("de", "Die Kieler Klimawoche Konferenz beginnt am Montag.", "Kieler Klimawoche Konferenz"),
    ],
)
def test_ner_organisation_false_positives_are_dropped(lang, text, surface, monkeypatch):
    assert not _kept_from_ner(monkeypatch, text, lang, surface, "ORG")


def _kept_from_ner(monkeypatch, text: str, lang: str, surface: str, label: str) -> bool:
    """Return True if an NER span of `surface` with this label survives as an item of its type."""
    start = text.index(surface)
    monkeypatch.setattr(names, "_ner_spans", lambda text, lang: [(start, start + len(surface), label)])
    organisations, persons = find_names(text, lang)
    return surface in {item["text"] for item in (organisations if label == "ORG" else persons)}


def test_ner_organisations_with_a_name_are_kept(monkeypatch):
    text = "Die Firma Kesselbach Robotics liefert die Anlagen."
    assert _kept_from_ner(monkeypatch, text, "de", "Kesselbach Robotics", "ORG")


@pytest.mark.parametrize(
    ("lang", "text", "surface", "kept"),
    [
        # A name of words no word list holds is a person without a known given name or cue.
        ("sv", "Mötet leddes av Ödön Vasvári och gick bra.", "Ödön Vasvári", True),
        ("de", "Im Publikum saß Tadeusz Wrzoskowicz aus Posen.", "Tadeusz Wrzoskowicz", True),
        # Programme names and phrases of common words are not.
        ("sv", "Pengarna kommer från Interreg Nordsjön i år.", "Interreg Nordsjön", False),
        ("de", "Dazu gehört die Neue Rahmenstrategie des Landes.", "Neue Rahmenstrategie", False),
    ],
)
def test_ner_persons_without_a_known_given_name(lang, text, surface, kept, monkeypatch):
    assert _kept_from_ner(monkeypatch, text, lang, surface, "PER") is kept


@pytest.mark.parametrize(
    ("lang", "text", "surface", "kept"),
    [
        # A name joined to an institution names it; joined to a common noun it names a thing.
        ("sv", "Beslutet kom från EU-kommissionen i går.", "EU-kommissionen", True),
        ("da", "Forslaget blev vedtaget af EF-parlamentet.", "EF-parlamentet", True),
        ("de", "Die Teilnahme am Online-Angebot ist kostenlos.", "Online-Angebot", False),
    ],
)
def test_ner_compounds_of_a_name_and_an_institution(lang, text, surface, kept, monkeypatch):
    assert _kept_from_ner(monkeypatch, text, lang, surface, "ORG") is kept


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # Regions named as the area of a programme are places...
        ("sv", "Programområdet omfattar Region Västerbotten och delar av Region Norrbotten.", []),
        ("en", "The area covers Region Jämtland and parts of Region Dalarna.", []),
        ("de", "Das Fördergebiet umfasst den Landkreis Görlitz und den Landkreis Bautzen.", []),
        ("sv", "Projektet omfattar Region Skåne, Region Halland och Region Blekinge.", []),
        # ...regions that act are organisations.
        ("sv", "Region Västerbotten beviljar två miljoner kronor till projektet.", ["Region Västerbotten"]),
        ("da", "Området dækker Region Sjælland og Region Hovedstaden, og Region Sjælland leder projektet.", ["Region Sjælland"]),
    ],
)
def test_regions_named_only_as_geography_are_no_organisations(lang, text, expected):
    assert [item["text"] for item in find_names(text, lang, use_ner=False)[0]] == expected
