"""Chunking follows the outline of Korean notices and keeps FAQ pairs and tables whole."""

from __future__ import annotations

from assistant import tokens
from assistant.chunking import Chunker
from assistant.types import Block, DocInfo, ParsedDocument

INFO = DocInfo(
    source="notice.pdf", path="/x/notice.pdf", sha256="0" * 64, format="pdf", program="AI 초격차 챌린지",
    doc_type="notice", version="2025-02-03", title="모집 공고", series="notice:모집공고",
)

NOTICE_PAGE_1 = """□ 사업 목적
○ 온디바이스 AI와 버티칼 AI 분야 스타트업의 기술검증(PoC)을 지원
□ 신청 자격
○ 공고일 기준 창업 7년 이내 기업
 - 대표자가 만 39세 이하인 경우 가점 부여
※ 국세·지방세 체납 기업은 제외"""

NOTICE_PAGE_2 = """□ 지원 내용
○ 사업화자금 최대 2억원 (정부지원 70% 이내)"""


def _doc(*blocks: Block) -> ParsedDocument:
    return ParsedDocument(format="pdf", blocks=list(blocks), page_count=2)


def test_box_headings_start_sections_and_bullets_stay_inside() -> None:
    doc = _doc(Block(NOTICE_PAGE_1, page=1), Block(NOTICE_PAGE_2, page=2))
    chunks = Chunker(max_tokens=320).chunk(doc, INFO)
    by_section = {c.section: c for c in chunks}
    assert set(by_section) == {"□ 사업 목적", "□ 신청 자격", "□ 지원 내용"}
    eligibility = by_section["□ 신청 자격"]
    assert "창업 7년 이내" in eligibility.text and "체납 기업은 제외" in eligibility.text
    assert eligibility.page == 1
    assert by_section["□ 지원 내용"].page == 2
    assert all(c.source == "notice.pdf" and c.program == "AI 초격차 챌린지" for c in chunks)


def test_a_chunk_never_spans_two_pages() -> None:
    doc = _doc(Block("□ 추진 일정\n○ 접수: 3월 17일까지", page=3), Block("○ 발표평가: 4월 중", page=4))
    chunks = Chunker().chunk(doc, INFO)
    assert [c.page for c in chunks] == [3, 4]
    assert chunks[1].section == "□ 추진 일정"  # the section path carries over the page break


def test_articles_form_sections() -> None:
    text = "제1조(목적) 이 지침은 사업비 집행 기준을 정한다.\n제2조(정의) ① 사업비란 정부지원금과 자기부담금을 말한다."
    chunks = Chunker().chunk(_doc(Block(text)), INFO)
    assert [c.section for c in chunks] == [
        "제1조(목적) 이 지침은 사업비 집행 기준을 정한다.",
        "제2조(정의) ① 사업비란 정부지원금과 자기부담금을 말한다.",
    ]


def test_faq_pairs_are_one_chunk_each_even_when_small() -> None:
    blocks = [Block("자주 묻는 질문", kind="heading", heading_level=1)]
    for n in range(1, 4):
        blocks.append(Block(f"### Q{n}. 질문 {n}번은 무엇인가요?", kind="heading", heading_level=3))
        blocks.append(Block(f"A. 답변 {n}번입니다.\n추가 설명 {n}."))
    chunks = Chunker().chunk(ParsedDocument("markdown", blocks), INFO)
    pairs = [c for c in chunks if c.text.startswith("Q")]
    assert len(pairs) == 3
    for n, chunk in enumerate(pairs, start=1):
        assert chunk.text == f"Q{n}. 질문 {n}번은 무엇인가요?\nA. 답변 {n}번입니다.\n추가 설명 {n}."


def test_faq_pairs_in_plain_text_lines() -> None:
    text = "Q1. 예비창업자도 되나요?\nA. 안 됩니다.\nQ2. 공동대표는요?\nA. 대표 1인이 신청합니다."
    chunks = Chunker().chunk(_doc(Block(text, page=1)), INFO)
    assert [c.text for c in chunks] == ["Q1. 예비창업자도 되나요?\nA. 안 됩니다.", "Q2. 공동대표는요?\nA. 대표 1인이 신청합니다."]


def test_long_table_splits_by_rows_with_header_repeated() -> None:
    header = "구분 | 배점 | 비고"
    rows = [f"평가항목 {i}번 사업성 기술성 시장성 검토 | {i}점 | 세부 설명 문장 {i}" for i in range(60)]
    chunks = Chunker(max_tokens=128).chunk(_doc(Block("\n".join([header, *rows]), kind="table", page=5)), INFO)
    assert len(chunks) > 2
    assert all(c.text.startswith(header) for c in chunks)
    body = [line for c in chunks for line in c.text.split("\n")[1:]]
    assert body == rows  # every row exactly once, in order
    assert all(c.tokens <= 128 + tokens.count(header) + 40 for c in chunks)


def test_long_paragraph_is_split_within_the_limit() -> None:
    sentence = "협약기업은 사업비를 전용계좌로 관리하고 증빙을 보관하여야 한다. "
    chunks = Chunker(max_tokens=100, overlap_tokens=10).chunk(_doc(Block(sentence * 40, page=1)), INFO)
    assert len(chunks) > 3
    assert all(c.tokens <= 100 for c in chunks)


def test_ids_are_stable_and_unique() -> None:
    doc = _doc(Block("□ 문의처\n○ 전화 1357\n○ 전화 1357", page=1), Block("□ 문의처\n○ 전화 1357", page=2))
    first = [c.id for c in Chunker().chunk(doc, INFO)]
    second = [c.id for c in Chunker().chunk(doc, INFO)]
    assert first == second
    assert len(set(first)) == len(first)
