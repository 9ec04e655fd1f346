"""The whoosh full-text index: per-language stemmed text plus keyword fields for entities."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Positions

from hitta.pipeline.entities import entity_key

INDEX_DIR = "index"
STEMMED_LANGUAGES = ("sv", "da", "de")
TEXT_FIELDS = ("title", "content_sv", "content_da", "content_de", "content_xx")
DEFAULT_LOCK_TIMEOUT = 60.0
# A rebuild commits a segment every this many documents: each segment's postings are sorted in
# memory, where one writer for 100k documents spilled 16 GB of sort runs to disk and then merged them.
REBUILD_SEGMENT_DOCS = 20_000
# Memory for a writer's posting pool before it spills sorted runs to disk.
WRITER_LIMIT_MB = 512
# Posting blocks are small; zlib on each of them cost a quarter of commit time and saved little disk.
POSTING_COMPRESSION = 0
# Written beside the index; bumped whenever the schema or an analyser changes what gets indexed.
FORMAT_FILE = "hitta-format"
INDEX_FORMAT = 4
MAX_YEARS_PER_RANGE = 60


class IndexLockedError(Exception):
    """Another process holds the index lock for longer than the timeout."""


class IndexFormatError(Exception):
    """The index on disk was written by another version of hitta; `hitta reindex` rebuilds it."""


class QuerySyntaxError(ValueError):
    """A query that whoosh cannot parse; the message says how to write it."""


@dataclass
class Hit:
    """One search result."""

    id: str
    source: str
    title: str
    language: str
    score: float
    rank: int
    snippet: str


# Heads shorter than this are not split off: short words ("hof", "amt") match inside too many words.
MIN_COMPOUND_PART = 5
LINKING_ELEMENTS = ("", "s", "es", "n", "en", "e")


@lru_cache(maxsize=None)
def _stemmer(lang: str) -> Callable[[str], str]:
    from whoosh.lang import stemmer_for_language

    return lru_cache(maxsize=100_000)(stemmer_for_language(lang))


@lru_cache(maxsize=None)
def compound_stems(lang: str) -> frozenset[str]:
    """Return the stems of the shipped common words of a language (pipeline/lexicon/words_<lang>.txt)."""
    from hitta.pipeline.lexicon import common_words

    stem = _stemmer(lang)
    return frozenset(stem(word) for word in common_words(lang))


# Snowball's sv/da/de stemmers only cut suffixes inside R1, which starts after at least 3 letters;
# the German one first writes ß as ss and at the end drops umlauts. So a stem begins with the first
# STEM_START letters of its word, the German ones after that spelling.
STEM_START = 3
_GERMAN_SPELLING = str.maketrans({"ß": "ss", "ä": "a", "ö": "o", "ü": "u"})


def _stem_start(word: str, lang: str) -> str:
    """Return the letters every stem of `word` begins with (for German, spelled as its stemmer spells them)."""
    if lang == "de":
        return word[:STEM_START].translate(_GERMAN_SPELLING)[:STEM_START]
    return word[:STEM_START]


@lru_cache(maxsize=None)
def _stem_starts(lang: str) -> frozenset[str]:
    """Return the first STEM_START letters of the stems compound_parts looks for."""
    return frozenset(stem[:STEM_START] for stem in compound_stems(lang))


def compound_parts(word: str, lang: str) -> list[str]:
    """Return the parts of a compound: its longest known head and its modifier.

    "stadtentwicklung" → ["entwicklung", "stadt"]; "turismeprojekter" → ["projekter", "turisme"].
    A head is known when its stem is the stem of a word in the shipped list; the modifier is kept
    when it is known too or at least MIN_COMPOUND_PART letters long (after a linking -s/-es/-n/-en/-e).
    """
    stems = compound_stems(lang)
    if not stems:
        return []
    stem = _stemmer(lang)
    starts = _stem_starts(lang)
    for start in range(3, len(word) - MIN_COMPOUND_PART + 1):
        head = word[start:]
        # Stemming every head is most of the cost; a head whose first letters no known stem starts
        # with cannot stem to one (tests/test_store.py checks this against stemming every head).
        if _stem_start(head, lang) not in starts or stem(head) not in stems:
            continue
        modifier = word[:start]
        bases = [modifier[: len(modifier) - len(link)] for link in LINKING_ELEMENTS if modifier.endswith(link)]
        known = [base for base in bases if len(base) >= 4 and stem(base) in stems]
        if known:
            return [head, known[0]]
        # An unknown modifier with a short head is more often a word plus an inflection
        # ("renover|ingen") than a compound; a long head is a safe split ("turisme|projekter").
        if len(head) >= 7 and len(modifier) >= MIN_COMPOUND_PART:
            return [head, modifier]
        return []
    return []


# whoosh's default RegexTokenizer expression: words, with inner dots kept ("z.B" stays one token).
WORD = re.compile(r"\w+(\.?\w+)*", re.UNICODE)
# Per-word analysis results kept per analyser; cleared when full so memory stays bounded.
WORD_CACHE_LIMIT = 300_000
# Prefix of the accent-folded twin of a word with accents, indexed at the word's position in the same
# field ("Malmö" → "malmö" and "~malmo"). WORD never yields "~", so no plain query meets these terms;
# --fold-accents looks for both forms. Twins only for accented words: a separate folded field for all
# words doubled the postings and the full-text share of ingest time (bench/stages.py).
FOLDED_PREFIX = "~"


# Letters that are not a base letter plus a mark, folded the way they are written without them.
_UNMARKED_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "ł": "l", "Ł": "L"})


def fold_text(text: str) -> str:
    """Return text with its accents folded ("Förderung" → "Forderung", "København" → "Kobenhavn", "Æble" → "AEble")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNMARKED_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """Return a word with its accents folded, as fold_text (cached: for words, not whole texts)."""
    return fold_text(word)


