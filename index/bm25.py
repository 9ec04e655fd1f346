"""Whoosh's BM25F ranking of OR-of-words queries, computed over whole posting blocks with numpy.

whoosh scores a query one posting at a time in Python (about 2.5 µs each). A word found in two
thirds of 100k documents then costs some 170 ms, and a hybrid query of running text holds several.
This module reads the same posting blocks whoosh wrote, decodes each block in one step, and sums
the same BM25F formula with the same statistics (idf, average field length, byte-encoded document
lengths) over all documents at once, so the top documents and their scores are whoosh's own.

It answers queries that are terms joined by OR, which is what hitta's parser makes of plain words
(each word looked up in every text field). Anything else (phrases, AND, NOT, prefixes, ranges,
boosts, a non-BM25F weighting, another codec) gets None, and the caller asks whoosh.
"""

from __future__ import annotations

import io
import math
import pickle
import struct
import zlib
from typing import Any

import numpy as np

_BLOCK_LENGTH = struct.Struct("!i")  # whoosh's StructFile.read_int: big-endian, signed


# A term to score: a field, the texts that count as one word there (one text, a word and its folded
# twin: index.analysis.FOLDED_PREFIX, or index.query.Alternatives: stem, inflected forms, compounds),
# and the weight its BM25 score is multiplied by (a translation's is below 1).
Term = tuple[str, tuple[str, ...], float]
# An And of terms (a compound's parts written apart) is scored as (GROUP, its terms, weight): the sum of
# its terms' scores, for the documents that hold all of them, times the weight.
GROUP = "&"


def _twins(query: Any, weight: float) -> Term | None:
    """Return (field, (word, twin), weight) for --fold-accents' Or of a word and its folded twin, else None."""
    from whoosh import query as wq

    from hitta.index.analysis import FOLDED_PREFIX

    subs = query.subqueries
    if len(subs) == 2 and all(type(sub) is wq.Term and sub.boost == 1.0 for sub in subs):
        word, twin = subs
        if word.fieldname == twin.fieldname and twin.text == FOLDED_PREFIX + word.text:
            return (word.fieldname, (word.text, twin.text), weight)
    return None


def _or_terms(query: Any, weight: float = 1.0) -> list[Term] | None:
    """Return the terms of a query made only of Term, Or and Alternatives nodes (boosts multiply), or None."""
    from whoosh import query as wq

    from hitta.index.query import Alternatives

    if type(query) is wq.Term:
        if query.minquality:
            return None
        return [(query.fieldname, (query.text,), weight * query.boost)]
    if type(query) is Alternatives and not query.scale and not query.minmatch:
        subs = query.subqueries
        if subs and all(type(sub) is wq.Term and sub.boost == 1.0 for sub in subs) and len({s.fieldname for s in subs}) == 1:
            return [(subs[0].fieldname, tuple(sub.text for sub in subs), weight * query.boost)]
        return None
    if type(query) is wq.And and query.subqueries:  # a compound's parts written apart: all must occur
        parts = [_or_terms(sub) for sub in query.subqueries]
        if all(part is not None and len(part) == 1 and part[0][0] != GROUP for part in parts):
            return [(GROUP, tuple(part[0] for part in parts if part), weight * query.boost)]  # type: ignore[misc]
        return None
    if type(query) is wq.Or and not query.scale and not query.minmatch:
        weight *= query.boost
        twins = _twins(query, weight)
        if twins is not None:
            return [twins]
        terms: list[Term] = []
        for sub in query.subqueries:
            found = _or_terms(sub, weight)
            if found is None:
                return None
            terms.extend(found)
        return terms
    return None


def _length_table() -> np.ndarray:
    """Return whoosh's decoding of a one-byte field length, as an array indexed by the byte."""
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _field_lengths(reader: Any, fieldname: str, cache: dict[Any, np.ndarray]) -> np.ndarray | None:
    """Return the encoded length byte of a field for every document of one segment (cached per reader)."""
    key = (id(reader), fieldname)
    if key in cache:
        return cache[key]
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
    doccount = reader.doc_count_all()
    lengths = np.zeros(doccount, dtype=np.uint8)
    if column is not None:
        count = min(column._count, doccount)
        raw = column._dbfile.get(column._basepos, count)
        lengths[:count] = np.frombuffer(raw, dtype=np.uint8)
    cache[key] = lengths
    return lengths


