"""The catalog: a SQLite file that is the index's source of truth for documents and their chunks.

A document's chunks become visible in one transaction (`replace`), so a crash leaves either the old or the
new version, never a mix. The vector store may hold extra vectors after a crash; `Index` removes any the
catalog does not list. Chunk texts and BM25 terms live here too, so the keyword index can be rebuilt from
this file alone. Out of scope: concurrent writers from several processes (ingestion is one process), and the
mirror of a Chroma server's corpus that replicas keep in memory (shared_catalog.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

from assistant.errors import StoreError
from assistant.types import Chunk, DocInfo

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,
    program TEXT NOT NULL, doc_type TEXT NOT NULL, version TEXT NOT NULL, title TEXT NOT NULL,
    series TEXT NOT NULL, page_count INTEGER, ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL REFERENCES documents(source) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, text TEXT NOT NULL, page INTEGER, section TEXT NOT NULL,
    doc_type TEXT NOT NULL, program TEXT NOT NULL, version TEXT NOT NULL, tokens INTEGER NOT NULL,
    terms TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source, ordinal);
"""

_DOC_FIELDS = [f.name for f in fields(DocInfo)]
_CHUNK_FIELDS = [f.name for f in fields(Chunk)]


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"catalog {path}: {exc}") from exc

    def _check_schema(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"catalog schema {row[0]} is newer than this release ({SCHEMA_VERSION})")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
        )
        self._db.execute("COMMIT")

    @property
    def generation(self) -> int:
        """Increases with every committed change; caches derived from the catalog key on it."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def document(self, source: str) -> DocInfo | None:
        cols = ", ".join(_DOC_FIELDS)
        row = self._db.execute(f"SELECT {cols} FROM documents WHERE source = ?", (source,)).fetchone()
        return DocInfo(*row) if row else None

    def documents(self) -> list[DocInfo]:
        cols = ", ".join(_DOC_FIELDS)
        rows = self._db.execute(f"SELECT {cols} FROM documents ORDER BY source").fetchall()
        return [DocInfo(*row) for row in rows]

    def chunk_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT source, COUNT(*) FROM chunks GROUP BY source").fetchall()
        return {source: n for source, n in rows}

    def chunk_ids(self, source: str | None = None) -> set[str]:
        if source is None:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}
        return {r[0] for r in self._db.execute("SELECT id FROM chunks WHERE source = ?", (source,))}

    def replace(
        self, doc: DocInfo, chunks: list[Chunk], terms: list[list[str]], ingested_at: float | None = None
    ) -> None:
        """Make `chunks` the document's only chunks, atomically (`ingested_at` defaults to now)."""
        placeholders = ", ".join("?" for _ in _DOC_FIELDS)
        chunk_cols = ", ".join([*_CHUNK_FIELDS, "terms"])
        chunk_marks = ", ".join("?" for _ in range(len(_CHUNK_FIELDS) + 1))
        with self._transaction() as db:
            db.execute("DELETE FROM chunks WHERE source = ?", (doc.source,))
            db.execute(
                f"INSERT OR REPLACE INTO documents ({', '.join(_DOC_FIELDS)}, ingested_at) "
                f"VALUES ({placeholders}, ?)",
                (*asdict(doc).values(), time.time() if ingested_at is None else ingested_at),
            )
            db.executemany(
                f"INSERT INTO chunks ({chunk_cols}) VALUES ({chunk_marks})",
                [(*asdict(c).values(), json.dumps(t, ensure_ascii=False)) for c, t in zip(chunks, terms, strict=True)],
            )

    def remove(self, source: str) -> bool:
        with self._transaction() as db:
            cur = db.execute("DELETE FROM documents WHERE source = ?", (source,))
        return cur.rowcount > 0

    def chunks(self) -> list[tuple[Chunk, list[str]]]:
        """All chunks with their BM25 terms, in document order."""
        cols = ", ".join(_CHUNK_FIELDS)
        rows = self._db.execute(f"SELECT {cols}, terms FROM chunks ORDER BY source, ordinal").fetchall()
        return [(Chunk(*row[:-1]), json.loads(row[-1])) for row in rows]

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]:
        cols = ", ".join(_CHUNK_FIELDS)
        out: dict[str, Chunk] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join("?" for _ in part)
            for row in self._db.execute(f"SELECT {cols} FROM chunks WHERE id IN ({marks})", part):
                chunk = Chunk(*row)
                out[chunk.id] = chunk
        return out

    def active_sources(self) -> set[str]:
        """Documents not superseded: in each series, the highest version (then the latest ingested) wins."""
        rows = self._db.execute(
            "SELECT source, series, version, ingested_at FROM documents ORDER BY version, ingested_at"
        ).fetchall()
        newest: dict[str, str] = {}
        for source, series, _version, _at in rows:
            newest[series] = source
        return set(newest.values())

    def close(self) -> None:
        self._db.close()
