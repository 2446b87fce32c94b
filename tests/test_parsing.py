"""Every format on real files: the shared fixtures (real notices and rules) and small files built here.

The builders below (`make_pdf`, `make_docx`, `make_hwpx`, `make_hwpml`) are reused by test_bad_files.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from assistant.parse_text import MAX_BLOCK_CHARS
from assistant.parsing import parse_file, parse_file_inline
from assistant.sniff import sniff
from assistant.types import ParsedDocument
from tests.conftest import shared_fixture

DEEPTECH_PDF = "L3_2026초기창업패키지모집공고_딥테크특화형.pdf"
LEAP_PDF = "L3_2025창업도약패키지_일반형_모집공고.pdf"
GUIDELINE_HWP = "2025_초기창업패키지_사업비집행_세부관리기준.hwp"
UNIVERSITY_HWP = "L4_위덕대_산학협력단회계처리규칙.hwp"
HWPML_FILE = "L4_서울대_연구비관리규정_20200325.hwp"

# Characters a clean Korean document is made of: Hangul, ASCII, Latin-1 signs, and the punctuation, bullets,
# circled numbers, roman numerals, arrows and shapes of Korean notices. CJK ideographs are not in it: a few
# are real Hanja, runs of them are control payloads read as text.
_COMMON = re.compile(
    "[\uac00-\ud7a3\u3130-\u318f\u1100-\u11ff\x20-\x7e\n\t\u00a0-\u00ff\u2000-\u206f\u2100-\u218f\u2190-\u21ff"
    "\u2200-\u22ff\u2460-\u24ff\u2500-\u27bf\u3000-\u303f\u3200-\u33ff\uff00-\uffef]"
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ue000-\uf8ff]")


def rare_ratio(text: str) -> float:
    return len(_COMMON.sub("", text)) / max(1, len(text))


def assert_clean(doc: ParsedDocument) -> None:
    for block in doc.blocks:
        assert block.text.strip(), block
        assert not _CONTROL.search(block.text), repr(block.text[:200])
        assert "  " not in block.text, repr(block.text[:200])


# ---- builders -----------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_pdf(path: Path, pages: list[tuple[list[str], list[list[str]] | None]], **info: str) -> Path:
    """A PDF with Korean text (a standard CID font, as Korean producers use) and ruled tables."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
    style = ParagraphStyle("ko", fontName="HYSMyeongJo-Medium", fontSize=11, leading=16)
    story: list[object] = []
    for lines, table in pages:
        story += [Paragraph(line, style) for line in lines]
        if table:
            grid = [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), "HYSMyeongJo-Medium"),
            ]
            story.append(Table(table, style=TableStyle(grid)))
        story.append(PageBreak())

    def footer(canvas: object, doc: object) -> None:
        canvas.setFont("HYSMyeongJo-Medium", 9)  # type: ignore[attr-defined]
        canvas.drawCentredString(297, 30, f"- {canvas.getPageNumber()} -")  # type: ignore[attr-defined]

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story, onFirstPage=footer, onLaterPages=footer)
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(buffer.getvalue())))
    writer.add_metadata({f"/{k}": v for k, v in info.items()})
    with path.open("wb") as f:
        writer.write(f)
    return path