class _WordAnalyzer(Tokenizer):
    """Yields the terms of each word found by WORD; a subclass says which terms a word gives, cached here."""

    _cache: dict[tuple[str, bool], tuple[str, ...]]

    def analyse(self, word: str, index: bool) -> tuple[str, ...]:
        """Return the terms of one word as found in the text; () for a stop word (not cached)."""
        raise NotImplementedError

    def terms(self, word: str, index: bool) -> tuple[str, ...]:
        """Return analyse(word, index), cached per word; the cache is cleared when full so memory stays bounded."""
        key = (word, index)
        found = self._cache.get(key)
        if found is None:
            found = self.analyse(word, index)
            if len(self._cache) >= WORD_CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        return found

    def __getstate__(self) -> dict[str, Any]:
        # The index's schema is pickled: leave the cache out.
        return {name: value for name, value in self.__dict__.items() if name != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}

    def index_positions(self, value: str) -> dict[str, list[int]]:
        """Return each term's positions in value, terms in order of first appearance: what __call__ yields at index time."""
        positions: dict[str, list[int]] = {}
        pos = 0
        terms_of = self.terms
        for match in WORD.finditer(value):
            terms = terms_of(match.group(), True)
            if terms:
                for term in terms:
                    if term in positions:
                        positions[term].append(pos)
                    else:
                        positions[term] = [pos]
                pos += 1
        return positions

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Any:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        index = mode == "index"
        matches = WORD.finditer(value) if tokenize else [None]
        pos = start_pos
        for match in matches:
            original = match.group() if match else value
            terms = self.terms(original, index)
            token.stopped = not terms
            if not terms:
                if removestops:
                    continue
                terms = (original.lower(),)  # a stop word shown to the highlighter, marked as stopped
            for term in terms:
                token.text = term
                token.boost = 1.0
                if keeporiginal:
                    token.original = original
                if positions:
                    token.pos = pos
                if chars:
                    start, end = (match.start(), match.end()) if match else (0, len(value))
                    token.startchar = start_char + start
                    token.endchar = start_char + end
                yield token
            if not token.stopped:
                pos += 1


