"""Regex scanning shortcuts shared by the rule extractors: match only where a match can start."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# Letters that case-insensitive matching pairs with an ASCII or Nordic letter although str.lower() does
# not turn them into it (dotted and dotless i, long s) or only by the full mapping (Kelvin and Ångström
# signs). A shortcut that searches lowercased text, or lists lowercase first letters, must fall back
# when one of them is present.
CASE_EXOTIC = frozenset("\u0130\u0131\u017f\u212a\u212b")


_CASE_EXOTIC_LETTERS = tuple(sorted(CASE_EXOTIC))


def has_case_exotic(text: str) -> bool:
    """Return True when text holds a letter of CASE_EXOTIC.

    One substring test per letter: each is a search in C (none at all in a text of characters below U+0100),
    where a set test hashes every character of the text.
    """
    for letter in _CASE_EXOTIC_LETTERS:
        if letter in text:
            return True
    return False


def longest_first(words: Iterable[str]) -> str:
    """Return a regex alternation of the words, escaped, the longest first (ties in alphabetical order).

    re takes the first alternative that matches, not the longest: with `juni|jun`, never `jun` for `juni`,
    but with `jun|juni` the match stops after `jun`.
    """
    return "|".join(re.escape(word) for word in sorted(words, key=lambda word: (-len(word), word)))


def matches_at(
    pattern: re.Pattern[str], text: str, starts: list[int], pattern_at: Callable[[int], re.Pattern[str]] | None = None
) -> list[re.Match[str]]:
    """Return what pattern.finditer(text) returns, given sorted offsets that include every possible match start.

    Python's re cannot skip ahead on a pattern that starts with a lookbehind or a long case-insensitive
    word list, so finditer tries it at every offset; a cheap scan for the few places a match can start
    (a digit, an "@") and pattern.match there gives the same matches many times faster. pattern_at(offset),
    where given, names the pattern to try at an offset instead (one whose alternatives can start there).
    """
    matches = []
    end = 0
    for start in starts:
        if start >= end:
            match = (pattern_at(start) if pattern_at else pattern).match(text, start)
            if match:
                matches.append(match)
                end = match.end()
    return matches


class Coverage:
    """The characters of a text that accepted spans cover: "does this span overlap any accepted one?" in
    time proportional to the span's length, however many spans were accepted.

    Checking a new span against every accepted one (all pairs) made extraction quadratic in the size of a
    text: a 5 MB text took a minute and 281 M overlap tests. Spans are half-open [start, end) character
    offsets; two non-empty spans overlap exactly when they share a character, and an empty span overlaps
    nothing. Memory: one byte per character of the text.
    """

    __slots__ = ("_covered",)

    def __init__(self, length: int) -> None:
        self._covered = bytearray(max(0, length))

    def overlaps(self, start: int, end: int) -> bool:
        """Return True if [start, end) shares a character with an accepted span."""
        return start < end and self._covered.find(1, max(0, start), end) != -1

    def accept(self, start: int, end: int) -> None:
        """Mark [start, end) as covered."""
        start = max(0, start)
        if start < end:
            if end > len(self._covered):
                self._covered.extend(bytes(end - len(self._covered)))
            self._covered[start:end] = b"\x01" * (end - start)
