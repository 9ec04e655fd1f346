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
