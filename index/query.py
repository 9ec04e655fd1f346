"""From a query string to what each search mode runs: constraints, exclusions and the plain words.

whoosh parses the string (words, "phrases", prefix*, AND/OR/NOT, +word/-word, field:value). The
parsed query is then split the way a reader of the query means it:

- **constraints**, which every hit must satisfy in every mode: phrases, prefixes, ranges, field terms
  (`org:`, `lang:`, `year:`, `title:`, ...), `+word`, and whole `a AND b` groups;
- **exclusions**, which no hit may match: `NOT x`, `-word`, `-field:value`;
- **plain words**, which rank: a hit needs at least one of them in keyword mode, and the semantic
  ranking may add documents holding none of them (shown as related).

An explicit `a OR b` whose members are not all plain words stays one constraint.

Each plain word looks, in every text field, for its stem, its inflected forms (index.analysis), the
compounds it begins that the lexicon holds, its parts written apart when it is a compound, and its
translations (index.crosslang, at a lower weight).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.qparser import syntax
from whoosh.qparser.plugins import PlusMinusPlugin

from hitta.index.analysis import (
    FOLDED_PREFIX,
    MAX_PREFIX_SCAN,
    MIN_COMPOUND_PREFIX,
    STEMMED_LANGUAGES,
    _stemmer,
    compound_parts,
    inflected_terms,
    is_compound_continuation,
    plain_inflected_terms,
)

TEXT_FIELDS = ("title", "content_sv", "content_da", "content_de", "content_xx")
# Weight of a word's translations against the word itself (bench/relevance.py; see BENCHMARKS.md).
TRANSLATION_WEIGHT = 0.5
# Weight of a compound's parts found written apart, against the compound itself.
PARTS_WEIGHT = 0.7
# Where a translation into a language is looked for: its own field, and the other-languages field for
# Danish (Bokmål write-ups share its spelling) and English.
TRANSLATION_FIELDS = {
    "sv": ("content_sv", "title"),
    "da": ("content_da", "content_xx", "title"),
    "de": ("content_de", "title"),
    "en": ("content_xx", "title"),
}
# Words whose indexed form is at least this long have their field's terms with that prefix read once
# (a prefix scan), and their inflected forms and compounds are looked up there.
MIN_SCAN_PREFIX = 4
# Parentheses deeper than this are refused: whoosh parses them recursively.
MAX_NESTING = 50
_EXPLICIT_OR = re.compile(r'"[^"]*"|\bOR\b')
_WRITTEN_FIELD = re.compile(r"(?<![\w.@/:-])([A-Za-z_]+):")


class NestedPlusMinusPlugin(PlusMinusPlugin):
    """whoosh's +word/-word, also inside parentheses: whoosh sorts only the top-level group and fails on
    a marker deeper down ("((klima -smart))": NotImplementedError: Minus)."""

    def do_plusminus(self, parser: Any, group: Any) -> Any:
        for position, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[position] = self.do_plusminus(parser, node)
        if not any(isinstance(node, (self.Plus, self.Minus)) for node in group):
            return group
        return super().do_plusminus(parser, group)


class Alternatives(wq.Or):
    """The index terms of one field that count as one query word (stem, inflected forms, compounds, twins).

    index.bm25 scores them as one term (their frequencies summed, one idf); whoosh as an Or.
    """


@dataclass
class QueryWord:
    """A plain word of a query with what it looks for."""

    text: str
    query: Any  # Or over the text fields of Alternatives (and the parts written apart)
    translations: Any = None  # the same for its translations, weighted TRANSLATION_WEIGHT, or None


@dataclass
class QueryPlan:
    """A parsed query split into constraints, exclusions and plain words (see the module doc)."""

    text: str
    required: list[Any] = field(default_factory=list)
    excluded: list[Any] = field(default_factory=list)
    words: list[QueryWord] = field(default_factory=list)

    @property
    def constrained(self) -> bool:
        """Return True when the query has constraints or exclusions beyond its plain words."""
        return bool(self.required or self.excluded)

    def words_query(self, translations: bool = True) -> Any:
        """Return the Or of the plain words (and their translations), or None without plain words."""
        parts = [word.query for word in self.words]
        if translations:
            parts += [word.translations for word in self.words if word.translations is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def constraint_query(self) -> Any:
        """Return what every hit must match (constraints and not the exclusions), or None when anything goes."""
        base: Any = None
        if self.required:
            base = self.required[0] if len(self.required) == 1 else wq.And(self.required)
        if self.excluded:
            excluded = self.excluded[0] if len(self.excluded) == 1 else wq.Or(self.excluded)
            base = wq.AndNot(base if base is not None else wq.Every(), excluded)
        return base

    def keyword_query(self, translations: bool = True) -> Any:
        """Return the whoosh query keyword mode matches: the constraints and at least one plain word."""
        words = self.words_query(translations)
        constraint = self.constraint_query()
        if words is None:
            return constraint if constraint is not None else wq.NullQuery
        if constraint is None:
            return words
        return wq.And([constraint, words])


def is_plain_word(node: Any, written_fields: frozenset[str] = frozenset()) -> bool:
    """Return True for what the multifield parser makes of one plain word: an Or of Terms, one per text field.

    A word that is a stop word in all fields but one leaves a single Term; a single text-field Term is
    a field:value the user wrote only when the query names that field (written_fields).
    """
    if isinstance(node, wq.Term):
        return node.fieldname in TEXT_FIELDS and node.fieldname not in written_fields and node.boost == 1.0
    if type(node) is not wq.Or or node.boost != 1.0:
        return False
    subs = node.subqueries
    return bool(subs) and all(type(sub) is wq.Term and sub.fieldname in TEXT_FIELDS for sub in subs) and len(
        {sub.fieldname for sub in subs}
    ) == len(subs)


def split_query(parsed: Any, text: str) -> tuple[list[Any], list[Any], list[Any]]:
    """Return (constraints, exclusions, plain-word nodes) of a parsed query (see the module doc)."""
    required: list[Any] = []
    excluded: list[Any] = []
    words: list[Any] = []
    explicit_or = "OR" in _EXPLICIT_OR.findall(text)
    written = frozenset(name.lower() for name in _WRITTEN_FIELD.findall(re.sub(r'"[^"]*"', " ", text)))

    def is_word(node: Any) -> bool:
        return is_plain_word(node, written)

    def visit(node: Any) -> None:
        if isinstance(node, wq.AndNot):
            visit(node.a)
            excluded.append(node.b)
        elif isinstance(node, wq.AndMaybe):
            required.append(node.a)
            visit(node.b)
        elif isinstance(node, wq.Not):
            excluded.append(node.query)
        elif is_word(node):
            words.append(node if not isinstance(node, wq.Term) else wq.Or([node]))
        elif type(node) is wq.Or and not _is_field_group(node):
            members = _regroup([sub for sub in node.subqueries if not isinstance(sub, wq.Not)])
            excluded.extend(sub.query for sub in node.subqueries if isinstance(sub, wq.Not))
            if explicit_or and not all(is_word(sub) for sub in members):
                required.append(wq.Or(members) if len(members) > 1 else members[0])
            else:
                for sub in members:
                    visit(sub)
        elif isinstance(node, wq.NullQuery.__class__):
            return
        else:
            required.append(node)

    visit(parsed)
    return required, excluded, words


def _regroup(members: list[Any]) -> list[Any]:
    """Return an Or's members with runs of text-field Terms (a plain word the parser flattened) as one Or each.

    whoosh flattens "klima NOT wasser" into Or([title:klima, content_sv:klim, ..., Not(...)]), and a
    phrase beside a field term the same way: the leaves of one word or phrase follow each other, one
    per text field, starting again at the first field.
    """
    result: list[Any] = []
    run: list[Any] = []
    for sub in members:
        if sub.is_leaf() and getattr(sub, "fieldname", None) in TEXT_FIELDS and sub.boost == 1.0:
            if run and (
                sub.fieldname in {leaf.fieldname for leaf in run} or sub.fieldname == TEXT_FIELDS[0] or type(sub) is not type(run[0])
            ):
                result.append(wq.Or(run) if len(run) > 1 else run[0])
                run = []
            run.append(sub)
            continue
        if run:
            result.append(wq.Or(run) if len(run) > 1 else run[0])
            run = []
        result.append(sub)
    if run:
        result.append(wq.Or(run) if len(run) > 1 else run[0])
    return result


def _is_field_group(node: Any) -> bool:
    """Return True for an Or the parser made of one phrase or prefix looked up in every text field."""
    subs = node.subqueries
    return bool(subs) and all(not isinstance(sub, wq.Term) and sub.is_leaf() for sub in subs) and all(
        getattr(sub, "fieldname", None) in TEXT_FIELDS for sub in subs
    )


def nesting_problem(query: str) -> str | None:
    """Return why a query's parentheses cannot be parsed (unbalanced or too deep), or None."""
    depth = deepest = 0
    for char in re.sub(r'"[^"]*"', " ", query):
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
        if depth < 0:
            return "a ')' has no matching '('"
    if depth:
        return "a '(' is not closed"
    if deepest > MAX_NESTING:
        return f"parentheses are nested {deepest} deep; at most {MAX_NESTING} levels are allowed"
    return None