def make_docx(path: Path, body: str, styles: str = "", extra: dict[str, bytes] | None = None) -> Path:
    """A minimal WordprocessingML package; `body` is the inside of <w:body>."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>',
        )
        if styles:
            zf.writestr(
                "word/styles.xml", f'<?xml version="1.0"?><w:styles xmlns:w="{W_NS}">{styles}</w:styles>'
            )
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def make_hwpx(
    path: Path, section: str, hpf_metadata: str = "", extra: dict[str, bytes] | None = None
) -> Path:
    """A minimal HWPX package; `section` is the inside of <hs:sec> (hp:p / hp:run / hp:t, hp:tbl / hp:tr / hp:tc)."""
    ns = 'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip")
        zf.writestr(
            "Contents/content.hpf",
            f'<?xml version="1.0"?><opf:package xmlns:opf="http://www.idpf.org/2007/opf/"><opf:metadata>{hpf_metadata}</opf:metadata></opf:package>',
        )
        zf.writestr(
            "Contents/section0.xml", f'<?xml version="1.0" encoding="UTF-8"?><hs:sec {ns}>{section}</hs:sec>'
        )
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def hwpx_para(text: str) -> str:
    return f"<hp:p><hp:run><hp:t>{text}</hp:t></hp:run></hp:p>"


def hwpx_table(rows: list[list[str]]) -> str:
    trs = "".join(
        "<hp:tr>" + "".join(f"<hp:tc><hp:subList>{hwpx_para(c)}</hp:subList></hp:tc>" for c in r) + "</hp:tr>"
        for r in rows
    )
    return f"<hp:p><hp:run><hp:tbl>{trs}</hp:tbl></hp:run></hp:p>"


def make_hwpml(path: Path, body: str, doctype: str = "", title: str = "연구비 관리 규정") -> Path:
    """An HWPML 2.x document; `body` is the inside of <SECTION>."""
    head = (
        f'<HEAD SecCnt="1"><DOCSUMMARY><TITLE>{title}</TITLE></DOCSUMMARY><MAPPINGTABLE><STYLELIST Count="2">'
    )
    head += '<STYLE Id="0" Name="바탕글"/><STYLE Id="2" Name="개요 1"/></STYLELIST></MAPPINGTABLE></HEAD>'
    xml = f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}<HWPML Version="2.1">{head}<BODY><SECTION Id="0">{body}</SECTION></BODY></HWPML>'
    path.write_text(xml, encoding="utf-8")
    return path


def hwpml_para(text: str, style: str = "0") -> str:
    return f'<P ParaShape="1" Style="{style}"><TEXT CharShape="1"><CHAR>{text}</CHAR></TEXT></P>'


# ---- real fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deeptech() -> ParsedDocument:
    return parse_file(shared_fixture(DEEPTECH_PDF))


def test_deeptech_pdf_keeps_numbers_with_their_words(deeptech: ParsedDocument) -> None:
    text = deeptech.text
    assert deeptech.format == "pdf" and deeptech.page_count == 24
    assert "최대 1.5억원" in text and "억원1.5" not in text
    assert "10개월 이내" in text and "개월 이내 10" not in text
    assert "사사업업" not in text
    assert {b.page for b in deeptech.blocks} <= set(range(1, 25)) and all(b.page for b in deeptech.blocks)
    assert "초기창업패키지" in deeptech.metadata["title"] and not deeptech.metadata["title"].endswith(".hwp")
    assert_clean(deeptech)


def test_deeptech_pdf_tables_are_rows_and_not_repeated_in_text(deeptech: ParsedDocument) -> None:
    tables = [b for b in deeptech.blocks if b.kind == "table"]
    assert len(tables) >= 8
    quota = next(b for b in tables if "지원규모" in b.text)
    assert quota.page == 1
    assert (
        "지원금 | 사업화자금 최대 1.5억원 | 사업화자금 최대 1억원 | 사업화자금 최대 1억원"
        in quota.text.split("\n")
    )
    page1_text = "\n".join(b.text for b in deeptech.blocks if b.page == 1 and b.kind == "text")
    assert "68개사" not in page1_text  # the quota table's cells live only in its table block
    two_column = next(b for b in tables if b.text.startswith("구 분: 지원내용"))
    assert any(line.startswith("사업화 자금: ") for line in two_column.text.split("\n"))


def test_pdf_page_numbers_are_dropped(deeptech: ParsedDocument) -> None:
    lines = [ln for b in deeptech.blocks for ln in b.text.split("\n")]
    assert not [ln for ln in lines if re.fullmatch(r"-\s*\d+\s*-", ln)]


def test_second_notice_pdf() -> None:
    doc = parse_file(shared_fixture(LEAP_PDF))
    assert doc.page_count == 25 and "2025년도 창업도약패키지(일반형)" in doc.text
    assert "최대 3억원" in doc.text
    assert sum(b.kind == "table" for b in doc.blocks) >= 10
    assert_clean(doc)


def test_guideline_hwp_has_articles_tables_and_no_garbage() -> None:
    doc = parse_file(shared_fixture(GUIDELINE_HWP))
    assert doc.format == "hwp"
    assert "제1조(목적)" in doc.text and "제2조(용어의 정의)" in doc.text
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) >= 5
    assert any(line.startswith("재료비 | 정의 | ") for b in tables for line in b.text.split("\n"))
    assert rare_ratio(doc.text) < 0.001, _COMMON.sub("", doc.text)[:200]
    assert_clean(doc)


def test_university_hwp_tables() -> None:
    doc = parse_file(shared_fixture(UNIVERSITY_HWP))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) >= 10
    assert any(
        line.startswith("1)현금및현금성자산 | 통화 및 통화대용증권")
        for b in tables
        for line in b.text.split("\n")
    )
    assert rare_ratio(doc.text) < 0.001, _COMMON.sub("", doc.text)[:200]
    assert_clean(doc)


def test_hwpml_fixture_is_sniffed_as_xml_and_yields_its_articles() -> None:
    path = shared_fixture(HWPML_FILE)
    assert sniff(path) == "hwpml"
    doc = parse_file(path)
    assert doc.format == "hwpml" and doc.metadata["title"] == "서울대학교 연구비 관리 규정"
    articles = set(re.findall(r"^제(\d+)조\(", doc.text, re.M))
    assert {"1", "2", "3", "10"} <= articles and len(articles) >= 20
    assert "제1조(목적) 이 규정은 서울대학교 교원" in doc.text
    assert "국가법령정보센터" not in doc.text  # the running footer is not body text
    assert_clean(doc)


# ---- files built here ---------------------------------------------------------------------------


def test_generated_pdf_text_table_metadata(tmp_path: Path) -> None:
    pages = [
        (
            ["2026년 AI 초격차 챌린지 모집 공고", "사업화 자금은 최대 1.5억원입니다."],
            [["구분", "내용"], ["지원금", "최대 1.5억원"], ["접수기간", "3월 17일까지"]],
        ),
        (["둘째 쪽: 신청 자격"], None),
        (["셋째 쪽: 제출 서류"], [["서류", "비고", "제출"], ["사업계획서", "필수", "온라인"]]),
    ]
    path = make_pdf(
        tmp_path / "notice.pdf",
        pages,
        Title="AI 초격차 챌린지 공고",
        Program="AI 초격차 챌린지",
        DocType="notice",
        Version="2026-01-06",
    )
    doc = parse_file(path)
    assert doc.metadata == {
        "title": "AI 초격차 챌린지 공고",
        "program": "AI 초격차 챌린지",
        "doc_type": "notice",
        "version": "2026-01-06",
    }
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [t.text for t in tables] == [
        "구분: 내용\n지원금: 최대 1.5억원\n접수기간: 3월 17일까지",
        "서류 | 비고 | 제출\n사업계획서 | 필수 | 온라인",
    ]
    assert [t.page for t in tables] == [1, 3]
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert texts == [
        "2026년 AI 초격차 챌린지 모집 공고\n사업화 자금은 최대 1.5억원입니다.",
        "둘째 쪽: 신청 자격",
        "셋째 쪽: 제출 서류",
    ]


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    import pypdf

    plain = make_pdf(tmp_path / "plain.pdf", [(["인쇄 제한만 걸린 공고문입니다."], None)])
    writer = pypdf.PdfWriter(clone_from=plain)
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    assert "인쇄 제한만 걸린 공고문입니다." in parse_file(locked).text


def test_docx_paragraphs_headings_tables(tmp_path: Path) -> None:
    def p(text: str, style: str = "") -> str:
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"

    def tc(text: str, merge: str | None = None) -> str:
        pr = "" if merge is None else f'<w:tcPr><w:vMerge w:val="{merge}"/></w:tcPr>'
        return f"<w:tc>{pr}{p(text)}</w:tc>"

    styles = (
        '<w:style w:styleId="1"><w:name w:val="heading 1"/></w:style>'
        '<w:style w:styleId="Heading2"><w:name w:val="Heading 2"/></w:style>'
    )
    body = (
        p("AI 초격차 챌린지 운영지침", "1")
        + p("제1조(목적)", "Heading2")
        + '<w:p><w:r><w:t xml:space="preserve">이 지침은 </w:t></w:r><w:r><w:delText>삭제된 </w:delText></w:r>'
        + "<w:r><w:t>운영 기준을 정한다.</w:t><w:tab/><w:t>끝</w:t></w:r></w:p>"
        + "<w:sdt><w:sdtContent>"
        + p("내용 컨트롤 안의 문단")
        + "</w:sdtContent></w:sdt>"
        + "<w:tbl>"
        + f"<w:tr>{tc('구분')}{tc('트랙')}{tc('기업 수')}</w:tr>"
        + f"<w:tr>{tc('선정', 'restart')}{tc('온디바이스 AI')}{tc('10개사')}</w:tr>"
        + f"<w:tr>{tc('', 'continue')}{tc('버티칼 AI')}{tc('9개사')}</w:tr>"
        + "</w:tbl>"
    )
    core = '<?xml version="1.0"?><cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>운영지침</dc:title></cp:coreProperties>'.encode()
    doc = parse_file(make_docx(tmp_path / "guide.docx", body, styles, {"docProps/core.xml": core}))
    assert doc.format == "docx" and doc.metadata == {"title": "운영지침"}
    kinds = [(b.kind, b.heading_level, b.text) for b in doc.blocks]
    assert kinds[:4] == [
        ("heading", 1, "AI 초격차 챌린지 운영지침"),
        ("heading", 2, "제1조(목적)"),
        ("text", None, "이 지침은 운영 기준을 정한다. 끝"),
        ("text", None, "내용 컨트롤 안의 문단"),
    ]
    assert doc.blocks[4].kind == "table"
    assert (
        doc.blocks[4].text == "구분 | 트랙 | 기업 수\n선정 | 온디바이스 AI | 10개사\n선정 | 버티칼 AI | 9개사"
    )


def test_docx_from_python_docx_matches_its_own_reading(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")  # python-docx: an independent writer and reader of real Word packages
    document = docx.Document()
    document.add_heading("모집 공고", level=1)
    document.add_paragraph("신청 기간은 3월 17일까지입니다.")
    table = document.add_table(rows=2, cols=2)
    for row, (label, value) in zip(
        table.rows, [("지원금", "최대 2억원"), ("대상", "창업 7년 이내")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = label, value
    path = tmp_path / "notice.docx"
    document.save(str(path))
    doc = parse_file(path)
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "모집 공고"),
        ("text", "신청 기간은 3월 17일까지입니다."),
        ("table", "지원금: 최대 2억원\n대상: 창업 7년 이내"),
    ]
    assert [p.text for p in docx.Document(str(path)).paragraphs if p.text] == [b.text for b in doc.blocks[:2]]


def test_html_boilerplate_is_stripped(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>창업 지원 소식</title><style>p{color:red}</style>
    <script>var price = "1,234,567원";</script></head><body>
    <header><nav><a href="/">홈</a> <a href="/news">뉴스</a></nav><div class="ticker">코스피 2,650.12 ▲ 12.3</div></header>
    <!-- 광고 영역 -->
    <article><header><h1>AI 초격차 챌린지 19개사 선정</h1></header>
    <div class="share-box"><button>공유하기</button><span>페이스북</span></div>
    <p>중소벤처기업부는 온디바이스 AI와 버티칼 AI 두 트랙에서 <b>19개</b> 스타트업을 선정했다.</p>
    <p>LG전자와 퀄컴이 협력 기업으로 참여한다.<br>문의: 창업진흥원</p>
    <table><tr><th>트랙</th><th>기업 수</th></tr><tr><td>온디바이스 AI</td><td>10</td></tr><tr><td>버티칼 AI</td><td>9</td></tr></table>
    <h3>관련기사</h3><ul><li>다른 기사 제목 3억원 투자</li></ul>
    <p>ⓒ 창업뉴스 무단전재 및 재배포 금지</p></article>
    <aside><h3>많이 본 뉴스</h3><ol><li>주식 급등 500% 종목</li></ol></aside>
    <div class="most-viewed"><h4>인기</h4><p>연예 뉴스 7,000만원</p></div>
    <footer>Copyright 2026 창업뉴스. All rights reserved.</footer></body></html>"""
    path = tmp_path / "news.html"
    path.write_text(html, encoding="utf-8")
    doc = parse_file(path)
    assert doc.format == "html" and doc.metadata == {"title": "창업 지원 소식"}
    assert doc.blocks[0].kind == "heading" and doc.blocks[0].text == "AI 초격차 챌린지 19개사 선정"
    assert "온디바이스 AI와 버티칼 AI 두 트랙에서 19개 스타트업을 선정했다." in doc.text
    assert "LG전자와 퀄컴이 협력 기업으로 참여한다.\n문의: 창업진흥원" in doc.text
    assert [b.text for b in doc.blocks if b.kind == "table"] == [
        "트랙: 기업 수\n온디바이스 AI: 10\n버티칼 AI: 9"
    ]
    for junk in (
        "1,234,567",
        "코스피",
        "공유하기",
        "페이스북",
        "3억원",
        "500%",
        "7,000만원",
        "무단전재",
        "Copyright",
        "광고",
        "color",
    ):
        assert junk not in doc.text, junk


