"""BM25 over Kiwi morpheme terms (bm25s). Built in memory from the catalog's stored terms.

Rebuilding is cheap (about a second for 10k chunks) and deterministic, so the keyword side is never a
separate copy that can drift from the catalog. Out of scope: query expansion.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import bm25s
import numpy as np


class KeywordIndex:
    def __init__(self, ids: Sequence[str], sources: Sequence[str], terms: Sequence[list[str]]) -> None:
        self._ids = list(ids)
        self._sources = np.array(sources, dtype=object)
        self._bm25: bm25s.BM25 | None = None
        if self._ids:
            self._bm25 = bm25s.BM25()
            # subtle: bm25s drops empty documents from its vocabulary pass; a placeholder term keeps the
            # row count aligned with our ids.
            self._bm25.index([t or ["\u2400"] for t in terms], show_progress=False)

    def __len__(self) -> int:
        return len(self._ids)

    def query(self, terms: list[str], k: int, sources: Collection[str]) -> list[tuple[str, float]]:
        """Best chunks among `sources` as (id, BM25 score), best first; chunks scoring 0 are left out."""
        if self._bm25 is None or not terms or k <= 0:
            return []
        scores = np.asarray(self._bm25.get_scores(terms), dtype=np.float64)
        mask = np.isin(self._sources, list(sources))
        scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]
