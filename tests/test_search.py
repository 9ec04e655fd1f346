"""Search honours the query in every mode: constraints, exclusions, fields and filters; snippets; query syntax."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hitta.index.fulltext import QuerySyntaxError
from hitta.library import Hitta

# Short texts written for these tests: three languages, overlapping words, a few entities.
TEXTS = {
    "de_anpassung.txt": "Die Anpassung an das Klima der Zukunft: die Gemeinden planen Grünflächen und Wasserspeicher.",
    "sv_klimat.txt": "Klimatanpassning i Malmö. Kommunen får stöd för grön omställning och byggavfallet återvinns.",
    "sv_smart.txt": "Smart stad i Lund: klimat och energi. Projektet stärker cykelvägar och hållbar stadsutveckling.",
    "da_renovering.txt": "Renoveringsstøtte til almene boliger i København. Klima og energi i fokus for beboerne.",
    "da_bredband.txt": "Bredbåndspuljen giver støtte til bredbånd og hurtigt internet i landdistrikterne i Region Syddanmark.",
    "de_plattenbau.txt": "Die Plattenbauten in Leipzig werden saniert. Das Mieterstrommodell liefert Strom vom Dach.",
    "de_klima.txt": "Klimaschutz und Förderung: die Stadt erhält Mittel für Radwege und Energie aus Sonne und Wind.",
    "en_city.txt": "Smart city programme for sustainable urban development in Nordic cities, with broadband for all.",
}
WORDS = ["klimat", "klima", "smart", "energi", "stöd", "støtte", "Förderung", "Malmö", "stad", "boliger", "broadband"]
FIELDS = ["lang:sv", "lang:da", "lang:de", "lang:xx", "year:1800", 'title:"Smart stad"', "org:Nowhere"]


@pytest.fixture(scope="module")
def hitta(tmp_path_factory):
    home = tmp_path_factory.mktemp("search-home")
    with Hitta(home) as library:
        library.ingest(texts=TEXTS, use_ner=False)
        yield library


def ids(hits):
    return {hit.id for hit in hits}


def sources(hits):
    return {hit.source.rsplit("/", 1)[-1] for hit in hits}


@st.composite
def constrained_queries(draw):
    """(query, its constraints alone): words with an operator, phrase, field or exclusion over the test texts' words."""
    words = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)))
    shape = draw(st.sampled_from(["exclude", "and", "phrase", "field", "not", "plus", "phrase-field"]))
    other = draw(st.sampled_from([word for word in WORDS if word not in words.split()]))
    if shape == "exclude":
        return f"{words} -{other}", f"-{other}"
    if shape == "and":
        query = " AND ".join([*words.split(), other])
        return query, query
    if shape == "phrase":
        phrase = f'"{words.split()[0]} {other}"'
        return phrase, phrase
    if shape == "field":
        field = draw(st.sampled_from(FIELDS))
        return f"{words} {field}", field
    if shape == "not":
        return f"{words} NOT {other}", f"NOT {other}"
    if shape == "phrase-field":
        query = f'"{words.split()[0]} {other}" {draw(st.sampled_from(FIELDS))}'
        return query, query
    return f"{words} +{other}", f"+{other}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=constrained_queries(), lang=st.sampled_from([(), ("sv",), ("da", "de")]))
def test_hybrid_and_semantic_never_return_what_keyword_excludes(hitta, queries, lang):
    query, constraint = queries
    # What keyword mode lets through when only the operators, phrases, fields and filters count.
    allowed = ids(hitta.search(constraint, mode="keyword", lang=lang, limit=100))
    keyword = ids(hitta.search(query, mode="keyword", lang=lang, limit=100))
    assert keyword <= allowed
    for mode in ("hybrid", "semantic"):
        hits = hitta.search(query, mode=mode, lang=lang, limit=100)
        assert ids(hits) <= allowed, (query, mode)
        # a hit holding a query word is one keyword mode finds too; the others are marked related
        assert {hit.id for hit in hits if hit.match != "related"} <= keyword, (query, mode)


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_exclusion_and_impossible_fields_hold_in_every_mode(hitta, mode):
    assert not sources(hitta.search("klima -smart", mode=mode)) & {"sv_smart.txt", "en_city.txt"}
    assert hitta.search("klima -smart", mode="keyword")
    assert hitta.search("lang:xx", mode=mode) == []
    assert hitta.search("year:1800", mode=mode) == []
    assert hitta.search("energi lang:xx", mode=mode) == []


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_phrase_with_a_field_term_needs_both(hitta, mode):
    assert sources(hitta.search('"smart stad" lang:sv', mode=mode)) == {"sv_smart.txt"}
    assert hitta.search('"smart stad" lang:da', mode=mode) == []


