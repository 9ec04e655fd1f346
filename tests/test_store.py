"""The SQLite store and the whoosh index, without the pipeline."""

from __future__ import annotations

import json
import sqlite3

import pytest

from hitta.corpus import store as store_module
from hitta.corpus.store import Store, StoreError, entity_key, json_utf8
from hitta.index.fulltext import FullTextIndex, QuerySyntaxError, record_years
from hitta.pipeline.record import Record, make_title, record_id


def make_record(text: str, path: str, language: str = "sv", **entities) -> dict:
    record = Record(
        id=record_id(text),
        source=path,
        sources=[path],
        title=make_title(text),
        language=language,
        language_score=0.99,
        languages=[{"language": language, "share": 1.0}],
        text=text,
    ).to_dict()
    record.update(entities)
    return record


ORG = {"text": "Tillväxtverkets", "span": [0, 15], "name": "Tillväxtverket", "source": "rule"}


def test_record_id_is_stable_and_text_based():
    # Pinned: ids are the first 16 hex digits of sha256 of the UTF-8 text, so stored ids never change.
    assert record_id("Malmö stad") == "38d31e423e74070a"
    assert record_id("Malmö stad") != record_id("Malmö Stad")
    assert len(record_id("x")) == 16


@pytest.mark.parametrize(
    ("text", "hint", "title"),
    [
        ("\n\nTo byer - to lande\nmere tekst", None, "To byer - to lande"),
        ("body", "  Förderbescheid  erhalten ", "Förderbescheid erhalten"),
        ("a" * 300, None, "a" * 119 + "…"),
    ],
)
def test_make_title(text, hint, title):
    assert make_title(text, hint) == title


def test_store_roundtrip_sources_and_entities(tmp_path):
    with Store(tmp_path) as store:
        record = make_record("Tillväxtverkets stöd 2019", "a.txt", organisations=[ORG])
        with store.transaction():
            store.put_record(record)
            store.add_source(record["id"], "b.txt")
        got = store.get(record["id"][:6])
        assert got["sources"] == ["a.txt", "b.txt"] and got["source"] == "a.txt"
        assert store.entity_counts("organisations") == [("organisations", "Tillväxtverket", 1)]
        assert store.ids_with_entity("organisations", "TILLVÄXTVERKET") == {record["id"]}
        with store.transaction():
            assert store.detach_source("a.txt") is None
            assert store.detach_source("b.txt") == record["id"]
        assert store.count() == 0 and store.entity_counts() == []


def test_transaction_rolls_back(tmp_path):
    with Store(tmp_path) as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.put_record(make_record("text", "a.txt"))
                raise RuntimeError("killed")
        assert store.count() == 0


def test_iter_records_in_batches(tmp_path):
    with Store(tmp_path) as store:
        with store.transaction():
            for number in range(7):
                store.put_record(make_record(f"text {number}", f"{number}.txt"))
        assert len(list(store.iter_records(batch_size=3))) == 7


def test_record_json_is_json_dumps_and_each_entity_key_keeps_its_first_value(tmp_path):
    organisations = [dict(ORG, span=[start, start + 15]) for start in range(0, 100, 20)]
    organisations.append(dict(ORG, text="TILLVÄXTVERKET", name="TILLVÄXTVERKET"))  # the same key, a later value
    record = make_record("Tillväxtverkets stöd – ”2019” 𝄞", "a.txt", organisations=organisations)
    body = {key: value for key, value in record.items() if key not in ("source", "sources")}
    for slice_items in (1, 2, 4, 1000):
        assert json_utf8(body, slice_items) == json.dumps(body, ensure_ascii=False).encode("utf-8")
    with Store(tmp_path) as store:
        with store.transaction():
            store.put_record(record)
        assert store.db.execute("SELECT typeof(data), data FROM records").fetchall() == [
            ("text", json.dumps(body, ensure_ascii=False))
        ]
        assert store.db.execute("SELECT type, value, key FROM entities").fetchall() == [
            ("organisations", "Tillväxtverket", "tillväxtverket")
        ]