def _deleted_docnums(reader: Any) -> np.ndarray:
    """Return the numbers of one segment's deleted documents (their postings stay until a merge)."""
    deleted = getattr(reader, "deleted_docs_set", None)  # whoosh's SegmentReader keeps them as a set
    if deleted is None:
        alive = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
        mask = np.ones(reader.doc_count_all(), dtype=bool)
        mask[alive] = False
        return np.flatnonzero(mask)
    return np.fromiter(deleted, dtype=np.int64, count=len(deleted))


def _postings(reader: Any, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the document numbers and weights of a term in one segment, deleted documents included."""
    found = _postings_values(reader, fieldname, text, False)
    return (found[0], found[1]) if found is not None else None


def _docnums(reader: Any, fieldname: str, text: str) -> np.ndarray:
    """Return the document numbers of a term in one segment (deleted ones included), empty when it has none."""
    found = _postings(reader, fieldname, text) if (fieldname, text) in reader else None
    return found[0] if found is not None else np.zeros(0, dtype=np.int64)


def _postings_values(reader: Any, fieldname: str, text: str, values: bool = True) -> tuple[np.ndarray, np.ndarray, list[Any]] | None:
    """Return the document numbers, weights and (with `values`) encoded values of a term in one segment."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.reading import TermNotFound

    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return None
    while isinstance(matcher, FilterMatcher):  # the deletions filter: deleted documents are masked later
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher):
        return _read_blocks(matcher, values)
    # Postings of rare terms are kept inline in the term's info, as a short list: read them one by one.
    ids, weights, encoded = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            encoded.append(matcher.value())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64), encoded


