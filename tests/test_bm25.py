"""index.bm25 ranks OR-of-words queries exactly as scoring every document with whoosh would."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from hitta.index.bm25 import BlockScorer
from hitta.index.fulltext import FullTextIndex, _filter_query
from tests.test_store import make_record

WORDS = {
    "sv": "kommunen region projektet cykelvägar hållbar stadsutveckling energi bostäder skolan budget Malmö Lund".split(),
    "da": "kommunen regionen projektet cykelstier bæredygtig byudvikling energi boliger skolen budget Odense Aarhus".split(),
    "de": "Gemeinde Region Projekt Radwege nachhaltige Stadtentwicklung Energie Wohnungen Schule Förderung Kiel Bonn".split(),
}
ORGS = ["Malmö stad", "Region Skåne", "Odense Kommune", "Stadt Kiel"]


def generated_records(count: int, seed: int) -> list[dict]:
    """Return records of random words in three languages, with organisations to filter on."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        lang = rng.choice(sorted(WORDS))
        length = rng.randint(3, 200)  # lengths from a few words to many: BM25's length term matters
        text = " ".join(rng.choice(WORDS[lang]) for _ in range(length)) + f" nummer{number}"
        org = rng.choice(ORGS)
        records.append(make_record(text, f"{number}.txt", lang, organisations=[{"text": org, "span": [0, 0], "name": org}]))
    return records


@pytest.fixture(scope="module")
def segmented_index(tmp_path_factory) -> Iterator[FullTextIndex]:
    """Return an index of 600 records written in six commits (six segments) with some replaced and deleted."""
    index = FullTextIndex(tmp_path_factory.mktemp("bm25"), keep_open=True)
    records = generated_records(600, seed=7)
    for start in range(0, 600, 100):
        index.update(records[start : start + 100])
    # Deleted documents stay in their segment's postings until a merge: they must not be returned.
    index.update([], delete_ids=[record["id"] for record in records[::9]])
    yield index
    index.close()


def reference_top(searcher, parsed, limit, allowed):
    """Return whoosh's score for every matching document, filtered, best first (ties: lower docnum)."""
    scored = [(hit.score, hit.docnum) for hit in searcher.search(parsed, limit=None)]
    scored = [(score, docnum) for score, docnum in scored if allowed is None or docnum in allowed]
    scored.sort(key=lambda pair: (-round(pair[0], 9), pair[1]))
    return scored[:limit] if limit is not None else scored


