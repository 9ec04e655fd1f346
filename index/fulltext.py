"""The whoosh full-text index: per-language stemmed text plus keyword fields for entities."""

from __future__ import annotations

import re
import struct
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import sub
from pathlib import Path
from typing import Any

from whoosh.compat import dumps
from whoosh.system import pack_ushort

from hitta.index.analysis import (  # noqa: F401 - analysis names kept importable from here (schema pickles, tests)
    FOLDED_PREFIX,
    LINKING_ELEMENTS,
    MIN_COMPOUND_PART,
    STEM_START,
    STEMMED_LANGUAGES,
    WORD,
    LanguageAnalyzer,
    PlainAnalyzer,
    TermPositions,
    _WordAnalyzer,
    _stem_start,
    _stemmer,
    _stop_words,
    all_stop_words,
    compound_parts,
    compound_stems,
    fold_text,
    fold_word,
    language_analyzer,
    multilingual_stop_words,
)
from hitta.index.mentions import WrittenName
from hitta.index.query import Alternatives, Expander, NestedPlusMinusPlugin, QueryPlan, nesting_problem, split_query
from hitta.pipeline.entities import entity_key

INDEX_DIR = "index"
TEXT_FIELDS = ("title", "content_sv", "content_da", "content_de", "content_xx")
DEFAULT_LOCK_TIMEOUT = 60.0
# A rebuild commits a segment every this many documents: each segment's postings are sorted in
# memory, where one writer for 100k documents spilled 16 GB of sort runs to disk and then merged them.
REBUILD_SEGMENT_DOCS = 20_000
# Memory for a writer's posting pool before it spills sorted runs to disk.
WRITER_LIMIT_MB = 512
# Posting blocks are small; zlib on each of them cost a quarter of commit time and saved little disk.
POSTING_COMPRESSION = 0
# What whoosh's PostingPool.add counts for a posting's tuple and its objects, besides the lengths of its
# field name, term (twice) and value (whoosh.writing.PostingPool.add).
POSTING_OBJECT_SIZE = 150
# Bytes of one-block terms' postings gathered before they are written (_OneBlockTerms).
ONE_BLOCK_BUFFER = 1 << 20
# Written beside the index; bumped whenever the schema or an analyser changes what gets indexed.
FORMAT_FILE = "hitta-format"
INDEX_FORMAT = 5  # 5: compound modifiers that are function words (under|lätta) no longer split
MAX_YEARS_PER_RANGE = 60
# Characters of a hit's snippet.
SNIPPET_CHARS = 220
# Entity fields whose values, as filters (`--org`) and as query fields (`org:`), also match where the
# name is written in a document's text, when some document of the collection holds it as that entity:
# a name the extraction found once names the same body where it was missed (a genitive, a source line).
# On the relevance bench's 29 documents this adds 12 documents to the 124 the 116 organisation keys
# match, 9 of them naming the body (BENCHMARKS.md "Search relevance"). Persons are not widened: there
# it would add no document on that bench, so it is unmeasured.
MENTIONED_FIELDS = ("org",)
# The kept searcher keeps the documents writing this many names (index.mentions.WrittenName) at most.
MAX_KEPT_MENTIONS = 256


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


def _content_field(record: dict[str, Any]) -> str:
    """Return the text field a record's text goes to: its language's, or content_xx."""
    language = record.get("language") or "und"
    return f"content_{language}" if language in STEMMED_LANGUAGES else "content_xx"


def _document(record: dict[str, Any]) -> dict[str, Any]:
    language = record.get("language") or "und"
    field = _content_field(record)
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
        lengths = self._column(fieldname)
        if lengths is None or not 0 <= docnum < len(lengths):
            return self._reader.doc_field_length(docnum, fieldname, default)
        return lengths[docnum]

    def field_lengths(self, fieldname: str) -> list[int | None] | None:
        """Return every document's length of a field as doc_field_length answers it (None: ask per document)."""
        lengths = self._column(fieldname)
        return [0] * self._reader.doc_count_all() if lengths is None else lengths  # no column: the default, 0

    def _column(self, fieldname: str) -> list[int | None] | None:
        """Return the lengths of a field's documents, read from its column on the first call (None: no column)."""
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._read(fieldname)
        return self._lengths[fieldname]

    def _read(self, fieldname: str) -> list[int | None] | None:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        count = min(column._count, self._reader.doc_count_all())
        return list(map(_byte_lengths().__getitem__, column._dbfile.get(column._basepos, count)))


