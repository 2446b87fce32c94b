"""The catalog of a replica whose corpus lives on a Chroma server: an in-memory mirror of the server's records.

Every replica rebuilds the same mirror — and from it the same BM25 index and term weights — from the same
server data, so the keyword side cannot drift between replicas. Freshness: each read of `generation` (the key
every derived cache checks), `active_sources` (what a search may return), `chunk_counts`, `document` and
`documents` first compares the server's corpus marker, about 1 ms on loopback (a few per question), and
rebuilds the mirror when it changed. The rebuild happens in a fresh
in-memory database that replaces the old one in a single assignment, so a question being answered never sees a
half-built mirror. Writes (`replace`, `remove`) go to the server, which makes them visible to every replica.

Out of scope: two replicas ingesting the same document at the same time (the last one wins; ingest from one
place, the staff page of one replica or the CLI) and removing chunks a crash left on the server (they stay
invisible, and the next ingestion of their document deletes them).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.catalog import Catalog
from assistant.types import Chunk, DocInfo

if TYPE_CHECKING:
    from assistant.store import ChunkRow, VectorStore

_MEMORY = Path(":memory:")
_DOC_FIELDS = [f.name for f in fields(DocInfo)]


class SharedCatalog(Catalog):
    def __init__(self, store: VectorStore) -> None:
        super().__init__(_MEMORY)
        self._store = store
        self._marker: str | None = None
        self._generation = 0
        self._sync = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Rebuild the mirror if the server's corpus changed since the last look; True when it did."""
        marker = self._store.marker()
        if marker == self._marker:
            return False
        with self._sync:
            if marker == self._marker:
                return False
            # subtle: the marker is read before the data; a change landing in between sets a newer marker,
            # so the next look rebuilds again and nothing is missed.
            mirror = _mirror(self._store.records(), self._store.chunk_rows())
            # The old connection is closed by the garbage collector once no reader holds it.
            self._db = mirror._db
            self._marker = marker
            self._generation += 1
        return True

    @property
    def generation(self) -> int:
        self.refresh()
        return self._generation

    def document(self, source: str) -> DocInfo | None:
        self.refresh()
        return super().document(source)

    def documents(self) -> list[DocInfo]:
        self.refresh()
        return super().documents()

    def active_sources(self) -> set[str]:
        self.refresh()
        return super().active_sources()

    def chunk_counts(self) -> dict[str, int]:
        self.refresh()
        return super().chunk_counts()

    def replace(
        self, doc: DocInfo, chunks: list[Chunk], terms: list[list[str]], ingested_at: float | None = None
    ) -> None:
        """Publish the document's record; its chunks were upserted to the server with its sha beforehand."""
        record = {**asdict(doc), "ingested_at": time.time() if ingested_at is None else ingested_at}
        self._store.publish(doc.source, json.dumps(record, ensure_ascii=False), doc.sha256)
        self.refresh()

    def remove(self, source: str) -> bool:
        existed = self.document(source) is not None
        self._store.unpublish(source)
        self.refresh()
        return existed


def _mirror(records: dict[str, str], rows: list[ChunkRow]) -> Catalog:
    """A fresh in-memory catalog holding each published document with the chunks stored under its sha."""
    mirror = Catalog(_MEMORY)
    by_source: dict[str, list[tuple[Chunk, dict[str, Any]]]] = {}
    for chunk_id, text, meta in rows:
        if "doc_sha" not in meta:
            continue  # not written by an ingestion that publishes (cannot belong to a record)
        by_source.setdefault(str(meta["source"]), []).append((_chunk(chunk_id, text, meta), meta))
    for source, text in sorted(records.items()):
        record: dict[str, Any] = json.loads(text)
        doc = DocInfo(**{k: record[k] for k in _DOC_FIELDS})
        mine = [(c, m) for c, m in by_source.get(source, []) if m["doc_sha"] == doc.sha256]
        mine.sort(key=lambda pair: pair[0].ordinal)
        mirror.replace(doc, [c for c, _ in mine], [json.loads(m["terms"]) for _, m in mine], record["ingested_at"])
    return mirror


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id, text=text, source=str(meta["source"]), page=int(meta["page"]) or None,
        section=str(meta["section"]), doc_type=str(meta["doc_type"]), program=str(meta["program"]),
        version=str(meta["version"]), ordinal=int(meta["ordinal"]), tokens=int(meta["tokens"]),
    )
