"""Cross-language expansion of query words: Swedish, Danish (and Bokmål), German and English.

Three sources, each a data file under index/lexicon with its source stated there:

- ``glossary.tsv``: the field's terms in en/sv/da/de, written by hand, one source per entry;
- ``pud_terms.tsv``: word translations sv/de/en learnt from the parallel UD PUD sentences (the
  project's training corpora) by training/learn_pud_terms.py (Dice association over aligned sentences),
  shipped in that file;
- ``scandinavian_spelling.tsv``: regular Swedish ↔ Danish/Bokmål spelling correspondences, which
  turn a word into guesses at its cognate ("stöd" → "stød"; "gata" → "gade").

`translations(word)` returns (language, word) pairs (cognate guesses only for a word without an entry); the full-text side keeps only those the index
holds (index.query.Expander), at TRANSLATION_WEIGHT, and the semantic side adds them to the query text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hitta.index.analysis import _stem_start, _stemmer, fold_text

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
LANGUAGES = ("en", "sv", "da", "de")
# The translation tables read, in this order (see BENCHMARKS.md for what each one adds).
TABLES = ("glossary.tsv", "pud_terms.tsv")
# Whether a concept's other words in the language the query word was found in count as translations
# (synonyms: "penge" → "midler"); see BENCHMARKS.md, "Cross-language options".
SAME_LANGUAGE_SYNONYMS = True
# Guessed cognates per word (the spelling rules combine): enough for two changes in a word.
MAX_COGNATE_GUESSES = 12
# Words shorter than this get no cognate guesses (short words collide with unrelated ones).
MIN_COGNATE_WORD = 4


def _stem(lang: str, word: str) -> str:
    return _stemmer(lang)(word.lower()) if lang in ("sv", "da", "de", "en") else word.lower()


def _stem_key(lang: str, word: str) -> str:
    """Return the letters that every stem of a lower-case word begins with; glossary words are looked up by these.

    sv/da/de: index.analysis._stem_start (their Snowball stemmers cut only after the first three
    letters); English: the first letter (its stemmer respells "dying" as "die").
    """
    return _stem_start(word, lang) if lang in ("sv", "da", "de") else word[:1]


@lru_cache(maxsize=1)
def _glossary() -> tuple[dict[tuple[str, str], set[int]], dict[tuple[str, str], list[tuple[str, int]]], list[dict[str, list[str]]]]:
    """Return the concepts of glossary.tsv and pud_terms.tsv and two lookups of their one-word entries.

    ((language, folded word) → concept numbers, (language, stem key) → [(lower-case word, concept
    number)], concepts: language → words). An entry is stemmed only when a query word shares its
    stem key: stemming all of them cost every search process ~15 ms.
    """
    folded: dict[tuple[str, str], set[int]] = {}
    by_key: dict[tuple[str, str], list[tuple[str, int]]] = {}
    concepts: list[dict[str, list[str]]] = []
    for name in TABLES:
        path = LEXICON_DIR / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            concept = {lang: [w.strip() for w in cell.split("|") if w.strip()] for lang, cell in zip(LANGUAGES, cells)}
            number = len(concepts)
            concepts.append(concept)
            for lang, words in concept.items():
                for word in words:
                    if " " not in word:
                        lowered = word.lower()
                        by_key.setdefault((lang, _stem_key(lang, lowered)), []).append((lowered, number))
                        folded.setdefault((lang, fold_text(lowered)), set()).add(number)
    return folded, by_key, concepts


def _concepts_of(lang: str, key: str) -> set[int]:
    """Return the concepts with an entry in `lang` whose stem or folded spelling is `key`."""
    folded, by_key, _ = _glossary()
    # An entry's stem begins with the entry's stem key, so an entry stemming to `key` is listed
    # under the stem key of `key` itself.
    found = {number for entry, number in by_key.get((lang, _stem_key(lang, key)), ()) if _stem(lang, entry) == key}
    return found | folded.get((lang, key), set())


def glossary_translations(word: str) -> list[tuple[str, str]]:
    """Return (language, word) of every glossary or PUD concept the word belongs to, in any of the four languages."""
    concepts = _glossary()[2]
    found: dict[int, set[str]] = {}
    for lang in LANGUAGES:
        for key in (_stem(lang, word), fold_text(word.lower())):
            for number in sorted(_concepts_of(lang, key)):
                found.setdefault(number, set()).add(lang)
    pairs: dict[tuple[str, str], None] = {}
    for number, languages in found.items():
        for lang, words in concepts[number].items():
            if SAME_LANGUAGE_SYNONYMS or lang not in languages:
                for other in words:
                    if other.lower() != word.lower() and " " not in other:
                        pairs[(lang, other)] = None
    return list(pairs)


@lru_cache(maxsize=1)
def _spelling_rules() -> list[tuple[str, str, str]]:
    rules = []
    for line in (LEXICON_DIR / "scandinavian_spelling.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        swedish, danish, where = line.split("\t")[:3]
        if swedish != danish:
            rules.append((swedish, danish, where))
    return rules


def _rewrites(word: str, source: str, target: str, where: str) -> list[str]:
    """Return the word with one occurrence of source replaced by target, at each place the rule allows."""
    results = []
    start = word.find(source)
    while start >= 0:
        end = start + len(source)
        allowed = (
            where == "any"
            or (where == "end" and end == len(word))
            or (where == "start" and start == 0)
            or (where == "after-vowel" and start > 0 and word[start - 1] in "aeiouyåäöæø" and end < len(word) + 1)
        )
        if allowed:
            results.append(word[:start] + target + word[end:])
        start = word.find(source, start + 1)
    return results


def cognate_guesses(word: str) -> list[tuple[str, str]]:
    """Return (language, guess) pairs: the word respelt Swedish → Danish and Danish → Swedish (two changes at most)."""
    lowered = word.lower()
    if len(lowered) < MIN_COGNATE_WORD or not lowered.isalpha():
        return []
    guesses: dict[tuple[str, str], None] = {}
    for lang, forward in (("da", True), ("sv", False)):
        frontier = [lowered]
        for _ in range(2):
            following = []
            for form in frontier:
                for swedish, danish, where in _spelling_rules():
                    source, target = (swedish, danish) if forward else (danish, swedish)
                    following.extend(_rewrites(form, source, target, where))
            for form in following:
                if form != lowered:
                    guesses[(lang, form)] = None
            frontier = following[:MAX_COGNATE_GUESSES]
    return list(guesses)[: 2 * MAX_COGNATE_GUESSES]


def translations(word: str) -> list[tuple[str, str]]:
    """Return the (language, word) translations of a query word (itself excluded): its glossary and PUD
    entries, or for a word without any, its guessed Scandinavian cognates.

    Cognate guesses next to glossary entries lowered nDCG@10 on the tuning half (0.875 → 0.870), as a
    fallback they raised it (0.876; BENCHMARKS.md, "Cross-language options").
    """
    return glossary_translations(word) or cognate_guesses(word)
