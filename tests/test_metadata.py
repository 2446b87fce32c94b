from pathlib import Path

from assistant.metadata import describe
from assistant.types import Block, ParsedDocument


def _describe(name: str, *lines: str, meta: dict[str, str] | None = None) -> tuple[str, str, str, str, str]:
    parsed = ParsedDocument("pdf", [Block(line) for line in lines], metadata=meta or {})
    info = describe(Path(name), "0" * 64, parsed)
    return info.program, info.doc_type, info.version, info.title, info.series


def test_declared_metadata_wins() -> None:
    meta = {"title": "모집 공고", "program": "AI 초격차 챌린지", "doc_type": "notice", "version": "2025. 2. 3."}
    assert _describe("x.pdf", "2024년 아무 문서", meta=meta)[:3] == ("AI 초격차 챌린지", "notice", "2025-02-03")


def test_inferred_from_real_notice_names() -> None:
    program, doc_type, version, _, _ = _describe(
        "L3_2025창업도약패키지_일반형_모집공고.pdf", "중소벤처기업부 공고 제2025-89호", "2025년 창업도약패키지 모집 공고"
    )
    assert (program, doc_type, version) == ("창업도약패키지", "notice", "2025")
    assert _describe("2025_초기창업패키지_사업비집행_세부관리기준.hwp", "세부관리기준")[:2] == ("초기창업패키지", "guideline")


def test_date_in_opening_text_is_the_version() -> None:
    assert _describe("a.pdf", "모집 공고", "2025. 3. 4.(화)")[2] == "2025-03-04"


def test_amended_notice_shares_the_series_of_the_original() -> None:
    original = _describe("a.pdf", meta={"title": "2025년 AI 초격차 챌린지 모집 공고"})[4]
    amended = _describe("b.pdf", meta={"title": "2025년 AI 초격차 챌린지 모집 공고(변경)"})[4]
    other = _describe("c.pdf", meta={"title": "2025년 AI 초격차 챌린지 운영지침"})[4]
    assert original == amended != other
