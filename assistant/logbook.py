"""The conversation log: every turn and every 👍/👎 stored in SQLite under the data dir, personal data masked.

In scope: writing a turn (question, answer, refused, mode, citations, first-token and total time), writing
feedback on a turn, reading recent turns, feedback and the questions that were refused or got 👎 (for the staff
page), and deleting rows older than the retention period (at start, then at most hourly on the next write).
Everything that is stored passes `privacy.mask` first.

Where: a SQLite file by default (replicas on one machine may share it: WAL, one short write per turn), or a
PostgreSQL database named by `ASSISTANT_DB_URL` (postgresql://…, through psycopg 3, extra `postgres`) for
replicas on several machines. The SQL is written once for both; `_Postgres` only swaps the placeholder style.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from assistant.answer import Answer
from assistant.errors import StoreError
from assistant.privacy import mask

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id TEXT PRIMARY KEY, at REAL NOT NULL, channel TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    refused INTEGER NOT NULL, mode TEXT NOT NULL, sources TEXT NOT NULL, first_token_ms REAL, total_ms REAL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, turn_id TEXT NOT NULL, at REAL NOT NULL, rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS turns_at ON turns(at);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback(at);
"""
_PURGE_EVERY_S = 3600


class _Postgres:
    """The few calls Logbook makes, on a psycopg 3 connection in autocommit mode, with `?` placeholders."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError("ASSISTANT_DB_URL가 PostgreSQL입니다: `pip install -e '.[postgres]'`로 psycopg를 설치하세요.") from exc
        try:
            self._conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"기록 DB에 연결할 수 없습니다 ({exc.__class__.__name__})") from exc
        # PostgreSQL's REAL is 4 bytes (a timestamp would lose minutes); the id counts by itself.
        schema = _SCHEMA.replace("REAL", "DOUBLE PRECISION").replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
        for statement in filter(str.strip, schema.split(";")):
            self._conn.execute(statement.encode())

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s").encode(), params)

    def close(self) -> None:
        self._conn.close()


class Logbook:
    def __init__(self, path: Path, retention_days: int = 90, url: str = "") -> None:
        """The log at `path`, unless `url` (ASSISTANT_DB_URL) names sqlite:///another/path or a PostgreSQL DB."""
        self._db: Any
        if url.startswith(("postgresql://", "postgres://")):
            self._db = _Postgres(url)
        else:
            if url:
                if not url.startswith("sqlite:///"):
                    raise StoreError(f"ASSISTANT_DB_URL는 sqlite:///경로 또는 postgresql://… 이어야 합니다: {url.split(':')[0]}:…")
                path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self.retention_days = retention_days
        self._purged_at = 0.0
        self.purge()

    def turn(self, answer: Answer, channel: str = "web") -> str:
        """Store one answered question; returns the turn id that feedback refers to."""
        turn_id = uuid.uuid4().hex
        if time.time() - self._purged_at > _PURGE_EVERY_S:  # a server that runs for months still forgets
            self.purge()
        sources = json.dumps([f"{c.source}{f' {c.page}쪽' if c.page else ''}" for c in answer.citations],
                             ensure_ascii=False)
        t = answer.timings
        with self._lock:
            self._db.execute(
                "INSERT INTO turns VALUES (?,?,?,?,?,?,?,?,?,?)",
                (turn_id, time.time(), channel, mask(answer.question), mask(answer.answer), int(answer.refused),
                 answer.mode, sources, t.first_token_ms, t.total_ms),
            )
        return turn_id

    def feedback(self, turn_id: str, rating: int, comment: str = "") -> bool:
        """👍 = 1, 👎 = -1. False when the turn is unknown (nothing is stored then)."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM turns WHERE id = ?", (turn_id,)).fetchone() is None:
                return False
            self._db.execute("INSERT INTO feedback (turn_id, at, rating, comment) VALUES (?,?,?,?)",
                             (turn_id, time.time(), 1 if rating > 0 else -1, mask(comment[:1000])))
        return True

    def recent_feedback(self, limit: int = 100) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT f.at, f.rating, f.comment, t.question, t.answer FROM feedback f JOIN turns t ON t.id = f.turn_id "
            "ORDER BY f.at DESC LIMIT ?", (limit,))

    def needs_attention(self, limit: int = 100) -> list[dict[str, Any]]:
        """Questions that were refused or got a 👎, newest first: what the documents or the pipeline miss."""
        return self._rows(
            "SELECT t.at, t.question, t.answer, t.mode, t.refused, "
            "(SELECT MIN(rating) FROM feedback f WHERE f.turn_id = t.id) AS rating FROM turns t "
            "WHERE t.refused = 1 OR EXISTS (SELECT 1 FROM feedback f WHERE f.turn_id = t.id AND f.rating < 0) "
            "ORDER BY t.at DESC LIMIT ?", (limit,))

    def counts(self) -> dict[str, int]:
        with self._lock:
            turns = self._db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
            feedback = self._db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        return {"turns": int(turns), "feedback": int(feedback)}

    def purge(self, now: float | None = None) -> int:
        """Delete turns and feedback older than the retention period; returns the number of turns deleted."""
        cutoff = (now or time.time()) - self.retention_days * 86400
        with self._lock:
            self._purged_at = time.time()
            self._db.execute("DELETE FROM feedback WHERE at < ?", (cutoff,))
            deleted = self._db.execute("DELETE FROM turns WHERE at < ?", (cutoff,)).rowcount
            self._db.execute("DELETE FROM feedback WHERE turn_id NOT IN (SELECT id FROM turns)")
        return int(deleted)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._db.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        self._db.close()