def test_iter_texts_reads_each_text_from_the_head_of_its_json(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "TEXT_HEAD_CHARS", 8)  # the heads grow until the text is whole
    monkeypatch.setattr(store_module, "SHARED_DECODE_CHARS", 100)  # records decoded with shared strings
    texts = ["kort", 'en längre text – med "citat", \\ och }] tecken\n' * 30]
    records = [make_record(text, f"{number}.txt", organisations=[ORG] * 40) for number, text in enumerate(texts)]
    with Store(tmp_path) as store:
        with store.transaction():
            for record in records:
                store.put_record(record)
        assert list(store.iter_texts()) == sorted((record["id"], record["text"]) for record in records)
        assert [store.get(record["id"]) for record in records] == records
        assert list(store.iter_texts([records[1]["id"], "0000000000000000"])) == [(records[1]["id"], texts[1])]
        ids = [record["id"] for record in records]
        assert list(store.iter_texts(ids[::-1] + ids[:1])) == [(ids[1], texts[1]), (ids[0], texts[0]), (ids[0], texts[0])]
        with store.transaction():
            store.db.execute("UPDATE records SET data = ? WHERE id = ?", ('{"id": "x", "title": "t"}', records[0]["id"]))
        with pytest.raises(StoreError, match="no readable text"):
            list(store.iter_texts([records[0]["id"]]))


def test_iter_texts_reads_the_records_in_one_query(tmp_path):
    # The semantic index reads every text it adds: one streaming query, not one per record.
    records = [make_record(f"text number {number}", f"{number}.txt") for number in range(250)]
    with Store(tmp_path) as store:
        with store.transaction():
            for record in records:
                store.put_record(record)
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        wanted = [record["id"] for record in records[::-1]]
        assert list(store.iter_texts(wanted)) == [(record["id"], record["text"]) for record in records[::-1]]
        assert len(statements) == 1
        statements.clear()
        assert len(list(store.iter_texts())) == 250
        assert len(statements) == 4  # batches of TEXT_BATCH (100) records, and the empty one that ends them
        store.db.set_trace_callback(None)


def test_entity_key_folds_case_and_space():
    assert entity_key("  Københavns\nKommune ") == "københavns kommune"


def test_record_years_expands_ranges():
    dates = [{"start": "2012-04-01", "end": "2014-06-30"}, {"start": None, "end": "2030"}]
    assert record_years({"dates": dates}) == ["2012", "2013", "2014", "2030"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("renoveringen", ["sv"]),  # Swedish stemming: renovering ~ renoveringen
        ("boligafdeling", ["da"]),  # Danish stemming: boligafdelinger
        ("Förderung", ["de"]),  # German stemming: Förderungen
        ("org:Tillväxtverket", ["sv"]),
        ('org:"tillväxtverket"', ["sv"]),
        ("year:2013", ["da"]),
        ("budget:[1000000 TO]", ["de"]),
        ("lang:da OR lang:de", ["da", "de"]),
        ("renoveri*", ["sv"]),
        ("Landes", ["de"]),
        ("date:[2013 TO 2015]", ["da"]),
        ("renover*", ["da", "sv"]),
    ],
)
def test_fulltext_queries(tmp_path, query, expected):
    records = [
        make_record("Renovering av skolan pågår.", "sv.txt", "sv", organisations=[ORG]),
        make_record(
            "Nye boligafdelinger renoveres.", "da.txt", "da",
            dates=[{"text": "2012-2014", "span": [0, 9], "start": "2012", "end": "2014"}],
        ),
        make_record(
            "Die Förderungen des Landes.", "de.txt", "de",
            budgets=[{"text": "2 Mio. Euro", "span": [0, 11], "amount": 2_000_000, "currency": "EUR"}],
        ),
    ]
    index = FullTextIndex(tmp_path)
    index.rebuild(records)
    hits = index.search(query, limit=10)
    assert sorted(hit.language for hit in hits) == expected


