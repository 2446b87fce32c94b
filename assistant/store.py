"""Vector store on Chroma: embedded (`PersistentClient`) by default, a Chroma server (`HttpClient`) when
`ASSISTANT_CHROMA_URL` is set. The only module importing chromadb.

We pass our own embeddings on every call and never let Chroma embed: its default embedding function would
download a model. Telemetry is off in both modes.

With a server, the server is the one copy of the corpus that every replica reads: each chunk carries all its
fields and BM25 terms in its metadata, and a second collection holds one record per document (the switch that
makes a new version visible, like the catalog's transaction) plus a corpus marker in its collection metadata
that every change replaces. Replicas compare the marker (about 1 ms on loopback) and rebuild their in-memory
catalog and BM25 index from the server when it differs (shared_catalog.py). Out of scope: authentication —
Chroma's own server has none; the token is sent as a Bearer header for a proxy in front of it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from assistant.errors import StoreError
from assistant.types import Chunk

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
from chromadb.config import Settings as ChromaSettings

_COLLECTION = "chunks"
_DOCUMENTS = "documents"
_MARKER = "corpus_version"
_BATCH = 1000

ChunkRow = tuple[str, str, dict[str, Any]]  # id, text, metadata


class VectorStore:
    """Chunks and their vectors. `VectorStore(path)` is embedded; `VectorStore(url=...)` talks to a server."""

    def __init__(self, path: Path | None = None, *, url: str = "", token: str = "") -> None:
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.shared = bool(url)
        if url:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            headers = {"Authorization": f"Bearer {token}"} if token else None
            try:
                self._client = chromadb.HttpClient(
                    host=parts.hostname or "127.0.0.1", port=parts.port or 8000, ssl=parts.scheme == "https",
                    headers=headers, settings=settings,
                )
                self._client.heartbeat()
            except Exception as exc:  # chromadb raises plain exceptions for an unreachable or refusing server
                raise StoreError(f"Chroma 서버에 연결할 수 없습니다: {url} ({exc})") from exc
        else:
            if path is None:
                raise ValueError("an embedded store needs a path")
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        self._col = self._client.get_or_create_collection(
            _COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def upsert(
        self, chunks: list[Chunk], vectors: npt.NDArray[np.float32],
        terms: list[list[str]] | None = None, sha: str = "",
    ) -> None:
        """Store chunks with their vectors; with `terms` and the document's `sha`, every field rides along so
        that a replica can rebuild its catalog from the store alone."""
        for start in range(0, len(chunks), _BATCH):
            part = chunks[start : start + _BATCH]
            metas: list[dict[str, Any]] = [{"source": c.source, "page": c.page or 0, "section": c.section} for c in part]
            if terms is not None:
                for meta, c, t in zip(metas, part, terms[start : start + len(part)], strict=True):
                    meta.update(doc_type=c.doc_type, program=c.program, version=c.version, ordinal=c.ordinal,
                                tokens=c.tokens, terms=json.dumps(t, ensure_ascii=False), doc_sha=sha)
            self._col.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[start : start + len(part)].tolist(),
                documents=[c.text for c in part],
                metadatas=metas,  # type: ignore[arg-type]
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

    # ---- the shared corpus on a server ---------------------------------------------------------------

    def _documents(self) -> Any:
        if not self.shared:
            raise StoreError("document records live only on a Chroma server")
        return self._client.get_or_create_collection(_DOCUMENTS, embedding_function=None)

    def marker(self) -> str:
        """Changes with every published change of the corpus ("" before the first)."""
        return str((self._documents().metadata or {}).get(_MARKER, ""))

    def publish(self, source: str, record: str, sha: str) -> None:
        """Make the chunks upserted with `sha` the document's visible ones, drop its other versions' chunks."""
        docs = self._documents()
        # Chroma stores nothing without a vector; a record needs none, so it gets a constant one.
        docs.upsert(ids=[source], embeddings=[[1.0]], documents=[record], metadatas=[{"sha": sha}])
        self._col.delete(where={"$and": [{"source": source}, {"doc_sha": {"$ne": sha}}]})  # type: ignore[dict-item]
        docs.modify(metadata={_MARKER: uuid.uuid4().hex})

    def unpublish(self, source: str) -> None:
        docs = self._documents()
        docs.delete(ids=[source])
        self._col.delete(where={"source": source})
        docs.modify(metadata={_MARKER: uuid.uuid4().hex})

    def records(self) -> dict[str, str]:
        """Every published document's record (JSON text) by source."""
        got = self._documents().get(include=["documents"])
        return dict(zip(got["ids"], got["documents"] or [], strict=True))

    def chunk_rows(self) -> list[ChunkRow]:
        """Every stored chunk with its text and metadata, read in pages."""
        rows: list[ChunkRow] = []
        offset = 0
        while True:
            got = self._col.get(include=["documents", "metadatas"], limit=_BATCH, offset=offset)
            rows.extend(zip(got["ids"], got["documents"] or [], [dict(m) for m in got["metadatas"] or []], strict=True))
            if len(got["ids"]) < _BATCH:
                return rows
            offset += _BATCH