def test_markdown_front_matter_headings_tables(tmp_path: Path) -> None:
    md = """---
title: "AI 초격차 챌린지 FAQ"   # 제목
program: AI 초격차 챌린지
doc_type: faq
version: 2026-02-03
# series: 주석 처리된 줄
tags: [a, b]
---
# 자주 묻는 질문

신청 전에 **공고문**을 꼭 읽어 주세요. [K-Startup](https://www.k-startup.go.kr) 참고.

### Q1. 신청 자격은 무엇인가요?
공고일 기준 창업 7년 이내 기업입니다.

| 구분 | 내용 |
|---|:---:|
| 지원금 | 최대 2억원 |
| 기간 | 10개월 |

```
# 코드 안의 줄은 제목이 아니다
```
"""
    path = tmp_path / "faq.md"
    path.write_text(md, encoding="utf-8")
    doc = parse_file(path)
    assert doc.format == "markdown"
    assert doc.metadata == {
        "title": "AI 초격차 챌린지 FAQ",
        "program": "AI 초격차 챌린지",
        "doc_type": "faq",
        "version": "2026-02-03",
    }
    assert [(b.kind, b.heading_level, b.text) for b in doc.blocks] == [
        ("heading", 1, "자주 묻는 질문"),
        ("text", None, "신청 전에 공고문을 꼭 읽어 주세요. K-Startup (https://www.k-startup.go.kr) 참고."),
        ("heading", 3, "Q1. 신청 자격은 무엇인가요?"),
        ("text", None, "공고일 기준 창업 7년 이내 기업입니다."),
        ("table", None, "구분: 내용\n지원금: 최대 2억원\n기간: 10개월"),
        ("text", None, "# 코드 안의 줄은 제목이 아니다"),
    ]