@pytest.mark.parametrize("query", ['"unclosed phrase', "(a OR b", "colour:red", "budget:[1 TO"])
def test_fulltext_malformed_queries(tmp_path, query):
    index = FullTextIndex(tmp_path)
    index.rebuild([make_record("text", "a.txt")])
    with pytest.raises(QuerySyntaxError):
        index.search(query)


def test_fulltext_update_and_delete(tmp_path):
    index = FullTextIndex(tmp_path)
    first = make_record("Cykelvägar i Lund", "a.txt")
    index.update([first])
    index.update([make_record("Cykelvägar i Malmö", "b.txt")], delete_ids=[first["id"]])
    assert [hit.source for hit in index.search("cykelvägar")] == ["b.txt"]
    assert index.doc_count() == 1


@pytest.mark.parametrize(
    ("query", "fold", "expected"),
    [
        ("Entwicklung", False, ["de"]),  # compound part: Stadtentwicklung
        ("Förderprogramm", False, ["de"]),
        ("Programm", False, ["de"]),
        ("Malmo", False, ["sv"]),  # Swedish stemming keeps accents: only the text without them
        ("Malmö", False, ["sv"]),
        ("Forderprogramme", True, ["de"]),  # accents folded on request
        ("Malmo", True, ["sv", "sv"]),  # folded both ways: either spelling finds both texts
        ("Malmö", True, ["sv", "sv"]),
        ("cykelvagarna", True, ["sv"]),  # folded, then stemmed: other forms of the word match
        ('"cykelvagar i malmo"', True, ["sv"]),  # a folded phrase: each word as written or folded
        ('"cykelvagar i malmo"', False, []),
        ("Cykelvag*", True, ["sv"]),  # a prefix meets folded twins
        ("Cykelvag*", False, []),
        ("Forder*", False, ["de"]),  # the German stemmer itself drops umlauts
        ("Malmo AND NOT Cykelvägar", True, ["sv"]),
        ("title:malmo", True, ["sv", "sv"]),  # titles carry folded twins too
        ("søndergade", True, ["da"]),  # ø folds to o: the query folds the same way
        ("sondergade", True, ["da"]),
        ("sondergade", False, []),
        ("Kobenhavn", True, ["da"]),
        ("Aeblehaven", True, ["da"]),  # æ is written ae without it
        ('"Förderprogramme für Schulen"', True, ["de"]),  # "für" stays a stop word when folded
        ('"Frederiksberg ved København"', True, ["da"]),
        ("miljo", True, ["sv"]),  # compound parts have folded twins too: miljöarbetet
        ("miljö", False, ["sv"]),
        ("source:rapport_malmö.txt", True, ["sv"]),  # other fields' values are not folded
        ("*almo", False, ["sv"]),  # a plain wildcard does not reach folded twins: only "Malmo"
        ("*almo", True, ["sv", "sv"]),
    ],
)
def test_compounds_and_accent_folding(tmp_path, query, fold, expected):
    index = FullTextIndex(tmp_path)
    index.rebuild(
        [
            make_record("Die Stadtentwicklung braucht Förderprogramme für Schulen.", "de.txt", "de"),
            make_record("Cykelvägar i Malmö och miljöarbetet.", "rapport_malmö.txt", "sv"),
            make_record("Bussar i Malmo.", "sv2.txt", "sv"),
            make_record("Søndergade på Frederiksberg ved København og Æblehaven.", "da.txt", "da"),
        ]
    )
    assert sorted(hit.language for hit in index.search(query, fold_accents=fold)) == expected


