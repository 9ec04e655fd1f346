"""Query answering over given indexes: keyword (whoosh), semantic (LSA) and hybrid (reciprocal rank fusion)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hitta.index.fulltext import FullTextIndex, Hit
from hitta.pipeline.entities import entity_key

# id (or unique prefix) -> stored record, or None: how search reads the records it shows.
RecordLookup = Callable[[str], "dict[str, Any] | None"]

MODES = ("keyword", "semantic", "hybrid")
# How many candidates each ranking contributes before fusion: deep enough that a document ranked
# modestly by both still surfaces, shallow enough to stay fast at 100k documents.
FUSION_DEPTH = 50
RRF_K = 60
# (keyword, semantic) weights of reciprocal rank fusion. Measured with bench/relevance.py on 50 judged
# queries: equal weights 0.819 nDCG@10, keyword at half weight 0.855 (keyword hits on common words
# pulled right semantic answers down on paraphrase and cross-language queries).
HYBRID_WEIGHTS = (0.5, 1.0)
_MARK = re.compile(r"\[\[(.*?)\]\]")
_GENITIVE = re.compile(r"(?:[:'’]s|s)$")


@dataclass
class SearchHit:
    """A ranked hit as shown to the user and given with --json."""

    id: str
    source: str
    title: str
    language: str
    score: float
    rank: int
    snippet: str
    highlight: str
    page: int | None = None  # for paged documents (PDF): the page of the first match

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


def _snippet_from(text: str, query: str, width: int = 200) -> str:
    """Return a window of text around the first query word found (semantic hits have no highlight)."""
    words = [w for w in re.findall(r"\w{4,}", query.lower())]
    lowered = text.lower()
    position = min((lowered.find(w[:6]) for w in words if lowered.find(w[:6]) >= 0), default=0)
    start = max(0, position - width // 3)
    return " ".join(text[start : start + width].split())


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
    """Return the ranked hits for a query in the given mode (semantic: a SemanticIndex or None)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    restrict: set[str] | None = None
    if filters and mode != "keyword":
        restrict = fulltext.matching_ids(filters)  # the semantic ranking knows no fields: it gets the ids
        if not restrict:
            return []
    depth = max(limit, FUSION_DEPTH) if mode == "hybrid" else limit
    keyword_hits: list[Hit] = []
    semantic_hits: list[tuple[str, float]] = []
    if mode in ("keyword", "hybrid"):
        keyword_hits = fulltext.search(
            query,
            filters=filters,
            limit=depth,
            texts=_TextLookup(lookup),
            fold_accents=fold_accents,
            highlight_top=limit,  # fusion candidates beyond the shown hits need no highlight
        )
    if mode in ("semantic", "hybrid") and query.strip() and semantic is not None:
        semantic_hits = semantic.query(query, k=depth, restrict=restrict)
    if mode == "keyword":
        ranked = [(hit.id, hit.score) for hit in keyword_hits]
    elif mode == "semantic":
        ranked = semantic_hits
    else:
        from hitta.index.hybrid import reciprocal_rank_fusion

        ranked = reciprocal_rank_fusion(
            [[h.id for h in keyword_hits], [doc for doc, _ in semantic_hits]], k=RRF_K, weights=HYBRID_WEIGHTS
        )
    by_id = {hit.id: hit for hit in keyword_hits}
    results: list[SearchHit] = []
    for doc_id, score in ranked[:limit]:
        record = lookup(doc_id)
        if record is None:  # index ahead of store: skip, `hitta reindex` mends it
            continue
        marked = by_id[doc_id].snippet if doc_id in by_id and by_id[doc_id].snippet else ""
        if not marked or "[[" not in marked:
            marked = _snippet_from(record["text"], query)
        page = _page_of_match(record["text"], marked) if "\f" in record["text"] else None
        results.append(
            SearchHit(
                id=doc_id,
                source=record["source"],
                title=record["title"],
                language=record["language"],
                score=round(float(score), 4),
                rank=len(results) + 1,
                snippet=_MARK.sub(r"\1", marked),
                highlight=marked,
                page=page,
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


class _TextLookup(dict):  # type: ignore[type-arg]
    """A lazy id → text mapping over a record lookup, so only shown hits load their text."""

    def __init__(self, lookup: RecordLookup):
        super().__init__()
        self.lookup = lookup

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        record = self.lookup(key)
        return record["text"] if record else default


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
                other, hit["source"], hit["title"], hit["language"], round(score, 4), len(results) + 1, snippet, snippet
            )
        )
    return results
