"""Vector store on Chroma (embedded `PersistentClient`). The only module importing chromadb.

We pass our own embeddings on every call and never let Chroma embed: its default embedding function would
download a model. Telemetry is off. Out of scope here: the Chroma server (`HttpClient`), which plugs in at
`VectorStore.__init__`.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.types import Chunk

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
from chromadb.config import Settings as ChromaSettings

_COLLECTION = "chunks"
_BATCH = 1000


class VectorStore:
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        self._col = self._client.get_or_create_collection(
            _COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def upsert(self, chunks: list[Chunk], vectors: npt.NDArray[np.float32]) -> None:
        for start in range(0, len(chunks), _BATCH):
            part = chunks[start : start + _BATCH]
            self._col.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[start : start + len(part)].tolist(),
                documents=[c.text for c in part],
                metadatas=[{"source": c.source, "page": c.page or 0, "section": c.section} for c in part],
            )

    def delete(self, ids: Collection[str]) -> None:
        id_list = list(ids)
        for start in range(0, len(id_list), _BATCH):
            self._col.delete(ids=id_list[start : start + _BATCH])

    def ids(self) -> set[str]:
        return set(self._col.get(include=[])["ids"])

    def vectors(self, ids: list[str]) -> npt.NDArray[np.float32]:
        """The stored vectors of `ids`, in that order (benchmarks scale an index up from them)."""
        got = self._col.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"] if got["embeddings"] is not None else [], strict=True))
        return np.asarray([by_id[i] for i in ids], dtype=np.float32)

    def query(self, vector: npt.NDArray[np.float32], k: int, sources: Collection[str]) -> list[tuple[str, float]]:
        """Nearest chunks among `sources`, as (id, cosine similarity), best first."""
        if not sources or k <= 0:
            return []
        where = {"source": {"$in": sorted(sources)}}
        result = self._col.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where, include=["distances"]  # type: ignore[arg-type]
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
