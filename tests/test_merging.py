"""index.merging: whoosh segment merges streamed from disk write the same index as whoosh's own, without pooling the old postings."""

from __future__ import annotations

import os
import random

import pytest
from whoosh import fields, index
from whoosh.writing import PostingPool, SegmentWriter

from hitta.index.merging import StreamingSegmentWriter

WORDS = [f"w{number}" for number in range(300)] + ["ärende", "Öresund", "straße", "2024", "1,5"]


def _schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        body=fields.TEXT(stored=True),  # positions: values are bytes
        tags=fields.KEYWORD(commas=True),
        year=fields.NUMERIC(),
    )


def _build(folder: str, writer_class: type, monkeypatch: pytest.MonkeyPatch, merge: bool = True) -> tuple[list, list, int, int]:
    """Write 24 commits of documents (some replaced, some deleted) and return postings, stored docs, segments, pooled postings."""
    pooled = [0]
    add = PostingPool.add

    def counting_add(pool: PostingPool, item: tuple) -> None:
        pooled[0] += 1
        add(pool, item)

    monkeypatch.setattr(PostingPool, "add", counting_add)
    rng = random.Random(7)
    os.makedirs(folder)
    ix = index.create_in(folder, _schema())
    for commit in range(24):
        writer = writer_class(ix, limitmb=16)
        for number in range(commit * 10, commit * 10 + 10):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30)))
            writer.add_document(id=str(number), body=body, tags=",".join(rng.sample(WORDS, 2)), year=2000 + number % 30)
        if commit % 4 == 3:  # replace earlier documents and delete some: merged segments have deletions
            for number in rng.sample(range(commit * 10), 5):
                writer.update_document(id=str(number), body="replaced " + rng.choice(WORDS), tags="new", year=1999)
            writer.delete_by_term("id", str(rng.randrange(commit * 10)))
        writer.commit(merge=merge)
    monkeypatch.setattr(PostingPool, "add", add)
    with ix.reader() as reader:
        return list(reader.iter_postings()), list(reader.iter_docs()), len(ix._segments()), pooled[0]


def test_streamed_merges_write_the_same_index_and_pool_only_new_documents(tmp_path, monkeypatch):
    pooled_postings, pooled_docs, pooled_segments, pooled_count = _build(str(tmp_path / "a"), SegmentWriter, monkeypatch)
    postings, docs, segments, count = _build(str(tmp_path / "b"), StreamingSegmentWriter, monkeypatch)
    assert segments == pooled_segments < 24  # whoosh merged segments along the way
    assert postings == pooled_postings and len(postings) > 3_000
    assert docs == pooled_docs
    # whoosh's writer pooled every merged segment's postings again; the streaming one only those of
    # the new documents, as many as a writer that never merges
    unmerged = _build(str(tmp_path / "c"), SegmentWriter, monkeypatch, merge=False)
    assert unmerged[2] == 24 and count == unmerged[3] < pooled_count

def test_a_cancelled_writer_closes_the_segments_it_merged(tmp_path):
    ix = index.create_in(str(tmp_path), _schema())
    for commit in range(8):
        writer = StreamingSegmentWriter(ix)
        writer.add_document(id=str(commit), body="ärende straße", tags="a", year=2000)
        writer.commit()
    segments = len(ix._segments())
    writer = StreamingSegmentWriter(ix)
    writer.add_document(id="x", body="w1", tags="b", year=2001)
    unchanged = writer._merge_segments(None, True, True)  # optimize: every segment is streamed
    assert unchanged == [] and len(writer.pool.readers) == segments >= 2
    readers = [reader for reader, _, _ in writer.pool.readers]
    writer.cancel()
    assert writer.pool.readers == [] and all(reader.is_closed for reader in readers)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 8


def test_a_full_text_commit_frees_its_writer_without_the_cycle_collector(tmp_path, monkeypatch):
    """No reference cycle keeps a commit's writer (its postings, the records it indexed) after the commit returns.

    Cycles wait for the collector's full pass, which ingest's higher threshold and the few container
    objects involved make rare: whoosh's caught FileExistsError for its temporary folder, closures
    over the writer. Each kept every commit's writer alive (index.storage, FullTextIndex._writer).
    """
    import gc
    import weakref

    from hitta.index.fulltext import FullTextIndex
    from tests.test_bm25 import generated_records

    records = generated_records(60, seed=3)
    index = FullTextIndex(tmp_path)
    index.update(records[:20])  # the first commit creates the index and its temporary folder
    made: list[weakref.ref] = []
    writer_of = FullTextIndex._writer

    def remembered(self, ix):
        writer = writer_of(self, ix)
        made.append(weakref.ref(writer))
        return writer

    monkeypatch.setattr(FullTextIndex, "_writer", remembered)
    gc.collect()
    gc.disable()
    try:
        index.update(records[20:40])
        index.update(records[40:], delete_ids=[records[0]["id"]])
        alive = [ref() for ref in made if ref() is not None]
    finally:
        gc.enable()
    assert len(made) == 2
    assert alive == []
    assert index.doc_count() == 59