class Expander:
    """Builds the per-field alternatives of plain words against one index reader."""

    def __init__(self, reader: Any, fold_accents: bool, translate: Any = None):
        self.reader = reader
        self.fold_accents = fold_accents
        self.translate = translate  # word -> [(lang, translation)], or None
        self._scans: dict[tuple[str, str], tuple[set[str], bool]] = {}

    def word(self, node: Any) -> QueryWord:
        """Return the QueryWord of a plain-word node of the parsed query."""
        typed = _typed_word(node)
        alternatives = [self._field_alternatives(term.fieldname, term.text, typed) for term in node.subqueries]
        if typed:
            alternatives.extend(self._parts_apart(typed))
        query = _or([alt for alt in alternatives if alt is not None])
        translations = None
        if typed and self.translate is not None:
            translated = []
            for lang, other in self.translate(typed):
                for fieldname in TRANSLATION_FIELDS.get(lang, ("content_xx", "title")):
                    found = self._field_alternatives(fieldname, _analysed(fieldname, other), other, present_only=True)
                    if found is not None:
                        translated.append(found)
            if translated:
                translations = wq.Or(translated, boost=TRANSLATION_WEIGHT)
        return QueryWord(typed or _first_text(node), query if query is not None else node, translations)

    def constraint(self, node: Any) -> Any:
        """Return a constraint with its single text-field terms (title:renovering) widened to their alternatives."""
        if type(node) is wq.Term and node.fieldname in TEXT_FIELDS:
            typed = str(node.text) if node.fieldname in ("title", "content_xx") else None
            found = self._field_alternatives(node.fieldname, str(node.text), typed)
            return found if found is not None else node
        if node.is_leaf() or isinstance(node, (wq.Not, wq.AndNot)):
            return node
        return node.apply(self.constraint)

    def _field_alternatives(
        self, fieldname: str, term: str | None, typed: str | None, compounds: bool = True, present_only: bool = False
    ) -> Any:
        """Return the Alternatives of one word in one field (only terms the index holds), or None.

        The word's own term stays even when the index lacks it (so a query for an unknown word is still
        that word), unless present_only (a translation or a guessed cognate: None when the index has none).
        """
        if term is None:
            return None
        terms = [term]
        if typed:
            if fieldname.startswith("content_") and fieldname[8:] in STEMMED_LANGUAGES:
                terms.extend(inflected_terms(typed, fieldname[8:]))
            else:
                terms.extend(plain_inflected_terms(typed))
            if compounds:
                terms.extend(self._compounds(fieldname, term))
        if self.fold_accents:
            terms.extend([FOLDED_PREFIX + t for t in terms])
        present = [t for t in dict.fromkeys(terms) if (t == term and not present_only) or self._has(fieldname, t)]
        if not present:
            return None
        if len(present) == 1:
            return wq.Term(fieldname, present[0])
        return Alternatives([wq.Term(fieldname, t) for t in present])

    def _has(self, fieldname: str, term: str) -> bool:
        """Return True when the field holds the term: from one prefix scan per word where it can, else a lookup."""
        for prefix in (term[:n] for n in range(len(term), MIN_SCAN_PREFIX - 1, -1)):
            scanned = self._scans.get((fieldname, prefix))
            if scanned is not None and scanned[1]:
                return term in scanned[0]
        try:
            return (fieldname, term) in self.reader
        except Exception:  # noqa: BLE001 - a field the index does not have
            return False

    def _scan(self, fieldname: str, prefix: str) -> tuple[set[str], bool]:
        """Return the field's terms beginning with prefix (at most MAX_PREFIX_SCAN) and whether that is all of them."""
        key = (fieldname, prefix)
        if key not in self._scans:
            found: set[str] = set()
            complete = True
            try:
                for scanned, candidate in enumerate(self.reader.expand_prefix(fieldname, prefix)):
                    if scanned >= MAX_PREFIX_SCAN:
                        complete = False
                        break
                    found.add(candidate.decode("utf-8") if isinstance(candidate, bytes) else candidate)
            except Exception:  # noqa: BLE001 - a field the index does not have
                found = set()
            self._scans[key] = (found, complete)
        return self._scans[key]

    def _compounds(self, fieldname: str, term: str) -> list[str]:
        """Return indexed terms of the field that are compounds beginning with the term."""
        if len(term) < MIN_SCAN_PREFIX or not term.isalpha():
            return []
        found, _ = self._scan(fieldname, term)
        if len(term) < MIN_COMPOUND_PREFIX:
            return []
        lang = fieldname[8:] if fieldname[8:] in STEMMED_LANGUAGES else None
        return sorted(text for text in found if text != term and is_compound_continuation(text[len(term) :], lang))

    def _parts_apart(self, typed: str) -> list[Any]:
        """Return, per stemmed field, the compound's parts written apart (both must occur), when it is one."""
        result = []
        for lang in STEMMED_LANGUAGES:
            parts = compound_parts(typed.lower(), lang) if len(typed) >= 8 and typed.isalpha() else []
            if len(parts) != 2:
                continue
            fieldname = f"content_{lang}"
            stem = _stemmer(lang)
            terms = [stem(part) for part in parts]
            if all(self._has(fieldname, t) for t in terms):
                result.append(wq.And([wq.Term(fieldname, t) for t in terms], boost=PARTS_WEIGHT))
        return result


def _or(nodes: list[Any]) -> Any:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else wq.Or(nodes)


def _typed_word(node: Any) -> str | None:
    """Return the word as typed (lower-cased), from the plain-word node's title term (titles are not stemmed)."""
    for term in node.subqueries:
        if term.fieldname in ("title", "content_xx"):
            return str(term.text).removeprefix(FOLDED_PREFIX)
    return None


def _first_text(node: Any) -> str:
    return str(node.subqueries[0].text) if node.subqueries else ""


def _analysed(fieldname: str, word: str) -> str | None:
    """Return the term a word is indexed as in a field (stem in a stemmed field), None for a stop word."""
    from hitta.index.analysis import _stop_words, multilingual_stop_words

    lowered = word.lower()
    if fieldname.startswith("content_") and fieldname[8:] in STEMMED_LANGUAGES:
        lang = fieldname[8:]
        return None if lowered in _stop_words(lang) or len(lowered) < 2 else _stemmer(lang)(lowered)
    return None if lowered in multilingual_stop_words() else lowered

