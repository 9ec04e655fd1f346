"""Snippets: the passage of a hit's text that best matches the query, its matched words marked [[ ]].

The text is read word by word with the analyser of the document's language, so a snippet marks the
same words the index matched (stems, inflected forms, compounds, folded twins, translations). The
passage is the window of SNIPPET width holding the most query weight (distinct words first); it
starts at the sentence that holds its first match when that is close, else at a word boundary, so a
snippet never starts or ends inside a word. It depends only on the text and the query: not on the
rank of the hit or on --limit. A text without any query word gives its opening words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh import query as wq

from hitta.index.analysis import (
    FOLDED_PREFIX,
    STEM_START,
    STEMMED_LANGUAGES,
    WORD,
    LanguageAnalyzer,
    PlainAnalyzer,
    _stem_start,
    fold_text,
    fold_word,
)

# Texts longer than this are read (stemmed word by word) only around the places where a query term
# occurs as a string in the folded text (see _regions), so a snippet costs about the same on a 20 MB
# text as on a page.
FULL_SCAN_CHARS = 4000
REGION_CHARS = 300
PER_HEAD = 2
MAX_REGIONS = 40
# How far back from its first match a passage may start to begin with that match's sentence.
SENTENCE_REACH = 80
LEAD_CHARS = 30
# Words this long are searched for query terms inside them (compound parts); terms need MIN_INNER letters.
MIN_COMPOUND_WORD = 8
MIN_INNER = 4
_SENTENCE_END = re.compile(r"[.!?:;]\s+|\n")

Terms = dict[str, float]  # index term -> weight (a word 1.0, a translation less)


def query_terms(plan: Any) -> Terms:
    """Return every text-field term a query plan looks for, with its weight (phrases and constraints included)."""
    terms: Terms = {}

    def add(node: Any, weight: float) -> None:
        weight = weight * float(getattr(node, "boost", 1.0) or 1.0)
        if isinstance(node, wq.Term) and str(node.fieldname).startswith(("content_", "title")):
            text = str(node.text).removeprefix(FOLDED_PREFIX)
            terms[text] = max(terms.get(text, 0.0), weight)
        elif isinstance(node, wq.Phrase):
            for word in node.words:
                terms[str(word)] = max(terms.get(str(word), 0.0), weight)
        elif isinstance(node, wq.Prefix):
            terms[str(node.text) + "*"] = max(terms.get(str(node.text) + "*", 0.0), weight)
        elif not node.is_leaf():
            for sub in node.children():
                add(sub, weight)

    for word in plan.words:
        add(word.query, 1.0)
        if word.translations is not None:
            add(word.translations, 1.0)
    for node in plan.required:
        add(node, 1.0)
    return terms


def _analyser(language: str) -> Any:
    return _ANALYSERS.get(language) or _ANALYSERS["xx"]


_ANALYSERS: dict[str, Any] = {lang: LanguageAnalyzer(lang) for lang in STEMMED_LANGUAGES}
_ANALYSERS["xx"] = PlainAnalyzer()


def _stems_may_match(word: str, analyser: Any, starts: frozenset[str] | None) -> bool:
    """Return False when no stem of the lower-case word can be a query term: it would begin with letters no term begins with.

    Stemming is most of a snippet's cost, and a few query terms share their first letters with few
    words of a text. (Snowball's sv/da/de stems begin with their word's index.analysis._stem_start.)
    """
    return starts is None or _stem_start(word, analyser.lang) in starts


def _term_starts(analyser: Any, terms: Terms) -> frozenset[str] | None:
    """Return the first STEM_START letters of the terms for a stemming analyser (None: every word is analysed)."""
    if not isinstance(analyser, LanguageAnalyzer) or analyser.lang not in STEMMED_LANGUAGES:
        return None
    return frozenset(term[:STEM_START] for term in terms)


def _word_weight(
    word: str, analyser: Any, terms: Terms, prefixes: list[tuple[str, float]], inner: re.Pattern[str] | None, starts: frozenset[str] | None = None
) -> float:
    """Return the weight of the query term a word of the text stands for (0 when none).

    A word matches by its own analysed term (stem), or, when it is long, by holding a query term of
    at least MIN_INNER letters inside it: the part of a compound the index matched ("Klimawandel" for
    "klima"), found without splitting every word of the text. `starts` (_term_starts) skips words
    whose stems cannot be terms.
    """
    lowered = word.lower()
    weight = terms.get(lowered, 0.0)
    if _stems_may_match(lowered, analyser, starts):
        for term in analyser.terms(word, False):
            weight = max(weight, terms.get(term, 0.0))
    if not weight:
        folded = fold_word(lowered)
        if folded != lowered:
            stems = analyser.terms(folded, False) if _stems_may_match(folded, analyser, starts) else ()
            weight = max(terms.get(folded, 0.0), *(terms.get(t, 0.0) for t in stems), 0.0)
        if not weight and inner is not None and len(lowered) >= MIN_COMPOUND_WORD:
            weight = max((terms.get(found, 0.0) for found in inner.findall(folded)), default=0.0)
    for prefix, prefix_weight in prefixes:
        if lowered.startswith(prefix):
            weight = max(weight, prefix_weight)
    return weight


def _regions(text: str, terms: Terms) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) stretches of a text to read: all of it when short, else around possible matches.

    Around the first PER_HEAD places where each query term's first letters occur in the folded text
    (anywhere: compound heads sit inside words), so a text holding a term gets a stretch around it
    however often other terms occur before it; at most MAX_REGIONS stretches, in text order.
    """
    if len(text) <= FULL_SCAN_CHARS:
        yield 0, len(text)
        return
    heads = sorted({fold_word(term.rstrip("*").lower())[:4] for term in terms if len(term.rstrip("*")) >= 3})
    folded = fold_text(text).lower()  # offsets shift only by the odd ß or æ: stretches are generous enough
    places = sorted({place for head in heads for place in _first_places(folded, head, PER_HEAD)})[:MAX_REGIONS]
    if not places:
        yield 0, min(len(text), FULL_SCAN_CHARS)
        return
    end = 0
    for place in places:
        if place + REGION_CHARS <= end:
            continue
        start = max(0, place - REGION_CHARS, end)
        if start > 0:  # begin after a space: a stretch never starts inside a word
            space = text.find(" ", start, place)
            start = space + 1 if space >= 0 else start
        end = min(len(text), place + REGION_CHARS)
        yield start, end