def _add_document(writer: Any, **fields: Any) -> None:
    """Add a document as whoosh's SegmentWriter.add_document does, giving its postings to the pool per field.

    whoosh's add_document moves each posting through four generators (analyser, TermPositions.word_values,
    field.index, its own loop) and PostingPool.add, which checks types and counts the pool's size per
    posting. Here the text fields' postings come straight from the analyser's term positions, and
    a field's postings join the pool in one step where they keep it under its size limit (one by one
    through PostingPool.add otherwise, so the pool spills to disk exactly where whoosh's would). The
    pool, the per-document columns and the segment files end up the same (tests/test_bm25.py).
    """
    schema = writer.schema
    if any(name.startswith("_") or name not in schema for name in fields):
        type(writer).add_document(writer, **fields)  # boosts, custom stored values, unknown fields: whoosh's errors
        return
    writer._check_state()
    perdocwriter = writer.perdocwriter
    pool = writer.pool
    docnum = writer.docnum
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldformat, analyzer = field.format, field.analyzer
                made: tuple[list[bytes], list[bytes], list[int]] | None = None
                if type(value) is TextPostings:  # analysed ahead; update() gives it only to a field it fits
                    made = (value.terms, value.encoded, value.counts)
                elif type(fieldformat) is TermPositions and isinstance(analyzer, _WordAnalyzer) and isinstance(value, str):
                    made = _text_postings(analyzer, fieldformat, value)
                if made is not None:
                    terms, encoded, counts = made
                    boost = fieldformat.field_boost
                    weights = [float(count) * boost * 1.0 for count in counts]
                    postings = list(zip(repeat(fieldname), terms, repeat(docnum), weights, encoded))
                    size = _pool_size(fieldname, len(postings), sum(map(len, terms)), sum(map(len, encoded)))
                    if field.scorable:
                        length = sum(counts)
                else:
                    entries = list(field.index(value))
                    postings = [(fieldname, tbytes, docnum, weight * 1.0, vbytes) for tbytes, _, weight, vbytes in entries]
                    size = _pool_size(
                        fieldname, len(postings), sum(len(posting[1]) for posting in postings),
                        sum(len(posting[4] or b"") for posting in postings),
                    )
                    if field.scorable:
                        length = sum(freq for _, freq, _, _ in entries)
                _pool_add(pool, postings, size)
            sv = value if field.stored else None
            perdocwriter.add_field(fieldname, field, sv, length)
            column = field.column_type
            if column:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    writer._added = True
    writer.docnum += 1


def _plain_schema(schema: Any) -> bool:
    """Return True for a schema _add_document writes as whoosh would: no term vectors, no separate spelling words."""
    return all(not field.vector and not field.separate_spelling() for _, field in schema.items())


def _pool_size(fieldname: str, count: int, term_bytes: int, value_bytes: int) -> int:
    """Return the size whoosh's PostingPool.add counts for `count` postings of a field whose terms and values total these bytes.

    Per posting, POSTING_OBJECT_SIZE plus the field name's length, twice the term's and the value's.
    """
    return (POSTING_OBJECT_SIZE + len(fieldname)) * count + 2 * term_bytes + value_bytes


@dataclass(frozen=True)
class TextPostings:
    """A text field's postings for one document, analysed ahead (in an extraction worker: index_postings).

    Per distinct term, in order of first appearance: its UTF-8 bytes, its positions as TermPositions
    encodes them, and its number of occurrences: what _add_document makes of the text itself.
    `analyzer` is the cache key of the analyser that made them (_WordAnalyzer.cache_key).
    """

    analyzer: tuple[str, ...]
    terms: list[bytes]
    encoded: list[bytes]
    counts: list[int]


def _text_postings(analyzer: Any, fieldformat: Any, text: str) -> tuple[list[bytes], list[bytes], list[int]]:
    """Return a text's terms (UTF-8), encoded positions and counts, as a _WordAnalyzer and TermPositions index it."""
    term_positions = analyzer.index_positions(text)
    counts = list(map(len, term_positions.values()))
    return list(map(str.encode, term_positions)), list(map(fieldformat.encode, term_positions.values())), counts


@lru_cache(maxsize=None)
def _schema_field(fieldname: str) -> Any:
    """Return a field of the index's schema (_schema), made once per process."""
    return _schema()[fieldname]


