"""The LSA semantic index (index/semantic.py) and reciprocal rank fusion (index/hybrid.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.hybrid import reciprocal_rank_fusion
from index.semantic import SemanticIndex, char_ngrams, fold, tokenize

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
        ("Fælles fodslag, 2030-målen!", ["falles", "fodslag", "2030", "malen"]),
        ("Renovering af boliger for beboerne", ["renovering", "boliger", "beboerne"]),
        ("a i x_y z2", ["z2"]),  # one-letter tokens dropped, underscore splits
    ],
)
def test_tokenize_folds_accents_and_nordic_letters(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_fold_and_char_ngrams() -> None:
    assert fold("ÆØÅ äöü ß") == "aoa aou ss"
    assert char_ngrams("by") == (" by", "by ", " by ")
    assert char_ngrams("stad") == (" st", "sta", "tad", "ad ", " sta", "stad", "tad ", " stad", "stad ")
    assert char_ngrams("2030") == ()


# --- reciprocal rank fusion --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rankings", "kwargs", "expected"),
    [
        (
            [["a", "b", "c"], ["b", "c", "d"]],
            {},
            [("b", 1 / 62 + 1 / 61), ("c", 1 / 63 + 1 / 62), ("a", 1 / 61), ("d", 1 / 63)],
        ),
        ([["a", "b"], ["b", "a"]], {}, [("a", 1 / 61 + 1 / 62), ("b", 1 / 62 + 1 / 61)]),  # tie: first seen
        ([["x"], ["y"]], {}, [("x", 1 / 61), ("y", 1 / 61)]),
        ([["a", "b"], ["b", "a"]], {"weights": [1.0, 2.0]}, [("b", 1 / 62 + 2 / 61), ("a", 1 / 61 + 2 / 62)]),
        ([["a", "b"]], {"k": 0}, [("a", 1.0), ("b", 0.5)]),
        ([["a", "a", "b"]], {}, [("a", 1 / 61), ("b", 1 / 63)]),  # a repeat counts once, ranks stay
        ([[], ["q"]], {}, [("q", 1 / 61)]),
        ([], {}, []),
    ],
)
def test_reciprocal_rank_fusion(rankings: list[list[str]], kwargs: dict, expected: list[tuple[str, float]]) -> None:
    fused = reciprocal_rank_fusion(rankings, **kwargs)
    assert [doc for doc, _ in fused] == [doc for doc, _ in expected]
    assert [score for _, score in fused] == pytest.approx([score for _, score in expected])


@pytest.mark.parametrize(("kwargs"), [{"weights": [1.0]}, {"k": -1}])
def test_reciprocal_rank_fusion_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"], ["b"]], **kwargs)
