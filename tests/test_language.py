"""Language detection: single lines, paragraph shares, `und`, Norwegian versus Danish, determinism."""

from __future__ import annotations

import pytest

from hitta.pipeline.language import (
    UNDETERMINED,
    Detection,
    detect_language,
    detect_line,
    detect_lines,
    langdetect_line,
    split_paragraphs,
)

SV_PARAGRAPH = (
    "Projektet ska stärka samverkan mellan kommunen, näringslivet och civilsamhället i hela regionen. "
    "Under våren genomfördes flera workshoppar med lokala företagare för att utveckla nya tjänster."
)
DE_PARAGRAPH = (
    "Das Projekt stärkt die Zusammenarbeit zwischen der Stadtverwaltung, den Unternehmen und den Vereinen. "
    "Im Frühjahr fanden mehrere Workshops mit lokalen Betrieben zur nachhaltigen Stadtentwicklung statt."
)

LINES = [
    ("sv", "Projektet ska stärka samverkan mellan kommunen, näringslivet och civilsamhället i hela regionen."),
    ("sv", "Under hösten genomfördes flera workshoppar med lokala företagare för att utveckla nya tjänster."),
    ("sv", "Ansökan om stöd från Europeiska regionala utvecklingsfonden beviljades av Tillväxtverket."),
    ("da", "Projektet skal styrke samarbejdet mellem kommunen, erhvervslivet og foreningerne i hele regionen."),
    ("da", "I løbet af efteråret blev der afholdt flere workshops med lokale virksomheder om grøn omstilling."),
    ("da", "Kommunen har fået tilskud fra Den Europæiske Regionaludviklingsfond til at bygge en ny cykelsti."),
    ("de", "Das Projekt stärkt die Zusammenarbeit zwischen der Stadtverwaltung, den Unternehmen und den Vereinen."),
    ("de", "Im Herbst fanden mehrere Workshops mit lokalen Betrieben zur nachhaltigen Stadtentwicklung statt."),
    ("de", "Die Gemeinde erhielt Fördermittel aus dem Europäischen Fonds für regionale Entwicklung."),
    ("en", "The project strengthens cooperation between the municipality, local businesses and voluntary groups."),
    ("en", "Several workshops with local companies were held during the autumn to develop new services."),
]

BOKMAAL = [
    "Prosjektet skal styrke samarbeidet mellom kommunen, næringslivet og frivillige organisasjoner i hele fylket.",
    "Vi vet ikke ennå hvor mye det kommer til å koste, men arbeidet starter neste høst.",
    "Kommunen har søkt om tilskudd fra fylkeskommunen for å bygge en ny gang- og sykkelvei.",
    "Hva skjer hvis ingen vil ta ansvar for vedlikeholdet av anlegget etter at prosjektet er avsluttet?",
    "Etter møtet ble det bestemt at arbeidsgruppen skal legge fram en rapport før jul.",
]


@pytest.mark.parametrize("expected, text", LINES)
def test_detect_line_finds_the_language_of_a_sentence(expected: str, text: str) -> None:
    language, score = detect_line(text)
    assert language == expected
    assert 0.5 < score <= 1.0


@pytest.mark.parametrize("expected, text", LINES)
def test_detect_language_of_a_one_language_text(expected: str, text: str) -> None:
    detection = detect_language(text)
    assert detection == Detection(expected, detection.score, [{"language": expected, "share": 1.0}])


@pytest.mark.parametrize("text", BOKMAAL)
def test_bokmaal_is_norwegian_not_danish(text: str) -> None:
    assert detect_line(text)[0] in {"nb", "no"}


def test_mixed_swedish_german_document_lists_both_languages_with_shares() -> None:
    text = f"Case Sofielund\n\n{SV_PARAGRAPH}\n\n{SV_PARAGRAPH}\n\n{DE_PARAGRAPH}\n\nLäs mer"
    detection = detect_language(text)
    assert detection.language == "sv"
    assert [item["language"] for item in detection.languages] == ["sv", "de"]
    shares = [item["share"] for item in detection.languages]
    assert shares[0] == pytest.approx(2 / 3, abs=0.03)
    assert sum(shares) == pytest.approx(1.0)
    # Two thirds Swedish: the score is the Swedish share times its paragraphs' probability.
    assert 0.5 < detection.score <= shares[0]


