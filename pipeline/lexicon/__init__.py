"""Common-word lists of Swedish, Danish and German, built from the training corpora (see training/)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def common_words(lang: str) -> frozenset[str]:
    """Return the lower-cased common words of a language (empty for a language without a list)."""
    path = LEXICON_DIR / f"words_{lang}.txt"
    if not lang.isalpha() or not path.is_file():
        return frozenset()
    return frozenset(path.read_text(encoding="utf-8").split())


@lru_cache(maxsize=None)
def word_list(concept: str, lang: str) -> frozenset[str]:
    """Return the entries of pipeline/lexicon/<concept>.<lang>.txt (lines after the `#` source header).

    Each such file starts with comment lines naming its source, then one entry per line, sorted and unique
    (tests/test_lexicon.py). A missing file gives an empty set.
    """
    path = LEXICON_DIR / f"{concept}.{lang}.txt"
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=None)
def any_language(concept: str) -> frozenset[str]:
    """Return the entries of every language's list of a concept together (texts mix languages)."""
    return frozenset().union(*(word_list(concept, path.name.split(".")[1]) for path in LEXICON_DIR.glob(f"{concept}.*.txt")))


@lru_cache(maxsize=None)
def endings(concept: str) -> tuple[str, ...]:
    """Return every language's entries of a concept as a tuple, for `str.endswith` (texts mix languages)."""
    return tuple(sorted(any_language(concept)))


@lru_cache(maxsize=None)
def numbered(concept: str, lang: str | None = None) -> dict[str, int]:
    """Return the `<number> <word>` entries of a concept's lists as {word: number} (months).

    Every language's list together, or only `lang`'s list when a language is given.
    """
    table: dict[str, int] = {}
    for entry in sorted(any_language(concept) if lang is None else word_list(concept, lang)):
        number, word = entry.split(" ", 1)
        table[word] = int(number)
    return table