def _read_blocks(matcher: Any, values: bool = False) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Decode every posting block of a whoosh 3 posting list: (docnums, weights, encoded values if asked)."""
    postfile = matcher._postfile
    position = matcher._baseoffset
    deltas: list[int] = []
    weights: list[float] = []
    block_starts: list[int] = []
    block_last_ids: list[int] = []
    encoded: list[Any] = []
    while True:
        postfile.seek(position)
        length = _BLOCK_LENGTH.unpack(postfile.read(4))[0]
        last = length < 0
        length = abs(length)
        block = io.BytesIO(postfile.read(length))
        count, max_id, _maxweight, compression, _minlength, _maxlength = pickle.load(block)
        payload = block.read()
        if compression:
            payload = zlib.decompress(payload)
        block_ids, block_weights, block_values = pickle.loads(payload)
        if values:
            encoded.extend(block_values if block_values is not None else [None] * count)
        block_starts.append(len(deltas))
        block_last_ids.append(max_id)
        deltas.extend(block_ids)  # delta-encoded within the block, the first one absolute
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        if last:
            break
        position += 4 + length
    steps = np.array(deltas, dtype=np.int64)
    if len(block_starts) > 1:
        # Make each block's absolute first id relative to the previous block's last, then one cumsum.
        steps[np.array(block_starts[1:])] -= np.array(block_last_ids[:-1], dtype=np.int64)
    return np.cumsum(steps), np.array(weights, dtype=np.float64), encoded


class BlockScorer:
    """Scores OR-of-terms queries against one open whoosh searcher; keeps decoded field lengths."""

    def __init__(self, searcher: Any):
        self.searcher = searcher
        self._lengths: dict[Any, np.ndarray] = {}
        self._length_of_byte = _length_table()
        # The document numbers of each term of the last query ranked, per segment: which of its words a
        # top document holds (docs_among) is then read from them instead of from whoosh matchers.
        self._last_ids: dict[tuple[int, str, tuple[str, ...]], np.ndarray | None] = {}

    def supports(self, query: Any) -> bool:
        """Return True when this scorer ranks the query (as whoosh would, but for folded twins: see top)."""
        return self._terms(query) is not None

    def _terms(self, query: Any) -> list[Term] | None:
        from whoosh.codec.whoosh3 import W3Codec
        from whoosh.scoring import BM25F

        weighting = self.searcher.weighting
        if type(weighting) is not BM25F or weighting._field_B:
            return None
        terms = _or_terms(query)
        if not terms:
            return None
        schema = self.searcher.schema
        single = [t for term in terms for t in (term[1] if term[0] == GROUP else (term,))]  # type: ignore[union-attr]
        if any(field not in schema or not schema[field].scorable for field, _, _ in single):
            return None
        for subsearcher, _offset in self.searcher.leaf_searchers():
            if not isinstance(subsearcher.reader().codec(), W3Codec):
                return None
        return terms

    def _idf(self, term: Term) -> float:
        """Return whoosh's idf of a term; of a word with its twin, from their summed document frequencies."""
        field, texts, _ = term
        if len(texts) == 1:
            return float(self.searcher.idf(field, texts[0]))
        frequency = sum(self.searcher.doc_frequency(field, text) for text in texts)
        return math.log(self.searcher.doc_count_all() / (frequency + 1)) + 1  # whoosh.scoring.WeightingModel.idf

    @staticmethod
    def _term_postings(reader: Any, term: Term) -> tuple[np.ndarray, np.ndarray] | None:
        """Return a term's document numbers and frequencies in one segment, a word's and its twin's added up."""
        field, texts, _ = term
        found = [posting for text in texts if (posting := _postings(reader, field, text)) is not None]
        if len(found) <= 1:
            return found[0] if found else None
        ids, inverse = np.unique(np.concatenate([ids for ids, _ in found]), return_inverse=True)
        return ids, np.bincount(inverse, weights=np.concatenate([tf for _, tf in found]))

    def top(self, query: Any, limit: int | None, filter_query: Any = None) -> list[tuple[float, int]] | None:
        """Return the (score, docnum) pairs whoosh's search would return, best first; None if unsupported.

        filter_query: a whoosh query the documents must match (None: all). A word and its folded twin
        (a --fold-accents query) count as one term: their frequencies add up and they share one idf,
        from both document frequencies. whoosh would give each its own idf, so the rarer spelling of
        a word would rank far above the common one.
        """
        terms = self._terms(query)
        if terms is None:
            return None
        if limit is not None and limit <= 0:
            return []
        searcher = self.searcher
        weighting = searcher.weighting
        k1, b = weighting.K1, weighting.B
        single = {t for term in terms for t in (term[1] if term[0] == GROUP else (term,))}  # type: ignore[union-attr]
        stats = {term: (self._idf(term), searcher.avg_field_length(term[0]) or 1) for term in single}
        total = searcher.doc_count_all()
        scores = np.zeros(total, dtype=np.float64)
        self._last_ids = {}

        def contribution(reader: Any, term: Term) -> tuple[np.ndarray, np.ndarray] | None:
            found = self._term_postings(reader, term)
            self._last_ids[(id(reader), term[0], term[1])] = found[0] if found is not None else None
            if found is None:
                return None
            ids, tf = found
            idf, average_length = stats[term]
            lengths = self._length_of_byte[_field_lengths(reader, term[0], self._lengths)[ids]]
            # whoosh.scoring.bm25, for all postings of the term at once (times the term's weight)
            return ids, term[2] * idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average_length)))

        for subsearcher, offset in searcher.leaf_searchers():
            reader = subsearcher.reader()
            segment = scores[offset : offset + reader.doc_count_all()]
            for term in terms:
                if term[0] != GROUP:
                    found = contribution(reader, term)
                    if found is not None:
                        segment[found[0]] += found[1]
                    continue
                parts = [contribution(reader, part) for part in term[1]]  # type: ignore[arg-type]
                if any(part is None for part in parts):
                    continue
                common = parts[0][0]  # type: ignore[index]
                for ids, _ in parts[1:]:  # type: ignore[misc]
                    common = np.intersect1d(common, ids, assume_unique=True)
                if common.size:
                    segment[common] += term[2] * sum(values[np.searchsorted(ids, common)] for ids, values in parts)  # type: ignore[misc]
            if reader.has_deletions():
                segment[_deleted_docnums(reader)] = 0.0
        if filter_query is not None:
            scores[~filter_mask(searcher, filter_query, within=scores > 0)] = 0.0
        matched = np.flatnonzero(scores > 0)
        if limit is not None and len(matched) > limit:
            # The limit-th best score; everything scoring at least that is a candidate (ties included).
            cut = -np.partition(-scores[matched], limit - 1)[limit - 1]
            matched = matched[scores[matched] >= cut]
        # whoosh's order: higher score first, then lower document number. Scores are compared at 9
        # decimals: sums of the same terms in another order differ in the last bits, and ties must
        # fall to the document number, not to the order of the query's words.
        order = np.lexsort((matched, -np.round(scores[matched], 9)))
        best = matched[order][:limit] if limit is not None else matched[order]
        return [(float(scores[docnum]), int(docnum)) for docnum in best]

    def docs_among(self, query: Any, docnums: list[int]) -> list[int] | None:
        """Return which of the given document numbers (ascending) match an OR-of-terms query; None if unsupported.

        A term's document numbers come from the last query top() ranked when it held the term, else
        from its posting blocks. Document numbers given are live ones (deleted documents are not checked).
        """
        terms = self._terms(query)
        if terms is None:
            return None
        wanted = np.array(docnums, dtype=np.int64)
        matched = np.zeros(len(docnums), dtype=bool)
        for subsearcher, offset in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            inside = (wanted >= offset) & (wanted < offset + reader.doc_count_all())
            if not inside.any():
                continue
            local = wanted[inside] - offset
            held = np.zeros(local.size, dtype=bool)
            for term in terms:
                parts = term[1] if term[0] == GROUP else (term,)
                found = np.ones(local.size, dtype=bool)
                for part in parts:  # type: ignore[union-attr]
                    ids = self._term_ids(reader, part)  # type: ignore[arg-type]
                    found &= np.isin(local, ids) if ids is not None else False
                held |= found
            matched[np.flatnonzero(inside)[held]] = True
        return [docnum for docnum, hit in zip(docnums, matched) if hit]

    def _term_ids(self, reader: Any, term: Term) -> np.ndarray | None:
        """Return the document numbers of a term in one segment, from the last top() when it read them."""
        key = (id(reader), term[0], term[1])
        if key in self._last_ids:
            return self._last_ids[key]
        found = self._term_postings(reader, term)
        return found[0] if found is not None else None