class LanguageAnalyzer(_WordAnalyzer):
    """Tokenize, lowercase, split compounds, drop stop words and Snowball-stem in one pass, cached per word.

    Gives the terms of whoosh's RegexTokenizer | LowercaseFilter | StopFilter(lang) | StemFilter(lang)
    chain, plus at index time the parts of long compounds and, for a word with accents, the folded
    twin of its stem (FOLDED_PREFIX + stem of the folded word). Parts and twin share the word's
    position, so a phrase query that runs across a compound, or a --fold-accents phrase, still
    matches. Words are split at "*" too, so the German gender star ("Bürger*innen") indexes both words. One generator instead of five and a
    cache of each word's terms make it twice as fast as the chained filters.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._cache = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LanguageAnalyzer) and other.lang == self.lang

    def has_morph(self) -> bool:
        """Stemming changes words, so whoosh must not offer the indexed terms as spelling suggestions."""
        return True

    def analyse(self, word: str, index: bool) -> tuple[str, ...]:
        """Return the terms of one word: its stem, then at index time its compound parts' stems and folded twin."""
        stops, stem = _stop_words(self.lang), _stemmer(self.lang)
        lowered = word.lower()
        if len(lowered) < 2 or lowered in stops:
            return ()
        stemmed = stem(lowered)
        if not index:
            return (stemmed,)
        parts = compound_parts(lowered, self.lang) if len(lowered) >= 8 and lowered.isalpha() else []
        words = [lowered] + [part for part in parts if part not in stops]
        terms = tuple(stem(word) for word in words)
        # Twins of the word and of its parts, where folding changes the stem (the German stemmer
        # already drops umlauts: "förderung" and "forderung" have one stem, and need no twin).
        twins = tuple(
            FOLDED_PREFIX + folded_stem
            for word, term in zip(words, terms)
            if (folded := fold_word(word)) != word and (folded_stem := stem(folded)) != term
        )
        return terms + twins


class PlainAnalyzer(_WordAnalyzer):
    """Tokenize, lowercase and drop stop words of every language, cached per word (titles, other languages).

    Gives the terms of whoosh's StandardAnalyzer(stoplist=multilingual_stop_words(), minsize=1), plus
    at index time the folded twin (FOLDED_PREFIX + folded word) of a word with accents.
    """

    def __init__(self) -> None:
        self._cache = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainAnalyzer)

    def analyse(self, word: str, index: bool) -> tuple[str, ...]:
        """Return the word lowercased, then at index time its folded twin when it has accents."""
        lowered = word.lower()
        if lowered in multilingual_stop_words():
            return ()
        folded = fold_word(lowered) if index else lowered
        return (lowered, FOLDED_PREFIX + folded) if folded != lowered else (lowered,)


@lru_cache(maxsize=None)
def _stop_words(lang: str) -> frozenset[str]:
    """Return the words whoosh's StopFilter(lang=...) drops: its English default list plus the language's."""
    from whoosh.analysis import StopFilter

    return StopFilter(lang=lang).stops


def language_analyzer(lang: str) -> LanguageAnalyzer:
    """Return a language's analyzer: tokenize, lowercase, split compounds, drop stop words, Snowball stem."""
    return LanguageAnalyzer(lang)


@lru_cache(maxsize=None)
def multilingual_stop_words() -> frozenset[str]:
    """Return the stop words of every language hitta meets, for fields not tied to one language."""
    from whoosh.lang import stopwords_for_language

    words: set[str] = set()
    for lang in ("sv", "da", "de", "no", "en", "nl"):
        words |= set(stopwords_for_language(lang))
    return frozenset(words)


