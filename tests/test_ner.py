"""The shipped NER models load, find clear persons and organisations, and keep offsets right on long texts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hitta.pipeline import ner
from hitta.pipeline.ner import MAX_CHUNK_CHARS, ChunkedNER, _Slicer, clean_cut, load_ner, ner_spans, ner_spans_many, text_chunks

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
# One tokenisation per text: the extraction pipeline's NER (ChunkedNER) reads each chunk as the Doc's own
# tokens over it, and must find what the model finds on the chunk strings tokenised apart (ner_spans).


def token_columns(doc) -> list[tuple[int, str, str]]:
    """Return (offset, text, trailing whitespace) of every token."""
    return [(token.idx, token.text, token.whitespace_) for token in doc]


def long_paragraph_text(text: str, repeat: int) -> str:
    """Return one long paragraph of lines, so chunks are cut after a line break, mid-paragraph."""
    return "\n".join(f"{i}. {text}  Fortsättning följer." for i in range(repeat))


def chunked_entities(text: str, lang: str) -> list[tuple[int, int, str]]:
    """Return the entities ChunkedNER sets on the Doc of the whole text."""
    nlp = load_ner(lang)
    doc = ChunkedNER(nlp)(nlp.make_doc(text))
    return [(entity.start_char, entity.end_char, entity.label_) for entity in doc.ents]


@pytest.mark.parametrize(("lang", "text", "person", "organisation"), SENTENCES)
def test_long_text_entities_equal_tokenising_the_chunks_apart(lang: str, text: str, person: str, organisation: str) -> None:
    long_text = long_paragraph_text(text, 120)
    chunks = text_chunks(long_text)
    assert len(chunks) >= 3 and all(long_text[offset - 2:offset] == ".\n" for offset, _ in chunks[1:])
    nlp = load_ner(lang)
    # The spans of running the model on the chunk strings.
    expected = [
        (offset + ent.start_char, offset + ent.end_char, ent.label_)
        for (offset, _), doc in zip(chunks, nlp.pipe(chunk for _, chunk in chunks))
        for ent in doc.ents
    ]
    assert ner_spans(long_text, lang) == expected
    assert any(long_text[start:end] == person for start, end, _ in expected)
    assert chunked_entities(long_text, lang) == expected


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("Ett stycke.\n\n\nTvå.", 14),  # cut inside a run of line breaks
        ("Rad ett\n  två", 9),  # cut after a line break, before spaces
        ("enlangtordutanmellanrumsomintekandelaspåblanksteg", 20),  # hard cut inside a word
    ],
)
def test_chunks_cut_inside_a_run_are_not_clean(text: str, limit: int) -> None:
    from spacy.tokens import Doc

    nlp = load_ner("sv")
    chunks = text_chunks(text, limit)
    assert not all(clean_cut(text, offset) for offset, _ in chunks)
    joined = Doc.from_docs([nlp.tokenizer(chunk) for _, chunk in chunks], ensure_whitespace=False)
    # The chunks' own tokens are not the whole text's: the model must read such a chunk tokenised apart.
    assert joined.text == text
    assert token_columns(joined) != token_columns(nlp.tokenizer(text))


def test_unclean_chunks_are_tokenised_apart_and_give_the_same_entities(monkeypatch) -> None:
    # Three line breaks between paragraphs: every cut of text_chunks falls inside the run.
    text = "\n\n\n".join(f"{i}. {SENTENCES[0][1]}" for i in range(200))
    cuts = [offset for offset, _ in text_chunks(text)][1:]
    assert cuts and not any(clean_cut(text, cut) for cut in cuts)
    assert chunked_entities(text, "sv") == ner_spans(text, "sv")


PIECES = st.sampled_from(
    ["Region", " ", "  ", "\n", "\n\n", "\t", "\xa0", ".", ",", "(SDFI)", "z.B.", "e.V.", "Kommune", "3.000", "kr.", "-", "/", "FN:s", "ä"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(PIECES, min_size=1, max_size=40).map("".join),
    st.integers(min_value=3, max_value=30),
    st.sampled_from(["sv", "da", "de"]),
)
def test_a_chunk_with_clean_edges_has_the_whole_text_tokens(text: str, limit: int, lang: str) -> None:
    nlp = load_ner(lang)
    whole = nlp.tokenizer(text)
    for offset, chunk in text_chunks(text, limit):
        end = offset + len(chunk)
        if clean_cut(text, offset) and clean_cut(text, end):
            alone = nlp.tokenizer(chunk)
            sliced = _Slicer(whole, text).chunk(offset, chunk, nlp.tokenizer)
            assert sliced.text == chunk
            assert token_columns(sliced) == token_columns(alone)
            assert [token.norm_ for token in sliced] == [token.norm_ for token in alone]


def test_ner_spans_many_equals_one_text_at_a_time() -> None:
    long_sv = long_paragraph_text(SENTENCES[0][1], 120)  # several chunks
    texts = [(text, lang) for lang, text, _, _ in SENTENCES] + [
        (long_sv, "sv"),
        ("", "sv"),
        ("   \n", "de"),
        ("Anna Lindqvist works at Göteborgs universitet.", "en"),  # no model
        (SENTENCES[1][1] + " Og Odense Kommune.", "da"),
    ]
    batched = ner_spans_many(texts)
    alone = [ner_spans(text, lang) for text, lang in texts]
    assert batched == alone
    assert batched[-1] and batched[3] and batched[4:7] == [[], [], []]
    # The pipeline's NER over the same texts as one batch of Docs finds the same.
    for lang in ("sv", "da"):
        numbers = [number for number, (_, code) in enumerate(texts) if code == lang]
        nlp = load_ner(lang)
        docs = ChunkedNER(nlp).pipe([nlp.make_doc(texts[number][0]) for number in numbers], batch_size=8)
        assert [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs] == [alone[n] for n in numbers]