def test_plain_words_hits_without_them_are_marked_related(hitta):
    for hit in hitta.search("Malmö klimatanpassning", mode="hybrid", limit=20):
        if hit.match == "related":
            assert "Malmö" not in hit.snippet
    keyword = hitta.search("Malmö", mode="keyword")
    assert sources(keyword) == {"sv_klimat.txt"} and keyword[0].match == "all" and keyword[0].score == 100


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("byggavfall", "sv_klimat.txt"),  # definite -et, kept by the Swedish stemmer
        ("Plattenbau", "de_plattenbau.txt"),  # plural -ten
        ("Mieterstrom", "de_plattenbau.txt"),  # the compound it begins
        ("renovering", "da_renovering.txt"),  # renoveringsstøtte
        ("anpassning", "sv_klimat.txt"),  # the head of klimatanpassning
        ("Klimaanpassung", "de_anpassung.txt"),  # a compound's parts written apart
    ],
)
def test_inflected_forms_and_compounds_are_found(hitta, query, expected):
    assert expected in sources(hitta.search(query, mode="keyword"))


@pytest.mark.parametrize(("query", "expected"), [("broadband", "da_bredband.txt"), ("renovation", "da_renovering.txt")])
def test_translations_find_other_languages_and_are_marked(hitta, query, expected):
    hits = {hit.source.rsplit("/", 1)[-1]: hit for hit in hitta.search(query, mode="keyword")}
    assert expected in hits and hits[expected].match == "translation"


def test_snippets_hold_a_query_word_start_at_a_boundary_and_ignore_the_limit(hitta):
    for query in ("energi", "Förderung", "hurtigt internet"):
        few = {hit.id: hit.highlight for hit in hitta.search(query, mode="hybrid", limit=1)}
        many = {hit.id: hit.highlight for hit in hitta.search(query, mode="hybrid", limit=10)}
        for doc_id, marked in few.items():
            assert many[doc_id] == marked
        for hit in hitta.search(query, mode="keyword", limit=10):
            assert "[[" in hit.highlight
            text = hitta.get(hit.id)["text"]
            body = hit.snippet.removeprefix("… ").removesuffix(" …")
            start = text.find(body[:20])
            assert start == 0 or not text[start - 1].isalnum(), (hit.snippet, query)


def test_deeply_nested_queries_are_a_clear_error(hitta):
    with pytest.raises(QuerySyntaxError, match="nested 500 deep") as raised:
        hitta.search("(" * 500 + "klima" + ")" * 500)
    assert len(str(raised.value)) < 400  # the query is shortened in the message
    assert hitta.search("((klima))", mode="keyword")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(0, 700), word=st.sampled_from(WORDS), minus=st.booleans(), mode=st.sampled_from(["keyword", "hybrid"]))
def test_any_nesting_depth_gives_hits_or_a_query_error(hitta, depth, word, minus, mode):
    query = "(" * depth + word + (" -smart" if minus else "") + ")" * depth
    try:
        hits = hitta.search(query, mode=mode)
    except QuerySyntaxError as exc:
        assert depth > 50 and "nested" in str(exc)
    else:
        assert depth <= 50
        assert not minus or "sv_smart.txt" not in sources(hits)


