"""Statistical NER with the spaCy pipelines shipped in pipeline/models/<lang> (PER, ORG, LOC, MISC)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported lazily: answering a search must not pay for loading it
    from spacy.language import Language
    from spacy.tokens import Doc

MODELS_DIR = Path(__file__).resolve().parent / "models"
# Chunks of at most this many characters keep time and memory per nlp call bounded on long texts.
MAX_CHUNK_CHARS = 5_000
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LINE_BREAK = re.compile(r"\n")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_WHITESPACE = re.compile(r"\s+")
# The chunk Docs of the last few texts NER ran on, so the name rules read the same tokens instead of
# tokenising the text a second time (a text is asked for by both finders of pipeline/names.py, in a row).
RECENT_TEXTS = 4
_recent_chunks: dict[tuple[str, str], list[tuple[int, Doc]]] = {}
_recent_lock = threading.Lock()


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
    import numpy

    chunks = [(offset, nlp.tokenizer(chunk)) for offset, chunk in text_chunks(text)]
    spans = []
    # nlp.pipe runs the model's components on the Docs as given: the chunks are tokenised once, here.
    for (offset, _), doc in zip(chunks, nlp.pipe(doc for _, doc in chunks)):
        spans.extend((offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
        doc.tensor = numpy.zeros((0,), dtype="float32")  # the tok2vec output is no use after NER: free it
    with _recent_lock:
        _recent_chunks[(text, lang)] = chunks
        while len(_recent_chunks) > RECENT_TEXTS:
            del _recent_chunks[next(iter(_recent_chunks))]
    return spans


def shared_doc(text: str, lang: str) -> Doc | None:
    """Return the whole text as a Doc of the tokens NER read, if ner_spans ran on it lately; else None.

    Never loads a model. None too where the chunk Docs cannot be joined into the whole text's tokens
    (see `_joinable`): the caller then tokenises the text itself.
    """
    with _recent_lock:
        chunks = _recent_chunks.get((text, lang))
    if chunks is None or not _joinable(text, chunks):
        return None
    if len(chunks) == 1:
        return chunks[0][1]
    from spacy.tokens import Doc

    return Doc.from_docs([doc for _, doc in chunks], ensure_whitespace=False, exclude=["tensor", "user_data", "spans"])


def _joinable(text: str, chunks: list[tuple[int, Doc]]) -> bool:
    """Return True if the chunks tile the text and every cut lies between whitespace and a non-space.

    spaCy's tokenizer first splits a text into runs of whitespace and of non-space characters and
    tokenises each run on its own, so cutting where a whitespace run ends and a word begins gives
    the tokens of the whole text. A cut inside a whitespace run (between two line breaks), inside a
    word (the hard cut of a text without spaces) or a skipped blank stretch would not. (Tokenizer
    exceptions spanning several runs could match across a cut; the sv/da/de models have none.)
    """
    end = 0
    for offset, doc in chunks:
        if offset != end or (offset and not (text[offset - 1].isspace() and not text[offset].isspace())):
            return False
        end = offset + len(doc.text)
    return end == len(text)