def test_lines_are_paragraphs_when_there_are_no_blank_lines() -> None:
    text = f"{DE_PARAGRAPH}\n{SV_PARAGRAPH}\n{SV_PARAGRAPH}"
    detection = detect_language(text)
    assert detection.language == "sv"
    assert {item["language"] for item in detection.languages} == {"sv", "de"}


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n  ", "Hej!", "Budget 2021", "Läs mer", "info@kommun.se https://www.kommun.se/projekt", "12 345 678 kr"],
)
def test_empty_or_short_text_is_undetermined(text: str) -> None:
    assert detect_line(text) == (UNDETERMINED, 0.0)
    assert detect_language(text) == Detection(UNDETERMINED, 0.0, [])


def test_many_short_lines_are_decided_together() -> None:
    text = "Projektägare: Malmö stad\nBudget: 2 miljoner kronor\nKontaktperson: Anna Svensson\nStart: hösten"
    detection = detect_language(text)
    assert detection.language == "sv"
    assert detection.languages == [{"language": "sv", "share": 1.0}]


@pytest.mark.parametrize(
    "text, paragraphs",
    [
        ("Ett\n\nTvå\nTre\n \nFyra", ["Ett", "Två\nTre", "Fyra"]),
        ("Ett\nTvå\n\n", ["Ett", "Två"]),
        ("Ett\nTvå\nTre", ["Ett", "Två", "Tre"]),
        ("", []),
    ],
)
def test_split_paragraphs(text: str, paragraphs: list[str]) -> None:
    assert split_paragraphs(text) == paragraphs


def test_answer_is_limited_to_the_allowed_languages() -> None:
    english = LINES[9][1]
    language, _ = detect_line(english, supported=("sv", "da", "de"), others=())
    assert language in {"sv", "da", "de"}
    danish = LINES[3][1]
    assert detect_line(danish, supported=("sv", "de"), others=("en",))[0] in {"sv", "de", "en"}


def test_norwegian_variant_codes_when_no_is_not_allowed() -> None:
    language, _ = detect_line(BOKMAAL[0], supported=("sv", "da"), others=("nb", "nn"))
    assert language in {"nb", "nn"}


def test_unknown_language_code_is_an_error() -> None:
    with pytest.raises(ValueError, match="xx"):
        detect_line(LINES[0][1], others=("xx",))


def test_detection_is_deterministic() -> None:
    texts = [text for _, text in LINES] + BOKMAAL
    first = list(detect_lines(texts))
    # Interleave other calls: langdetect's random sampling must not leak between texts.
    for text in reversed(texts):
        detect_line(text)
    assert list(detect_lines(texts)) == first
    assert [langdetect_line(t) for t in texts] == [langdetect_line(t) for t in texts]


def test_detect_lines_yields_one_result_per_line() -> None:
    results = list(detect_lines(["", LINES[0][1], "ok"]))
    assert [language for language, _ in results] == [UNDETERMINED, "sv", UNDETERMINED]


def test_short_contact_lines_do_not_add_languages_to_a_document() -> None:
    text = f"{SV_PARAGRAPH}\n\nContact: Anna Svensson, project manager\n\n{SV_PARAGRAPH}"
    assert detect_language(text).languages == [{"language": "sv", "share": 1.0}]


def test_norwegian_paragraphs_share_one_code() -> None:
    detection = detect_language("\n\n".join(BOKMAAL))
    assert detection.language in {"nb", "no"}
    assert detection.languages == [{"language": detection.language, "share": 1.0}]