class TermPositions(Positions):
    """whoosh's Positions format, whose index-time postings for hitta's analysers skip Token objects.

    whoosh's word_values moves a Token through two generators per term and sums a boost of 1.0 per
    occurrence; here the same counts, weights (occurrences × field boost) and encoded positions come
    from the analyser's term positions. Stored in the index's schema, so it keeps this name.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        """Yield (term, frequency, weight, encoded positions) per distinct term, as Positions.word_values."""
        if not (isinstance(value, str) and isinstance(analyzer, _WordAnalyzer) and kwargs == {"mode": "index"}):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost, encode = self.field_boost, self.encode
        for term, positions in analyzer.index_positions(value).items():
            yield (term, len(positions), float(len(positions)) * boost, encode(positions))


def _schema() -> Any:
    from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

    plain = PlainAnalyzer()
    schema = Schema(
        id=ID(stored=True, unique=True, sortable=True),  # a column: filters map to ids without loading stored fields
        source=ID(stored=True),
        title=TEXT(stored=True, analyzer=plain, field_boost=1.5),
        lang=KEYWORD(stored=True, lowercase=True),
        content_sv=TEXT(analyzer=language_analyzer("sv")),
        content_da=TEXT(analyzer=language_analyzer("da")),
        content_de=TEXT(analyzer=language_analyzer("de")),
        content_xx=TEXT(analyzer=plain),
        org=KEYWORD(commas=True, lowercase=True, scorable=True),
        person=KEYWORD(commas=True, lowercase=True, scorable=True),
        email=KEYWORD(commas=True, lowercase=True),
        year=KEYWORD(commas=True),
        budget=NUMERIC(numtype=int, bits=64),
    )
    for name in ("title", "content_sv", "content_da", "content_de", "content_xx"):
        schema[name].format = TermPositions(field_boost=schema[name].format.field_boost)
    return schema


def record_years(record: dict[str, Any]) -> list[str]:
    """Return the years a record's dates refer to, ranges expanded (bounded)."""
    years: set[int] = set()
    for item in record.get("dates", []):
        bounds = [int(value[:4]) for value in (item.get("start"), item.get("end")) if value]
        if not bounds:
            continue
        low, high = min(bounds), max(bounds)
        if high - low > MAX_YEARS_PER_RANGE:
            years.update(bounds)
        else:
            years.update(range(low, high + 1))
    return [str(year) for year in sorted(years)]


def _document(record: dict[str, Any]) -> dict[str, Any]:
    language = record.get("language") or "und"
    field = f"content_{language}" if language in STEMMED_LANGUAGES else "content_xx"
    budgets = [item["amount"] for item in record.get("budgets", []) if item.get("amount") is not None]
    doc: dict[str, Any] = {
        "id": record["id"],
        "source": record.get("source") or "",
        "title": record.get("title") or "",
        "lang": language,
        field: record.get("text") or "",
        "org": ",".join(sorted({entity_key(o.get("name") or o["text"]) for o in record.get("organisations", [])})),
        "person": ",".join(sorted({entity_key(p.get("name") or p["text"]) for p in record.get("persons", [])})),
        "email": ",".join(sorted({entity_key(e.get("address") or e["text"]) for e in record.get("emails", [])})),
        "year": ",".join(record_years(record)),
    }
    if budgets:
        doc["budget"] = int(max(budgets))
    return doc


