"""Fusing the keyword and the semantic ranking, and the score a reader sees.

Reciprocal rank fusion merges the two rankings without comparing their scores. A document that
holds none of the query's plain words (nor a translation of one) enters a hybrid or semantic list
only when its cosine similarity to the query reaches RELATED_FLOOR, and is marked "related".

Scores are shown from 0 to 100 in every mode:

- keyword: the BM25F score as a share of the best hit's (the best hit is 100);
- semantic: the cosine similarity of query and document × 100;
- hybrid: the fused score as a share of the highest possible one, a document ranked first by both
  rankings (100); one ranked first by one ranking only scores about 67 (keyword) or 33 (semantic)
  with the weights below, less lower down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Scores that differ only by float rounding (the same terms summed in another order) count as
# tied, so the documented tie-break decides instead of the last bit.
_TIE_DIGITS = 12
RRF_K = 60
# (keyword, semantic) weights of reciprocal rank fusion, tuned on the tuning half of bench/relevance.py
# (BENCHMARKS.md, "Search relevance"): with constraints and the related floor the keyword list holds
# only documents with query words, so it is trusted more than before (was 0.5, 1.0).
HYBRID_WEIGHTS = (1.0, 0.5)
# Least cosine similarity of a document without any query word to be shown (hybrid and semantic):
# the lowest floor at which at least half of such "related" hits are judged relevant on the tuning
# half of bench/relevance.py (0.40: 1 of 2; 0.35: 1 of 4; 0.25: 1 of 14; no floor: 4 of 127). Few
# related hits clear it: on this corpus nearly every relevant document holds a query word or a
# translation of one.
RELATED_FLOOR = 0.40
# Weight of the translations' vector added to the query's own in the semantic ranking, per mode, each
# the best of 0.5 / 1.0 / 2.0 on the tuning half for that mode (hybrid 0.874 / 0.876 / 0.890, semantic
# 0.864 / 0.861 / 0.843): in hybrid the keyword ranking keeps the words as written.
TRANSLATION_VECTOR_WEIGHT = {"hybrid": 2.0, "semantic": 0.5}


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Return (id, score) best first, score = Σ weight_i / (k + rank_i), ranks from 1; ties keep first-appearance order."""
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    if k < 0:
        raise ValueError(f"k must be >= 0, not {k}")
    # dict order = order of first appearance, reading the rankings one after another
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        seen: set[str] = set()
        for rank, doc_id in enumerate(ranking, start=1):
            if doc_id in seen:  # a repeated id counts once per ranking, at its best rank
                continue
            seen.add(doc_id)
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    first_seen = {doc_id: position for position, doc_id in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-round(item[1], _TIE_DIGITS), first_seen[item[0]]))


def match_kind(found: tuple[int, bool] | None, words: Sequence[Any]) -> str:
    """Return how a hit matched: all / some of the plain words, only a translation, related, or constraint (no plain words)."""
    if not words:
        return "constraint"
    count, translated = found if found is not None else (0, False)
    if count >= len(words):
        return "all"
    if count:
        return "some"
    return "translation" if translated else "related"


def semantic_query_text(plan: Any) -> tuple[str, str]:
    """Return the texts the semantic index is queried with: the plain words, and their translations."""
    from whoosh import query as wq

    words = [word.text for word in plan.words]
    extra: list[str] = []
    for word in plan.words:
        if word.translations is None:
            continue
        for leaf in word.translations.leaves():
            if isinstance(leaf, wq.Term) and not str(leaf.text).startswith("~") and leaf.fieldname != "title":
                extra.append(str(leaf.text))
    return " ".join(words), " ".join(dict.fromkeys(extra))


def fuse(
    mode: str,
    keyword_hits: Sequence[Any],
    semantic_hits: Sequence[tuple[str, float]],
    matching: set[str],
    words: Sequence[Any],
) -> list[tuple[str, float]]:
    """Return (id, score 0-100) best first for a mode; documents outside `matching` (those holding no plain
    word nor a translation of one) only when their cosine reaches RELATED_FLOOR."""
    if mode == "keyword":
        best = keyword_hits[0].score if keyword_hits and keyword_hits[0].score > 0 else 1.0
        return [(hit.id, round(100 * hit.score / best)) for hit in keyword_hits]
    cosine = dict(semantic_hits)

    def shown(doc_id: str) -> bool:
        return not words or doc_id in matching or cosine.get(doc_id, 0.0) >= RELATED_FLOOR

    semantic_ids = [doc_id for doc_id, _ in semantic_hits if shown(doc_id)]
    if mode == "semantic":
        if not semantic_hits and keyword_hits:  # nothing to compare by meaning: the constraint's matches
            return [(hit.id, 0) for hit in keyword_hits]
        return [(doc_id, round(100 * cosine[doc_id])) for doc_id in semantic_ids]
    fused = reciprocal_rank_fusion([[hit.id for hit in keyword_hits], semantic_ids], k=RRF_K, weights=HYBRID_WEIGHTS)
    best = sum(HYBRID_WEIGHTS) / (RRF_K + 1)
    return [(doc_id, round(100 * score / best)) for doc_id, score in fused]
