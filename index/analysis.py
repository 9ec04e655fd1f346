"""Text analysis shared by the full-text and the semantic index: tokens, stop words, stemming, compounds, folding.

One accent folding (`fold_text`) serves both indexes and the query side, so "Malmö", "Malmø" and
"Malmo" meet the same way everywhere. The whoosh analysers (`LanguageAnalyzer`, `PlainAnalyzer`) and
the postings format (`TermPositions`) live here; `index.fulltext` builds its schema from them.

Query-side helpers find, for a query word, the indexed forms it should also match: its inflected
forms that Snowball leaves apart ("byggavfall" → "byggavfallet", "Plattenbau" → "Plattenbauten"),
the compounds it begins ("Mieterstrom" → "Mieterstrommodell", "renovering" → "renoveringsstøtte"),
while compounds that end in it are found through the parts indexed at the compound's position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from operator import sub
from pathlib import Path
from typing import Any

from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Positions
from whoosh.compat import dumps
from whoosh.system import pack_uint

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

# Heads shorter than this are not split off: short words ("hof", "amt") match inside too many words.
MIN_COMPOUND_PART = 5
LINKING_ELEMENTS = ("", "s", "es", "n", "en", "e")


@lru_cache(maxsize=None)
def _stemmer(lang: str) -> Callable[[str], str]:
    from whoosh.lang import stemmer_for_language

    return lru_cache(maxsize=100_000)(stemmer_for_language(lang))


@lru_cache(maxsize=None)
def compound_stems(lang: str) -> frozenset[str]:
    """Return the stems of the shipped common words of a language (pipeline/lexicon/words_<lang>.txt).

    Stemming the 17–26k words takes over a second per language in whoosh's pure-Python Snowball, which
    a one-off `hitta search` cannot afford, so the stems ship in lexicon/stems_<lang>.txt, whose first
    line holds the sha256 of the word list they were made from; a stale file is ignored and the stems
    are computed (training/build_compound_stems.py rewrites the files).
    """
    shipped = LEXICON_DIR / f"stems_{lang}.txt"
    if shipped.is_file():
        lines = shipped.read_text(encoding="utf-8").split("\n")
        if lines and lines[0] == f"# sha256 {_word_list_digest(lang)}":
            return frozenset(line for line in lines[1:] if line)
    return computed_compound_stems(lang)


def computed_compound_stems(lang: str) -> frozenset[str]:
    """Return the stems of a language's common words, stemmed now."""
    from hitta.pipeline.lexicon import common_words

    stem = _stemmer(lang)
    return frozenset(stem(word) for word in common_words(lang))


def _word_list_digest(lang: str) -> str:
    import hashlib

    from hitta.pipeline.lexicon import LEXICON_DIR as WORDS_DIR

    path = WORDS_DIR / f"words_{lang}.txt"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def write_compound_stems(lang: str) -> Path:
    """Write lexicon/stems_<lang>.txt from the current word list; return its path."""
    path = LEXICON_DIR / f"stems_{lang}.txt"
    stems = sorted(computed_compound_stems(lang))
    path.write_text(f"# sha256 {_word_list_digest(lang)}\n" + "\n".join(stems) + "\n", encoding="utf-8")
    return path


# Snowball's sv/da/de stemmers only cut suffixes inside R1, which starts after at least 3 letters;
# the German one first writes ß as ss and at the end drops umlauts. So a stem begins with the first
# STEM_START letters of its word, the German ones after that spelling.
STEM_START = 3
_GERMAN_SPELLING = str.maketrans({"ß": "ss", "ä": "a", "ö": "o", "ü": "u"})


def _stem_start(word: str, lang: str, letters: int = STEM_START) -> str:
    """Return the first `letters` letters of `word` as its stemmer spells them (German: ß as ss, no umlauts).

    With the default STEM_START, the letters every stem of the word begins with. Every stem is a
    prefix of the word so spelled (the stemmers only cut suffixes), so a longer start is that of
    every stem at least as long.
    """
    if lang == "de":
        return word[:letters].translate(_GERMAN_SPELLING)[:letters]
    return word[:letters]


