"""Where a document writes a name: the text side of the entity filters (`--org X`, `org:X`).

An organisation the collection knows (some document holds it in its `org` field) also matches the
documents that write its name where extraction missed it (index.fulltext.MENTIONED_FIELDS). The name
is a phrase over the text fields, each analysed as that field is. whoosh evaluates a phrase by
reading the positions of every document that holds all its words, which for a name made of common
words ("Malmö stad") costs more than the query it filters; here the documents holding all the words
come from the posting lists at once (index.bm25), those that hold the name as an entity already are
left out, and positions are read only for the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from hitta.index.bm25 import _docnums, _postings_values


class WrittenName(wq.Query):
    """The documents that write a name (a whoosh phrase, or an Or of one per field) and do not hold its entity term."""

    def __init__(self, phrase: Any, entity: Any):
        self.phrase = phrase
        self.entity = entity  # the Term(field, key) the documents left out already match
        self.boost = 1.0
        self._found: dict[int, list[int]] = {}  # id(reader) -> written_docs over all documents

    def docs_in(self, searcher: Any, among: np.ndarray | None = None) -> list[int]:
        """Return written_docs of a (leaf) searcher, kept per reader when worked out over all its documents."""
        key = id(searcher.reader())
        if key in self._found:
            return self._found[key]
        found = written_docs(searcher, self.phrase, self.entity, among)
        if among is None:
            self._found[key] = found
        return found

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.phrase == self.phrase and other.entity == self.entity  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.phrase, self.entity))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.phrase!r}, {self.entity!r})"

    def field(self) -> None:
        return None

    def estimate_size(self, ixreader: Any) -> int:
        return int(ixreader.doc_count_all())

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        found = self.docs_in(searcher)
        return ListMatcher(found) if found else NullMatcher()


def written_docs(searcher: Any, phrase: Any, entity: Any, among: np.ndarray | None = None) -> list[int]:
    """Return the live document numbers of a searcher that match the phrase query and not the entity term.

    With `among` (document numbers), a phrase of several words is checked only in those documents
    (the others may be left out).
    """
    reader = searcher.reader()
    leaves = phrase.subqueries if type(phrase) is wq.Or else [phrase]
    holding = _docnums(reader, entity.fieldname, entity.text)
    found: set[int] = set()
    for leaf in leaves:
        if type(leaf) is wq.Term:
            found.update(_docnums(reader, leaf.fieldname, leaf.text).tolist())
        elif type(leaf) is wq.Phrase and leaf.slop == 1 and leaf.words:
            found.update(_phrase_docs(reader, leaf.fieldname, [str(word) for word in leaf.words], holding, among))
        else:  # anything else the parser may make of a name: whoosh's own matcher
            found.update(leaf.docs(searcher))
    found.difference_update(holding.tolist())
    return sorted(doc for doc in found if not reader.is_deleted(doc))


def _phrase_docs(reader: Any, fieldname: str, words: list[str], skipped: np.ndarray, among: np.ndarray | None) -> list[int]:
    """Return the documents (of `among`, when given), other than the skipped ones, where the words stand
    at consecutive positions (whoosh's Phrase with slop 1)."""
    if len(words) == 1:
        common = np.setdiff1d(_docnums(reader, fieldname, words[0]), skipped, assume_unique=True)
        return (np.intersect1d(common, among, assume_unique=True) if among is not None else common).tolist()
    read = []  # per word: its postings with their encoded values, each list read once

    def postings(word: str) -> tuple[Any, Any, list[Any]]:
        found = _postings_values(reader, fieldname, word) if (fieldname, word) in reader else None
        read.append(found if found is not None else (np.zeros(0, dtype=np.int64), None, []))
        return read[-1]

    common = np.setdiff1d(postings(words[0])[0], skipped, assume_unique=True)
    if among is not None:
        common = np.intersect1d(common, among, assume_unique=True)
    for word in words[1:]:
        if not common.size:
            return []
        common = np.intersect1d(common, postings(word)[0], assume_unique=True)
    candidates = np.array([doc for doc in common.tolist() if not reader.is_deleted(doc)], dtype=np.int64)
    if not candidates.size:
        return []
    decode = reader.schema[fieldname].format.decode_positions
    positions = []  # per word: the positions of each candidate, from the encoded values of its posting blocks
    for ids, _, values in read:
        rows = np.searchsorted(ids, candidates)
        positions.append([set(decode(values[row])) for row in rows.tolist()])
    return [
        int(doc)
        for index, doc in enumerate(candidates.tolist())
        if any(all(start + offset in held[index] for offset, held in enumerate(positions[1:], start=1)) for start in positions[0][index])
    ]