def index_postings(record: dict[str, Any]) -> TextPostings | None:
    """Return the postings of a record's text in its content field, as FullTextIndex.update would make them.

    Run where the record is made (an extraction worker), so that the process writing the index only
    adds them (`update(..., analysed=...)`). None when the text cannot be analysed: the index then
    analyses it itself and reports the error where it always has.
    """
    field = _schema_field(_content_field(record))
    analyzer = field.analyzer
    try:
        terms, encoded, counts = _text_postings(analyzer, field.format, record.get("text") or "")
    except Exception:  # noqa: BLE001 - e.g. a lone surrogate that cannot be encoded
        return None
    return TextPostings(analyzer.cache_key(), terms, encoded, counts)


def _fits(field: Any, postings: TextPostings) -> bool:
    """Return True when a field of a writer's schema indexes its text as the given postings were made."""
    analyzer = field.analyzer
    return (
        type(field.format) is TermPositions and isinstance(analyzer, _WordAnalyzer)
        and analyzer.cache_key() == postings.analyzer and not field.stored and not field.column_type
    )


def _pool_add(pool: Any, postings: list[tuple[str, bytes, int, float, bytes | None]], size: int) -> None:
    """Add postings of `size` (_pool_size) to a whoosh PostingPool, in one step when they leave it within its limit."""
    if not postings:
        return
    if pool.currentsize + size > pool.limit:
        for posting in postings:
            pool.add(posting)
        return
    pool.fieldnames.add(postings[0][0])
    pool.currentsize += size
    pool.current.extend(postings)


def _add_postings(fieldwriter: Any, schema: Any, lengths: Any, items: Iterable[tuple[str, bytes, int, float, bytes | None]]) -> None:
    """Write a segment's sorted postings as whoosh's FieldWriter.add_postings does, with the same bytes.

    Most terms of a new segment have a few postings, which whoosh writes as one block through a
    dozen calls per posting and per term (W3PostingsWriter.add_posting, _write_block, W3TermInfo.add_block,
    OrderedHashWriter.add): over half of a commit's time. Here the terms whose postings fit in one
    block are gathered by _OneBlockTerms and written in one step per run of such terms; longer ones
    take whoosh's own path (tests/test_bm25.py compares the files).
    """
    from itertools import groupby
    from operator import itemgetter

    fieldname = None
    batch = None
    for (name, btext), group in groupby(items, key=itemgetter(0, 1)):
        if name != fieldname:
            if batch is not None:
                batch.flush()
            if fieldname is not None:
                fieldwriter.finish_field()
            fieldname = name
            fieldwriter.start_field(fieldname, schema[fieldname])
            field_lengths = lengths.field_lengths(fieldname) if lengths is not None else None
            writer = fieldwriter._postwriter
            # No term is inlined into the terms file, and the ids are docnums: one-block terms are batched.
            batch = _OneBlockTerms(fieldwriter, writer) if _batchable(fieldwriter, writer) else None
        postings = [posting for posting in group if posting[2] != -1]  # docnum -1: a spelling word, no posting
        if not postings:
            continue
        if field_lengths is not None and postings[-1][2] < len(field_lengths):
            term_lengths = [field_lengths[posting[2]] for posting in postings]
        elif lengths is not None:
            term_lengths = [lengths.doc_field_length(posting[2], fieldname) for posting in postings]
        else:
            term_lengths = [0] * len(postings)
        if batch is not None and len(postings) <= writer._blocklimit:
            batch.add(btext, postings, term_lengths)
            continue
        if batch is not None:
            batch.flush()  # whoosh's writers below write to the files themselves
        fieldwriter.start_term(btext)
        for (_, _, docnum, weight, value), length in zip(postings, term_lengths):
            fieldwriter.add(docnum, weight, value or b"", length)
        fieldwriter.finish_term()
    if batch is not None:
        batch.flush()
    if fieldname is not None:
        fieldwriter.finish_field()


def _batchable(fieldwriter: Any, writer: Any) -> bool:
    """Return True where _OneBlockTerms writes what whoosh would: no term inlined, docnum ids, whoosh's ordered terms file."""
    from whoosh.filedb.filetables import OrderedHashWriter

    return writer._inlinelimit <= 1 and not writer._byteids and type(fieldwriter._tindex) is OrderedHashWriter