@pytest.mark.parametrize(
    ("query", "folded"),
    [
        ('Malmö org:"Malmö stad" AND NOT Göteborg', "Malmo org:'malmö stad' AND NOT Goteborg"),  # entity keys stay
        ("Jürgen's Förderung 'Ärger'", "Jurgen's Forderung 'Arger'"),  # apostrophes in text are no keys
        ("person:Jørgen Århus", "person:'jørgen' Arhus"),
    ],
)
def test_fold_query_text_keeps_entity_keys(query, folded):
    from hitta.index.fulltext import _fold_query_text, _normalise_field_values

    assert _fold_query_text(_normalise_field_values(query)) == folded


def test_open_ranges_reach_folded_twins_only_when_folding(tmp_path):
    index = FullTextIndex(tmp_path)
    index.rebuild([make_record("Cykelvägar i Malmö.", "sv.txt", "sv")])
    # "~" sorts after the letters: only the twins "~cykelvagar" and "~malmo" lie above "x".
    assert [len(index.search("title:{x TO}", fold_accents=fold)) for fold in (False, True)] == [0, 1]


def test_folded_matches_are_highlighted(tmp_path):
    index = FullTextIndex(tmp_path)
    record = make_record("Nya cykelvägar byggs i Malmö och Lund.", "sv.txt", "sv")
    index.rebuild([record])
    hits = index.search("malmo", fold_accents=True, texts={record["id"]: record["text"]})
    assert [hit.snippet for hit in hits] == ["Nya cykelvägar byggs i [[Malmö]] och Lund."]


def test_plain_analyzer_gives_whooshs_standard_analyzer_terms():
    from whoosh.analysis import StandardAnalyzer

    from hitta.index.fulltext import FOLDED_PREFIX, PlainAnalyzer, multilingual_stop_words

    text = "Die Förderung für Malmö och Århus: z.B. 2,5 Mio. und the E-Mail info@kiel.de, ÆØÅ!"
    standard = StandardAnalyzer(stoplist=multilingual_stop_words(), minsize=1)
    expected = [t.text for t in standard(text)]
    got = [t.text for t in PlainAnalyzer()(text, mode="index")]
    assert [term for term in got if not term.startswith(FOLDED_PREFIX)] == expected
    assert [term for term in got if term.startswith(FOLDED_PREFIX)] == ["~forderung", "~malmo", "~arhus", "~aeoa"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"Stadtentwicklung braucht"', ["de"]),  # a phrase across a split compound still matches
        ('"Entwicklung braucht"', ["de"]),  # a part stands at its compound's position
        ("Entwicklung", ["de"]),
        ('"skolan pågår"', ["sv"]),
        ('"Renovering skolan"', ["sv"]),  # the stop word "av" between them is dropped on both sides
    ],
)
def test_phrases_across_compounds_and_stop_words(tmp_path, query, expected):
    index = FullTextIndex(tmp_path)
    index.rebuild(
        [
            make_record("Die Stadtentwicklung braucht Förderprogramme.", "de.txt", "de"),
            make_record("Renovering av skolan pågår.", "sv.txt", "sv"),
        ]
    )
    assert sorted(hit.language for hit in index.search(query)) == expected


def test_rebuild_writes_segments_and_reports_progress(tmp_path, monkeypatch):
    import hitta.index.fulltext as fulltext

    monkeypatch.setattr(fulltext, "REBUILD_SEGMENT_DOCS", 2)
    records = [make_record(f"Cykelväg nummer {n} i Lund.", f"{n}.txt") for n in range(5)]
    progress: list[int] = []
    index = FullTextIndex(tmp_path)
    assert index.rebuild(records, on_progress=progress.append) == 5
    assert progress == [2, 4, 5]
    assert index.doc_count() == 5
    assert len(index.search("cykelväg", limit=None)) == 5


def test_index_of_another_version_asks_for_reindex(tmp_path, monkeypatch):
    import hitta.index.fulltext as fulltext

    FullTextIndex(tmp_path).rebuild([make_record("Cykelvägar i Lund", "a.txt")])
    monkeypatch.setattr(fulltext, "INDEX_FORMAT", fulltext.INDEX_FORMAT + 1)  # as if this version changed the schema
    with pytest.raises(fulltext.IndexFormatError, match="hitta reindex"):
        FullTextIndex(tmp_path).exists()
    index = FullTextIndex(tmp_path)
    assert index.rebuild([make_record("Cykelvägar i Malmö", "b.txt")]) == 1
    assert [hit.source for hit in index.search("cykelvägar")] == ["b.txt"]