@lru_cache(maxsize=None)
def _stem_starts(lang: str) -> frozenset[str]:
    """Return the first STEM_START + 1 letters of the stems compound_parts looks for (the stems of STEM_START letters whole)."""
    return frozenset(stem[: STEM_START + 1] for stem in compound_stems(lang))


def compound_parts(word: str, lang: str) -> list[str]:
    """Return the parts of a compound: its longest known head and its modifier.

    "stadtentwicklung" → ["entwicklung", "stadt"]; "turismeprojekter" → ["projekter", "turisme"].
    A head is known when its stem is the stem of a word in the shipped list; the modifier is kept
    when it is known too or at least MIN_COMPOUND_PART letters long (after a linking -s/-es/-n/-en/-e).
    """
    stems = compound_stems(lang)
    if not stems:
        return []
    stem = _stemmer(lang)
    starts = _stem_starts(lang)
    stops = _stop_words(lang)

    def known_head(head: str) -> bool:
        # Stemming every head is most of the cost; a head whose first letters no known stem starts
        # with cannot stem to one (tests/test_store.py checks that stems are prefixes of their words).
        # A known stem of STEM_START letters is those letters; a longer one starts with one more.
        if len(head) < MIN_COMPOUND_PART:
            return False
        start = _stem_start(head, lang, STEM_START + 1)
        return (start in starts or start[:STEM_START] in starts) and stem(head) in stems

    def known_modifier(modifier: str) -> str | None:
        # A function word (under, über, til, ...) in front is a particle or prefix, not a modifier:
        # "under|lätta", "über|lieferung" are words of their own (bench/compounds.py).
        bases = [modifier[: len(modifier) - len(link)] for link in LINKING_ELEMENTS if modifier.endswith(link)]
        known = [base for base in bases if len(base) >= 4 and base not in stops and stem(base) in stems]
        return known[0] if known else None

    for start in range(3, len(word) - MIN_COMPOUND_PART + 1):
        head = word[start:]
        if not known_head(head):
            continue
        modifier = word[:start]
        if modifier in stops:
            return []
        base = known_modifier(modifier)
        if base is not None:
            return [head, base]
        # An unknown modifier with a short head is more often a word plus an inflection
        # ("renover|ingen") than a compound; a long head is a safe split ("turisme|projekter").
        if len(head) >= 7 and len(modifier) >= MIN_COMPOUND_PART:
            return [head, modifier]
        return []
    return []


# whoosh's default RegexTokenizer expression: words, with inner dots kept ("z.B" stays one token).
WORD = re.compile(r"\w+(\.?\w+)*", re.UNICODE)
# Per-word analysis results kept per kind of analyser, shared by its instances (each writer and searcher
# unpickles the schema anew, so a cache per instance started empty at every full-text commit); cleared
# when full so memory stays bounded: they now live as long as the process, so the limit per cache is a
# third of the former one per instance.
WORD_CACHE_LIMIT = 100_000
_WORD_CACHES: dict[tuple[str, ...], dict[tuple[str, bool], tuple[str, ...]]] = {}
# Prefix of the accent-folded twin of a word with accents, indexed at the word's position in the same
# field ("Malmö" → "malmö" and "~malmo"). WORD never yields "~", so no plain query meets these terms;
# --fold-accents looks for both forms. Twins only for accented words: a separate folded field for all
# words doubled the postings and the full-text share of ingest time (bench/stages.py).
FOLDED_PREFIX = "~"


