"""An index written by the previous release (tests/fixtures/index_prev) opens, answers and takes new documents;
an older catalog is backed up and migrated; a newer or unknown one is refused without touching a byte."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant import catalog as catalog_module
from assistant.catalog import SCHEMA_VERSION, Catalog, stored_version
from assistant.cli import main
from assistant.errors import StoreError
from assistant.factory import build_index
from assistant.settings import Settings

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "index_prev"

NEW_DOC = """---
title: 창업도약 지원사업 자주 묻는 질문
program: 창업도약 지원사업
doc_type: faq
version: 2025-04-01
---
# 자주 묻는 질문

## 발표
○ 최종 선정 결과는 2025년 6월 말 누리집에 공지합니다.
"""


def _copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data, ignore=shutil.ignore_patterns("README.txt"))
    return data


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _stamp(data: Path, value: str) -> None:
    db = sqlite3.connect(data / "catalog.sqlite3")
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    db.commit()
    db.close()  # the last connection checkpoints and removes the -wal/-shm files


def test_fixture_is_the_previous_release_on_disk() -> None:
    assert (FIXTURE / "catalog.sqlite3").is_file() and (FIXTURE / "chroma" / "chroma.sqlite3").is_file()
    assert not list(FIXTURE.glob("*-wal")) and not list(FIXTURE.glob("backup-*"))  # never opened in place
    assert stored_version(FIXTURE / "catalog.sqlite3") == 1
    assert sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.is_file()) < 600_000


def test_previous_release_index_opens_searches_and_takes_a_new_document(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    index = build_index(Settings(data_dir=data))
    assert index.catalog.backup is None and index.repaired == []  # same schema: no migration, nothing to repair
    assert index.store.ids() == index.catalog.chunk_ids()
    assert {d.source: n for d, n, _ in index.documents()} == {"guide.md": 3, "notice.md": 5}
    assert all(active for _, _, active in index.documents())

    top = index.search("사업비를 현금으로 인출해도 되나요?", k=3)[0].chunk
    assert top.source == "guide.md" and "전용계좌" in top.text, top
    top = index.search("사업화자금은 최대 얼마인가요?", k=3)[0].chunk
    assert top.source == "notice.md" and "1억 5천만원" in top.text, top

    new = tmp_path / "faq.md"
    new.write_text(NEW_DOC, encoding="utf-8")
    assert index.ingest(new).status == "indexed"
    reopened = build_index(Settings(data_dir=data))
    assert {d.source for d, _, _ in reopened.documents()} == {"faq.md", "guide.md", "notice.md"}
    assert reopened.store.ids() == reopened.catalog.chunk_ids()
    top = reopened.search("최종 선정 결과는 언제 발표하나요?", k=3)[0].chunk
    assert top.source == "faq.md" and "6월 말" in top.text, top
    assert not list(data.glob("backup-*"))


def test_older_catalog_is_backed_up_then_migrated(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    _stamp(data, "0")  # simulated older release
    before = _hashes(data)

    index = build_index(Settings(data_dir=data))
    backup = index.catalog.backup
    assert backup is not None and backup.parent == data and backup.name.startswith("backup-v0-")
    assert _hashes(backup) == before  # the catalog and the whole vector store, as they were before the migration
    assert not list(data.glob("*.partial"))
    assert stored_version(data / "catalog.sqlite3") == SCHEMA_VERSION
    assert {d.source for d, _, _ in index.documents()} == {"guide.md", "notice.md"}
    assert index.search("사업비를 현금으로 인출해도 되나요?", k=3)[0].chunk.source == "guide.md"
    index.catalog.close()

    build_index(Settings(data_dir=data)).catalog.close()  # migrated once: no second backup
    assert [p.name for p in data.glob("backup-*")] == [backup.name]


def test_migration_steps_run_in_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mechanism with real steps (this release has none yet): they apply, or on failure nothing does."""
    data = _copy(tmp_path)
    _stamp(data, "0")
    path = data / "catalog.sqlite3"
    failing = ("ALTER TABLE documents ADD COLUMN note TEXT", "UPDATE no_such_table SET x = 1")
    monkeypatch.setattr(catalog_module, "_MIGRATIONS", {0: failing})
    with pytest.raises(StoreError):
        Catalog(path)
    assert stored_version(path) == 0  # rolled back: still the old version, without the new column
    assert "note" not in {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(documents)")}
    assert len(list(data.glob("backup-v0-*"))) == 1

    monkeypatch.setattr(catalog_module, "_MIGRATIONS", {0: failing[:1]})
    migrated = Catalog(path)
    assert stored_version(path) == SCHEMA_VERSION
    assert {d.source for d in migrated.documents()} == {"guide.md", "notice.md"}
    assert "note" in {r[1] for r in migrated._db.execute("PRAGMA table_info(documents)")}


@pytest.mark.parametrize(("stamp", "shown"), [("99", "형식 버전 99"), ("abc", "'abc'"), ("-1", "형식 버전 -1")])
def test_newer_or_unknown_catalog_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stamp: str, shown: str
) -> None:
    data = _copy(tmp_path)
    _stamp(data, stamp)
    before = _hashes(data)
    with pytest.raises(StoreError) as refused:
        build_index(Settings(data_dir=data))
    assert shown in str(refused.value) and "건드리지 않았습니다" in str(refused.value)
    assert _hashes(data) == before  # not a byte changed, no -wal/-shm, no backup folder

    assert main(["documents", "--data-dir", str(data)]) == 2  # the CLI says so in Korean
    err = capsys.readouterr().err
    assert err.startswith("오류: 색인") and shown in err
    assert _hashes(data) == before


def test_catalog_without_a_version_but_with_documents_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    db = sqlite3.connect(data / "catalog.sqlite3")
    db.execute("DELETE FROM meta WHERE key = 'schema_version'")
    db.commit()
    db.close()
    before = _hashes(data)
    with pytest.raises(StoreError, match="버전 표시 없음"):
        Catalog(data / "catalog.sqlite3")
    assert _hashes(data) == before