def test_an_index_being_created_is_never_taken_for_another_version(tmp_path, monkeypatch):
    """Another process asking exists() while the first creates the index sees the format file already there."""
    from hitta.index.storage import IndexStorage

    creating = FullTextIndex(tmp_path)
    create_index = IndexStorage.create_index
    seen: list[bool] = []

    def create_then_ask(storage, *args, **kwargs):
        ix = create_index(storage, *args, **kwargs)  # the table of contents is on disk from here on
        seen.append(FullTextIndex(tmp_path).exists())  # raised IndexFormatError when the format came last
        return ix

    monkeypatch.setattr(IndexStorage, "create_index", create_then_ask)
    creating.update([make_record("Cykelvägar i Lund", "a.txt")])
    assert seen == [True]
    assert [hit.source for hit in FullTextIndex(tmp_path).search("cykelvägar")] == ["a.txt"]


def test_matching_ids_follow_the_filters(tmp_path):
    sv = make_record("Renovering av skolan pågår.", "sv.txt", "sv", organisations=[ORG])
    da = make_record("Nye boligafdelinger renoveres.", "da.txt", "da")
    index = FullTextIndex(tmp_path)
    index.rebuild([sv, da])
    assert index.matching_ids({"lang": ["da"]}) == {da["id"]}
    assert index.matching_ids({"org": ["tillväxtverket"], "lang": ["sv", "da"]}) == {sv["id"]}
    assert index.matching_ids({"org": ["tillväxtverket"], "lang": ["da"]}) == set()
    assert index.matching_ids({}) == {sv["id"], da["id"]}


def test_an_organisation_the_collection_knows_is_also_found_where_its_name_is_written(tmp_path):
    # The extraction found the body in one text only; the others write its name (a Danish genitive, a
    # German text) without it being extracted there.
    body = {"text": "Byggfonden", "span": [0, 10], "name": "Byggfonden", "source": "rule"}
    found = make_record("Byggfonden stöder renovering av skolor.", "found.txt", "sv", organisations=[body])
    genitive = make_record("Byggfondens nye pulje støtter renovering.", "genitive.txt", "da")
    german = make_record("Gefördert von Byggfonden und der Stadt.", "german.txt", "de")
    other = make_record("Renovering av skolor utan fond.", "other.txt", "sv")
    named = make_record("Byggfonden nämns, men Okänd AB är ingen känd organisation.", "named.txt", "sv")
    index = FullTextIndex(tmp_path)
    index.rebuild([found, genitive, german, other, named])
    mentioning = {found["id"], genitive["id"], german["id"], named["id"]}
    assert index.matching_ids({"org": ["byggfonden"]}) == mentioning
    assert {hit.id for hit in index.search("renovering", filters={"org": ["byggfonden"]})} == {found["id"], genitive["id"]}
    assert {hit.id for hit in index.search("org:Byggfonden")} == mentioning
    assert {hit.id for hit in index.search("renovering -org:Byggfonden")} == {other["id"]}
    # a name no document holds as an organisation is not looked up in the text
    assert index.matching_ids({"org": ["okänd ab"]}) == set()
    assert index.search('org:"Okänd AB"') == []


