"""Statistical NER with the spaCy pipelines shipped in pipeline/models/<lang> (PER, ORG, LOC, MISC)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from collections.abc import Sequence
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
# The spans and chunk Docs of the last texts NER ran on: the name rules read the same tokens instead
# of tokenising a text a second time, and a batch run by ner_spans_many waits here until each of its
# texts is asked for (a larger batch is kept whole).
RECENT_TEXTS = 4
# Chunks of all texts of a batch go through one nlp.pipe call in batches of this many: the model runs
# on all of them at once, about 10 % faster than one call per text (bench: 600 documents, 39.7 →
# 35.9 ms/doc from 1 to 8 texts per call).
PIPE_BATCH = 32
# The chunk Docs of a text longer than this are not kept for the name rules (shared_doc): they hold about
# 200 bytes per character, too much for a text of many MB. The rules read such a text in segments they
# tokenise themselves (names.SEGMENT_CHARS, the same length), so the Docs would be no use to them.
KEEP_DOCS_MAX_CHARS = 200_000
# A call holding a text longer than KEEP_DOCS_MAX_CHARS runs the model on this many chunks at a time: the
# model's working memory grows with the batch (a 0.5 MB text: peak 586 MiB at 32 chunks, 247 MiB at 8,
# and no slower), and such a text has chunks enough to keep the model busy anyway.
LONG_TEXT_PIPE_BATCH = 8
_recent: dict[tuple[str, str], tuple[list[tuple[int, int, str]], list[tuple[int, Doc]] | None]] = {}
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
    with _recent_lock:
        known = _recent.get((text, lang))
    if known is not None:
        return list(known[0])
    return ner_spans_many([(text, lang)])[0]


def ner_spans_many(texts: Sequence[tuple[str, str]]) -> list[list[tuple[int, int, str]]]:
    """Return the ner_spans of each (text, lang), running each language's model once over all its texts' chunks."""
    results: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    by_lang: dict[str, list[int]] = {}
    for number, (text, lang) in enumerate(texts):
        if text.strip():
            by_lang.setdefault(lang, []).append(number)
    for lang, numbers in by_lang.items():
        nlp = load_ner(lang)
        if nlp is None:
            continue
        import numpy

        pieces = {number: text_chunks(texts[number][0]) for number in numbers}
        owners = [(number, offset) for number in numbers for offset, _ in pieces[number]]
        kept: dict[int, list[tuple[int, Doc]]] = {
            number: [] for number in numbers if len(texts[number][0]) <= KEEP_DOCS_MAX_CHARS
        }
        # nlp.pipe runs the model's components on the Docs as given: the chunks are tokenised once, here,
        # as the model reaches them (a long text's Docs never all exist at once).
        long_text = any(len(texts[number][0]) > KEEP_DOCS_MAX_CHARS for number in numbers)
        docs = nlp.pipe((nlp.tokenizer(chunk) for number in numbers for _, chunk in pieces[number]),
                        batch_size=LONG_TEXT_PIPE_BATCH if long_text else PIPE_BATCH)
        for (number, offset), doc in zip(owners, docs):
            results[number].extend((offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
            doc.tensor = numpy.zeros((0,), dtype="float32")  # the tok2vec output is no use after NER: free it
            if number in kept:
                kept[number].append((offset, doc))
        with _recent_lock:
            for number in numbers:
                _recent[texts[number]] = (results[number], kept.get(number))
            while len(_recent) > max(RECENT_TEXTS, len(texts)):  # a whole batch waits until asked for
                del _recent[next(iter(_recent))]
    return [list(spans) for spans in results]


def forget(text: str, lang: str) -> None:
    """Drop what is remembered of a text (its spans and chunk Docs)."""
    with _recent_lock:
        _recent.pop((text, lang), None)


def shared_doc(text: str, lang: str) -> Doc | None:
    """Return the whole text as a Doc of the tokens NER read, if ner_spans ran on it lately; else None.

    Never loads a model. None too where the chunk Docs cannot be joined into the whole text's tokens
    (see `_joinable`): the caller then tokenises the text itself.
    """
    with _recent_lock:
        known = _recent.get((text, lang))
    chunks = known[1] if known is not None else None
    if chunks is None or not _joinable(text, chunks):
        return None
    if len(chunks) == 1:
        return chunks[0][1]
    import numpy
    from spacy.attrs import IDX, LENGTH, SPACY
    from spacy.tokens import Doc

    # A Doc of the same words and spaces: the same tokens, and three times faster than Doc.from_docs,
    # which copies every token attribute. It carries no entities: the name rules read only tokens.
    columns = numpy.concatenate([doc.to_array([IDX, LENGTH, SPACY]) for _, doc in chunks])
    starts = numpy.concatenate([numpy.full(len(doc), offset, dtype=columns.dtype) for offset, doc in chunks])
    starts += columns[:, 0]
    ends = (starts + columns[:, 1]).tolist()
    words = [text[start:end] for start, end in zip(starts.tolist(), ends)]
    return Doc(chunks[0][1].vocab, words=words, spaces=columns[:, 2].astype(bool).tolist())


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
        end = offset + (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0)  # doc.text would build a string
    return end == len(text)