@pytest.mark.parametrize("lang", ["sv", "da", "de"])
def test_shipped_compound_stems_match_the_word_lists(lang):
    # A stale index/lexicon/stems_<lang>.txt is ignored (and costs a second per search process):
    # rewrite it with training/build_compound_stems.py whenever a word list changes.
    import random

    from hitta.index.analysis import LEXICON_DIR, _stemmer, _word_list_digest, compound_stems
    from hitta.pipeline.lexicon import common_words

    first_line = (LEXICON_DIR / f"stems_{lang}.txt").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line == f"# sha256 {_word_list_digest(lang)}"
    words = random.Random(0).sample(sorted(common_words(lang)), 300)
    assert {_stemmer(lang)(word) for word in words} <= compound_stems(lang)


def test_glossary_lookup_by_stem_key_equals_stemming_every_entry():
    # crosslang stems a glossary entry only when a query word shares its first letters; the result
    # must be what stemming every entry gives, for the entries themselves and inflected forms.
    from hitta.index import crosslang

    folded, by_key, concepts = crosslang._glossary()
    every = {}
    for number, concept in enumerate(concepts):
        for lang, words in concept.items():
            for word in (w for w in words if " " not in w):
                for key in (crosslang._stem(lang, word), crosslang.fold_text(word.lower())):
                    every.setdefault((lang, key), set()).add(number)
    words = {w for concept in concepts for ws in concept.values() for w in ws if " " not in w}
    queries = sorted(words | {w + ending for w in words for ending in ("en", "er", "s", "et", "ing")} | {"Øl", "ÄRGER", "x"})
    for query in queries:
        for lang in crosslang.LANGUAGES:
            for key in (crosslang._stem(lang, query), crosslang.fold_text(query.lower())):
                assert crosslang._concepts_of(lang, key) == every.get((lang, key), set()), (query, lang, key)


def test_snippets_skip_only_words_whose_stems_cannot_be_query_terms(hitta, monkeypatch):
    # The snippet stems a word only when its first letters begin some query term; marking every
    # word after stemming it must give the same passages.
    import hitta.index.snippets as snippets
    from hitta.index.crosslang import translations

    queries = [*WORDS, "Plattenbau", "byggavfall", "renovering Klimaanpassung", '"grön omställning"', "stad*", "broadband"]
    records = [hitta.get(hit.id) for hit in hitta.search("klima OR energi OR stad OR støtte OR Strom OR broadband", mode="keyword", limit=20)]
    plans = [hitta.fulltext.plan(query, False, translate=translations) for query in queries]
    filtered = [snippets.best_passage(r["text"], r["language"], snippets.query_terms(p), 120) for p in plans for r in records]
    # One Passages per query, its word weights shared by the texts, gives each text's own passage.
    shared = [passages.best(r["text"], r["language"]) for passages in (snippets.Passages(snippets.query_terms(p), 120) for p in plans) for r in records]
    monkeypatch.setattr(snippets, "_term_starts", lambda analyser, terms: None)
    monkeypatch.setattr(snippets, "_heads", lambda plain, prefixes: re.compile(""))  # every word is weighed
    every = [snippets.best_passage(r["text"], r["language"], snippets.query_terms(p), 120) for p in plans for r in records]
    assert filtered == every == shared and sum("[[" in passage for passage in every) > len(queries)


def test_snippets_mark_the_words_the_tokeniser_finds():
    # Words are weighed once per query and then found as whole words: dotted tokens (z.B, klima.x),
    # underscores and digits stay parts of their word, as WORD reads the text.
    import hitta.index.snippets as snippets
    from hitta.index.analysis import WORD

    text = "Klima, z.B. klima.x und Klima_2 oder klima. Bl.a klima-smart Klimat klimaschutz (klima)klima"
    terms = {"klima": 1.0, "z.b": 1.0}
    marked = re.findall(r"\[\[(.*?)\]\]", snippets.best_passage(text, "de", terms, 500))
    passages = snippets.Passages(terms, 500)
    analyser, plain, prefixes, inner, starts, _, _ = passages._for("de")
    expected = [m.group() for m in WORD.finditer(text) if snippets._word_weight(m.group(), analyser, plain, prefixes, inner, starts)]
    assert marked == expected and marked.count("klima") >= 3 and "klima.x" not in marked
