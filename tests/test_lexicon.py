"""Word lists are data with a stated source: every pipeline/lexicon/<concept>.<lang>.txt file opens with a
`#` header naming where its entries come from, then holds one entry per line, sorted and unique."""

from __future__ import annotations

from pathlib import Path

import pytest

from hitta.pipeline.lexicon import LEXICON_DIR, common_words, word_list

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
