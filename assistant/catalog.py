"""The catalog: a SQLite file that is the index's source of truth for documents and their chunks.

A document's chunks become visible in one transaction (`replace`), so a crash leaves either the old or the
new version, never a mix. The vector store may hold extra vectors after a crash; `Index` removes any the
catalog does not list. Chunk texts and BM25 terms live here too, so the keyword index can be rebuilt from
this file alone. Out of scope: concurrent writers from several processes (ingestion is one process), and the
mirror of a Chroma server's corpus that replicas keep in memory (shared_catalog.py).

The schema version lives in the `meta` table. Opening reads it first without writing anything: a catalog of an
older version is copied, with the files named in `backup_with` (the vector store), to
`backup-v<version>-<time>/` beside it and then migrated in one transaction; a newer or unknown version is
refused and nothing is touched, so an older program never damages a newer program's index.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

from assistant.errors import StoreError
from assistant.types import Chunk, DocInfo

SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,
    program TEXT NOT NULL, doc_type TEXT NOT NULL, version TEXT NOT NULL, title TEXT NOT NULL,
    series TEXT NOT NULL, page_count INTEGER, ingested_at REAL NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL REFERENCES documents(source) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, text TEXT NOT NULL, page INTEGER, section TEXT NOT NULL,
    doc_type TEXT NOT NULL, program TEXT NOT NULL, version TEXT NOT NULL, tokens INTEGER NOT NULL,
    terms TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source, ordinal)",
)

# Statements that bring a catalog of version v to v + 1; they run before `_SCHEMA`, which then creates any table
# or index added since. Version 1 is the first schema, so there are none yet; an older stamp only needs `_SCHEMA`.
_MIGRATIONS: dict[int, tuple[str, ...]] = {}

_DOC_FIELDS = [f.name for f in fields(DocInfo)]
_CHUNK_FIELDS = [f.name for f in fields(Chunk)]


class Catalog:
    def __init__(self, path: Path, backup_with: Sequence[Path] = ()) -> None:
        version = stored_version(path)
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"색인 {path}은(는) 더 새로운 버전의 프로그램이 만든 것입니다 (카탈로그 형식 버전 {version}, "
                f"이 프로그램은 {SCHEMA_VERSION}까지 엽니다). 프로그램을 업데이트하거나 다른 --data-dir을 쓰세요. "
                "색인 파일은 건드리지 않았습니다."
            )
        self.backup: Path | None = None  # where the files were copied before a migration
        if version is not None and version < SCHEMA_VERSION:
            self.backup = _back_up(path, backup_with, version)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA foreign_keys=ON")
                if version != SCHEMA_VERSION:
                    self._upgrade()
            except BaseException:
                self._db.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"catalog {path}: {exc}") from exc

    def _upgrade(self) -> None:
        """Create or migrate the schema and stamp the version, all in one transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # subtle: read again under the write lock; another process may have migrated since `stored_version`.
            version = _version_in(self._db)
            if version != SCHEMA_VERSION:
                start = SCHEMA_VERSION if version is None else version  # a new catalog needs no steps
                steps = [step for v in range(start, SCHEMA_VERSION) for step in _MIGRATIONS.get(v, ())]
                for statement in [*steps, *_SCHEMA]:
                    self._db.execute(statement)
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

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


def stored_version(path: Path) -> int | None:
    """The schema version of the catalog at `path`, read without writing anything; None for a new catalog (no
    file, or no documents yet). A file that holds documents but no valid version is refused."""
    if str(path) == ":memory:" or not path.is_file() or path.stat().st_size == 0:
        return None
    # subtle: a read-only connection to a WAL database leaves -wal and -shm files behind. Without a -wal file the
    # main file holds every committed change, so it is read as immutable: no lock, no side files.
    mode = "mode=ro" if path.with_name(path.name + "-wal").exists() else "immutable=1"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
        try:
            version = _version_in(db)
            has_docs = version is None and _has_documents(db)
        finally:
            db.close()
    except (sqlite3.DatabaseError, ValueError) as exc:
        raise _unknown(path, str(exc)) from exc
    if has_docs or (version is not None and version < 0):
        raise _unknown(path, "버전 표시 없음" if version is None else f"형식 버전 {version}")
    return version


def _unknown(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"색인 {path}의 카탈로그 형식 버전을 알 수 없습니다 ({detail}). 이 프로그램이 만든 색인이 아니거나 손상되었을 "
        "수 있어 열지 않았습니다. 색인 파일은 건드리지 않았습니다."
    )


def _version_in(db: sqlite3.Connection) -> int | None:
    """The stamped version (ValueError if it is not a number), or None when there is none."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is None:
        return None
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return None
    try:
        return int(row[0])
    except ValueError:
        raise ValueError(f"형식 버전 {row[0]!r}") from None


def _has_documents(db: sqlite3.Connection) -> bool:
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'").fetchone() is None:
        return False
    return db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None


def _back_up(path: Path, others: Sequence[Path], version: int) -> Path:
    """Copy the catalog (with its -wal/-shm files) and `others` into a new folder beside it, and return it.

    The copy is made under a temporary name and renamed when complete, so a crash never leaves a partial backup
    that looks whole."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.parent / f"backup-v{version}-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = path.parent / f"backup-v{version}-{stamp}-{n}"
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    for item in [path, *sides, *others]:
        if item.is_dir():
            shutil.copytree(item, partial / item.name, symlinks=True)
        elif item.exists():
            shutil.copy2(item, partial / item.name)
    os.replace(partial, target)
    return target
