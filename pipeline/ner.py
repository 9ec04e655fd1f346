"""Statistical NER with the spaCy pipelines shipped in pipeline/models/<lang> (PER, ORG, LOC, MISC)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

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
# Chunks of all texts of a batch go through one nlp.pipe call in batches of this many: the model runs
# on all of them at once, about 10 % faster than one call per text (bench: 600 documents, 39.7 →
# 35.9 ms/doc from 1 to 8 texts per call).
PIPE_BATCH = 32
# A call holding a text longer than this runs the model on LONG_TEXT_PIPE_BATCH chunks at a time: the model's
# working memory grows with the batch (a 0.5 MB text: peak 586 MiB at 32 chunks, 247 MiB at 8, and no
# slower), and such a text has chunks enough to keep the model busy anyway.
LONG_TEXT_CHARS = 200_000
LONG_TEXT_PIPE_BATCH = 8


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
    return ner_spans_many([(text, lang)])[0]


def ner_spans_many(texts: Sequence[tuple[str, str]]) -> list[list[tuple[int, int, str]]]:
    """Return the ner_spans of each (text, lang), running each language's model once over all its texts' chunks.

    The model reads each chunk tokenised from its own string, as ChunkedNER's chunks read (the same tokens):
    for the NER alone (bench/extractor_corpora.py) and for a text too long to be one Doc (pipeline.extract).
    """
    results: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    by_lang: dict[str, list[int]] = {}
    for number, (text, lang) in enumerate(texts):
        if text.strip():
            by_lang.setdefault(lang, []).append(number)
    for lang, numbers in by_lang.items():
        nlp = load_ner(lang)
        if nlp is None:
            continue
        # The chunks are tokenised as the model reaches them: a long text's Docs never all exist at once.
        found = _chunk_entities(nlp, [texts[number][0] for number in numbers], lambda _number, _offset, chunk: nlp.tokenizer(chunk))
        for number, spans in zip(numbers, found):
            results[number] = spans
    return results


def _chunk_entities(
    model: Language, texts: Sequence[str], chunk_doc: Callable[[int, int, str], Doc]
) -> list[list[tuple[int, int, str]]]:
    """Return the (start, end, label) entities of each text, the model run once over all their text_chunks.

    chunk_doc(number, offset, chunk) gives the Doc the model reads for a chunk of texts[number], made as the
    model reaches it.
    """
    plan = [(number, offset, chunk) for number, text in enumerate(texts) for offset, chunk in text_chunks(text)]
    long_text = any(len(text) > LONG_TEXT_CHARS for text in texts)
    docs = model.pipe((chunk_doc(number, offset, chunk) for number, offset, chunk in plan),
                      batch_size=LONG_TEXT_PIPE_BATCH if long_text else PIPE_BATCH)
    found: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for (number, offset, _), doc in zip(plan, docs):
        found[number].extend((offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
    return found


def clean_cut(text: str, position: int) -> bool:
    """Return True if the text can be cut at a position without changing its tokens: an end, or whitespace → word.

    spaCy's tokenizer first splits a text into runs of whitespace and of non-space characters and tokenises
    each run on its own, so the tokens of a piece whose both ends are clean cuts are the whole text's tokens
    over that piece. A cut inside a run of whitespace (between two line breaks) or inside a word (the hard cut
    of a text without spaces) is not clean. (Tokenizer exceptions spanning several runs could match across a
    cut; the sv/da/de models have none.)
    """
    return position in (0, len(text)) or (text[position - 1].isspace() and not text[position].isspace())


# Where a Doc made by the extraction pipeline's tokenizer keeps its text: doc.text rebuilds it token by token.
TEXT_KEY = "hitta.text"


def doc_text(doc: Doc) -> str:
    """Return the text of a Doc: the string it was made from where the tokenizer kept it (KeepText)."""
    text = doc.user_data.get(TEXT_KEY)
    return doc.text if text is None else text


class KeepText:
    """A tokenizer that keeps the text on each Doc it makes (doc_text), wrapping a language's own tokenizer."""

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc


class ChunkedNER:
    """The extraction pipeline's `ner` component: the shipped model run over a Doc in chunks, entities on doc.ents.

    The Doc is cut where text_chunks cuts its text (at most MAX_CHUNK_CHARS per model call, paragraph breaks
    first), and the model reads each chunk as the Doc's own tokens over it (the Doc itself when one chunk is
    the whole text): the text is tokenised once. A chunk with an unclean edge (clean_cut; or next to a blank
    stretch text_chunks skips) is tokenised from its string instead, so the model always reads what ner_spans
    gives it. The chunks of all Docs of a batch go through one nlp.pipe call (PIPE_BATCH). Entities are set by
    character offsets; one that does not fall on the Doc's token edges (only possible next to an unclean cut)
    is widened to them.
    """

    def __init__(self, model: Language) -> None:
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        """Set the entities of one Doc."""
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = PIPE_BATCH) -> Iterator[Doc]:
        """Set the entities of Docs, batch_size Docs at a time (the model runs once over all their chunks)."""
        from spacy.util import minibatch

        for batch in minibatch(docs, batch_size):
            texts = [doc_text(doc) for doc in batch]
            slicers = [_Slicer(doc, text) for doc, text in zip(batch, texts)]
            found = _chunk_entities(
                self.model, texts, lambda number, offset, chunk: slicers[number].chunk(offset, chunk, self.model.tokenizer)
            )
            for doc, spans in zip(batch, found):
                _set_entities(doc, spans)
            yield from batch


class _Slicer:
    """The Docs the model reads for the chunks of one Doc."""

    def __init__(self, doc: Doc, text: str) -> None:
        self.doc, self.text = doc, text
        self.columns: Any = None  # the Doc's token offsets, lengths, spaces and norms, read at the first slice

    def chunk(self, offset: int, chunk: str, tokenizer: Callable[[str], Doc]) -> Doc:
        """Return the Doc the model reads for a chunk: the Doc's own tokens over it where its edges are clean."""
        text, end = self.text, offset + len(chunk)
        if not (clean_cut(text, offset) and clean_cut(text, end)):
            return tokenizer(chunk)
        if offset == 0 and end == len(text):
            return self.doc
        import numpy
        from spacy.attrs import IDX, LENGTH, NORM, SPACY
        from spacy.tokens import Doc

        if self.columns is None:
            self.columns = self.doc.to_array([IDX, LENGTH, SPACY, NORM])
        starts = self.columns[:, 0]
        first, last = numpy.searchsorted(starts, [offset, end]).tolist()
        rows = self.columns[first:last]
        words = [text[start:start + length] for start, length in rows[:, :2].tolist()]
        # A Doc of the same words, spaces and norms (a tokenizer exception may set a token's norm): the tokens the
        # tokenizer gives the chunk's string. Span.as_doc would also average the words' vectors, at ten times the cost.
        piece = Doc(self.doc.vocab, words=words, spaces=rows[:, 2].astype(bool).tolist())
        piece.from_array([NORM], rows[:, 3:4])
        return piece


def _set_entities(doc: Doc, spans: list[tuple[int, int, str]]) -> None:
    """Set doc.ents to character spans (widened to token edges where they are not on them)."""
    import numpy
    from spacy.util import filter_spans

    entities = []
    for start, end, label in spans:
        span = doc.char_span(start, end, label=label)
        if span is None:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            entities.append(span)
    doc.ents = filter_spans(entities)
    doc.tensor = numpy.zeros((0,), dtype="float32")  # the model's tok2vec output is no use after NER: free it