def test_text_encodings_and_kinds(tmp_path: Path) -> None:
    cp949 = tmp_path / "notice.txt"
    cp949.write_bytes("신청 기간: 3월 17일까지\r\n\r\n문의: 창업진흥원 1357".encode("cp949"))
    doc = parse_file(cp949)
    assert doc.format == "text" and [b.text for b in doc.blocks] == [
        "신청 기간: 3월 17일까지",
        "문의: 창업진흥원 1357",
    ]
    bom = tmp_path / "bom.md"
    bom.write_bytes("\ufeff# 제목\n본문\u00a0\u00a0입니다.\u200b".encode())
    assert [(b.kind, b.text) for b in parse_file(bom).blocks] == [
        ("heading", "제목"),
        ("text", "본문 입니다."),
    ]
    headed = tmp_path / "headed.txt"
    headed.write_text("## 개요\n내용", encoding="utf-8")
    assert sniff(headed) == "markdown"
    decomposed = tmp_path / "nfd.txt"
    decomposed.write_text(
        "\u1112\u1161\u11ab\u1100\u1173\u11af", encoding="utf-8"
    )  # 한글 in NFD, as macOS writes it
    assert parse_file(decomposed).text == "한글"


def test_ten_megabyte_single_line_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    path.write_text("가나다라 마바사 " * 1_000_000, encoding="utf-8")  # ~25 MB of UTF-8, one line
    doc = parse_file_inline(path)
    assert len(doc.blocks) > 100 and max(len(b.text) for b in doc.blocks) <= MAX_BLOCK_CHARS


