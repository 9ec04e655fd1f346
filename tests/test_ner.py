"""The shipped NER models load, find clear persons and organisations, and keep offsets right on long texts."""

from __future__ import annotations

import pytest

from pipeline.ner import MAX_CHUNK_CHARS, load_ner, ner_spans, text_chunks

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
