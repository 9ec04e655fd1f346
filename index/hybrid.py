"""Reciprocal rank fusion: merge keyword and semantic rankings without comparing their scores."""

from __future__ import annotations

from collections.abc import Sequence

# Scores that differ only by float rounding (the same terms summed in another order) count as
# tied, so the documented tie-break decides instead of the last bit.
_TIE_DIGITS = 12


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