def _first_places(text: str, needle: str, count: int) -> list[int]:
    """Return the offsets of the first `count` occurrences of needle in text."""
    places: list[int] = []
    found = text.find(needle)
    while found >= 0 and len(places) < count:
        places.append(found)
        found = text.find(needle, found + 1)
    return places


def best_passage(text: str, language: str, terms: Terms, width: int) -> str:
    """Return the best-matching passage of text (about `width` characters) with matched words marked [[ ]]."""
    return Passages(terms, width).best(text, language)


# What Passages works out once per language (see Passages._for).
_Prepared = tuple[Any, Terms, list[tuple[str, float]], "re.Pattern[str] | None", "frozenset[str] | None", "re.Pattern[str]", dict[str, float]]


class Passages:
    """The best passages of one query's hits: what depends only on the query terms and a language (the
    terms' forms, the analyser, each word's weight) is worked out once for all the texts."""

    def __init__(self, terms: Terms, width: int):
        self.terms = terms
        self.width = width
        self._languages: dict[str, _Prepared] = {}

    def _for(self, language: str) -> _Prepared:
        """Return the analyser, plain terms, prefixes, inner-term pattern, stem starts, heads pattern and word weights of a language."""
        prepared = self._languages.get(language)
        if prepared is None:
            terms = self.terms
            analyser = _analyser(language)
            plain = {term: weight for term, weight in terms.items() if not term.endswith("*")}
            prefixes = [(term[:-1].lower(), weight) for term, weight in terms.items() if term.endswith("*")]
            inner_terms = sorted({fold_word(term) for term in plain if len(term) >= MIN_INNER and term.isalpha()}, key=len, reverse=True)
            inner = re.compile("|".join(map(re.escape, inner_terms))) if inner_terms else None
            plain.update({fold_word(term): weight for term, weight in plain.items() if fold_word(term) not in plain})
            prepared = (analyser, plain, prefixes, inner, _term_starts(analyser, plain), _heads(plain, prefixes), {})
            self._languages[language] = prepared
        return prepared

    def best(self, text: str, language: str) -> str:
        """Return the best-matching passage of a text (about `width` characters) with matched words marked [[ ]]."""
        if not text:
            return ""
        width = self.width
        matches: list[tuple[int, int, str, float]] = []  # (start, end, lowered word, weight)
        if self.terms:
            analyser, plain, prefixes, inner, starts, heads, weights = self._for(language)  # weights: a word's, worked out once
            for start, end in _regions(text, self.terms):
                region = text[start:end]
                # The region's distinct words are weighed; only those with a weight are then looked for
                # as whole words (the words WORD.finditer would give), in text order.
                found = []
                for word in set(_WORDS.findall(region)):
                    weight = weights.get(word)
                    if weight is None:
                        may_weigh = heads.search(fold_word(word.lower())) is not None
                        weight = weights[word] = _word_weight(word, analyser, plain, prefixes, inner, starts) if may_weigh else 0.0
                    if weight:
                        found.append(word)
                matches.extend((start + at, start + at + len(word), word.lower(), weights[word]) for at, word in _whole_words(region, found))
        if not matches:
            return _cut(text, 0, width, [])
        best_start, best_score = matches[0][0], -1.0
        for first, (start, _, _, _) in enumerate(matches):
            seen: dict[str, float] = {}
            count = 0
            for other_start, other_end, word, weight in matches[first:]:
                if other_end - start > width - LEAD_CHARS:
                    break
                seen[word] = max(seen.get(word, 0.0), weight)
                count += 1
            score = sum(seen.values()) + 0.01 * count
            if score > best_score + 1e-9:
                best_start, best_score = start, score
        passage_start = _passage_start(text, best_start)
        return _cut(text, passage_start, width, [m for m in matches if m[0] >= passage_start])