def test_generated_hwpml_paragraphs_tables_headings(tmp_path: Path) -> None:
    table = (
        '<P><TEXT><TABLE RowCount="2" ColCount="2"><ROW>'
        "<CELL><PARALIST>"
        + hwpml_para("비목")
        + "</PARALIST></CELL><CELL><PARALIST>"
        + hwpml_para("한도")
        + "</PARALIST></CELL>"
        "</ROW><ROW><CELL><PARALIST>"
        + hwpml_para("인건비")
        + "</PARALIST></CELL><CELL><PARALIST>"
        + hwpml_para("50% 이내")
        + hwpml_para("(현물 포함)")
        + "</PARALIST></CELL></ROW></TABLE></TEXT></P>"
    )
    body = (
        hwpml_para("제1장 총칙", "2") + hwpml_para("제1조(목적) 이 규정은&nbsp;연구비 관리를 정한다.") + table
    )
    doctype = '<!DOCTYPE HWPML [\n\t<!ENTITY nbsp\t"&#160;">\n]>\n'
    path = make_hwpml(tmp_path / "rule.hwp", body, doctype)
    assert sniff(path) == "hwpml"
    doc = parse_file(path)
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "제1장 총칙"),
        ("text", "제1조(목적) 이 규정은 연구비 관리를 정한다."),
        ("table", "비목: 한도\n인건비: 50% 이내 (현물 포함)"),
    ]


