"""The shipped NER models load, find clear persons and organisations, and keep offsets right on long texts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hitta.pipeline import ner
from hitta.pipeline.ner import MAX_CHUNK_CHARS, load_ner, ner_spans, ner_spans_many, shared_doc, text_chunks

SENTENCES = [
    (
        "sv",
        "Anna Lindqvist, projektledare vid Göteborgs universitet, presenterade resultaten i Stockholm.",
        "Anna Lindqvist",
        "Göteborgs universitet",
    ),
    (
        "da",
        "Projektleder Mette Frederiksen fra Aarhus Kommune præsenterede resultaterne i går.",
        "Mette Frederiksen",
        "Aarhus Kommune",
    ),
    (
        "de",
        "Die Projektleitung liegt bei Thomas Müller von der Universität Hamburg.",
        "Thomas Müller",
        "Universität Hamburg",
    ),
]


@pytest.mark.parametrize("lang", ["sv", "da", "de"])
def test_shipped_model_loads_and_is_cached(lang: str) -> None:
    nlp = load_ner(lang)
    assert nlp is not None
    assert set(nlp.get_pipe("ner").labels) <= {"PER", "ORG", "LOC", "MISC"}
    assert load_ner(lang) is nlp


@pytest.mark.parametrize("lang", ["en", "nb", "und", "../models"])
def test_no_model_gives_none_and_no_spans(lang: str) -> None:
    assert load_ner(lang) is None
    assert ner_spans("Anna Lindqvist works at Göteborgs universitet.", lang) == []


@pytest.mark.parametrize(("lang", "text", "person", "organisation"), SENTENCES)
def test_finds_person_and_organisation(lang: str, text: str, person: str, organisation: str) -> None:
    found = {(text[start:end], label) for start, end, label in ner_spans(text, lang)}
    assert (person, "PER") in found
    assert (organisation, "ORG") in found


@pytest.mark.parametrize(("lang", "text", "person", "organisation"), SENTENCES)
def test_long_multi_paragraph_text_keeps_offsets(lang: str, text: str, person: str, organisation: str) -> None:
    # Paragraphs of varied length, so chunk boundaries fall at different places relative to names.
    paragraphs = [f"{i}. " + " ".join([text] * (1 + i % 4)) for i in range(80)]
    long_text = "\n\n".join(paragraphs) + "\n" + text
    assert len(long_text) > 2 * MAX_CHUNK_CHARS
    spans = ner_spans(long_text, lang)
    # Every occurrence of the name must be covered by a PER span: shifted offsets would miss them.
    person_starts = [i for i in range(len(long_text)) if long_text.startswith(person, i)]
    per_spans = [(start, end) for start, end, label in spans if label == "PER"]
    covered = [i for i in person_starts if any(s <= i and i + len(person) <= e for s, e in per_spans)]
    assert len(covered) >= 0.9 * len(person_starts)
    assert person_starts[-1] in covered
    for start, end, _ in spans:
        assert 0 <= start < end <= len(long_text)
        assert long_text[start:end] == long_text[start:end].strip()


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("Första stycket.\n\nAndra stycket är längre än det första.\nTredje raden.", 30),
        ("Ein Satz. Noch ein Satz. Und ein dritter Satz ohne Zeilenumbruch.", 20),
        ("enlangtordutanmellanrumsomintekandelaspåblanksteg" * 3, 40),
    ],
)
def test_text_chunks_cover_text_within_limit(text: str, limit: int) -> None:
    chunks = text_chunks(text, limit)
    assert "".join(chunk for _, chunk in chunks) == text
    assert all(text[offset : offset + len(chunk)] == chunk for offset, chunk in chunks)
    assert all(len(chunk) <= limit for _, chunk in chunks)
    assert len(chunks) > 1


def test_text_chunks_prefer_paragraph_breaks() -> None:
    text = "Första stycket om Region Skåne.\n\nAndra stycket om Aarhus Kommune."
    assert [chunk for _, chunk in text_chunks(text, 40)] == [
        "Första stycket om Region Skåne.\n\n",
        "Andra stycket om Aarhus Kommune.",
    ]


# --------------------------------------------------------------------------------------------
# One tokenisation per text: NER runs on the chunk Docs it tokenised, and the name rules get them
# joined into the whole text's Doc (shared_doc) instead of tokenising the text again.


def token_columns(doc) -> list[tuple[int, str, str]]:
    """Return (offset, text, trailing whitespace) of every token."""
    return [(token.idx, token.text, token.whitespace_) for token in doc]


def long_paragraph_text(text: str, repeat: int) -> str:
    """Return one long paragraph of lines, so chunks are cut after a line break, mid-paragraph."""
    return "\n".join(f"{i}. {text}  Fortsättning följer." for i in range(repeat))


@pytest.mark.parametrize(("lang", "text", "person", "organisation"), SENTENCES)
def test_long_text_spans_and_shared_doc_equal_tokenising_apart(lang: str, text: str, person: str, organisation: str) -> None:
    long_text = long_paragraph_text(text, 120)
    chunks = text_chunks(long_text)
    assert len(chunks) >= 3 and all(long_text[offset - 2:offset] == ".\n" for offset, _ in chunks[1:])
    nlp = load_ner(lang)
    # The spans of running the model on the chunk strings, as ner_spans did before it kept the Docs.
    expected = [
        (offset + ent.start_char, offset + ent.end_char, ent.label_)
        for (offset, _), doc in zip(chunks, nlp.pipe(chunk for _, chunk in chunks))
        for ent in doc.ents
    ]
    assert ner_spans(long_text, lang) == expected
    assert any(long_text[start:end] == person for start, end, _ in expected)
    doc = shared_doc(long_text, lang)
    assert doc is not None and doc.vocab is nlp.vocab and doc.text == long_text
    alone = nlp.tokenizer(long_text)
    assert token_columns(doc) == token_columns(alone)
    # What the name rules read besides the columns: lexeme attributes and character spans.
    assert [(t.lower_, t.like_num) for t in doc] == [(t.lower_, t.like_num) for t in alone]
    assert doc.char_span(*expected[0][:2]).text == alone.char_span(*expected[0][:2]).text


def test_shared_doc_only_for_texts_ner_read() -> None:
    text = "Region Skåne och Malmö stad driver projektet tillsammans med Lunds universitet."
    assert shared_doc(text, "sv") is None  # never run through NER
    ner_spans(text, "sv")
    assert shared_doc(text, "sv") is not None
    assert shared_doc(text, "da") is None  # another language is another key
    assert shared_doc("Sorø Kommune", "qq") is None  # no model: nothing to share


@pytest.mark.parametrize(
    ("text", "limit", "tiled"),
    [
        ("Ett stycke.\n\n\nTvå.", 14, True),  # cut inside a run of line breaks
        ("Rad ett\n  två", 9, True),  # cut after a line break, before spaces
        ("enlangtordutanmellanrumsomintekandelaspåblanksteg", 20, True),  # hard cut inside a word
        ("Text.\n" + " " * 30 + "\nMer text.", 12, False),  # a blank stretch is no chunk: a gap
    ],
)
def test_chunks_cut_inside_a_run_are_not_joined(text: str, limit: int, tiled: bool) -> None:
    from spacy.tokens import Doc

    nlp = load_ner("sv")
    chunks = [(offset, nlp.tokenizer(chunk)) for offset, chunk in text_chunks(text, limit)]
    assert not ner._joinable(text, chunks)
    joined = Doc.from_docs([doc for _, doc in chunks], ensure_whitespace=False)
    # Joined anyway, these chunks would give other tokens than the whole text (or another text).
    assert (joined.text == text) == tiled
    assert token_columns(joined) != token_columns(nlp.tokenizer(text))


PIECES = st.sampled_from(
    ["Region", " ", "  ", "\n", "\n\n", "\t", "\xa0", ".", ",", "(SDFI)", "z.B.", "e.V.", "Kommune", "3.000", "kr.", "-", "/", "FN:s", "ä"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(PIECES, min_size=1, max_size=40).map("".join),
    st.integers(min_value=3, max_value=30),
    st.sampled_from(["sv", "da", "de"]),
)
def test_joinable_chunks_give_the_whole_text_tokens(text: str, limit: int, lang: str) -> None:
    from spacy.tokens import Doc

    nlp = load_ner(lang)
    chunks = [(offset, nlp.tokenizer(chunk)) for offset, chunk in text_chunks(text, limit)]
    if ner._joinable(text, chunks):
        joined = Doc.from_docs([doc for _, doc in chunks], ensure_whitespace=False)
        assert joined.text == text
        assert token_columns(joined) == token_columns(nlp.tokenizer(text))


def test_ner_spans_many_equals_one_text_at_a_time() -> None:
    long_sv = long_paragraph_text(SENTENCES[0][1], 120)  # several chunks
    texts = [(text, lang) for lang, text, _, _ in SENTENCES] + [
        (long_sv, "sv"),
        ("", "sv"),
        ("   \n", "de"),
        ("Anna Lindqvist works at Göteborgs universitet.", "en"),  # no model
        (SENTENCES[1][1] + " Og Odense Kommune.", "da"),
    ]
    ner._recent.clear()
    batched = ner_spans_many(texts)
    ner._recent.clear()  # from scratch: nothing remembered from the batch
    alone = [ner_spans(text, lang) for text, lang in texts]
    assert batched == alone
    assert batched[-1] and batched[3] and batched[4:7] == [[], [], []]
    # The batch is remembered: asking again returns the same spans and the Docs NER read.
    ner_spans_many(texts)
    assert shared_doc(long_sv, "sv") is not None
    assert ner_spans(long_sv, "sv") == alone[3]
