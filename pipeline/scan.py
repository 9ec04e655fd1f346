"""Regex scanning shortcuts shared by the rule extractors: match only where a match can start."""

from __future__ import annotations

import re

# Letters that case-insensitive matching pairs with an ASCII or Nordic letter although str.lower() does
# not turn them into it (dotted and dotless i, long s) or only by the full mapping (Kelvin and Ångström
# signs). A shortcut that searches lowercased text, or lists lowercase first letters, must fall back
# when one of them is present.
CASE_EXOTIC = frozenset("\u0130\u0131\u017f\u212a\u212b")


def has_case_exotic(text: str) -> bool:
    """Return True when text holds a letter of CASE_EXOTIC."""
    return not CASE_EXOTIC.isdisjoint(text)


def matches_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """Return what pattern.finditer(text) returns, given sorted offsets that include every possible match start.

    Python's re cannot skip ahead on a pattern that starts with a lookbehind or a long case-insensitive
    word list, so finditer tries it at every offset; a cheap scan for the few places a match can start
    (a digit, an "@") and pattern.match there gives the same matches many times faster.
    """
    matches = []
    end = 0
    for start in starts:
        if start >= end:
            match = pattern.match(text, start)
            if match:
                matches.append(match)
                end = match.end()
    return matches
