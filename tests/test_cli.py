"""The `assistant` command line as staff and outside checks use it: real subprocesses, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS


def _run(*args: str, data: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def corpus_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of the bundled corpus plus one bad file, built once through the CLI."""
    data = tmp_path_factory.mktemp("data")
    junk = tmp_path_factory.mktemp("junk") / "손상된파일.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    result = _run("ingest", str(CORPUS), str(junk), "--json", data=data)
    assert result.returncode == 0, result.stderr
    rows = {Path(r["path"]).name: r for r in json.loads(result.stdout)}
    assert rows["손상된파일.pdf"]["status"] == "rejected" and rows["손상된파일.pdf"]["message"]
    assert "✗ 손상된파일.pdf — 건너뜀:" in result.stderr
    indexed = {n for n, r in rows.items() if r["status"] == "indexed"}
    assert {"notice.pdf", "guideline.hwpx", "faq.md", "press.md"} <= indexed
    assert not any(n.endswith(".py") or n == "README.md" for n in rows)  # .assistantignore honoured
    return data


def test_second_ingest_is_a_no_op(corpus_data: Path) -> None:
    result = _run("ingest", str(CORPUS), "--json", data=corpus_data)
    assert result.returncode == 0
    assert {r["status"] for r in json.loads(result.stdout)} == {"unchanged"}


def test_search_json_contract(corpus_data: Path) -> None:
    result = _run("search", "LG전자와 함께하는 트랙은 무엇인가요?", "-k", "3", "--json", data=corpus_data)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3 and [r["rank"] for r in rows] == [1, 2, 3]
    for row in rows:
        assert {"source", "page", "section", "score", "text"} <= row.keys()
    assert rows[0]["source"] in {"notice.pdf", "faq.md", "press.md", "guideline.hwpx"}
    assert any("LG" in r["text"] for r in rows)


def test_documents_lists_the_corpus(corpus_data: Path) -> None:
    result = _run("documents", "--json", data=corpus_data)
    docs = {d["source"]: d for d in json.loads(result.stdout)}
    assert docs["notice.pdf"]["doc_type"] == "notice" and docs["notice.pdf"]["pages"] >= 2
    assert all(d["program"] == "AI 초격차 챌린지" and d["active"] and d["chunks"] > 0 for d in docs.values())


def test_only_bad_files_exit_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "빈파일.hwp"
    bad.write_bytes(b"")
    result = _run("ingest", str(bad), str(tmp_path / "없는파일.pdf"), data=tmp_path / "data")
    assert result.returncode == 1
    assert "빈 파일입니다" in result.stderr and "파일이 없습니다" in result.stderr


def test_help_names_every_command() -> None:
    out = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True).stdout
    for command in ("ingest", "search", "documents", "remove"):
        assert command in out