class _LengthsInMemory:
    """A new segment's per-document reader that answers doc_field_length from lengths read once per field.

    On commit whoosh asks the new segment for the length of a document's field once per posting (to
    keep each term's shortest and longest document), each time reading one byte from the column
    file through three Python calls: 13 % of the commit. The answers are the same.
    """

    def __init__(self, reader: Any):
        self._reader = reader
        self._lengths: dict[str, list[int | None] | None] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        """Return what W3PerDocReader.doc_field_length returns, from a list."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._read(fieldname)
        lengths = self._lengths[fieldname]
        if lengths is None or not 0 <= docnum < len(lengths):
            return self._reader.doc_field_length(docnum, fieldname, default)
        return lengths[docnum]

    def _read(self, fieldname: str) -> list[int | None] | None:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        count = min(column._count, self._reader.doc_count_all())
        return list(map(_byte_lengths().__getitem__, column._dbfile.get(column._basepos, count)))


@lru_cache(maxsize=1)
def _byte_lengths() -> tuple[int | None, ...]:
    """Return the field length whoosh decodes from each length byte (None for 0, as doc_field_length)."""
    from whoosh.util.numeric import byte_to_length

    return (None, *(byte_to_length(byte) for byte in range(1, 256)))


class FullTextIndex:
    """A whoosh index in HOME/index, derived from the store."""

    def __init__(self, home: str | Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, keep_open: bool = False):
        self.directory = Path(home) / INDEX_DIR
        self.lock_timeout = lock_timeout
        self.keep_open = keep_open  # keep one searcher between searches (refreshed when a writer commits)
        self._ix: Any = None
        self._searcher: Any = None
        self._searcher_stamp: tuple[tuple[str, int], ...] = ()
        self._scorer: Any = None  # the kept searcher's BlockScorer (it caches decoded field lengths)

    def _stamp(self) -> tuple[tuple[str, int], ...]:
        """Return the names and change times of the index's table-of-contents files: a commit or rebuild changes it."""
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.directory.glob("*.toc")))

    @contextmanager
    def _searching(self) -> Iterator[Any]:
        """Yield a searcher: a fresh one, or with keep_open the kept one, reopened when the index changed."""
        if not self.keep_open:
            with self._open().searcher() as searcher:
                yield searcher
            return
        stamp = self._stamp()
        if self._searcher is None or stamp != self._searcher_stamp:
            self.close()
            self._ix = None  # a rebuild replaces the whole directory
            self._searcher = self._open().searcher()
            self._searcher_stamp = stamp
            self._scorer = None
        yield self._searcher

    def close(self) -> None:
        """Close the kept searcher, if any."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._scorer = None

    def exists(self) -> bool:
        """Return True when an index has been built in this home."""
        from whoosh import index

        if not self.directory.is_dir() or not any(self.directory.glob("*.toc")):
            return False
        if self._format_on_disk() != INDEX_FORMAT:
            raise self._format_error()
        return index.exists_in(str(self.directory))

    def _format_on_disk(self) -> int | None:
        try:
            return int((self.directory / FORMAT_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None

    def _create(self) -> Any:
        from whoosh import index

        self.directory.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(self.directory), _schema())
        (self.directory / FORMAT_FILE).write_text(str(INDEX_FORMAT), encoding="ascii")
        return ix

    def _format_error(self) -> IndexFormatError:
        return IndexFormatError(
            f"the full-text index in {self.directory} was built by another version of hitta; "
            "run 'hitta reindex' to rebuild it from the store"
        )

    def _open(self, create: bool = False) -> Any:
        from whoosh import index

        if self._ix is None:
            if create:
                self._ix = self._create()
            elif not self.exists():
                import fcntl

                # Two first ingests into one empty home must not both create (and so wipe) the index.
                self.directory.mkdir(parents=True, exist_ok=True)
                with open(self.directory / "create.lock", "a") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if self.exists():
                        self._ix = index.open_dir(str(self.directory))
                    else:
                        self._ix = self._create()
            else:
                self._ix = index.open_dir(str(self.directory))
        return self._ix

    def _writer(self, ix: Any) -> Any:
        from whoosh.codec.whoosh3 import W3Codec
        from whoosh.index import LockError

        try:
            writer = ix.writer(
                timeout=self.lock_timeout,
                delay=0.25,
                limitmb=WRITER_LIMIT_MB,
                codec=W3Codec(compression=POSTING_COMPRESSION),
                # One file per part of a segment: whoosh reads a part of a compound segment file by
                # copying it into memory (BytesIO), which took 5 s per search at 100k documents.
                compound=False,
            )
        except LockError as exc:
            raise IndexLockedError(
                f"the index in {self.directory} is locked by another hitta process and stayed locked for "
                f"{self.lock_timeout:g} s; wait for it to finish, or run 'hitta reindex' if no other process is running"
            ) from exc
        if hasattr(writer, "per_document_reader"):  # a SegmentWriter, whose commit writes the postings
            opened = writer.per_document_reader
            writer.per_document_reader = lambda: _LengthsInMemory(opened())
        return writer

    def update(self, records: Iterable[dict[str, Any]], delete_ids: Iterable[str] = ()) -> int:
        """Add or replace records and delete ids in one commit; return the number written."""
        ix = self._open()
        writer = self._writer(ix)
        written = 0
        try:
            for record_id in delete_ids:
                writer.delete_by_term("id", record_id)
            for record in records:
                writer.update_document(**_document(record))
                written += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return written

    def rebuild(self, records: Iterable[dict[str, Any]], on_progress: Callable[[int], None] | None = None) -> int:
        """Recreate the index from scratch from the given records; return the number indexed.

        Documents are written in segments of REBUILD_SEGMENT_DOCS, so each segment is sorted in memory
        and nothing is merged at the end; on_progress(count) is called after each segment.
        """
        import shutil

        if self.directory.exists():
            try:
                # Hold the old index's lock while wiping it, so a concurrent writer is not destroyed mid-write.
                old = self._open()
            except IndexFormatError:
                old = None  # written by another version: nothing can be writing to it
            if old is not None:
                self._writer(old).cancel()
            self._ix = None
            shutil.rmtree(self.directory)
        ix = self._open(create=True)
        count = 0
        writer = self._writer(ix)
        try:
            for record in records:
                writer.add_document(**_document(record))
                count += 1
                if count % REBUILD_SEGMENT_DOCS == 0:
                    writer.commit(merge=False)
                    if on_progress:
                        on_progress(count)
                    writer = self._writer(ix)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=False)
        if on_progress:
            on_progress(count)
        return count

    def matching_ids(self, filters: dict[str, Sequence[str]]) -> set[str]:
        """Return the ids of the documents that pass keyword filters (fast: no scoring, no stored fields)."""
        if not self.exists():
            return set()
        filter_query = _filter_query(filters)
        with self._searching() as searcher:
            docnums = searcher.docs_for_query(filter_query) if filter_query is not None else searcher.reader().all_doc_ids()
            ids = searcher.reader().column_reader("id")
            return {ids[docnum] for docnum in docnums}

    def doc_count(self) -> int:
        """Return the number of indexed documents (0 when no index exists)."""
        if not self.exists():
            return 0
        return self._open().doc_count()

    def indexed_ids(self) -> set[str]:
        """Return the ids of all indexed documents."""
        if not self.exists():
            return set()
        with self._searching() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}

    def parse(self, query: str, fold_accents: bool = False) -> Any:
        """Parse a query string in whoosh syntax over the text fields; QuerySyntaxError if malformed."""
        from whoosh import qparser

        ix = self._open()
        fields = list(TEXT_FIELDS)
        # A plain OR: whoosh's coordination bonus (OrGroup.factory) counted the matched terms of every
        # candidate and its loose upper bound kept whoosh from skipping any block. Without it keyword
        # nDCG@10 on bench/relevance.py is 0.738 (was 0.736), hybrid 0.853 (0.852), at half the time.
        parser = qparser.MultifieldParser(fields, ix.schema, group=qparser.OrGroup)
        parser.add_plugin(
            qparser.FieldAliasPlugin({"lang": ["language"], "org": ["organisation"], "year": ["date"]})
        )
        parser.add_plugin(qparser.GtLtPlugin())
        parser.remove_plugin_class(qparser.WildcardPlugin)
        parser.add_plugin(qparser.WildcardPlugin())
        problem = query_problem(query)
        if problem:
            raise QuerySyntaxError(
                f"cannot parse query {query!r}: {problem}. Write words, \"a phrase\", prefix*, AND/OR/NOT, "
                "field:value (lang:, org:, person:, email:, year:) or budget:[1000000 TO]; "
                "quote a value with spaces: org:\"Malmö stad\""
            )
        normalised = _normalise_field_values(query)
        if not fold_accents:
            return _without_twins(parser.parse(normalised))
        return _with_folded_twins(parser.parse(_fold_query_text(normalised)))

    def search(
        self,
        query: str,
        *,
        filters: dict[str, Sequence[str]] | None = None,
        restrict_ids: set[str] | None = None,
        limit: int | None = 10,
        texts: dict[str, str] | None = None,
        fold_accents: bool = False,
        highlight_top: int | None = None,
    ) -> list[Hit]:
        """Return ranked hits for a query, filtered by exact keyword values (lang, org, person, email, year)."""
        from whoosh import query as wq
        from whoosh.highlight import ContextFragmenter

        if not self.exists():
            return []
        parsed = self.parse(query, fold_accents) if query.strip() else wq.Every()
        filter_query = _filter_query(filters or {}, restrict_ids)
        hits: list[Hit] = []
        with self._searching() as searcher:
            results = self._ranked(searcher, parsed, limit, filter_query)
            query_words: list[str] | None = None
            results.fragmenter = ContextFragmenter(maxchars=200, surround=60)
            results.formatter = _MarkFormatter()
            for rank, hit in enumerate(results, start=1):
                record_id = hit["id"]
                language = hit.get("lang", "und")
                field = f"content_{language}" if language in STEMMED_LANGUAGES else "content_xx"
                wanted = texts is not None and (highlight_top is None or rank <= highlight_top)
                text = texts.get(record_id, "") if wanted else ""
                if text and query_words is None:
                    query_words = _query_words(results)
                snippet = hit.highlights(field, text=_window(text, query_words or []), top=2) if text else ""
                if not snippet and text:
                    snippet = " ".join(text[:200].split())
                hits.append(
                    Hit(
                        id=record_id,
                        source=hit.get("source", ""),
                        title=hit.get("title", ""),
                        language=language,
                        score=round(float(hit.score), 4),
                        rank=rank,
                        snippet=" ".join(snippet.split()),
                    )
                )
        return hits

    def _ranked(self, searcher: Any, parsed: Any, limit: int | None, filter_query: Any) -> Any:
        """Return whoosh Results for a parsed query: ranked by index.bm25 when it can, else by whoosh."""
        from whoosh.searching import Results

        from hitta.index.bm25 import BlockScorer

        scorer = self._scorer if self._scorer is not None and self._scorer.searcher is searcher else BlockScorer(searcher)
        if self.keep_open:
            self._scorer = scorer
        # Plain words: whoosh's own BM25F over whole posting blocks, several times faster on common
        # words (bench/latency.py). With a filter it is what scoring every document and then
        # filtering gives; whoosh's filtered top 50 left out better-scoring matches in 10 of 30
        # filtered queries on the 100k-document bench home.
        top = scorer.top(parsed, limit, filter_query)
        if top is not None:
            return Results(searcher, parsed, top)
        # No terms=True: recording the matched terms of every matching document stops whoosh from
        # skipping blocks that cannot reach the top hits (5x slower on common words at 100k).
        return searcher.search(parsed, limit=limit, filter=filter_query)


def _filter_query(filters: dict[str, Sequence[str]], restrict_ids: set[str] | None = None) -> Any:
    """Return the whoosh query all filters must pass (values of one field are alternatives), or None."""
    from whoosh import query as wq

    terms = []
    for field, values in filters.items():
        alternatives = [wq.Term(field, value) for value in values]
        if alternatives:
            terms.append(wq.Or(alternatives) if len(alternatives) > 1 else alternatives[0])
    if restrict_ids is not None:
        terms.append(wq.Or([wq.Term("id", i) for i in restrict_ids]) if restrict_ids else wq.NullQuery)
    return wq.And(terms) if terms else None


# Highlighting re-analyses the text it is given; a window around the first match keeps that cost
# independent of document length (85 % of keyword query time went there on whole texts).
HIGHLIGHT_WINDOW = 2000


def _query_words(results: Any) -> list[str]:
    """Return the indexed words a query looks for in the text fields (prefixes expanded, folded twins unmarked)."""
    words = []
    for field, term in results.query_terms(expand=True):
        if field.startswith("content_") or field == "title":
            word = term.decode("utf-8", "replace") if isinstance(term, bytes) else str(term)
            words.append(word.removeprefix(FOLDED_PREFIX))
    return words


def _window(text: str, words: list[str]) -> str:
    """Return the part of a hit's text around the first query word it holds (the whole text when short)."""
    if len(text) <= HIGHLIGHT_WINDOW:
        return text
    lowered = fold_text(text.lower())  # folding shifts offsets only by the odd ß or æ: close enough
    positions = [found for word in words if len(word) >= 3 and (found := lowered.find(fold_word(word.lower()))) >= 0]
    start = max(0, min(positions, default=0) - HIGHLIGHT_WINDOW // 4)
    return text[start : start + HIGHLIGHT_WINDOW]


class _MarkFormatter:
    """Marks matched terms with [[ ]] so the terminal can colour them and --json can keep them."""

    between = " … "

    def __call__(self, text: str, fragments: Any) -> str:
        return self.format(fragments)

    def format_fragment(self, fragment: Any) -> str:
        output = []
        index = fragment.startchar
        text = fragment.text
        for token in fragment.matches:
            if token.startchar < index:
                continue
            output.append(text[index : token.startchar])
            output.append("[[" + text[token.startchar : token.endchar] + "]]")
            index = token.endchar
        output.append(text[index : fragment.endchar])
        return "".join(output)

    def format(self, fragments: Any, replace: bool = False) -> str:
        return self.between.join(self.format_fragment(fragment) for fragment in fragments)


# A field:value (value quoted or bare) or a word of a query string.
_QUERY_PIECE = re.compile(r"""(?P<field>[A-Za-z_]+):(?P<value>"[^"]*"|'[^']*'|[^\s()]+)|(?P<word>\w+)""")


@lru_cache(maxsize=None)
def _all_stop_words() -> frozenset[str]:
    """Return the stop words of every analyser: a folded query must not turn one into a word ("für" → "fur")."""
    return multilingual_stop_words().union(*(_stop_words(lang) for lang in STEMMED_LANGUAGES))


def _fold_query_text(query: str) -> str:
    """Fold the accents of a query's words and of title: values; leave stop words and other fields' values as they are."""

    def fold(match: re.Match[str]) -> str:
        if match.group("word") is not None:
            word = match.group("word")
            return word if word.lower() in _all_stop_words() else fold_word(word)
        if match.group("field").lower() == "title":
            return match.group("field") + ":" + _QUERY_PIECE.sub(fold, match.group("value"))
        return match.group(0)  # org:, person:, email:, source:, lang:, year: ... hold exact keys

    return _QUERY_PIECE.sub(fold, query)


def _without_twins(query: Any) -> Any:
    """Return a query whose wildcards and ranges over text fields leave folded twins out ("*almo" must not find "Malmö")."""
    import copy

    from whoosh import query as wq

    if isinstance(query, wq.MultiTerm) and query.field() in TEXT_FIELDS:
        plain = copy.copy(query)
        expand = query._btexts
        marker = FOLDED_PREFIX.encode("utf-8")
        plain._btexts = lambda reader: (text for text in expand(reader) if not text.startswith(marker))
        return plain
    if query.is_leaf():
        return query
    return query.apply(_without_twins)


def _with_folded_twins(query: Any) -> Any:
    """Return a query over folded words that also matches their folded twins (words written with accents)."""
    from whoosh import query as wq

    def twins(term: Any) -> Any:
        return wq.Or([term, wq.Term(term.fieldname, FOLDED_PREFIX + term.text)])

    if isinstance(query, wq.Term) and query.fieldname in TEXT_FIELDS:
        return twins(query)
    if isinstance(query, wq.Phrase) and query.fieldname in TEXT_FIELDS:
        # Each position may hold the word or its twin: a sequence of alternatives instead of a phrase.
        return wq.Sequence([twins(wq.Term(query.fieldname, word)) for word in query.words], slop=query.slop, boost=query.boost)
    if isinstance(query, wq.Prefix) and query.fieldname in TEXT_FIELDS:
        return wq.Or([query, wq.Prefix(query.fieldname, FOLDED_PREFIX + query.text)])
    if query.is_leaf():
        return query
    return query.apply(_with_folded_twins)


_FIELD_VALUE = re.compile(r'\b(org|organisation|person|email):("([^"]*)"|[^\s()]+)')


def _normalise_field_values(query: str) -> str:
    """Turn org:/person:/email: values into the index's keys (case-folded, one token per value)."""

    def repl(match: re.Match[str]) -> str:
        raw = match.group(3) if match.group(3) is not None else match.group(2)
        key = entity_key(raw)
        # Keyword fields hold whole values; quoting as a single term keeps spaces inside one token.
        return f"{match.group(1)}:'{key}'"

    return _FIELD_VALUE.sub(repl, query)


KNOWN_FIELDS = {
    "title", "lang", "language", "org", "organisation", "person", "email", "year", "date", "budget", "id", "source",
}
_FIELD_NAME = re.compile(r"(?<![\w.@/:-])([A-Za-z_]+):(?!//)")


def query_problem(query: str) -> str | None:
    """Return what is wrong with a query string (unbalanced brackets or quotes, unknown field), or None."""
    if query.count('"') % 2:
        return "a double quote is not closed"
    depth = 0
    for char in query:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return "a ')' has no matching '('"
    if depth:
        return "a '(' is not closed"
    if query.count("[") != query.count("]") or query.count("{") != query.count("}"):
        return "a range bracket is not closed: write budget:[1000000 TO] or year:[2019 TO 2021]"
    outside_quotes = re.sub(r'"[^"]*"|\'[^\']*\'', " ", query)
    for name in _FIELD_NAME.findall(outside_quotes):
        if name.lower() not in KNOWN_FIELDS:
            return f"unknown field '{name}:'"
    return None
