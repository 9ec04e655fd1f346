"""A whoosh segment writer whose merges stream the old segments' postings instead of copying them into memory.

whoosh merges small segments on every commit (its MERGE_SMALL policy): it copies every posting of
the segments being merged into the writer's posting pool, sorts the pool and writes the new segment
from it. The pool holds up to the writer's `limitmb` before it spills sorted runs to disk, so an
ingest that commits every few hundred documents held ever larger merges in memory, about 70 KB per
merged document (a merge of 4,000 documents peaked at 343 MiB, and at 30,000 documents an ingest's
client stayed above 1 GiB); with a lower limit the spilled runs cost 40 % more commit CPU, since
each posting is pickled and read back one at a time.

Every segment's postings are already sorted by field, term and document, and a merge keeps the
order of the documents, so the new segment's postings are the ordered merge (heapq.merge) of the
pool (the documents added by this writer, a commit's worth) and one stream per merged segment read
from disk while the new segment is written. The postings, and so the files written, are the same;
memory no longer grows with the size of a merge.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import SegmentReader
from whoosh.writing import PostingPool, SegmentWriter


class _StreamingPool(PostingPool):
    """A posting pool that also holds sorted streams of merged segments, merged with its own items when read."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int):
        super().__init__(tempstore, segment, limitmb=limitmb)
        self.readers: list[tuple[SegmentReader, int, dict[int, int] | None]] = []

    def iter_postings(self) -> Iterator[tuple[Any, ...]]:
        """Yield every posting (fieldname, term bytes, docnum, weight, value) in order: the pool's and the merged segments'."""
        own = super().iter_postings()
        if not self.readers:
            return own
        # The streams are merged term by term: each one holds a range of the new segment's docnums
        # (the pool the first, then the segments in the order they were added), so a term's postings
        # are those of the streams in that order, and no posting goes through the heap.
        streams = [((fieldname, btext, 0, group) for (fieldname, btext), group in groupby(own, key=itemgetter(0, 1)))]
        streams += [_segment_terms(number, *entry) for number, entry in enumerate(self.readers, 1)]
        return chain.from_iterable(postings for _, _, _, postings in heapq.merge(*streams))

    def cleanup(self) -> None:
        """Delete the spilled runs and close the merged segments' readers (after commit or cancel)."""
        super().cleanup()
        readers, self.readers = self.readers, []
        for reader, _, _ in readers:
            reader.close()


def _segment_terms(
    number: int, reader: SegmentReader, startdoc: int, docmap: dict[int, int] | None
) -> Iterator[tuple[str, bytes, int, Iterator[tuple[Any, ...]]]]:
    """Yield (fieldname, term bytes, number, postings) per term of a merged segment, sorted as whoosh's pool sorts them.

    The postings are those whoosh's SegmentWriter would pool: deleted documents left out, docnums
    moved into the new segment (by docmap, or by startdoc when the segment had no deletions).
    """
    schema = reader.schema
    # Field by field in name order (the pool's order), whatever numbers the segment gave its fields.
    for fieldname in sorted(name for name in reader.indexed_field_names() if name in schema):
        for name, btext in reader.terms_from(fieldname, b""):
            if name != fieldname:
                break
            yield fieldname, btext, number, _postings(reader.postings(fieldname, btext), fieldname, btext, startdoc, docmap)


def _postings(
    matcher: Any, fieldname: str, btext: bytes, startdoc: int, docmap: dict[int, int] | None
) -> Iterator[tuple[Any, ...]]:
    """Yield a term's postings from its matcher, a block at a time where it is whoosh's W3 matcher."""
    if type(matcher) is W3LeafMatcher and docmap is None:  # no deletions: whole blocks, as whoosh decodes them
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            matcher._read_values()
            for docnum, weight, value in zip(matcher._ids, matcher._weights, matcher._values):
                yield fieldname, btext, startdoc + docnum, weight, value
            matcher._next_block()
        return
    while matcher.is_active():
        docnum = matcher.id()
        yield fieldname, btext, docmap[docnum] if docmap is not None else startdoc + docnum, matcher.weight(), matcher.value()
        matcher.next()


class StreamingSegmentWriter(SegmentWriter):
    """whoosh's SegmentWriter, except that merged segments are streamed into the new one (see the module)."""

    def __init__(self, ix: Any, limitmb: int = 128, **kwargs: Any):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _StreamingPool(self._tempstorage, self.newsegment, limitmb)

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """Keep a reader of the merged segment, read when the new segment is written (the merge policy closes its own)."""
        own = SegmentReader(self.storage, self.schema, reader.segment())
        self.pool.readers.append((own, startdoc, docmap))
