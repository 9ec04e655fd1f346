"""Query answering over given indexes: keyword (whoosh), semantic (LSA) and hybrid (the two scores summed)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hitta.index.fulltext import FullTextIndex, Hit
from hitta.pipeline.entities import entity_key

# id (or unique prefix) -> stored record, or None: how search reads the records it shows.
RecordLookup = Callable[[str], "dict[str, Any] | None"]

MODES = ("keyword", "semantic", "hybrid")
# How many candidates each ranking contributes before fusion: deep enough that a document ranked
# modestly by both still surfaces, shallow enough to stay fast at 100k documents.
FUSION_DEPTH = 50
_MARK = re.compile(r"\[\[(.*?)\]\]")
_GENITIVE = re.compile(r"(?:[:'’]s|s)$")


@dataclass
class SearchHit(Hit):
    """A ranked hit as shown to the user and given with --json: a full-text Hit with its highlight and match."""

    highlight: str
    page: int | None = None  # for paged documents (PDF): the page of the first match
    # "all" (every plain word of the query), "some", "translation" (only translations of them), "related"
    # (none: found by meaning), or "constraint" (a query of phrases, operators or fields only)
    match: str = "all"

    def to_dict(self) -> dict[str, Any]:
        """Return the hit as JSON-ready data."""
        return asdict(self)


def entity_alternatives(value: str) -> list[str]:
    """Return index keys a filter value may match: as typed and without a genitive ending."""
    key = entity_key(value)
    alternatives = [key]
    stripped = _GENITIVE.sub("", key)
    if stripped != key and len(stripped) >= 2:
        alternatives.append(stripped)
    return alternatives


def build_filters(
    lang: Sequence[str] = (),
    org: Sequence[str] = (),
    person: Sequence[str] = (),
    email: Sequence[str] = (),
    year: Sequence[str] = (),
) -> dict[str, list[str]]:
    """Return whoosh keyword filters from CLI values (several values of one option are alternatives)."""
    filters: dict[str, list[str]] = {}
    if lang:
        filters["lang"] = [value.lower() for value in lang]
    for name, values in (("org", org), ("person", person), ("email", email)):
        if values:
            filters[name] = [alt for value in values for alt in entity_alternatives(value)]
    if year:
        filters["year"] = [str(value) for value in year]
    return filters


def search(
    query: str,
    *,
    fulltext: FullTextIndex,
    semantic: Any,
    lookup: RecordLookup,
    mode: str = "hybrid",
    filters: dict[str, list[str]] | None = None,
    limit: int = 10,
    fold_accents: bool = False,
) -> list[SearchHit]:
    """Return the ranked hits for a query in the given mode (semantic: a SemanticIndex or None).

    Constraints of the query (phrases, AND, +word, field terms) and its exclusions (NOT, -word) hold
    in every mode, as do the filters: the semantic ranking only reorders and adds documents within
    them. A document holding none of the plain words (nor a translation of one) is shown only when
    its semantic similarity reaches hybrid.RELATED_FLOOR, marked "related".
    """
    from hitta.index.crosslang import translations
    from hitta.index.hybrid import RELATED_FLOOR, TRANSLATION_VECTOR_WEIGHT, fuse, match_kind, semantic_query_text

    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    plan = fulltext.plan(query, fold_accents, translate=translations) if query.strip() else None
    depth = max(limit, FUSION_DEPTH) if mode != "keyword" else limit
    keyword_hits: list[Hit] = fulltext.search(plan or query, filters=filters, limit=depth, fold_accents=fold_accents)
    semantic_hits: list[tuple[str, float]] = []
    if mode != "keyword" and semantic is not None and plan is not None and plan.words:
        restrict: set[str] | None = None
        if filters or plan.constrained:  # the semantic ranking knows no fields or operators: it gets the ids
            restrict = fulltext.matching_ids(filters or {}, plan.constraint_query())
        if restrict is None or restrict:
            text, translated, share = semantic_query_text(plan)
            weight = TRANSLATION_VECTOR_WEIGHT * share
            semantic_hits = semantic.query(text, k=depth, restrict=restrict, extra=translated, extra_weight=weight)
    # Keyword hits hold a word or a translation; a semantic hit below the floor is shown only if it does too.
    matching = {hit.id for hit in keyword_hits}
    if plan is not None and plan.words:
        doubtful = [doc_id for doc_id, cosine in semantic_hits if doc_id not in matching and cosine < RELATED_FLOOR]
        matching.update(doc_id for doc_id, (count, translated) in fulltext.word_matches(plan, doubtful).items() if count or translated)
    ranked = fuse(mode, keyword_hits, semantic_hits, matching, plan.words if plan else [])[: limit + 5]
    matches = fulltext.word_matches(plan, [doc_id for doc_id, _ in ranked]) if plan is not None else {}
    passages = fulltext.passages(plan if plan is not None else "")
    results: list[SearchHit] = []
    for doc_id, score in ranked:
        if len(results) >= limit:
            break
        record = lookup(doc_id)
        if record is None:  # index ahead of store: skip, `hitta reindex` mends it
            continue
        marked = passages.best(record["text"], record["language"])
        page = _page_of_match(record["text"], marked) if "\f" in record["text"] else None
        results.append(
            SearchHit(
                id=doc_id,
                source=record["source"],
                title=record["title"],
                language=record["language"],
                score=score,
                rank=len(results) + 1,
                snippet=_MARK.sub(r"\1", marked),
                highlight=marked,
                page=page,
                match=match_kind(matches.get(doc_id), plan.words if plan else []),
            )
        )
    return results


def _page_of_match(text: str, marked: str) -> int:
    """Return the page (1-based, pages split by form feeds) where the snippet's first match stands."""
    from hitta.pipeline.clean import page_of

    match = _MARK.search(marked)
    needle = match.group(1) if match else _MARK.sub(r"\1", marked)[:40]
    position = text.find(needle)
    return page_of(text, max(position, 0))


def similar(record_id: str, *, semantic: Any, lookup: RecordLookup, limit: int = 10) -> list[SearchHit]:
    """Return the write-ups nearest to a stored one in the semantic index (semantic: a SemanticIndex or None)."""
    if semantic is None:
        return []
    results = []
    for other, score in semantic.similar(record_id, k=limit):
        hit = lookup(other)
        if hit is None:
            continue
        snippet = " ".join(hit["text"][:200].split())
        results.append(
            SearchHit(
                other,
                hit["source"],
                hit["title"],
                hit["language"],
                round(100 * score),
                len(results) + 1,
                snippet,
                snippet,
                match="related",
            )
        )
    return results