QUERIES = [
    "energi",
    "kommunen energi bostäder",
    "Stadtentwicklung Förderung Kiel",
    "cykelstier OR bæredygtig OR byudvikling OR Odense",
    "projektet projektet",  # a repeated word counts twice, as in whoosh
    "nummer5 energi",  # a rare term (postings inline in the term info) with a common one
    "gibtesnicht",
    "energi^2 skolan",  # a boost multiplies the term's score, as whoosh's boosted matcher does
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(("limit", "filters"), [(10, None), (50, None), (None, None), (20, {"org": ["odense kommune"]})])
def test_block_scores_equal_whoosh_scores(segmented_index, query, limit, filters):
    with segmented_index._searching() as searcher:
        assert len(searcher.leaf_searchers()) > 1 and searcher.reader().has_deletions()
        parsed = segmented_index.parse(query)
        filter_query = _filter_query(filters or {})
        allowed = set(searcher.docs_for_query(filter_query)) if filter_query is not None else None
        scorer = BlockScorer(searcher)
        assert scorer.supports(parsed)
        got = scorer.top(parsed, limit, filter_query)
        expected = reference_top(searcher, parsed, limit, allowed)
        assert [docnum for _, docnum in got] == [docnum for _, docnum in expected]
        assert [round(score, 9) for score, _ in got] == [round(score, 9) for score, _ in expected]
        if query != "gibtesnicht":
            assert got


def test_no_room_gives_no_hits(segmented_index):
    with segmented_index._searching() as searcher:
        assert BlockScorer(searcher).top(segmented_index.parse("energi"), 0) == []


@pytest.mark.parametrize(
    "query",
    ['"hållbar stadsutveckling"', "energi AND skolan", "energi NOT skolan", "energ*", "budget:[1 TO]", "lang:sv"],
)
def test_other_queries_are_left_to_whoosh(segmented_index, query):
    with segmented_index._searching() as searcher:
        assert not BlockScorer(searcher).supports(segmented_index.parse(query))


def test_search_gives_the_same_hits_either_way(segmented_index, monkeypatch):
    texts = {}
    with segmented_index._searching() as searcher:
        for fields in searcher.all_stored_fields():
            texts[fields["id"]] = fields["title"]
    fast = segmented_index.search("kommunen energi bostäder", limit=None, texts=texts)
    monkeypatch.setattr(BlockScorer, "top", lambda self, query, limit, filter_query=None: None)  # whoosh ranks
    slow = segmented_index.search("kommunen energi bostäder", limit=None, texts=texts)
    # Inflected forms of one word are one term to index.bm25 (summed frequencies, one idf) and an Or to
    # whoosh, so scores may differ a little; the documents matched and their snippets may not.
    assert {h.id: h.snippet for h in fast} == {h.id: h.snippet for h in slow}
    assert len(fast) >= 15 and "[[" in fast[0].snippet


def test_a_word_and_its_folded_twin_share_one_idf(tmp_path, monkeypatch):
    from tests.test_store import make_record

    index = FullTextIndex(tmp_path)
    accented = [make_record(f"Nya cykelvägar i Malmö, del {i}.", f"a{i}.txt", "sv") for i in range(20)]
    index.rebuild(accented + [make_record("Nya cykelvagar i Malmo, del 99.", "ascii.txt", "sv")])

    def ratio() -> float:
        hits = {hit.source: hit.score for hit in index.search("malmo", fold_accents=True, limit=None)}
        assert len(hits) == 21
        return hits["ascii.txt"] / hits["a0.txt"]

    # One idf for both spellings: the one text written without accents gains only from its shorter
    # length (twins count toward it), not from its spelling being rare.
    assert ratio() < 1.3
    monkeypatch.setattr(BlockScorer, "top", lambda self, query, limit, filter_query=None: None)  # whoosh ranks
    assert ratio() > 2  # whoosh alone: an idf per spelling


def test_commit_lengths_in_memory_equal_whoosh_per_document_reader(segmented_index):
    from whoosh.codec.whoosh3 import W3PerDocReader

    from hitta.index.fulltext import _LengthsInMemory

    ix = segmented_index._open()
    for segment in ix._segments():
        plain = W3PerDocReader(ix.storage, segment)
        fast = _LengthsInMemory(W3PerDocReader(ix.storage, segment))
        for fieldname in ("title", "content_sv", "content_da", "content_de", "content_xx", "org", "no_such_field"):
            for docnum in range(segment.doc_count_all() + 1):  # one past the end too, as whoosh allows
                assert fast.doc_field_length(docnum, fieldname) == plain.doc_field_length(docnum, fieldname)
        assert fast.doc_count_all() == plain.doc_count_all()  # everything else is the wrapped reader's
        plain.close()
        fast.close()


@pytest.mark.parametrize("fieldname", ["title", "content_sv", "content_da", "content_de", "content_xx"])
def test_term_positions_give_whoosh_positions_postings(fieldname):
    from whoosh.formats import Positions

    from hitta.index.fulltext import TermPositions, _schema

    field = _schema()[fieldname]
    assert isinstance(field.format, TermPositions)
    plain = Positions(field_boost=field.format.field_boost)
    text = (
        "Malmö stad och Region Skåne: cykelvägar, cykelvägar och miljöarbetet i Malmö. Die Förderung der "
        "Stadtentwicklung in Kiel; Odense Kommune bygger boliger og cykelstier. och och och z.B. 2024 Malmö"
    )
    expected = list(plain.word_values(text, field.analyzer, mode="index"))
    assert list(field.format.word_values(text, field.analyzer, mode="index")) == expected
    assert any(freq > 1 for _, freq, _, _ in expected)  # repeated words: positions lists, not single ones
    # Anything but indexing a string goes whoosh's own way.
    assert list(field.format.word_values(text, field.analyzer, mode="query")) == list(plain.word_values(text, field.analyzer, mode="query"))


def _whoosh_writer(original):
    """Return a FullTextIndex._writer that leaves whoosh's own add_document, postings writer and length reader in place."""

    def writer(self, ix):
        made = original(self, ix)
        for name in ("add_document", "per_document_reader"):
            made.__dict__.pop(name, None)
        made.fieldwriter.__dict__.pop("add_postings", None)
        return made

    return writer


def _segment_files(directory):
    """Return the digests of an index's segment files per kind (segment names are random, so sorted per kind)."""
    import hashlib

    kinds: dict[str, list[str]] = {}
    for path in directory.iterdir():
        if path.name.startswith("MAIN_") and "." in path.name:
            kinds.setdefault(path.name.split(".", 1)[1], []).append(hashlib.sha256(path.read_bytes()).hexdigest())
    return {kind: sorted(digests) for kind, digests in kinds.items()}


# 1 MiB: the posting pool spills sorted runs to disk; a 200-byte buffer: one-block terms are written in many runs
@pytest.mark.parametrize(("limit_mb", "one_block_buffer"), [(512, 1 << 20), (1, 1 << 20), (512, 200)])
def test_hitta_commits_write_the_bytes_whoosh_writes(tmp_path, monkeypatch, limit_mb, one_block_buffer):
    # _add_document, _add_postings and _OneBlockTerms stand in for whoosh's per-posting path on commit.
    from hitta.index import fulltext

    records = generated_records(420, seed=11)
    records[5]["text"] = " ".join(["energi"] * 300)  # a term with more positions than one pickled list holds
    for record in records:  # a title term of every document: more postings than one block (128) holds,
        record["title"] = "allmän " + record["title"]  # with one-block terms after it in its field
    monkeypatch.setattr(fulltext, "WRITER_LIMIT_MB", limit_mb)
    monkeypatch.setattr(fulltext, "ONE_BLOCK_BUFFER", one_block_buffer)

    def build(home):
        index = FullTextIndex(home)
        for start in range(0, 400, 200):
            index.update(records[start : start + 200])
        for start in range(400, 420, 2):  # small segments, which whoosh merges into the next commit's
            index.update(records[start : start + 2], delete_ids=[records[start - 300]["id"]])
        assert index.doc_count() == 410
        return _segment_files(index.directory)

    fast = build(tmp_path / "hitta")
    monkeypatch.setattr(FullTextIndex, "_writer", _whoosh_writer(FullTextIndex._writer))
    assert fast == build(tmp_path / "whoosh")
    assert {"pst", "trm", "_stored.col", "_content_sv_len.col"} <= set(fast)


def test_hitta_adds_count_the_pool_size_whoosh_counts(tmp_path, monkeypatch):
    # The pool spills to disk where its counted size passes the limit: hitta's adds count what whoosh's do.
    from hitta.index.fulltext import _document

    records = generated_records(40, seed=3)

    def pool_size(home):
        index = FullTextIndex(home)
        writer = index._writer(index._open())
        for record in records:
            writer.add_document(**_document(record))
        size, postings = writer.pool.currentsize, len(writer.pool.current)
        writer.cancel()
        return size, postings

    fast = pool_size(tmp_path / "hitta")
    monkeypatch.setattr(FullTextIndex, "_writer", _whoosh_writer(FullTextIndex._writer))
    assert fast == pool_size(tmp_path / "whoosh")
    assert fast[1] > 1000


def test_term_positions_encode_as_whoosh():
    from whoosh.formats import Positions

    from hitta.index.fulltext import TermPositions

    rng = random.Random(5)
    for count in (1, 1, 2, 3, 50, 300):
        positions = sorted(rng.sample(range(1, 100_000), count))
        assert TermPositions().encode(positions) == Positions().encode(positions)
    assert TermPositions().encode([0]) == Positions().encode([0])


def test_and_of_terms_scores_as_whoosh(segmented_index):
    # A compound's parts written apart (index.query) are an And of two terms inside the word's Or.
    from whoosh import query as wq

    parsed = wq.Or(
        [
            wq.And([wq.Term("content_sv", "energi"), wq.Term("content_sv", "kommun")], boost=0.7),
            wq.Term("content_sv", "projektet"),
            wq.And([wq.Term("content_sv", "energi"), wq.Term("content_sv", "gibtesnicht")]),
        ]
    )
    with segmented_index._searching() as searcher:
        scorer = BlockScorer(searcher)
        assert scorer.supports(parsed)
        got = scorer.top(parsed, None)
        expected = reference_top(searcher, parsed, None, None)
        assert [docnum for _, docnum in got] == [docnum for _, docnum in expected]
        assert [round(score, 9) for score, _ in got] == [round(score, 9) for score, _ in expected]
        both = set(searcher.docs_for_query(wq.And([wq.Term("content_sv", "energi"), wq.Term("content_sv", "kommun")])))
        assert both and both <= {docnum for _, docnum in got}


@pytest.mark.parametrize(
    "query",
    ["lang:sv", "lang:da OR lang:de", "lang:sv AND org:'malmö stad'", "energi -lang:sv", "NOT lang:da", '"hållbar stadsutveckling"',
     "budget:[1 TO]", "energ*"],
)
def test_filter_masks_equal_whoosh_matches(segmented_index, query):
    import numpy as np

    from hitta.index.bm25 import filter_mask

    with segmented_index._searching() as searcher:
        parsed = segmented_index.parse(query)
        reader = searcher.reader()
        live = {docnum for docnum in searcher.docs_for_query(parsed) if not reader.is_deleted(docnum)}  # whoosh's NOT yields deleted ones
        assert set(np.flatnonzero(filter_mask(searcher, parsed, live_only=True)).tolist()) == live
        marked = set(np.flatnonzero(filter_mask(searcher, parsed)).tolist())
        assert {docnum for docnum in marked if not reader.is_deleted(docnum)} == live


@pytest.mark.parametrize("org", [*ORGS, "Lund"])
def test_written_names_are_whoosh_phrases_less_the_documents_holding_the_entity(segmented_index, org):
    # "Odense Kommune" is written as "Odense kommunen" (one Danish stem) in texts filed under other bodies.
    import numpy as np
    from whoosh import query as wq

    from hitta.index.bm25 import filter_mask
    from hitta.index.mentions import WrittenName

    with segmented_index._searching() as searcher:
        phrase = segmented_index._parser().parse(f'"{org.lower()}"')
        entity = wq.Term("org", org.lower())
        # (whoosh's AndNot of a phrase lets some documents holding the term through: sets instead)
        expected = set(searcher.docs_for_query(phrase)) - set(searcher.docs_for_query(entity))
        written = WrittenName(phrase, entity)
        assert set(searcher.docs_for_query(written)) == expected
        assert set(np.flatnonzero(filter_mask(searcher, written, live_only=True)).tolist()) == expected
        within = np.zeros(searcher.doc_count_all(), dtype=bool)
        within[::2] = True
        halved = set(np.flatnonzero(filter_mask(searcher, WrittenName(phrase, entity), within=within)).tolist())
        assert {docnum for docnum in halved if within[docnum]} == {docnum for docnum in expected if within[docnum]}
        if org == "Odense Kommune":
            assert len(expected) > 5


def test_word_matches_from_postings_equal_whoosh_matchers(segmented_index, monkeypatch):
    plan = segmented_index.plan("kommunen energi Stadtentwicklung nummer5 gibtesnicht")
    hits = segmented_index.search(plan, limit=40)
    ids = [hit.id for hit in hits] + ["unknown"]
    fast = segmented_index.word_matches(plan, ids)
    monkeypatch.setattr(BlockScorer, "docs_among", lambda self, query, docnums: None)  # whoosh's matchers
    assert segmented_index.word_matches(plan, ids) == fast
    counts = [count for count, _ in fast.values()]
    assert fast["unknown"] == (0, False) and max(counts) >= 2 and min(counts[:-1]) >= 1


def test_postings_made_ahead_write_the_bytes_the_writer_makes_itself(tmp_path):
    # An extraction worker analyses a record's text (index_postings); update(analysed=...) then only adds the
    # postings, and the index files are those of analysing the text in the writer.
    from hitta.index.analysis import TermPositions
    from hitta.index.fulltext import TextPostings, index_postings

    records = generated_records(300, seed=5)
    records[7]["language"] = "en"  # content_xx: the plain analyser
    records[8]["text"] = " ".join(["energi"] * 300)
    records[8]["id"] = "energi-300"
    analysed = {record["id"]: index_postings(record) for record in records}
    assert analysed[records[7]["id"]].analyzer == ("plain",)

    def build(home, made):
        index = FullTextIndex(home)
        for start in range(0, 300, 100):
            assert index.update(records[start : start + 100], analysed=made) == 100
        index.update(records[:2], delete_ids=[records[50]["id"]], analysed=made)
        return _segment_files(index.directory)

    expected = build(tmp_path / "writer", None)
    assert build(tmp_path / "ahead", analysed) == expected
    # The postings given are what gets written (one term each here) ...
    one_term = {key: TextPostings(made.analyzer, [b"ett"], [TermPositions().encode([0])], [1])
                for key, made in analysed.items()}
    assert build(tmp_path / "given", one_term) != expected
    # ... unless another analyser than the field's made them: then the writer analyses the text.
    other = {key: TextPostings(("language", "xx"), made.terms, made.encoded, made.counts) for key, made in one_term.items()}
    assert build(tmp_path / "other", other) == expected