def _heads(plain: Terms, prefixes: list[tuple[str, float]]) -> re.Pattern[str]:
    """Return a pattern that every word with a weight holds, accents folded: the first letters of a term or prefix.

    A word weighs by its own form, by its stem (which begins with the word's first letters), by a
    term inside it or by a prefix: each holds some term's or prefix's first STEM_START letters.
    """
    heads = {fold_word(term)[:STEM_START] for term in plain} | {fold_word(prefix)[:STEM_START] for prefix, _ in prefixes}
    return re.compile("|".join(map(re.escape, sorted(heads, key=len, reverse=True))))


# WORD without its group (findall gives the words).
_WORDS = re.compile(WORD.pattern.replace("(", "(?:"))


def _whole_words(text: str, words: list[str]) -> list[tuple[int, str]]:
    """Return (offset, word) of each place where one of the words stands as a whole word, as WORD reads it, in text order.

    A word of WORD has no word character before it nor a word character and a dot (a dot between word
    characters joins them, "z.B"), and no word character after it nor a dot and a word character.
    (A word character is what re's \\w matches: str.isalnum() or "_".)
    """

    def is_word(char: str) -> bool:
        return char.isalnum() or char == "_"

    found = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            before = text[max(0, at - 2) : at]
            after = text[end : end + 2]
            if not (
                (before and is_word(before[-1]))
                or (len(before) == 2 and before[1] == "." and is_word(before[0]))
                or (after and is_word(after[0]))
                or (len(after) == 2 and after[0] == "." and is_word(after[1]))
            ):
                found.append((at, word))
            at = text.find(word, at + 1)
    found.sort()
    return found


def _passage_start(text: str, first_match: int) -> int:
    """Return where a passage whose first match is at first_match begins: its sentence, or a word boundary before it."""
    reach = max(0, first_match - SENTENCE_REACH)
    window = text[reach:first_match]
    ends = list(_SENTENCE_END.finditer(window))
    if ends:
        return reach + ends[-1].end()
    if reach == 0:
        return 0
    lead = max(0, first_match - LEAD_CHARS)
    space = text.rfind(" ", lead - 20 if lead >= 20 else 0, first_match)
    return space + 1 if space >= 0 and space + 1 <= first_match else first_match


def _cut(text: str, start: int, width: int, matches: list[tuple[int, int, str, float]]) -> str:
    """Return text[start:] up to a word boundary near `width` characters, matches marked, whitespace folded."""
    end = min(len(text), start + width)
    if end < len(text):
        boundary = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
        if boundary > start:
            end = boundary
    pieces = []
    position = start
    for match_start, match_end, _, _ in matches:
        if match_end > end:
            break
        pieces.append(text[position:match_start])
        pieces.append("[[" + text[match_start:match_end] + "]]")
        position = match_end
    pieces.append(text[position:end])
    marked = " ".join("".join(pieces).split())
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + marked + suffix