# The fast scorers must read exactly what langdetect and the classifier's scikit-learn vectoriser read.
TRICKY_TEXTS = [
    SV_PARAGRAPH,
    DE_PARAGRAPH,
    BOKMAAL[0],
    "EU-PROJEKTET SAMVERKAN i Malmö stad (2021–2023) går vidare. ",
    "Läs mer på https://www.malmo.se/projekt eller skriv till info@malmo.se!",
    "Tilskud: 2 mio. kr. — ”Grøn omstilling” i Aarhus Kommune; NB: ÆØÅ og æøå.",
    "Straße, İstanbul und ﬁnale Größe:\u00a0«Zitat» ° 😀 Fördermittel\u00adantrag",
    "Москва и Санкт-Петербург: a Swedish word or two, hej",
    "a  b. c;d\n\ne\tf",
    "Ärende " * 1_700,  # longer than langdetect's 10,000-character cut
]


SIX = ("da", "de", "en", "nl", "no", "sv")
# Chinese and Japanese profiles have thousands of characters: their n-grams are searched, not indexed directly.
CJK = ("da", "ja", "ko", "sv", "zh-cn")


@pytest.mark.parametrize(
    "codes, text",
    [(SIX, text) for text in TRICKY_TEXTS]
    + [
        (CJK, "北京是中华人民共和国的首都，也是全国的政治和文化中心。"),
        (CJK, "東京は日本の首都であり、ひらがなとカタカナ。Malmö stad"),
    ],
)
def test_ngram_scorer_reads_the_ngrams_langdetect_reads(codes: tuple[str, ...], text: str) -> None:
    from hitta.pipeline.language import _code_points, _detector_factory, _ngram_log_likelihoods, _profile_table

    detector = _detector_factory(codes).create()
    detector.append(text)
    detector.cleaning_text()
    grams = detector._extract_ngrams()
    table = _profile_table(codes)
    rows = [int(table.row_numbers(_code_points(gram), len(gram))[0]) - 1 for gram in grams]
    sums, counts = _ngram_log_likelihoods([text], table)
    assert counts[0] == len(grams)
    assert sums[0] == pytest.approx(table.log_prob[rows].sum(axis=0), rel=1e-12)


def test_classifier_scores_equal_the_trained_vectoriser_and_weights() -> None:
    import json

    import numpy as np

    from hitta.pipeline.language import CLASSIFIER_FILE, _classifier_scores, make_vectorizer, normalise_for_classifier

    texts = TRICKY_TEXTS[:-1] + ["", "https://www.malmo.se", "0"]
    with np.load(CLASSIFIER_FILE) as data:
        vectorizer = make_vectorizer(json.loads(str(data["vectorizer"])))
        expected = vectorizer.transform([normalise_for_classifier(t) for t in texts]) @ data["coef"].astype(np.float64).T
        expected = np.asarray(expected) + data["intercept"]
    assert np.abs(_classifier_scores(texts) - expected).max() < 1e-5


@pytest.mark.parametrize("text", ["", " ", "a", "ab", "abc", "abcd", "abcde", "åäö", "ø ", "€uro", "😀x", "straße"])
def test_murmurhash_equals_scikit_learns(text: str) -> None:
    import numpy as np
    from sklearn.utils import murmurhash3_32

    from hitta.pipeline.language import _murmurhash3_32

    data = np.frombuffer(text.encode("utf-8") + b"\0\0\0", dtype=np.uint8)
    hashed = _murmurhash3_32(data, np.array([0]), np.array([len(text.encode("utf-8"))]))
    assert hashed[0] == murmurhash3_32(text)


def test_a_paragraph_is_decided_the_same_alone_and_in_a_document() -> None:
    paragraphs = [SV_PARAGRAPH, DE_PARAGRAPH, BOKMAAL[1], LINES[3][1], LINES[9][1], "Läs mer"]
    from hitta.pipeline.language import _decide

    together = _decide(paragraphs, {"sv", "da", "de", "no", "en", "nl"})
    assert [(d.language, d.probability) for d in together] == [detect_line(p) for p in paragraphs]


def test_lone_surrogates_do_not_break_detection() -> None:
    assert detect_line(SV_PARAGRAPH + " \ud800")[0] == "sv"


NORWEGIAN = ("nb", "no")


