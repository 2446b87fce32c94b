"""Reciprocal rank fusion of ranked id lists: score(d) = sum over lists of 1 / (k + rank(d)), rank from 1.

RRF needs no score normalization, which matters here: BM25 scores and cosine similarities live on
different scales and BM25's grow with query length.
"""

from __future__ import annotations

from collections.abc import Sequence


def rrf(rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None) -> list[
    tuple[str, float]
]:
    """Fuse several rankings (best first) into one list of (id, score), best first; ties keep first-seen order."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)