def filter_mask(searcher: Any, query: Any, live_only: bool = False, within: np.ndarray | None = None) -> np.ndarray:
    """Return which documents of a searcher match a query, as a boolean array over document numbers.

    Terms, their Or / And / AndNot / Not and index.mentions.WrittenName are read from posting blocks
    with numpy; anything else is whoosh's docs_for_query (one Python step per matching document).
    Deleted documents may be marked unless live_only (top() scores them 0 anyway). With `within` (a
    boolean array), only those documents are sure to be right: a name's positions (WrittenName) are
    read only there.
    """
    total = searcher.doc_count_all()
    leaves = list(searcher.leaf_searchers())
    mask = _mask(leaves, total, query, within)
    if mask is None:
        mask = np.zeros(total, dtype=bool)
        mask[np.fromiter(searcher.docs_for_query(query), dtype=np.int64)] = True
    elif live_only:
        for subsearcher, offset in leaves:
            reader = subsearcher.reader()
            if reader.has_deletions():
                mask[_deleted_docnums(reader) + offset] = False
    return mask


def _mask(leaves: list[tuple[Any, int]], total: int, query: Any, within: np.ndarray | None = None) -> np.ndarray | None:
    """Return the documents a query made of the parts filter_mask reads matches, or None for any other query."""
    from whoosh import query as wq

    from hitta.index.query import Alternatives

    kind = type(query)
    written = callable(getattr(query, "docs_in", None))  # index.mentions.WrittenName (which imports this module)
    if kind is wq.Term or written:
        mask = np.zeros(total, dtype=bool)
        for subsearcher, offset in leaves:
            if written:
                size = subsearcher.reader().doc_count_all()
                among = np.flatnonzero(within[offset : offset + size]) if within is not None else None
                found = np.array(query.docs_in(subsearcher, among), dtype=np.int64)
            else:
                found = _docnums(subsearcher.reader(), query.fieldname, query.text)
            mask[found + offset] = True
        return mask
    if kind is wq.NullQuery.__class__:
        return np.zeros(total, dtype=bool)
    if kind is wq.Every and query.fieldname is None:
        return np.ones(total, dtype=bool)
    if kind is wq.Not:
        inner = _mask(leaves, total, query.query, within)
        return ~inner if inner is not None else None
    if kind in (wq.Or, Alternatives, wq.And, wq.AndNot) and query.subqueries and not getattr(query, "minmatch", 0):
        parts = [_mask(leaves, total, sub, within) for sub in query.subqueries]
        if any(part is None for part in parts):
            return None
        if kind is wq.AndNot:
            return parts[0] & ~parts[1]  # type: ignore[operator]
        combined = parts[0].copy()  # type: ignore[union-attr]
        for part in parts[1:]:
            if kind is wq.And:
                combined &= part  # type: ignore[misc]
            else:
                combined |= part  # type: ignore[misc]
        return combined
    return None