def test_a_long_mixed_document_gets_every_language() -> None:
    # Speed is measured by bench/stages.py, not here; this checks the vectorised per-paragraph sums.
    text = "\n\n".join([SV_PARAGRAPH, DE_PARAGRAPH, LINES[3][1], BOKMAAL[0]] * 60)
    detection = detect_language(text)
    languages = [item["language"] for item in detection.languages]
    assert len(languages) == 4 and set(languages) - set(NORWEGIAN) == {"sv", "de", "da"}


# Bokmål and Danish told apart by the words they spell differently (issue 14, item 6); sentences made up.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hun sa at hun ikke hadde sett noe av det etter at hun kom hjem i går.", "no"),
        ("Han ble sittende ute i hagen mye lenger enn vi trodde.", "no"),
        ("Hun sagde at hun ikke havde set noget af det efter at hun kom hjem i går.", "da"),
        ("Han blev siddende ude i haven meget længere end vi troede.", "da"),
        ("Vi har det godt og ser frem til sommeren.", None),
    ],
)
def test_spelling_vote(text, expected):
    from hitta.pipeline.language import _spelling_vote

    assert _spelling_vote(text) == expected


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("Hun sa at hun ikke hadde sett noe av det etter at hun kom hjem fra jobben i går kveld.", {"nb", "no"}),
        ("Hun sagde at hun ikke havde set noget af det efter at hun kom hjem fra arbejde i går aftes.", {"da"}),
    ],
)
def test_bokmal_and_danish_lines(text, allowed):
    assert detect_line(text)[0] in allowed


def test_classifier_scores_of_many_texts_equal_each_alone() -> None:
    # The feature keys are sorted in runs of whole texts (SORT_RUN_CHARS): several runs, a text longer than a run,
    # empty texts at the ends and in between.
    import numpy as np

    from hitta.pipeline.language import SORT_RUN_CHARS, _classifier_scores

    texts = ["", SV_PARAGRAPH, "x", DE_PARAGRAPH * 10, "", *BOKMAAL, LINES[3][1] * 3, "Ål 7 ÅL", ""]
    assert len(DE_PARAGRAPH * 10) > SORT_RUN_CHARS and sum(map(len, texts)) > 3 * SORT_RUN_CHARS
    together = _classifier_scores(texts)
    assert np.array_equal(together, np.vstack([_classifier_scores([text]) for text in texts]))


@pytest.mark.parametrize(
    "url, words",
    [
        ("https://www.kommun.se/bygga-bo/detaljplaner.html?visa=alla", "kommun bygga bo detaljplaner visa alla"),
        ("http://example.org", "example"),
        ("www.stadt.de/rathaus/", "stadt rathaus"),
        ("https://anna@intranet.kommune.no:8443/saker/2021/vedtak.pdf#side-3", "intranet kommune saker vedtak side"),
        ("https://de.wikipedia.org/wiki/Straßenbahn_Leipzig", "de wikipedia wiki Straßenbahn Leipzig"),
    ],
)
def test_url_words(url: str, words: str) -> None:
    from hitta.pipeline.language import url_words

    assert url_words(url) == words


@pytest.mark.parametrize(
    "expected, line",
    [
        ("sv", "https://www.kommun.se/nyheter/2021/ny-forskola-byggs-i-norra-delen-av-staden"),
        ("de", "Siehe https://www.stadt.de/rathaus/buergerservice/anmeldung-einer-wohnung.html"),
        ("en", "http://www.example.com/news/local-council-approves-new-bridge-over-the-river.html"),
    ],
)
def test_a_line_that_is_only_a_url_is_decided_by_its_words(expected: str, line: str) -> None:
    assert detect_line(line)[0] == expected


@pytest.mark.parametrize("line", ["_" * 45, "-----=====-----=====-----", "https://x.se/a1/b2 42", "info@kommun.se www.kommun.se"])
def test_a_line_without_words_stays_undetermined(line: str) -> None:
    assert detect_line(line) == (UNDETERMINED, 0.0)


def test_a_url_paragraph_adds_no_language_to_a_document() -> None:
    text = f"{SV_PARAGRAPH}\n\nhttp://www.example.com/news/local-council-approves-new-bridge-over-the-river.html"
    assert detect_language(text).languages == [{"language": "sv", "share": 1.0}]
