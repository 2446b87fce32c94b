"""Retrieval metrics over ranked results: hit@k and mean reciprocal rank, at file and at page level.

Pure functions over plain data, so the eval scripts and the tests share one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Ranked = Sequence[tuple[str, int | None]]  # (source, page) of each result, best first


@dataclass(frozen=True)
class Expected:
    sources: frozenset[str]
    pages: frozenset[int]  # empty: the case has no page-level truth


def first_relevant(ranked: Ranked, expected: Expected, by_page: bool) -> int | None:
    """1-based rank of the first relevant result, or None."""
    for rank, (source, page) in enumerate(ranked, start=1):
        if source in expected.sources and (not by_page or page in expected.pages):
            return rank
    return None


def summarize(runs: Sequence[tuple[Ranked, Expected]], by_page: bool, ks: Sequence[int] = (1, 5)) -> dict[str, float]:
    """hit@k for each k and MRR (over the ranked list as given) across the cases that apply."""
    ranks = [
        first_relevant(ranked, expected, by_page)
        for ranked, expected in runs
        if expected.sources and (expected.pages or not by_page)
    ]
    n = len(ranks)
    out: dict[str, float] = {"n": float(n)}
    for k in ks:
        out[f"hit@{k}"] = sum(1 for r in ranks if r is not None and r <= k) / n if n else 0.0
    out["mrr"] = sum(1.0 / r for r in ranks if r is not None) / n if n else 0.0
    return out