def test_generated_hwpx_text_tables_metadata(tmp_path: Path) -> None:
    section = hwpx_para("제1조(목적) 이 기준은 사업비 집행을 정한다.") + hwpx_table(
        [["비목", "내용", "한도"], ["재료비", "원재료 구입", "없음"]]
    )
    meta = '<opf:title>사업비 집행 기준</opf:title><opf:meta name="program" content="AI 초격차 챌린지"/><opf:meta name="doc_type" content="guideline"/><opf:meta name="version" content="2026-03-01"/>'
    doc = parse_file(make_hwpx(tmp_path / "rule.hwpx", section, meta))
    assert doc.format == "hwpx"
    assert doc.metadata == {
        "title": "사업비 집행 기준",
        "program": "AI 초격차 챌린지",
        "doc_type": "guideline",
        "version": "2026-03-01",
    }
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("text", "제1조(목적) 이 기준은 사업비 집행을 정한다."),
        ("table", "비목 | 내용 | 한도\n재료비 | 원재료 구입 | 없음"),
    ]


def test_content_decides_the_format_not_the_extension(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "x.pdf", [(["확장자가 틀린 공고"], None)])
    wrong = tmp_path / "notice.hwp"
    wrong.write_bytes(pdf.read_bytes())
    assert sniff(wrong) == "pdf" and "확장자가 틀린 공고" in parse_file(wrong).text
    html = tmp_path / "page.txt"
    html.write_text("<html><body><p>안내</p></body></html>", encoding="utf-8")
    assert sniff(html) == "html"
    docx = make_docx(tmp_path / "a.docx", "<w:p><w:r><w:t>본문</w:t></w:r></w:p>")
    renamed = tmp_path / "a.hwpx"
    renamed.write_bytes(docx.read_bytes())
    assert sniff(renamed) == "docx"
