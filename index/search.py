"""Query answering: keyword (whoosh), semantic (LSA) and hybrid (reciprocal rank fusion) search."""

from __future__ import annotations

import atexit
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hitta.corpus.store import Store, entity_key
from hitta.index.fulltext import FullTextIndex, Hit

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
    home: str | Path,
    query: str,
    *,
    mode: str = "hybrid",
    filters: dict[str, list[str]] | None = None,
    limit: int = 10,
    fold_accents: bool = False,
) -> list[SearchHit]:
    """Return the ranked hits for a query in the given mode."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    fulltext = _open_indexes.fulltext(home)
    with Store(home) as store:
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
                texts=_TextLookup(store),
                fold_accents=fold_accents,
                highlight_top=limit,  # fusion candidates beyond the shown hits need no highlight
            )
        if mode in ("semantic", "hybrid") and query.strip():
            semantic_hits = _semantic(store, query, depth, restrict)
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
        for rank, (doc_id, score) in enumerate(ranked[:limit], start=1):
            record = store.get(doc_id)
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
    """A lazy id → text mapping over the store, so only shown hits load their text."""

    def __init__(self, store: Store):
        super().__init__()
        self.store = store

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        record = self.store.get(key)
        return record["text"] if record else default


class _OpenIndexes:
    """The indexes of the last home searched, kept open between the queries of one process.

    Opening costs more than a query at 100k documents (the semantic index parses its id list and
    vocabulary). The full-text searcher refreshes itself when a writer has committed; the semantic
    index is reopened when its meta.json (written last by every change) differs. Only one home is
    kept, so a process that searches many homes holds no more than one set of open files.
    """

    def __init__(self) -> None:
        self.home: Path | None = None
        self._fulltext: FullTextIndex | None = None
        self._semantic: Any = None
        self._semantic_stamp: tuple[int, int] | None = None

    def _switch(self, home: Path | None) -> None:
        if home != self.home:
            if self._fulltext is not None:
                self._fulltext.close()
            self.home, self._fulltext, self._semantic, self._semantic_stamp = home, None, None, None

    def close(self) -> None:
        """Close what is kept open (at exit, so no file is left for the garbage collector)."""
        self._switch(None)

    def fulltext(self, home: str | Path) -> FullTextIndex:
        """Return the full-text index of a home, its searcher kept open."""
        self._switch(Path(home).resolve())
        if self._fulltext is None:
            self._fulltext = FullTextIndex(home, keep_open=True)
        return self._fulltext

    def semantic(self, home: str | Path) -> Any:
        """Return the semantic index of a home (None when there is none), reopened when it changed."""
        from hitta.index.semantic import SemanticIndex

        self._switch(Path(home).resolve())
        meta = Path(home) / "semantic" / "meta.json"
        try:
            stat = meta.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._semantic_stamp:
            self._semantic = SemanticIndex.open(meta.parent)
            self._semantic_stamp = stamp
        return self._semantic


_open_indexes = _OpenIndexes()
atexit.register(_open_indexes.close)


def _semantic(store: Store, query: str, depth: int, restrict: set[str] | None) -> list[tuple[str, float]]:
    semantic = _open_indexes.semantic(store.home)
    if semantic is None:
        return []
    return semantic.query(query, k=depth, restrict=restrict)


def similar(home: str | Path, doc_id: str, limit: int = 10) -> list[SearchHit]:
    """Return the write-ups nearest to a stored one in the semantic index."""
    with Store(home) as store:
        record = store.get(doc_id)
        if record is None:
            raise KeyError(doc_id)
        semantic = _open_indexes.semantic(store.home)
        if semantic is None:
            return []
        results = []
        for rank, (other, score) in enumerate(semantic.similar(record["id"], k=limit), start=1):
            hit = store.get(other)
            if hit is None:
                continue
            snippet = " ".join(hit["text"][:200].split())
            results.append(
                SearchHit(other, hit["source"], hit["title"], hit["language"], round(score, 4), rank, snippet, snippet)
            )
        return results
