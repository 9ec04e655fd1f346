"""The LSA semantic index (index/semantic.py) and the hybrid score fusion (index/hybrid.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import hitta.index.semantic as semantic
import hitta.index.hybrid as hybrid
from hitta.index.semantic import SemanticIndex, _Model, char_ngrams, fold, tokenize

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"
SOFIELUND, ORESUND, SOEST, RENOVATION, SUEDWESTFALEN = sorted(path.stem for path in SAMPLES.glob("*.txt"))

EXTRA = {
    "sv_cykel": (
        "Cykelvägar i Umeå. Projektet bygger ut ett sammanhängande nät av cykelvägar mellan "
        "bostadsområdena och centrum. Kommunen vill att fler ska välja cykeln till arbete och skola, "
        "och satsar därför på belysning, vinterväghållning och säkra korsningar för cyklister."
    ),
    "da_kyst": (
        "Kystbeskyttelse i Lemvig. Stormfloder har gentagne gange oversvømmet havnen, og kommunen "
        "bygger nu diger og højvandsmure langs Limfjorden. Projektet skal beskytte boliger og "
        "virksomheder mod havvandsstigninger og klimatilpasning er en fast del af planlægningen."
    ),
    "de_breitband": (
        "Breitbandausbau im ländlichen Raum. Der Landkreis verlegt Glasfaser bis in jedes Dorf, "
        "damit Betriebe, Schulen und Haushalte schnelles Internet erhalten. Gefördert wird der "
        "Ausbau vom Bund und vom Land; die Gemeinden koordinieren die Tiefbauarbeiten."
    ),
}


def corpus() -> list[tuple[str, str]]:
    """The five samples (id = file stem) plus the short texts above."""
    samples = [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(SAMPLES.glob("*.txt"))]
    return samples + list(EXTRA.items())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SemanticIndex:
    """An index over the samples and extra texts (shared; tests that change it build their own)."""
    return SemanticIndex.build(tmp_path_factory.mktemp("semantic") / "semantic", corpus())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("renovering af almene boliger og fællesskab for beboerne", RENOVATION),
        ("digitale Stadt Klimaschutz", SOEST),
        ("hållbar stadsutveckling med fastighetsägare och entreprenörer", SOFIELUND),
        ("samarbete mellan Malmö och Köpenhamn om investeringar och tillväxt", ORESUND),  # sv query, da text
        ("Rahmenstrategie für Kommunen in Südwestfalen", SUEDWESTFALEN),
        ("cykelbanor och säkra korsningar", "sv_cykel"),
        ("oversvømmelse og diger ved havnen", "da_kyst"),
        ("schnelles Internet mit Glasfaser auf dem Dorf", "de_breitband"),
    ],
)
def test_query_finds_the_paraphrased_document_first(built: SemanticIndex, query: str, expected: str) -> None:
    hits = built.query(query, k=3)
    assert hits[0][0] == expected
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_query_scores_are_cosines_and_k_limits(built: SemanticIndex) -> None:
    hits = built.query("Smart City", k=2)
    assert len(hits) == 2
    assert all(0.0 < score <= 1.0 for _, score in hits)


def test_query_restrict_limits_the_candidates(built: SemanticIndex) -> None:
    hits = built.query("digitale Stadt Klimaschutz", k=10, restrict={SUEDWESTFALEN, RENOVATION, "unknown"})
    assert [doc for doc, _ in hits][0] == SUEDWESTFALEN
    assert {doc for doc, _ in hits} <= {SUEDWESTFALEN, RENOVATION}
    assert built.query("digitale Stadt", restrict=set()) == []


@pytest.mark.parametrize("query", ["", "   ", "xyzzy qwrtp", "!!! ???"])
def test_query_without_known_features_returns_nothing(built: SemanticIndex, query: str) -> None:
    assert built.query(query) == []


@pytest.mark.parametrize(
    ("doc_id", "nearest"),
    [
        (SOEST, SUEDWESTFALEN),  # both: the smart-city strategy of Südwestfalen
        (SUEDWESTFALEN, SOEST),
    ],
)
def test_similar_excludes_itself_and_finds_the_related_text(built: SemanticIndex, doc_id: str, nearest: str) -> None:
    hits = built.similar(doc_id, k=20)
    assert doc_id not in [doc for doc, _ in hits]
    assert hits[0][0] == nearest
    assert len(hits) <= len(built) - 1


def test_similar_unknown_id_raises_key_error(built: SemanticIndex) -> None:
    with pytest.raises(KeyError):
        built.similar("0000000000000000")


def test_files_on_disk(built: SemanticIndex) -> None:
    directory = built.directory
    ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    vectors = np.load(directory / "vectors.npy")
    assert ids == [doc for doc, _ in corpus()]
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(ids), meta["dims"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert meta["n_docs"] == len(ids) and meta["created"]
    assert not list(directory.glob("*.tmp"))


def test_open_reads_what_build_wrote(built: SemanticIndex) -> None:
    reopened = SemanticIndex.open(built.directory)
    assert reopened is not None and len(reopened) == len(built)
    assert reopened.query("oversvømmelse og diger", k=1) == built.query("oversvømmelse og diger", k=1)


@pytest.mark.parametrize("make", [lambda tmp: tmp / "missing", lambda tmp: tmp])
def test_open_without_an_index_returns_none(tmp_path: Path, make) -> None:
    assert SemanticIndex.open(make(tmp_path)) is None


def test_add_then_query_finds_the_new_document(tmp_path: Path) -> None:
    index = SemanticIndex.build(tmp_path, corpus())
    new = "Cykelvägar och cykelparkering vid stationen i Umeå: kommunen bygger ut cykelnätet."
    index.add([("sv_station", new)])
    assert len(index) == len(corpus()) + 1
    assert "sv_station" in [doc for doc, _ in index.query("cykelparkering vid stationen", k=2)]
    reopened = SemanticIndex.open(tmp_path)
    assert reopened is not None and len(reopened) == len(index)
    assert reopened.meta["added_since_fit"] == 1


def test_add_replaces_the_row_of_a_known_id(tmp_path: Path) -> None:
    index = SemanticIndex.build(tmp_path, corpus())
    index.add([("sv_cykel", EXTRA["da_kyst"])])  # same id, new text
    assert len(index) == len(corpus())
    assert index.similar("sv_cykel", k=1)[0] == ("da_kyst", pytest.approx(1.0, abs=1e-5))


def test_remove_drops_rows_and_ignores_unknown_ids(tmp_path: Path) -> None:
    index = SemanticIndex.build(tmp_path, corpus())
    index.remove([RENOVATION, "unknown"])
    assert len(index) == len(corpus()) - 1
    assert RENOVATION not in [doc for doc, _ in index.query("renovering af almene boliger", k=10)]
    reopened = SemanticIndex.open(tmp_path)
    assert reopened is not None and RENOVATION not in reopened.ids
    with pytest.raises(KeyError):
        reopened.similar(RENOVATION)


def test_build_keeps_the_last_text_of_a_repeated_id(tmp_path: Path) -> None:
    docs = corpus() + [("sv_cykel", EXTRA["de_breitband"])]
    index = SemanticIndex.build(tmp_path, docs)
    assert len(index) == len(corpus())
    assert index.query("Glasfaser Dorf", k=1)[0][0] in {"sv_cykel", "de_breitband"}
    assert index.similar("sv_cykel", k=1)[0][0] == "de_breitband"


@pytest.mark.parametrize(
    "docs",
    [
        [],
        [("only", "Glasfaser für jedes Dorf im Landkreis")],
        [("a", "Glasfaser für jedes Dorf"), ("b", "Diger mod stormflod i havnen")],
        [("punct", "!!! --- ???")],
        [("Glasfaser", "Glasfaser im Dorf \udcff kaputt decodiert")],  # a lone surrogate from a bad decode
    ],
)
def test_tiny_corpora_build_and_answer(tmp_path: Path, docs: list[tuple[str, str]]) -> None:
    index = SemanticIndex.build(tmp_path, docs)
    assert len(index) == len(docs)
    reopened = SemanticIndex.open(tmp_path)
    assert reopened is not None and len(reopened) == len(docs)
    hits = reopened.query("Glasfaser Dorf")
    assert [doc for doc, _ in hits][:1] == ([docs[0][0]] if docs and docs[0][0] != "punct" else [])
    reopened.add([("later", "Glasfaser und Breitband")])  # must not fail, even without a model
    assert reopened.needs_refit()


TOPICS = ["cykelvägar", "bredband", "kollektivtrafik", "skolgårdar", "vindkraft", "bibliotek", "hamnen"]


def _short_docs(n: int, prefix: str) -> list[tuple[str, str]]:
    return [(f"{prefix}{i}", f"Projekt om {TOPICS[i % 7]} och {TOPICS[i % 5]} i kommun {1000 + i}") for i in range(n)]


@pytest.mark.parametrize(
    ("fitted", "added", "expected"),
    [
        (2, 0, False),  # nothing new
        (2, 1, True),  # a fit on < 3 documents had no SVD: refit at once
        (10, 19, False),  # +190 % but fewer than 20 documents
        (10, 20, True),
        (40, 20, False),  # exactly +50 %: not more than half
        (40, 21, True),
    ],
)
def test_needs_refit(tmp_path: Path, fitted: int, added: int, expected: bool) -> None:
    index = SemanticIndex.build(tmp_path, _short_docs(fitted, "old"))
    index.add(_short_docs(added, "new"))
    assert index.needs_refit() is expected
    reopened = SemanticIndex.open(tmp_path)
    assert reopened is not None and reopened.needs_refit() is expected


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Malmø og København", ["malmo", "kobenhavn"]),
        ("Malmö och Köpenhamn", ["malmo", "kopenhamn"]),
        ("Straße in Südwestfalen", ["strasse", "sudwestfalen"]),
        ("Fælles fodslag, 2030-målen!", ["faelles", "fodslag", "2030", "malen"]),
        ("Renovering af boliger for beboerne", ["renovering", "boliger", "beboerne"]),
        ("a i x_y z2", ["z2"]),  # one-letter tokens dropped, underscore splits
    ],
)
def test_tokenize_folds_accents_and_nordic_letters(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_fold_and_char_ngrams() -> None:
    assert fold("ÆØÅ äöü ß") == "aeoa aou ss"  # one folding with the full-text index: æ → ae
    assert char_ngrams("by") == (" by", "by ", " by ")
    assert char_ngrams("stad") == (" st", "sta", "tad", "ad ", " sta", "stad", "tad ", " stad", "stad ")
    assert char_ngrams("2030") == ()


# --- counting and the SVD --------------------------------------------------------------------


def _reference_counts(model: _Model, token_lists: list[list[str]]) -> np.ndarray:
    """Term counts the slow, obvious way: word unigrams and bigrams, then char_ngrams() per occurrence."""
    word_column = {term: i for i, term in enumerate(model.word_terms)}
    char_column = {term: len(model.word_terms) + i for i, term in enumerate(model.char_terms)}
    counts = np.zeros((len(token_lists), model.n_features), dtype=np.float32)
    for row, tokens in enumerate(token_lists):
        words = Counter(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])])
        chars = Counter(gram for token in tokens for gram in char_ngrams(token))
        for features, columns in ((words, word_column), (chars, char_column)):
            for feature, number in features.items():
                if feature in columns:
                    counts[row, columns[feature]] += number
    return counts


@pytest.mark.parametrize(
    "text",
    [
        "Renovering af almene boliger i Gellerup: beboerne, boligerne og fællesskabet",
        "Glasfaser für jedes Dorf – Straße, Straßen, Glasfaserausbau 2030 und 2031",
        "Cykelvägar i Umeå och Malmö; by, bygd, bygden, by by by",
        "Ωmega 北京市 niño ﬁnance x² ab ab",  # letters outside the fitted alphabet, digits as superscript
        "Øresund ØRESUND øresund 12 345 2030-målen",
        "",
    ],
)
def test_counts_equal_the_reference_analyzers(text: str) -> None:
    fitted = [tokenize(t) for _, t in corpus()]
    model, _ = _Model.fit(fitted)
    assert model is not None
    token_lists = [tokenize(text), tokenize(text + " " + EXTRA["sv_cykel"])]
    assert np.array_equal(model._count(token_lists).toarray(), _reference_counts(model, token_lists))


def test_fit_keeps_every_feature_of_a_small_corpus_once() -> None:
    token_lists = [tokenize(t) for _, t in corpus()]
    model, _ = _Model.fit(token_lists)
    assert model is not None
    words = {f for tokens in token_lists for f in tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]}
    chars = {g for tokens in token_lists for token in tokens for g in char_ngrams(token)}
    assert sorted(model.word_terms) == sorted(words)  # below MIN_DF_FROM_DOCS nothing is pruned
    assert sorted(model.char_terms) == sorted(chars)


def test_small_corpora_keep_their_tfidf_geometry(built: SemanticIndex) -> None:
    # Below MAX_DIMS documents the SVD is exact and spans every document: cosines are unchanged.
    model = built._fitted_model()
    assert model is not None and model.components is not None
    weighted = model._weigh(model._count([tokenize(text) for _, text in corpus()])).toarray()
    weighted /= np.linalg.norm(weighted, axis=1, keepdims=True)
    vectors = np.asarray(built._vectors)
    assert np.allclose(vectors @ vectors.T, weighted @ weighted.T, atol=1e-4)


@pytest.mark.parametrize(
    "text",
    ["klimaneutral smart city", "renovering af almene boliger, renovering igen", "Förderung 2020 2020 der Stadt", "", "xyzzy", "a b"],
)
def test_query_vector_equals_the_batch_transform(built: SemanticIndex, text: str) -> None:
    # The query side computes one vector with numpy alone (no scipy import per query process).
    model = built._fitted_model()
    assert model is not None
    assert np.allclose(model.query_vector(text), model.transform([text])[0], atol=1e-6)
    no_svd = _Model(model.word_terms, model.char_terms, model.idf, None)
    assert np.allclose(no_svd.query_vector(text), no_svd.transform([text])[0], atol=1e-6)


def test_randomized_svd_finds_the_leading_axes(monkeypatch: pytest.MonkeyPatch) -> None:
    # With 8 axes for 70 documents the randomized path runs; its axes must span the exact leading ones.
    monkeypatch.setattr(semantic, "MAX_DIMS", 8)
    token_lists = [tokenize(text) for _, text in _short_docs(70, "doc")] + [tokenize(t) for _, t in corpus()]
    model, vectors = _Model.fit(token_lists)
    assert model is not None and model.components is not None and model.components.shape[1] == 8
    weighted = model._weigh(model._count(token_lists)).toarray().astype(np.float64)
    exact = np.linalg.svd(weighted, full_matrices=False)[2][:8].T
    axes = model.components.astype(np.float64)
    assert np.allclose(axes.T @ axes, np.eye(8), atol=1e-4)  # orthonormal
    principal_cosines = np.linalg.svd(exact.T @ axes, compute_uv=False)
    assert principal_cosines.min() > 0.99
    assert np.allclose(vectors, model.transform_tokens(token_lists), atol=1e-4)  # fit rows = projected rows


def test_build_beyond_the_fit_sample_projects_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "FIT_MAX_DOCS", 6)
    docs = corpus() + _short_docs(12, "kort")
    index = SemanticIndex.build(tmp_path, docs, batch_size=4)
    assert index.meta["fit_docs"] == 6 and len(index) == len(docs)
    model = index._fitted_model()
    assert model is not None
    expected = model.transform(text for _, text in docs)
    assert np.allclose(np.asarray(index._vectors), expected, atol=1e-5)


def test_add_and_remove_rewrite_the_vectors_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_VECTOR_CHUNK_ROWS", 3)
    index = SemanticIndex.build(tmp_path, corpus())
    before = {doc_id: np.array(index._vectors[row]) for row, doc_id in enumerate(index.ids)}
    index.add([("sv_cykel", EXTRA["de_breitband"]), ("ny", "Vindkraft och bredband i Norrland")])
    index.remove([SOEST, "unknown"])
    reopened = SemanticIndex.open(tmp_path)
    assert reopened is not None
    assert reopened.ids == [d for d in before if d != SOEST] + ["ny"]
    for doc_id in (SOFIELUND, RENOVATION, "da_kyst"):
        assert np.array_equal(reopened._vectors[reopened.ids.index(doc_id)], before[doc_id])
    assert np.allclose(reopened._vectors[reopened.ids.index("sv_cykel")], before["de_breitband"], atol=1e-6)


def test_open_of_another_format_asks_for_a_reindex(tmp_path: Path) -> None:
    SemanticIndex.build(tmp_path, corpus())
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "format": semantic.FORMAT + 1}), encoding="utf-8")
    with pytest.raises(RuntimeError, match="hitta reindex"):
        SemanticIndex.open(tmp_path)


# --- reciprocal rank fusion --------------------------------------------------------------------


class _Hit:
    def __init__(self, doc_id: str, score: float):
        self.id, self.score = doc_id, score


def test_hybrid_adds_the_keyword_share_of_the_best_score_and_the_cosine() -> None:
    keyword = [_Hit("a", 8.0), _Hit("b", 4.0), _Hit("c", 0.4)]
    semantic_hits = [("d", 0.9), ("c", 0.5), ("a", 0.1), ("e", 0.2)]
    share = hybrid.KEYWORD_SHARE
    fused = dict(hybrid.fuse("hybrid", keyword, semantic_hits, matching={"a", "b", "c"}, words=["w"]))
    expected = {"a": share + (1 - share) * 0.1, "b": share * 0.5, "c": share * 0.05 + (1 - share) * 0.5, "d": (1 - share) * 0.9}
    assert fused == {doc_id: round(100 * score) for doc_id, score in expected.items()}  # "e": no word, under the floor
    assert [doc_id for doc_id, _ in hybrid.fuse("hybrid", keyword, semantic_hits, {"a", "b", "c"}, ["w"])] == sorted(
        expected, key=lambda doc_id: -expected[doc_id]
    )


def test_hybrid_ties_keep_keyword_order_then_semantic_order() -> None:
    keyword = [_Hit("x", 2.0), _Hit("y", 2.0)]
    fused = hybrid.fuse("hybrid", keyword, [("z", 0.0 + hybrid.KEYWORD_SHARE / (1 - hybrid.KEYWORD_SHARE))], {"x", "y", "z"}, ["w"])
    assert [doc_id for doc_id, _ in fused] == ["x", "y", "z"]


def test_a_paraphrase_without_the_words_can_outrank_a_weak_keyword_match() -> None:
    # The best keyword hit holds one common word; the paraphrase holds none but is close in meaning.
    keyword = [_Hit("common-word", 1.0)]
    fused = hybrid.fuse("hybrid", keyword, [("paraphrase", 0.8), ("common-word", 0.1)], {"common-word"}, ["w"])
    assert [doc_id for doc_id, _ in fused] == ["paraphrase", "common-word"]