@pytest.mark.parametrize("lang", ["sv", "da", "de"])
def test_stems_begin_with_their_words_first_letters(lang):
    # compound_parts skips heads by their first letters; that holds only if stemming keeps them.
    from hitta.index.fulltext import _stem_start, _stemmer
    from hitta.pipeline.lexicon import common_words

    words = [w for w in common_words(lang) if len(w) >= 5] + ["straßenbahn", "übergänge", "ökologisch", "överenskommelse", "ærgrelser"]
    stem = _stemmer(lang)
    assert [w for w in words if stem(w)[:3] != _stem_start(w, lang)] == []
    # and a stem is a prefix of its word as the stemmer spells it (compound_parts looks at one letter more)
    assert [w for w in words if stem(w) != _stem_start(w, lang, 2 * len(w))[: len(stem(w))]] == []
    assert all(len(stem(w)) >= 3 for w in words)


@pytest.mark.parametrize(
    ("word", "lang", "parts"),
    [
        ("stadtentwicklung", "de", ["entwicklung", "stadt"]),
        ("straßenbahnlinie", "de", ["bahnlinie", "straßen"]),
        ("turismeprojekter", "da", ["projekter", "turisme"]),
        ("cykelvägarna", "sv", ["vägarna", "cykel"]),
        ("renoveringen", "da", ["ringen", "renove"]),  # a known head and a long modifier: split, rightly or not
        ("klimatanpassning", "sv", ["anpassning", "klimat"]),
    ],
)
def test_compound_parts(word, lang, parts):
    from hitta.index.fulltext import compound_parts

    assert compound_parts(word, lang) == parts


def test_a_store_from_a_newer_hitta_is_refused_and_an_older_one_migrated(tmp_path):
    from hitta.corpus.store import SCHEMA_VERSION, Store, StoreError

    home = tmp_path / "home"
    with Store(home) as store:
        store.set_meta("schema_version", str(SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match="newer hitta.*upgrade hitta"):
        Store(home)
    with sqlite3.connect(home / "hitta.db") as db:
        db.execute("DELETE FROM meta WHERE name = 'schema_version'")
    with Store(home) as store:  # a store from before the version row: migrated, version written
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)


def test_a_large_records_equal_strings_decode_as_one_object():
    # json_loads_shared shares equal values as extraction did (pipeline.entities.share_strings); json.loads does not.
    from hitta.corpus.store import json_loads_shared

    data = json.dumps({"persons": [{"text": "Anna " + "Berg", "name": "Anna Berg"}] * 3, "title": "Anna Berg"})
    decoded = json_loads_shared(data)
    assert decoded == json.loads(data)
    assert decoded["persons"][0]["text"] is decoded["persons"][2]["name"] is decoded["title"]
    assert json.loads(data)["persons"][0]["text"] is not json.loads(data)["persons"][2]["name"]


def test_a_row_made_in_a_worker_stores_what_put_record_stores(tmp_path):
    # Extraction workers send RecordRow.of(record) (pickled); the store writes it as put_record writes the dict.
    import pickle
    import sqlite3

    from hitta.corpus.store import RecordRow

    record = make_record("Malmö stad och Region Skåne, 2 miljoner kronor.", "a.txt",
                         organisations=[ORG, {**ORG, "span": [20, 35]}, {"text": "Region Skåne", "span": [15, 27], "name": "Region Skåne", "source": "ner"}])
    record["sources"] = ["a.txt", "b.txt"]
    row = pickle.loads(pickle.dumps(RecordRow.of(record)))
    assert row.entities == [(record["id"], "organisations", "Tillväxtverket", "tillväxtverket"),
                            (record["id"], "organisations", "Region Skåne", "region skåne")]

    def stored(home, put):
        with Store(home) as store, store.transaction():
            put(store)
        db = sqlite3.connect(home / "hitta.db")
        return [db.execute(query).fetchall() for query in (
            "SELECT id, title, language, data FROM records", "SELECT * FROM entities ORDER BY type, key",
            "SELECT path, record_id, position FROM sources ORDER BY path")]

    expected = stored(tmp_path / "dict", lambda store: store.put_record(record))
    assert stored(tmp_path / "row", lambda store: store.put_row(row)) == expected
    assert json.loads(expected[0][0][3]) == {k: v for k, v in record.items() if k not in ("source", "sources")}