# Letters that are not a base letter plus a mark, folded the way they are written without them
# (the usual transliteration: "Æble" → "AEble", "Straße" → "Strasse"). Chained str.replace: on long
# texts str.translate with a dict is several times slower.
_UNMARKED_LETTERS = (
    ("ø", "o"), ("Ø", "O"), ("æ", "ae"), ("Æ", "AE"), ("œ", "oe"), ("Œ", "OE"), ("ß", "ss"), ("ẞ", "SS"),
    ("đ", "d"), ("Đ", "D"), ("ł", "l"), ("Ł", "L"), ("ı", "i"),
)
# The combining marks NFKD splits off Latin letters (the general, extended and supplementary blocks).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_text(text: str) -> str:
    """Return text with its accents folded ("Förderung" → "Forderung", "København" → "Kobenhavn", "Æble" → "AEble").

    The one folding of hitta: the full-text index's folded twins, --fold-accents queries, snippets and
    the semantic index's tokens all use it.
    """
    for letter, replacement in _UNMARKED_LETTERS:
        if letter in text:
            text = text.replace(letter, replacement)
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


@lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """Return a word with its accents folded, as fold_text (cached: for words, not whole texts)."""
    return fold_text(word)


class _WordAnalyzer(Tokenizer):
    """Yields the terms of each word found by WORD; a subclass says which terms a word gives, cached here."""

    _cache: dict[tuple[str, bool], tuple[str, ...]]

    def cache_key(self) -> tuple[str, ...]:
        """Return what tells this analyser's results apart from other analysers': instances with one key share a cache."""
        raise NotImplementedError

    def _shared_cache(self) -> dict[tuple[str, bool], tuple[str, ...]]:
        return _WORD_CACHES.setdefault(self.cache_key(), {})

    def analyse(self, word: str, index: bool) -> tuple[str, ...]:
        """Return the terms of one word as found in the text; () for a stop word (not cached)."""
        raise NotImplementedError

    def terms(self, word: str, index: bool) -> tuple[str, ...]:
        """Return analyse(word, index), cached per word; the cache is cleared when full so memory stays bounded."""
        key = (word, index)
        found = self._cache.get(key)
        if found is None:
            found = self.analyse(word, index)
            if len(self._cache) >= WORD_CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        return found

    def __getstate__(self) -> dict[str, Any]:
        # The index's schema is pickled: leave the cache out.
        return {name: value for name, value in self.__dict__.items() if name != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = self._shared_cache()

    def index_positions(self, value: str) -> dict[str, list[int]]:
        """Return each term's positions in value, terms in order of first appearance: what __call__ yields at index time."""
        positions: dict[str, list[int]] = {}
        pos = 0
        terms_of = self.terms
        for match in WORD.finditer(value):
            terms = terms_of(match.group(), True)
            if terms:
                for term in terms:
                    if term in positions:
                        positions[term].append(pos)
                    else:
                        positions[term] = [pos]
                pos += 1
        return positions

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Any:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        index = mode == "index"
        matches = WORD.finditer(value) if tokenize else [None]
        pos = start_pos
        for match in matches:
            original = match.group() if match else value
            terms = self.terms(original, index)
            token.stopped = not terms
            if not terms:
                if removestops:
                    continue
                terms = (original.lower(),)  # a stop word shown to the highlighter, marked as stopped
            for term in terms:
                token.text = term
                token.boost = 1.0
                if keeporiginal:
                    token.original = original
                if positions:
                    token.pos = pos
                if chars:
                    start, end = (match.start(), match.end()) if match else (0, len(value))
                    token.startchar = start_char + start
                    token.endchar = start_char + end
                yield token
            if not token.stopped:
                pos += 1


class LanguageAnalyzer(_WordAnalyzer):
    """Tokenize, lowercase, split compounds, drop stop words and Snowball-stem in one pass, cached per word.

    Gives the terms of whoosh's RegexTokenizer | LowercaseFilter | StopFilter(lang) | StemFilter(lang)
    chain, plus at index time the parts of long compounds and, for a word with accents, the folded
    twin of its stem (FOLDED_PREFIX + stem of the folded word). Parts and twin share the word's
    position, so a phrase query that runs across a compound, or a --fold-accents phrase, still
    matches. Words are split at "*" too, so the German gender star ("Bürger*innen") indexes both words. One generator instead of five and a
    cache of each word's terms make it twice as fast as the chained filters.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._cache = self._shared_cache()

    def cache_key(self) -> tuple[str, ...]:
        """Analysers of one language give a word the same terms."""
        return ("language", self.lang)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LanguageAnalyzer) and other.lang == self.lang

    def has_morph(self) -> bool:
        """Stemming changes words, so whoosh must not offer the indexed terms as spelling suggestions."""
        return True

    def analyse(self, word: str, index: bool) -> tuple[str, ...]:
        """Return the terms of one word: its stem, then at index time its compound parts' stems and folded twin."""
        stops, stem = _stop_words(self.lang), _stemmer(self.lang)
        lowered = word.lower()
        if len(lowered) < 2 or lowered in stops:
            return ()
        stemmed = stem(lowered)
        if not index:
            return (stemmed,)
        parts = compound_parts(lowered, self.lang) if len(lowered) >= 8 and lowered.isalpha() else []
        words = [lowered] + [part for part in parts if part not in stops]
        terms = tuple(stem(word) for word in words)
        # Twins of the word and of its parts, where folding changes the stem (the German stemmer
        # already drops umlauts: "förderung" and "forderung" have one stem, and need no twin).
        twins = tuple(
            FOLDED_PREFIX + folded_stem
            for word, term in zip(words, terms)
            if (folded := fold_word(word)) != word and (folded_stem := stem(folded)) != term
        )
        return terms + twins


class PlainAnalyzer(_WordAnalyzer):
    """Tokenize, lowercase and drop stop words of every language, cached per word (titles, other languages).

    Gives the terms of whoosh's StandardAnalyzer(stoplist=multilingual_stop_words(), minsize=1), plus
    at index time the folded twin (FOLDED_PREFIX + folded word) of a word with accents.
    """

    def __init__(self) -> None:
        self._cache = self._shared_cache()

    def cache_key(self) -> tuple[str, ...]:
        """Every PlainAnalyzer gives a word the same terms."""
        return ("plain",)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainAnalyzer)

    def analyse(self, word: str, index: bool) -> tuple[str, ...]:
        """Return the word lowercased, then at index time its folded twin when it has accents."""
        lowered = word.lower()
        if lowered in multilingual_stop_words():
            return ()
        folded = fold_word(lowered) if index else lowered
        return (lowered, FOLDED_PREFIX + folded) if folded != lowered else (lowered,)


