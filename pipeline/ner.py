"""Statistical NER with the spaCy pipelines shipped in pipeline/models/<lang> (PER, ORG, LOC, MISC)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported lazily: answering a search must not pay for loading it
    from spacy.language import Language

MODELS_DIR = Path(__file__).resolve().parent / "models"
# Chunks of at most this many characters keep time and memory per nlp call bounded on long texts.
MAX_CHUNK_CHARS = 5_000
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LINE_BREAK = re.compile(r"\n")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=None)
def load_ner(lang: str) -> Language | None:
    """Return the shipped NER pipeline for `lang` (cached), or None when there is none."""
    model_dir = MODELS_DIR / lang
    if not lang.isalpha() or not (model_dir / "meta.json").is_file():
        return None
    import spacy

    return spacy.load(model_dir)


def _first_cut(text: str, start: int, limit: int) -> int:
    """Return where the piece starting at `start` should end: the latest, coarsest boundary within `limit`."""
    if len(text) - start <= limit:
        return len(text)
    for boundary in (_PARAGRAPH_BREAK, _LINE_BREAK, _SENTENCE_END, _WHITESPACE):
        cut = max((m.end() for m in boundary.finditer(text, start, start + limit)), default=start)
        if cut > start:
            return cut
    return start + limit


def text_chunks(text: str, limit: int = MAX_CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split text into (offset, chunk) pieces of at most `limit` chars, preferring paragraph, then line breaks."""
    chunks, start = [], 0
    while start < len(text):
        end = _first_cut(text, start, limit)
        if text[start:end].strip():
            chunks.append((start, text[start:end]))
        start = end
    return chunks


def ner_spans(text: str, lang: str) -> list[tuple[int, int, str]]:
    """Return (start, end, label) character spans of PER/ORG/LOC/MISC entities in text; [] without a model."""
    nlp = load_ner(lang)
    if nlp is None or not text.strip():
        return []
    chunks = text_chunks(text)
    spans = []
    for (offset, _), doc in zip(chunks, nlp.pipe(chunk for _, chunk in chunks)):
        spans.extend((offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
    return spans