class _OneBlockTerms:
    """Writes terms of one field whose postings fit in one block, byte for byte as whoosh's W3 writers do.

    Per term, the steps of W3FieldWriter.start_term, W3PostingsWriter.add_posting (per posting),
    finish_postings, _write_block(last=True), W3TermInfo.add_block and to_bytes, and the terms file's
    OrderedHashWriter.add. The blocks and the terms-file rows are gathered in two buffers, their file
    positions counted from where each file stood, and written when `flush` is called: before whoosh's
    own writers touch the files again (a longer term, the end of the field).
    """

    def __init__(self, fieldwriter: Any, writer: Any):
        from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
        from whoosh.filedb.filetables import _lengths
        from whoosh.system import pack_int

        self.postfile, self.tindex = writer._postfile, fieldwriter._tindex
        self.compression = writer._compression
        self.key_prefix = pack_ushort(fieldwriter._fieldid)
        fixed_size = fieldwriter._fieldobj.format.fixed_value_size()  # as W3PostingsWriter._mini_values
        self.values_kind = "tuple" if fixed_size is None or fixed_size < 0 else "none" if fixed_size == 0 else "join"
        self.magic, self.pack_int, self.row_lengths = WHOOSH3_HEADER_MAGIC, pack_int, _lengths.pack
        # W3TermInfo.to_bytes of a term that is not inlined: its struct, then the extent (pack_long, pack_int).
        self.terminfo_struct = struct.Struct(W3TermInfo._struct.format + "qi")
        self.posts = bytearray()
        self.rows = bytearray()
        # Where the buffers go in their files: read when a term is buffered after a flush (whoosh's
        # own writers may have written to both files since).
        self.post_start: int | None = None
        self.row_start: int | None = None

    def add(self, btext: bytes, postings: list[tuple[Any, ...]], term_lengths: list[int | None]) -> None:
        """Buffer one term's block (whoosh's W3 block layout) and its terms-file row."""
        if len(postings) == 1:  # most terms of a segment: the same steps for one posting
            _, _, docnum, raw_weight, value = postings[0]
            ids: Sequence[int] = (docnum,)
            weights: Sequence[float] = array("f", (raw_weight,))  # float32, as whoosh's array("f")
            values: Sequence[bytes] = (value,) if value else ()
            maxweight = max(0, raw_weight)
            minlength = term_lengths[0] or None
            maxlength = term_lengths[0] or 0
            mini_ids: tuple[int, ...] = ids  # type: ignore[assignment]
            mini_weights: Any = None if weights[0] == 1.0 else weights[0]
        else:
            ids = [posting[2] for posting in postings]
            raw_weights = [posting[3] for posting in postings]
            weights = array("f", raw_weights)  # the block's weights are float32, as whoosh's array("f")
            values = [posting[4] for posting in postings if posting[4]]
            maxweight = max(0, *raw_weights)  # add_posting keeps the first largest, from 0
            known = [length for length in term_lengths if length]
            minlength = min(known) if known else None
            maxlength = max(known) if known else 0
            # _mini_ids (delta-encoded docnums), _mini_weights
            mini_ids = tuple(map(sub, ids, [0, *ids[:-1]]))
            first = weights[0]
            if first == 1.0 and all(weight == 1.0 for weight in weights):
                mini_weights = None
            elif all(weight == first for weight in weights):
                mini_weights = first
            else:
                mini_weights = tuple(weights)
        kind = self.values_kind  # _mini_values
        mini_values = tuple(values) if kind == "tuple" else None if kind == "none" else b"".join(values)
        data = dumps((mini_ids, mini_weights, mini_values), 2)
        compression = self.compression
        if compression:
            data = zlib.compress(data, compression)
        minbyte, maxbyte = _length_byte(minlength), _length_byte(maxlength)
        info = dumps((len(ids), ids[-1], maxweight, compression, minbyte, maxbyte), 2)
        if self.post_start is None or self.row_start is None:
            self.post_start, self.row_start = self.postfile.tell(), self.tindex.dbfile.tell()
        posts = self.posts
        offset = self.post_start + len(posts)
        posts += self.magic
        posts += self.pack_int(-(len(info) + len(data)))
        posts += info
        posts += data
        extent = self.post_start + len(posts) - offset
        # W3TermInfo(weight, df, minlength, max(0, maxlength), max(0, maxweight), minid, maxid).to_bytes()
        value = self.terminfo_struct.pack(
            False, 0 + sum(weights), len(ids), 0 if minlength is None else minbyte, _length_byte(max(0, maxlength)),
            max(0, maxweight), ids[0], ids[-1], offset, extent,
        )
        # OrderedHashWriter.add(key, value)
        tindex = self.tindex
        key = self.key_prefix + btext
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        rows = self.rows
        position = self.row_start + len(rows)
        tindex.index.append(position)
        rows += self.row_lengths(len(key), len(value))
        rows += key
        rows += value
        hashed = tindex.hashfn(key)
        tindex.buckets[hashed & 255].append((hashed, position))
        tindex.lastkey = key
        if len(posts) >= ONE_BLOCK_BUFFER:
            self.flush()

    def flush(self) -> None:
        """Write the buffered blocks and rows to their files."""
        if self.posts:
            self.postfile.write(bytes(self.posts))
            self.posts.clear()
        if self.rows:
            self.tindex.dbfile.write(bytes(self.rows))
            self.rows.clear()
        self.post_start = self.row_start = None