@lru_cache(maxsize=None)
def _stop_words(lang: str) -> frozenset[str]:
    """Return the words whoosh's StopFilter(lang=...) drops: its English default list plus the language's."""
    from whoosh.analysis import StopFilter

    return StopFilter(lang=lang).stops


def language_analyzer(lang: str) -> LanguageAnalyzer:
    """Return a language's analyzer: tokenize, lowercase, split compounds, drop stop words, Snowball stem."""
    return LanguageAnalyzer(lang)


@lru_cache(maxsize=None)
def multilingual_stop_words() -> frozenset[str]:
    """Return the stop words of every language hitta meets, for fields not tied to one language."""
    from whoosh.lang import stopwords_for_language

    words: set[str] = set()
    for lang in ("sv", "da", "de", "no", "en", "nl"):
        words |= set(stopwords_for_language(lang))
    return frozenset(words)


_ONE_POSITION = pack_uint(1)


class TermPositions(Positions):
    """whoosh's Positions format, whose index-time postings for hitta's analysers skip Token objects.

    whoosh's word_values moves a Token through two generators per term and sums a boost of 1.0 per
    occurrence; here the same counts, weights (occurrences × field boost) and encoded positions come
    from the analyser's term positions. Stored in the index's schema, so it keeps this name.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        """Yield (term, frequency, weight, encoded positions) per distinct term, as Positions.word_values."""
        if not (isinstance(value, str) and isinstance(analyzer, _WordAnalyzer) and kwargs == {"mode": "index"}):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost, encode = self.field_boost, self.encode
        for term, positions in analyzer.index_positions(value).items():
            yield (term, len(positions), float(len(positions)) * boost, encode(positions))

    def encode(self, poslist: list[int]) -> bytes:
        """Return Positions.encode(poslist): the count, then the pickled gaps between positions (a third of its time)."""
        if len(poslist) == 1:
            return _ONE_POSITION + dumps(poslist, 2)  # the gap from 0 is the position itself
        return pack_uint(len(poslist)) + dumps([poslist[0], *map(sub, poslist[1:], poslist)], 2)




STEMMED_LANGUAGES = ("sv", "da", "de")


@lru_cache(maxsize=None)
def all_stop_words() -> frozenset[str]:
    """Return the stop words of every analyser: a folded query must not turn one into a word ("für" → "fur")."""
    return multilingual_stop_words().union(*(_stop_words(lang) for lang in STEMMED_LANGUAGES))


# Query words shorter than this get no inflected forms: "by" + "t" is another Danish word.
MIN_INFLECTED_WORD = 4
# A query word's stem must be this long to look for compounds that begin with it, and what follows it
# (less a linking element) must be a known word's stem at least MIN_COMPOUND_HEAD letters long.
MIN_COMPOUND_PREFIX = 5
MIN_COMPOUND_HEAD = 4
# Lexicon terms read per field when looking for compounds that begin with a query word.
MAX_PREFIX_SCAN = 2000


@lru_cache(maxsize=None)
def inflection_endings(lang: str) -> tuple[str, ...]:
    """Return the inflectional endings of a language from lexicon/endings.txt (empty when it has none)."""
    for line in (LEXICON_DIR / "endings.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and not line.startswith("#") and fields[0] == lang:
            return tuple(fields[1:])
    return ()


@lru_cache(maxsize=20_000)
def inflected_terms(word: str, lang: str) -> tuple[str, ...]:
    """Return the index terms of a word's inflected forms that differ from its own stem, in a stemmed field.

    "byggavfall" (sv) → ("byggavfallet", ...): the stems of the word with each ending of the language,
    so a query finds the forms whose stem Snowball leaves longer than the base form's.
    """
    lowered = word.lower()
    if len(lowered) < MIN_INFLECTED_WORD or not lowered.isalpha():
        return ()
    stem = _stemmer(lang)
    own = stem(lowered)
    return tuple(dict.fromkeys(term for ending in inflection_endings(lang) if (term := stem(lowered + ending)) != own))


@lru_cache(maxsize=20_000)
def plain_inflected_terms(word: str) -> tuple[str, ...]:
    """Return a word with the endings of every language, for the unstemmed fields (titles, other languages)."""
    lowered = word.lower()
    if len(lowered) < MIN_INFLECTED_WORD or not lowered.isalpha():
        return ()
    endings = dict.fromkeys(ending for lang in STEMMED_LANGUAGES for ending in inflection_endings(lang))
    return tuple(lowered + ending for ending in endings)


def is_compound_continuation(remainder: str, lang: str | None) -> bool:
    """Return True when what follows a query word in an indexed term makes it a compound of that word.

    The remainder, less a linking element, must be the stem of a known word (of `lang`, or of any
    stemmed language for unstemmed fields) at least MIN_COMPOUND_HEAD letters long:
    "renovering" + "sstøt" (renoveringsstøtte), "mieterstrom" + "modell".
    """
    languages = (lang,) if lang else STEMMED_LANGUAGES
    for link in LINKING_ELEMENTS:
        if not remainder.startswith(link):
            continue
        head = remainder[len(link) :]
        if len(head) < MIN_COMPOUND_HEAD or not head.isalpha():
            continue
        for language in languages:
            if head in compound_stems(language) or _stemmer(language)(head) in compound_stems(language):
                return True
    return False
