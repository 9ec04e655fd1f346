"""Fusing the keyword and the semantic ranking, and the score a reader sees.

Hybrid mode adds the two scores: KEYWORD_SHARE × (the BM25F score as a share of the best keyword
hit's) + (1 − KEYWORD_SHARE) × (the cosine similarity of query and document). Scores, not ranks: a
document that holds one common query word gets little from the keyword side however high that
places it among the keyword hits, so a close paraphrase without the words can outrank it. A
document that holds none of the query's plain words (nor a translation of one) enters a hybrid or
semantic list only when its cosine similarity to the query reaches RELATED_FLOOR, and is marked
"related".

Scores are shown from 0 to 100 in every mode:

- keyword: the BM25F score as a share of the best hit's (the best hit is 100);
- semantic: the cosine similarity of query and document × 100;
- hybrid: the sum above × 100: the best keyword hit with a cosine of 1 would score 100, the best
  keyword hit alone 30, a document found by meaning alone its cosine × 70.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Scores that differ only by float rounding (the same terms summed in another order) count as
# tied, so the documented tie-break (keyword order, then semantic order) decides instead of the last bit.
_TIE_DIGITS = 12
# Weight of the keyword score in the hybrid sum (the cosine gets the rest): the best of 0.2, 0.25,
# 0.3, 0.35 on the tuning half of bench/relevance.py (BENCHMARKS.md, "Sixth session: search").
# Reciprocal rank fusion (weights 1.0 keyword, 0.5 semantic) ranked every document holding some
# query word above a close paraphrase holding none.
KEYWORD_SHARE = 0.3
# Least cosine similarity of a document without any query word to be shown (hybrid and semantic):
# the lowest floor at which at least half of such "related" hits are judged relevant on the tuning
# half of bench/relevance.py (BENCHMARKS.md). Few related hits clear it: on this corpus nearly every
# relevant document holds a query word or a translation of one.
RELATED_FLOOR = 0.40
# Weight of the translations' vector added to the query's own in the semantic ranking, per mode, at
# full strength when every plain word has a translation; a query with translations for some words
# only adds them in proportion (semantic.query's extra_weight), so one translated word cannot
# outweigh the others. 2.0 in both modes on the tuning half (semantic mode 0.5 / 1.0 / 2.0 / 3.0 →
# 0.845 / 0.880 / 0.885 / 0.868; hybrid 1.0 / 2.0 / 3.0 at KEYWORD_SHARE 0.3 → 0.902 / 0.912 / 0.916,
# 2.0 kept for its paraphrase figure, 0.834 against 0.788).
TRANSLATION_VECTOR_WEIGHT = 2.0


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


def semantic_query_text(plan: Any) -> tuple[str, str, float]:
    """Return what the semantic index is queried with: the plain words, their translations, and the
    share of the plain words that have any translation."""
    from whoosh import query as wq

    words = [word.text for word in plan.words]
    extra: list[str] = []
    translated = 0
    for word in plan.words:
        if word.translations is None:
            continue
        terms = [
            str(leaf.text)
            for leaf in word.translations.leaves()
            if isinstance(leaf, wq.Term) and not str(leaf.text).startswith("~") and leaf.fieldname != "title"
        ]
        translated += bool(terms)
        extra.extend(terms)
    return " ".join(words), " ".join(dict.fromkeys(extra)), translated / len(words) if words else 0.0


def fuse(
    mode: str,
    keyword_hits: Sequence[Any],
    semantic_hits: Sequence[tuple[str, float]],
    matching: set[str],
    words: Sequence[Any],
) -> list[tuple[str, float]]:
    """Return (id, score 0-100) best first for a mode; documents outside `matching` (those holding no plain
    word nor a translation of one) only when their cosine reaches RELATED_FLOOR. Semantic hits come
    with their cosine; keyword hits with their BM25F score."""
    best = keyword_hits[0].score if keyword_hits and keyword_hits[0].score > 0 else 1.0
    if mode == "keyword":
        return [(hit.id, round(100 * hit.score / best)) for hit in keyword_hits]
    cosine = dict(semantic_hits)

    def shown(doc_id: str) -> bool:
        return not words or doc_id in matching or cosine.get(doc_id, 0.0) >= RELATED_FLOOR

    semantic_ids = [doc_id for doc_id, _ in semantic_hits if shown(doc_id)]
    if mode == "semantic":
        if not semantic_hits and keyword_hits:  # nothing to compare by meaning: the constraint's matches
            return [(hit.id, 0) for hit in keyword_hits]
        return [(doc_id, round(100 * cosine[doc_id])) for doc_id in semantic_ids]
    # dict order = keyword order, then the semantic-only documents in semantic order: the tie-break
    fused = {hit.id: KEYWORD_SHARE * hit.score / best for hit in keyword_hits}
    for doc_id in semantic_ids:
        fused[doc_id] = fused.get(doc_id, 0.0) + (1 - KEYWORD_SHARE) * cosine[doc_id]
    ranked = sorted(fused.items(), key=lambda item: -round(item[1], _TIE_DIGITS))  # stable: ties keep dict order
    return [(doc_id, round(100 * score)) for doc_id, score in ranked]