@lru_cache(maxsize=1 << 16)
def _length_byte(length: int | None) -> int:
    """Return whoosh's length_to_byte(length) (cached: field lengths repeat)."""
    from whoosh.util.numeric import length_to_byte

    return length_to_byte(length)


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
        self._mentions: dict[tuple[str, str], Any] = {}  # the kept searcher's WrittenName queries (they keep their documents)
        self._parser_of: tuple[Any, Any] | None = None  # (index, its query parser)

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
            self._mentions = {}
        yield self._searcher

    def close(self) -> None:
        """Close the kept searcher, if any."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._scorer = None
        self._mentions = {}

    def _kept_is_current(self) -> bool:
        """Return True when a kept searcher reads the index as it is on disk (no commit or rebuild since)."""
        return self._searcher is not None and self._stamp() == self._searcher_stamp

    def exists(self) -> bool:
        """Return True when an index has been built in this home."""
        from whoosh import index

        if self._kept_is_current():  # opening the index again to ask costs more than a query's ranking
            return True
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
        from hitta.index.storage import IndexStorage

        self.directory.mkdir(parents=True, exist_ok=True)
        # The format file first: another process that sees the new table of contents (exists()) then always
        # finds the format beside it, never a half-created index it would take for another version's.
        (self.directory / FORMAT_FILE).write_text(str(INDEX_FORMAT), encoding="ascii")
        return IndexStorage(str(self.directory)).create_index(_schema())

    def _format_error(self) -> IndexFormatError:
        return IndexFormatError(
            f"the full-text index in {self.directory} was built by another version of hitta; "
            "run 'hitta reindex' to rebuild it from the store"
        )

    def _open(self, create: bool = False) -> Any:
        from hitta.index.storage import IndexStorage

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
                        self._ix = IndexStorage(str(self.directory)).open_index()
                    else:
                        self._ix = self._create()
            else:
                self._ix = IndexStorage(str(self.directory)).open_index()
        return self._ix

    def _writer(self, ix: Any) -> Any:
        from whoosh.codec.whoosh3 import W3Codec
        from whoosh.index import LockError

        from hitta.index.merging import StreamingSegmentWriter

        try:
            writer = StreamingSegmentWriter(  # ix.writer(), with merges that stream (index.merging)
                ix,
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
        # The writer built above (a SegmentWriter with the W3 codec) takes the faster paths: field lengths
        # read from memory at commit, one-block terms written in one step, and per-field adds for a plain schema.
        # They reach the writer through weak references: a closure over it would be a reference cycle, and
        # every commit's writer, with the postings in its pool, would wait for the cycle collector's rare
        # full pass (index.storage: the same cycle, made by whoosh).
        me, fields_of = weakref.ref(writer), weakref.ref(writer.fieldwriter)
        opened = type(writer).per_document_reader
        writer.per_document_reader = lambda: _LengthsInMemory(opened(me()))
        if _plain_schema(writer.schema):
            writer.add_document = lambda **fields: _add_document(me(), **fields)
        writer.fieldwriter.add_postings = lambda schema, lengths, items: _add_postings(fields_of(), schema, lengths, items)
        return writer

    def update(
        self, records: Iterable[dict[str, Any]], delete_ids: Iterable[str] = (), analysed: Mapping[str, TextPostings | None] | None = None
    ) -> int:
        """Add or replace records and delete ids in one commit; return the number written.

        `analysed` holds, by record id, the postings of a record's text made ahead (index_postings):
        where its content field indexes as they were made, they are added without analysing the text.
        """
        ix = self._open()
        writer = self._writer(ix)
        schema = writer.schema
        fast = bool(analysed) and _plain_schema(schema)
        written = 0
        try:
            for record_id in delete_ids:
                writer.delete_by_term("id", record_id)
            for record in records:
                fields = _document(record)
                postings = analysed.get(record["id"]) if fast and analysed is not None else None
                if postings is not None:
                    name = _content_field(record)
                    if name in schema and _fits(schema[name], postings):
                        fields[name] = postings
                writer.update_document(**fields)
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

    def matching_ids(self, filters: dict[str, Sequence[str]], query: Any = None) -> set[str]:
        """Return the ids of the documents that pass keyword filters and a whoosh query (fast: no scoring, no stored fields)."""
        import numpy as np
        from whoosh import query as wq

        from hitta.index.bm25 import filter_mask

        if not self.exists():
            return set()
        with self._searching() as searcher:
            parts = [part for part in (_filter_query(filters, mention=self._mention(searcher)), query) if part is not None]
            filter_query = (parts[0] if len(parts) == 1 else wq.And(parts)) if parts else None
            if filter_query is not None:
                docnums = np.flatnonzero(filter_mask(searcher, filter_query, live_only=True)).tolist()
            else:
                docnums = searcher.reader().all_doc_ids()
            ids = searcher.reader().column_reader("id")
            return {ids[docnum] for docnum in docnums}

    def doc_count(self) -> int:
        """Return the number of indexed documents (0 when no index exists)."""
        if self._kept_is_current():
            return int(self._searcher.doc_count())
        if not self.exists():
            return 0
        return self._open().doc_count()

    def indexed_ids(self) -> set[str]:
        """Return the ids of all indexed documents."""
        if not self.exists():
            return set()
        with self._searching() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}

    def _parser(self) -> Any:
        """Return the query parser of the open index (made once per opened index: half a millisecond each)."""
        ix = self._open()
        if self._parser_of is not None and self._parser_of[0] is ix:
            return self._parser_of[1]
        parser = self._new_parser(ix)
        self._parser_of = (ix, parser)
        return parser

    @staticmethod
    def _new_parser(ix: Any) -> Any:
        from whoosh import qparser

        # A plain OR: whoosh's coordination bonus (OrGroup.factory) counted the matched terms of every
        # candidate and its loose upper bound kept whoosh from skipping any block. Without it keyword
        # nDCG@10 on bench/relevance.py is 0.738 (was 0.736), hybrid 0.853 (0.852), at half the time.
        parser = qparser.MultifieldParser(list(TEXT_FIELDS), ix.schema, group=qparser.OrGroup)
        parser.add_plugin(
            qparser.FieldAliasPlugin({"lang": ["language"], "org": ["organisation"], "year": ["date"]})
        )
        parser.add_plugin(qparser.GtLtPlugin())
        # +word must, -word must not occur; only at the start of a word ("Schleswig-Holstein" is one name)
        parser.add_plugin(NestedPlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
        parser.remove_plugin_class(qparser.WildcardPlugin)
        parser.add_plugin(qparser.WildcardPlugin())
        return parser

    def parse(self, query: str, fold_accents: bool = False) -> Any:
        """Parse a query string in whoosh syntax over the text fields; QuerySyntaxError if malformed."""
        problem = query_problem(query)
        if problem:
            raise QuerySyntaxError(
                f"cannot parse query {_shortened(query)!r}: {problem}. Write words, \"a phrase\", prefix*, AND/OR/NOT, -word, "
                "field:value (lang:, org:, person:, email:, year:) or budget:[1000000 TO]; "
                "quote a value with spaces: org:\"Malmö stad\""
            )
        return self._twins(self._parse_words(query, fold_accents), fold_accents)

    def _parse_words(self, query: str, fold_accents: bool) -> Any:
        """Return whoosh's parse of a checked query (its words folded with fold_accents), without twins."""
        normalised = _normalise_field_values(query)
        try:
            return self._parser().parse(_fold_query_text(normalised) if fold_accents else normalised)
        except RecursionError as exc:
            raise QuerySyntaxError(f"cannot parse query {_shortened(query)!r}: it is nested too deeply") from exc

    @staticmethod
    def _twins(query: Any, fold_accents: bool) -> Any:
        return _with_folded_twins(query) if fold_accents else _without_twins(query)

    def plan(self, query: str, fold_accents: bool = False, translate: Any = None) -> QueryPlan:
        """Return the query split into constraints, exclusions and expanded plain words (index.query).

        The Expander adds folded twins (fold_accents) to plain words and text-field terms; the rest
        of the constraints (phrases, prefixes) get them as in `parse`.
        """
        if query_problem(query):
            self.parse(query)  # raises the QuerySyntaxError that says how to write it
        required, excluded, word_nodes = split_query(self._parse_words(query, fold_accents), query)
        with self._searching() as searcher:
            expander = Expander(searcher.reader(), fold_accents, translate)
            mention = self._mention(searcher)
            words = [expander.word(node) for node in word_nodes]
            required = [self._twins(_with_mentions(expander.constraint(node), mention), fold_accents) for node in required]
            excluded = [self._twins(_with_mentions(expander.constraint(node), mention), fold_accents) for node in excluded]
        return QueryPlan(query, required, excluded, words)

    def search(
        self,
        query: str | QueryPlan,
        *,
        filters: dict[str, Sequence[str]] | None = None,
        restrict_ids: set[str] | None = None,
        limit: int | None = 10,
        texts: dict[str, str] | None = None,
        fold_accents: bool = False,
        highlight_top: int | None = None,
        translations: bool = True,
    ) -> list[Hit]:
        """Return ranked hits for a query (a string or a plan), filtered by exact keyword values (lang, org, person, email, year).

        A hit matches every constraint, no exclusion, and (when the query has plain words) at least
        one plain word or, with `translations`, a translation of one. With `texts` (id → text) the
        first `highlight_top` hits get a snippet (see `snippet`).
        """
        from whoosh import query as wq

        if not self.exists():
            return []
        text = query.text if isinstance(query, QueryPlan) else query
        plan = query if isinstance(query, QueryPlan) else (self.plan(query, fold_accents) if query.strip() else None)
        words = plan.words_query(translations) if plan is not None else None
        if plan is not None and words is None and plan.words:
            return []
        hits: list[Hit] = []
        with self._searching() as searcher:
            parts = [_filter_query(filters or {}, restrict_ids, self._mention(searcher))]
            if plan is not None:
                parts.append(plan.constraint_query())
            parts = [part for part in parts if part is not None]
            filter_query = (parts[0] if len(parts) == 1 else wq.And(parts)) if parts else None
            ranked_query = words if words is not None else (filter_query or wq.Every())
            results = self._ranked(searcher, ranked_query, limit, filter_query if words is not None else None)
            passages = self.passages(plan or text) if texts is not None else None
            for rank, hit in enumerate(results, start=1):
                record_id = hit["id"]
                language = hit.get("lang", "und")
                wanted = texts is not None and (highlight_top is None or rank <= highlight_top)
                body = texts.get(record_id, "") if wanted and texts is not None else ""
                hits.append(
                    Hit(
                        id=record_id,
                        source=hit.get("source", ""),
                        title=hit.get("title", ""),
                        language=language,
                        score=round(float(hit.score), 4),
                        rank=rank,
                        snippet=passages.best(body, language) if passages is not None and body else "",
                    )
                )
        return hits

    def snippet(self, text: str, language: str, query: str | QueryPlan, width: int = SNIPPET_CHARS) -> str:
        """Return the best passage of a text for a query, its matched words marked [[ ]] (index.snippets)."""
        return self.passages(query, width).best(text, language)

    def passages(self, query: str | QueryPlan, width: int = SNIPPET_CHARS) -> Any:
        """Return an index.snippets.Passages for a query: the snippets of its hits, sharing their word weights."""
        from hitta.index.snippets import Passages, query_terms

        plan = query if isinstance(query, QueryPlan) else (self.plan(query) if query.strip() else None)
        return Passages(query_terms(plan) if plan is not None else {}, width)

    def word_matches(self, plan: QueryPlan, ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
        """Return per id (how many of the plan's plain words it holds, whether it holds a translation of one)."""
        result = {doc_id: (0, False) for doc_id in ids}
        if not plan.words or not ids or not self.exists():
            return result
        with self._searching() as searcher:
            numbers = {}
            for doc_id in ids:
                number = searcher.document_number(id=doc_id)
                if number is not None:
                    numbers[number] = doc_id
            if not numbers:
                return result
            counts = dict.fromkeys(numbers, 0)
            translated = dict.fromkeys(numbers, False)
            scorer = self._block_scorer(searcher)
            ordered = sorted(numbers)

            def among(query: Any) -> list[int]:
                found = scorer.docs_among(query, ordered)  # numpy over posting blocks, mostly read already
                return found if found is not None else _docs_among(searcher, query, numbers)

            for word in plan.words:
                for number in among(word.query):
                    counts[number] += 1
                if word.translations is not None:
                    for number in among(word.translations):
                        translated[number] = True
            for number, doc_id in numbers.items():
                result[doc_id] = (counts[number], translated[number])
        return result

    def _mention(self, searcher: Any) -> Callable[[str, str], Any]:
        """Return (field, key) → the query for the key's name written in the text, or None (see MENTIONED_FIELDS).

        Only a key some document holds in that field is widened; its words are looked up as a phrase
        in every text field, each analysed as that field is (a Danish genitive finds its stem), by
        index.mentions.WrittenName.
        """
        from whoosh import query as wq

        reader = searcher.reader()

        kept = self._mentions if self.keep_open and searcher is self._searcher else {}

        def mention(fieldname: str, key: str) -> Any:
            if fieldname not in MENTIONED_FIELDS or (fieldname, key) not in reader:
                return None
            if (fieldname, key) not in kept:
                if len(kept) >= MAX_KEPT_MENTIONS:
                    kept.clear()
                words = " ".join(key.replace('"', " ").split())
                phrase = self._parser().parse(f'"{words}"') if words else wq.NullQuery
                kept[(fieldname, key)] = None if phrase is wq.NullQuery else WrittenName(phrase, wq.Term(fieldname, key))
            return kept[(fieldname, key)]

        return mention

    def _block_scorer(self, searcher: Any) -> Any:
        """Return the index.bm25 BlockScorer of a searcher: with keep_open the kept searcher's, kept with it."""
        from hitta.index.bm25 import BlockScorer

        scorer = self._scorer if self._scorer is not None and self._scorer.searcher is searcher else BlockScorer(searcher)
        if self.keep_open:
            self._scorer = scorer
        return scorer

    def _ranked(self, searcher: Any, parsed: Any, limit: int | None, filter_query: Any) -> Any:
        """Return whoosh Results for a parsed query: ranked by index.bm25 when it can, else by whoosh."""
        from whoosh.searching import Results

        scorer = self._block_scorer(searcher)
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


def _shortened(query: str, limit: int = 80) -> str:
    """Return a query cut to `limit` characters for an error message."""
    return query if len(query) <= limit else query[: limit - 1] + "…"


def _docs_among(searcher: Any, query: Any, numbers: dict[int, str]) -> list[int]:
    """Return which of the given document numbers match a query (a matcher skipped to each of them)."""
    found = []
    matcher = query.matcher(searcher)
    for number in sorted(numbers):
        if not matcher.is_active():
            break
        if matcher.id() < number:
            matcher.skip_to(number)
        if matcher.is_active() and matcher.id() == number:
            found.append(number)
    return found


def _filter_query(
    filters: dict[str, Sequence[str]], restrict_ids: set[str] | None = None, mention: Callable[[str, str], Any] | None = None
) -> Any:
    """Return the whoosh query all filters must pass (values of one field are alternatives), or None.

    With `mention` (FullTextIndex._mention) a value also matches where its name is written.
    """
    from whoosh import query as wq

    terms = []
    for field, values in filters.items():
        alternatives = [_with_mentions(wq.Term(field, value), mention) for value in values]
        if alternatives:
            terms.append(wq.Or(alternatives) if len(alternatives) > 1 else alternatives[0])
    if restrict_ids is not None:
        terms.append(wq.Or([wq.Term("id", i) for i in restrict_ids]) if restrict_ids else wq.NullQuery)
    return wq.And(terms) if terms else None


def _with_mentions(query: Any, mention: Callable[[str, str], Any] | None) -> Any:
    """Return a query whose entity-field terms (org:x) also match the name written in the text, where `mention` allows."""
    from whoosh import query as wq

    if mention is None:
        return query
    if type(query) is wq.Term and query.fieldname in MENTIONED_FIELDS:
        written = mention(query.fieldname, str(query.text))
        return query if written is None else wq.Or([query, written])
    if query.is_leaf():
        return query
    return query.apply(lambda sub: _with_mentions(sub, mention))


# A field:value (value quoted or bare) or a word of a query string.
_QUERY_PIECE = re.compile(r"""(?P<field>[A-Za-z_]+):(?P<value>"[^"]*"|'[^']*'|[^\s()]+)|(?P<word>\w+)""")


def _fold_query_text(query: str) -> str:
    """Fold the accents of a query's words and of title: values; leave stop words and other fields' values as they are."""

    def fold(match: re.Match[str]) -> str:
        if match.group("word") is not None:
            word = match.group("word")
            return word if word.lower() in all_stop_words() else fold_word(word)
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

    if isinstance(query, Alternatives):  # index.query's alternatives hold their twins already
        return query

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
    nesting = nesting_problem(query)
    if nesting:
        return nesting
    if query.count("[") != query.count("]") or query.count("{") != query.count("}"):
        return "a range bracket is not closed: write budget:[1000000 TO] or year:[2019 TO 2021]"
    outside_quotes = re.sub(r'"[^"]*"|\'[^\']*\'', " ", query)
    for name in _FIELD_NAME.findall(outside_quotes):
        if name.lower() not in KNOWN_FIELDS:
            return f"unknown field '{name}:'"
    return None
