"""Word lists are data with a stated source: every pipeline/lexicon/<concept>.<lang>.txt file opens with a
`#` header naming where its entries come from, then holds one entry per line, sorted and unique."""

from __future__ import annotations

from pathlib import Path

import pytest

from hitta.pipeline.lexicon import LEXICON_DIR, common_words, numbered, word_list

CONCEPT_FILES = sorted(path for path in LEXICON_DIR.glob("*.*.txt"))
COMMON_WORD_FILES = sorted(LEXICON_DIR.glob("words_*.txt"))


def test_there_are_concept_lists():
    assert CONCEPT_FILES


@pytest.mark.parametrize("path", CONCEPT_FILES, ids=lambda path: path.name)
def test_concept_list_has_a_source_header_and_sorted_unique_entries(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    entries = [line for line in lines if not line.startswith("#")]
    assert header and lines[: len(header)] == header, "the source header comes first"
    assert any("source" in line.lower() for line in header), "the header names the source"
    assert all(entry and entry == entry.strip() for entry in entries), "no blank or padded entries"
    assert entries == sorted(set(entries)), "entries sorted and unique"
    concept, lang = path.name.split(".")[:2]
    assert word_list(concept, lang) == frozenset(entries)


@pytest.mark.parametrize("path", COMMON_WORD_FILES, ids=lambda path: path.name)
def test_common_word_lists_are_sorted_and_unique(path: Path):
    # Built by training/build_compound_lexicon.py from the NER training corpora (words seen outside
    # entities); index/lexicon/stems_<lang>.txt records their digest, so they carry no header.
    words = path.read_text(encoding="utf-8").split()
    assert words == sorted(set(words))
    assert common_words(path.stem.split("_")[1]) == frozenset(words)


def test_missing_list_is_empty():
    assert word_list("no_such_concept", "sv") == frozenset()


def test_month_lists_number_every_month_once_per_language():
    for path in LEXICON_DIR.glob("months.*.txt"):
        lang = path.name.split(".")[1]
        numbers = sorted({int(entry.split(" ", 1)[0]) for entry in word_list("months", lang)})
        assert numbers == list(range(1, 13)), path.name
    assert numbered("months")["augusti"] == 8 and numbered("month_abbreviations")["dez"] == 12


def test_municipalities_and_regions_are_listed_whole_and_only_as_organisations():
    # A municipality's or region's name alone is a place: every entry carries the word that makes it the body.
    sv, da = word_list("municipalities", "sv"), word_list("municipalities", "da")
    assert all(name.endswith((" kommun", " stad", " Stad")) or name == "Region Gotland" for name in sv)
    assert all(name.endswith((" Kommune", " Regionskommune")) for name in da)
    assert len({name for name in sv if name.endswith(" kommun")} | {"Region Gotland"}) == 290
    assert len(da) == 98
    sv_regions = {name for name in word_list("regions", "sv") if not name.startswith("Länsstyrelsen")}
    assert len(sv_regions) == 21 and len(word_list("regions", "da")) == 5
    assert not any(" " not in name for name in sv_regions - {"Västra Götalandsregionen"})
    länder = word_list("states", "de")
    assert all(name.split()[0] in {"Land", "Freistaat", "Freie", "Landesregierung", "Senat", "Regierung"}
               or name.endswith(("regierung", "Landesregierung")) for name in länder)


def test_known_bodies_split_into_one_token_names_and_phrases():
    from hitta.pipeline.names import COMPOUND_ACRONYMS, KNOWN_ORGANISATIONS, KNOWN_PHRASES

    assert "Tillväxtverket" in KNOWN_ORGANISATIONS and "Malmö stad" in KNOWN_PHRASES
    assert "Malmö" not in KNOWN_ORGANISATIONS and "Københavns Kommune" in KNOWN_PHRASES
    assert not any(" " in name for name in KNOWN_ORGANISATIONS) and all(" " in name for name in KNOWN_PHRASES)
    assert {"FN", "IHK"} <= COMPOUND_ACRONYMS


def test_given_names_come_from_the_build_script():
    # training/build_given_names.py writes them from NER training splits; the header names the sources.
    for path in LEXICON_DIR.glob("given_names.*.txt"):
        header = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        assert any("training/build_given_names.py" in line for line in header)
        assert not any("test" in line.replace("never a test split", "") for line in header), path.name


def test_given_names_hold_no_function_words():
    # NorNE tags a capitalised `The` inside English titles as PER; the build script drops stop words.
    for path in LEXICON_DIR.glob("given_names.*.txt"):
        lang = path.name.split(".")[1]
        stop = {word.lower() for word in word_list("stopwords", lang) | word_list("stopwords", "en")}
        names = word_list("given_names", lang)
        assert names and not {name for name in names if name.lower() in stop}, path.name
