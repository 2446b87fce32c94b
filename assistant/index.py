"""The index: ingestion (parse → chunk → embed → store) and search (dense, BM25, hybrid by RRF).

Atomic per document: new vectors are written first, then the catalog switches to the new chunks in one
transaction, then the old vectors are deleted. On open, vectors the catalog does not list (left by a crash)
are removed, and a document whose vectors went missing is dropped from the catalog so that re-ingesting it
restores it. Superseded versions stay stored but are left out of results.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant import metadata
from assistant.catalog import Catalog
from assistant.chunking import Chunker
from assistant.embed import Embedder
from assistant.errors import RejectedFile, RejectReason
from assistant.fusion import rrf
from assistant.keyword import KeywordIndex
from assistant.morphs import Morphs
from assistant.store import VectorStore
from assistant.types import Chunk, DocInfo, Hit, ParsedDocument

Mode = Literal["hybrid", "dense", "bm25"]
Status = Literal["indexed", "replaced", "unchanged", "rejected"]
Parser = Callable[[Path], ParsedDocument]


@dataclass(frozen=True)
class IngestResult:
    path: Path
    status: Status
    reason: RejectReason | None = None
    chunks: int = 0
    pages: int | None = None
    seconds: float = 0.0
    doc: DocInfo | None = None


class Index:
    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        embedder: Embedder,
        morphs: Morphs,
        chunker: Chunker,
        parse: Parser,
        candidate_k: int = 40,
        rrf_k: int = 60,
    ) -> None:
        self.catalog, self.store, self.embedder, self.morphs = catalog, store, embedder, morphs
        self.chunker, self.parse = chunker, parse
        self.candidate_k, self.rrf_k = candidate_k, rrf_k
        self._keyword: tuple[int, KeywordIndex] | None = None
        self._idf: tuple[int, dict[str, float]] | None = None
        # subtle: with a Chroma server, vectors the catalog does not list may be another replica's ingestion in
        # flight; the server's own records decide what is visible (shared_catalog.py), so nothing is repaired here.
        self.repaired = [] if store.shared else self._reconcile()

    def _reconcile(self) -> list[str]:
        """Make the vector store agree with the catalog; return the sources that must be re-ingested."""
        stored, listed = self.store.ids(), self.catalog.chunk_ids()
        if stored - listed:
            self.store.delete(stored - listed)
        missing = listed - stored
        broken = sorted({c.source for c in self.catalog.get_chunks(sorted(missing)).values()})
        for source in broken:
            self.catalog.remove(source)
        return broken

    # ---- ingestion -------------------------------------------------------------------------------

    def ingest(self, path: Path) -> IngestResult:
        started = time.perf_counter()
        try:
            sha = _sha256(path)
        except OSError as exc:
            return IngestResult(path, "rejected", reason=_os_reason(exc))
        old = self.catalog.document(path.name)
        if old is not None and old.sha256 == sha:
            return IngestResult(path, "unchanged", doc=old, seconds=time.perf_counter() - started)
        try:
            parsed = self.parse(path)
        except RejectedFile as exc:
            return IngestResult(path, "rejected", reason=exc.reason, seconds=time.perf_counter() - started)
        info = metadata.describe(path, sha, parsed)
        chunks = self.chunker.chunk(parsed, info)
        if not chunks:
            return IngestResult(path, "rejected", reason="no_text", seconds=time.perf_counter() - started)
        contexts = [_context(info, c) for c in chunks]
        vectors = self.embedder.passages(contexts)
        terms = self.morphs.terms_many(contexts)
        old_ids = self.catalog.chunk_ids(info.source)
        self.store.upsert(chunks, vectors, terms, sha)
        self.catalog.replace(info, chunks, terms)
        stale = old_ids - {c.id for c in chunks}
        if stale:
            self.store.delete(stale)
        return IngestResult(
            path,
            "replaced" if old is not None else "indexed",
            chunks=len(chunks),
            pages=parsed.page_count,
            seconds=time.perf_counter() - started,
            doc=info,
        )

    def remove(self, source: str) -> bool:
        ids = self.catalog.chunk_ids(source)
        removed = self.catalog.remove(source)
        if ids:
            self.store.delete(ids)
        return removed

    # ---- search ----------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, mode: Mode = "hybrid") -> list[Hit]:
        return self.search_scored(query, k, mode)[0]

    def search_scored(self, query: str, k: int = 10, mode: Mode = "hybrid") -> tuple[list[Hit], dict[str, float]]:
        """Ranked hits plus the dense cosine similarity of every dense candidate (by chunk id), which the
        answer pipeline reads as a measure of how close the question is to anything in the documents."""
        sources = self.catalog.active_sources()
        if not query.strip() or not sources:
            return [], {}
        n = max(k, self.candidate_k)
        dense = self.store.query(self.embedder.query(query), n, sources) if mode != "bm25" else []
        keyword = self.keywords().query(self.morphs.terms(query), n, sources) if mode != "dense" else []
        if mode == "dense":
            ranked = dense[:k]
        elif mode == "bm25":
            ranked = keyword[:k]
        else:
            ranked = rrf([[i for i, _ in dense], [i for i, _ in keyword]], k=self.rrf_k)[:k]
        chunks = self.catalog.get_chunks([i for i, _ in ranked])
        return [Hit(chunks[i], score, mode) for i, score in ranked if i in chunks], dict(dense)

    def term_weights(self) -> dict[str, float]:
        """Inverse document frequency of every keyword term over the stored chunks (rare terms weigh more)."""
        generation = self.catalog.generation
        if self._idf is None or self._idf[0] != generation:
            rows = self.catalog.chunks()
            df: Counter[str] = Counter()
            for _, terms in rows:
                df.update(set(terms))
            n = len(rows)
            self._idf = (generation, {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()})
        return self._idf[1]

    def keywords(self) -> KeywordIndex:
        generation = self.catalog.generation
        if self._keyword is None or self._keyword[0] != generation:
            rows = self.catalog.chunks()
            index = KeywordIndex([c.id for c, _ in rows], [c.source for c, _ in rows], [t for _, t in rows])
            self._keyword = (generation, index)
        return self._keyword[1]

    def documents(self) -> list[tuple[DocInfo, int, bool]]:
        """Every stored document with its chunk count and whether it is active (not superseded)."""
        counts, active = self.catalog.chunk_counts(), self.catalog.active_sources()
        return [(d, counts.get(d.source, 0), d.source in active) for d in self.catalog.documents()]


def _context(info: DocInfo, chunk: Chunk) -> str:
    """Text that is embedded and keyword-indexed: the chunk with its document title and section path."""
    head = " > ".join(part for part in (info.title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _os_reason(exc: OSError) -> RejectReason:
    return "unsupported" if isinstance(exc, IsADirectoryError) else "unreadable"
