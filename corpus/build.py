"""Rebuild the corpus's binary documents from their Markdown sources, then check that they read back.

    corpus/src/notice.md    -> corpus/notice.pdf       (reportlab, A4, built-in Korean CID fonts)
    corpus/src/guideline.md -> corpus/guideline.hwpx   (OWPML package written by hand with zipfile)

In scope: the small Markdown subset the sources use — a front-matter block, #-headings, one paragraph or
bullet per line (nesting follows the order of the Korean outline marks □ ○ ◦ - ① 1. 가.), pipe tables — and a
round-trip check with the readers the assistant itself uses (pdfplumber, pypdf, hwp-hwpx-parser): every
heading, paragraph and table row of the source must come back. Out of scope: inline Markdown (emphasis,
links), images, Markdown indentation.
Output is byte-for-byte reproducible: timestamps are the document's version date, ids are sequential.
Usage: python corpus/build.py [--no-check]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
AUTHOR = "중소벤처기업부"
DOC_TYPE_NAMES = {"notice": "모집공고", "guideline": "운영지침", "faq": "자주 묻는 질문", "press": "보도자료"}
# Subtle: pdfminer maps these glyphs of the Adobe-Korea1 CID fonts to spaces or other code points
# (measured: "·" "‧" "∙" "｢" "｣" "▸" vanish, "∼" "–" "—" change), so the PDF source must not use them.
PDF_UNSAFE = "·‧∙｢｣▸∼～–—"


# ---- Markdown subset ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    level: int  # outline depth from the order of the marks; 0 for plain text


@dataclass(frozen=True)
class TableBlock:
    rows: tuple[tuple[str, ...], ...]  # first row is the header


Block = Heading | Para | TableBlock


@dataclass(frozen=True)
class Source:
    meta: dict[str, str]
    blocks: tuple[Block, ...]


_MARKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("□", re.compile(r"^□\s")),
    ("○", re.compile(r"^○\s")),
    ("◦", re.compile(r"^◦\s")),
    ("-", re.compile(r"^-\s")),
    ("①", re.compile(r"^[①-⑳]\s")),
    ("1.", re.compile(r"^\d{1,2}\.\s")),
    ("가.", re.compile(r"^[가-하]\.\s")),
)
_NOTE = re.compile(r"^(※|\*{1,2})\s")
_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{3,}")


def parse(text: str) -> Source:
    """Split a source file into its front matter and blocks."""
    lines = text.splitlines()
    meta: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        for line in lines[1:end]:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.split(" #")[0].strip()
        lines = lines[end + 1 :]
    blocks: list[Block] = []
    table: list[tuple[str, ...]] = []
    stack: list[str] = []  # the outline marks currently open, outermost first
    for raw in [*lines, ""]:
        line = raw.strip()
        if line.startswith("|"):
            if not _SEPARATOR_ROW.match(line):
                table.append(tuple(cell.strip() for cell in line.strip("|").split("|")))
            continue
        if table:
            blocks.append(TableBlock(tuple(table)))
            table = []
        if not line:
            continue
        if line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            blocks.append(Heading(hashes, line[hashes:].strip()))
            stack = []
            continue
        blocks.append(Para(line, _level(line, stack)))
    return Source(meta, tuple(blocks))


def _level(line: str, stack: list[str]) -> int:
    """Depth of a line in the outline; updates `stack`. A note (※, *) sits one level below what it follows."""
    if _NOTE.match(line):
        return len(stack)
    if _is_caption(line):
        return 0
    kind = next((name for name, pattern in _MARKS if pattern.match(line)), None)
    if kind is None:
        stack.clear()
        return 0
    if kind in stack:
        del stack[stack.index(kind) + 1 :]
    else:
        stack.append(kind)
    return len(stack) - 1


def _is_caption(text: str) -> bool:
    """A table or figure caption such as "< 총사업비 구성 >": centered, and it does not close the outline."""
    return text.startswith("<") and text.endswith(">")


def _marker(text: str) -> str:
    """The outline mark that opens a line ("" if none), for a hanging indent."""
    match = _NOTE.match(text) or next((p.match(text) for _, p in _MARKS if p.match(text)), None)
    return match.group(0) if match else ""


def _version_date(meta: dict[str, str]) -> date:
    return date.fromisoformat(meta["version"])


# ---- PDF ------------------------------------------------------------------------------------------

BODY_FONT, HEAD_FONT = "HYSMyeongJo-Medium", "HYGothic-Medium"
PAGE_MARGIN = 20 * mm
INDENT = 10.0


def _styles() -> dict[str, ParagraphStyle]:
    for name in (BODY_FONT, HEAD_FONT):
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    base = ParagraphStyle("body", fontName=BODY_FONT, fontSize=10.5, leading=16, alignment=TA_JUSTIFY)
    return {
        "body": base,
        "number": ParagraphStyle("number", parent=base, fontName=HEAD_FONT, spaceAfter=10),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=HEAD_FONT,
            fontSize=18,
            leading=26,
            alignment=TA_CENTER,
            spaceBefore=6,
            spaceAfter=14,
        ),
        "center": ParagraphStyle(
            "center", parent=base, fontName=HEAD_FONT, alignment=TA_CENTER, spaceAfter=4
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=HEAD_FONT,
            fontSize=13.5,
            leading=19,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "h3": ParagraphStyle("h3", parent=base, fontName=HEAD_FONT, fontSize=11.5, leading=17, spaceBefore=8),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontName=HEAD_FONT,
            alignment=TA_CENTER,
            spaceBefore=6,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13, alignment=0),
        "cell_center": ParagraphStyle(
            "cell_center", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER
        ),
        "head": ParagraphStyle(
            "head", parent=base, fontName=HEAD_FONT, fontSize=9.5, leading=13, alignment=TA_CENTER
        ),
    }


class _BoldParagraph(Paragraph):  # type: ignore[misc]
    """Bold from a font without a bold face: glyphs filled and stroked (text render mode 2).

    One glyph per character, so extraction is not doubled the way overprinted fake bold is ("사사업업").
    """

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(0.35)
        canvas._code.append("2 Tr")  # text state survives BT/ET; restoreState ends it
        super().draw()
        canvas.restoreState()


class _Info(PDFInfo):  # type: ignore[misc]
    """Document information with the corpus's own keys (/Program, /DocType, /Version) after the standard ones."""

    def __init__(self, extra: dict[str, str]) -> None:
        super().__init__()
        self.extra = extra

    def format(self, document: Any) -> bytes:
        entries: dict[str, Any] = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords),
            "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer),
        }
        entries["CreationDate"] = entries["ModDate"] = PDFDate(ts=document._timeStamp)
        entries["Trapped"] = PDFName(self.trapped)
        entries.update({key: PDFString(value) for key, value in self.extra.items()})
        formatted: bytes = PDFDictionary(entries).format(document)
        return formatted


def _canvas_class(meta: dict[str, str]) -> type[Canvas]:
    """A Canvas whose info carries the front matter and whose timestamp is the version date (00:00 KST)."""
    day = _version_date(meta)
    extra = {"Program": meta["program"], "DocType": meta["doc_type"], "Version": meta["version"]}

    class _Canvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stamp = TimeStamp(invariant=True)
            stamp.YMDhms, stamp.dhh, stamp.dmm = (day.year, day.month, day.day, 0, 0, 0), 9, 0
            self._doc._timeStamp = stamp
            # the file /ID is a digest seeded with the environment's timestamp (SOURCE_DATE_EPOCH): reseed it
            self._doc.signature = hashlib.md5(f"program-assistant {day}".encode(), usedforsecurity=False)
            self._doc.info = _Info(extra)

    return _Canvas


def _markup(text: str) -> str:
    return escape(text)


def _flowables(source: Source, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    story: list[Flowable] = []
    after_title = False
    for block in source.blocks:
        if isinstance(block, Heading):
            style = styles["title" if block.level == 1 else "h2" if block.level == 2 else "h3"]
            story.append(_BoldParagraph(_markup(block.text), style))
            after_title = block.level == 1
        elif isinstance(block, TableBlock):
            story.append(Spacer(1, 3))
            story.append(_table(block, styles, width))
            story.append(Spacer(1, 6))
        elif _is_caption(block.text):
            story.append(_BoldParagraph(_markup(block.text), styles["caption"]))
        elif after_title and not _marker(block.text) and len(block.text) <= 30:
            story.append(_BoldParagraph(_markup(block.text), styles["center"]))  # date and signatory
        elif not story:
            story.append(Paragraph(_markup(block.text), styles["number"]))  # 공고 번호
        else:
            story.append(_indented(block, styles["body"]))
    # keep each heading on the page of what follows it
    merged: list[Flowable] = []
    for item in story:
        if (
            merged
            and isinstance(merged[-1], _BoldParagraph)
            and merged[-1].style.name in ("h2", "h3", "caption")
        ):
            merged[-1] = KeepTogether([merged[-1], item])
        elif merged and isinstance(merged[-1], KeepTogether) and len(merged[-1]._content) == 1:
            merged[-1] = KeepTogether([*merged[-1]._content, item])
        else:
            merged.append(item)
    return merged


def _indented(block: Para, body: ParagraphStyle) -> Paragraph:
    marker = _marker(block.text)
    hang = pdfmetrics.stringWidth(marker, body.fontName, body.fontSize) if marker else 0.0
    style = ParagraphStyle(
        f"indent{block.level}-{hang:.1f}",
        parent=body,
        leftIndent=INDENT * block.level + hang,
        firstLineIndent=-hang,
        spaceBefore=3 if block.level == 0 and marker.startswith("□") else 1,
    )
    return Paragraph(_markup(block.text), style)


def _table(block: TableBlock, styles: dict[str, ParagraphStyle], width: float) -> Table:
    natural = [0.0] * len(block.rows[0])
    for row in block.rows:
        for i, cell in enumerate(row):
            natural[i] = max(natural[i], pdfmetrics.stringWidth(cell, BODY_FONT, 9.5) + 12)
    widths = _fit(natural, width)
    body = [styles["cell_center"] if centered else styles["cell"] for centered in _centered_columns(block)]
    data = [
        [Paragraph(_markup(cell), styles["head"] if r == 0 else body[c]) for c, cell in enumerate(row)]
        for r, row in enumerate(block.rows)
    ]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E6E6")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _centered_columns(block: TableBlock) -> list[bool]:
    """Columns of short values (amounts, dates, counts) are centered; columns of prose are left-aligned."""
    return [all(len(row[c]) <= 12 for row in block.rows[1:]) for c in range(len(block.rows[0]))]


def _fit(natural: list[float], width: float) -> list[float]:
    """Column widths filling `width`: narrow columns keep their natural width, wide ones share the rest."""
    total = sum(natural)
    if total <= width:
        return [n * width / total for n in natural]
    widths = [0.0] * len(natural)
    open_columns, space = set(range(len(natural))), width
    while open_columns:
        share = space / len(open_columns)
        narrow = [i for i in open_columns if natural[i] <= share]
        if not narrow:
            break
        for i in narrow:
            widths[i], space = natural[i], space - natural[i]
            open_columns.remove(i)
    for i in open_columns:
        widths[i] = space / len(open_columns)
    return widths


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(BODY_FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {doc.page} -")
    canvas.restoreState()


def build_pdf(source: Source, out: Path) -> None:
    unsafe = sorted(
        {ch for block in source.blocks for text in _texts(block) for ch in text if ch in PDF_UNSAFE}
    )
    if unsafe:
        raise SystemExit(f"{out.name}: the source uses characters the CID fonts do not round-trip: {unsafe}")
    meta = source.meta
    styles = _styles()
    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN,
        invariant=1,
        title=meta["title"],
        author=AUTHOR,
        subject=f"{meta['program']} {DOC_TYPE_NAMES[meta['doc_type']]} (개발 및 시험용 예시 문서)",
        keywords=f"{meta['program']}, {DOC_TYPE_NAMES[meta['doc_type']]}, 중소벤처기업부, 창업진흥원",
        creator="program-assistant corpus/build.py",
        lang="ko-KR",
    )
    doc.build(
        _flowables(source, styles, A4[0] - 2 * PAGE_MARGIN),
        onFirstPage=_page_number,
        onLaterPages=_page_number,
        canvasmaker=_canvas_class(meta),
    )


def _texts(block: Block) -> Iterable[str]:
    if isinstance(block, TableBlock):
        return (cell for row in block.rows for cell in row)
    return (block.text,)


# ---- HWPX -----------------------------------------------------------------------------------------

NS_PARAGRAPH = "http://www.hancom.co.kr/hwpml/2011/paragraph"
NS_SECTION = "http://www.hancom.co.kr/hwpml/2011/section"
NS_HEAD = "http://www.hancom.co.kr/hwpml/2011/head"
NS_CORE = "http://www.hancom.co.kr/hwpml/2011/core"
NS_VERSION = "http://www.hancom.co.kr/hwpml/2011/version"
NS_APP = "http://www.hancom.co.kr/hwpml/2011/app"
NS_OPF = "http://www.idpf.org/2007/opf/"
NS_HPF = "http://www.hancom.co.kr/schema/2011/hpf"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'
TEXT_WIDTH = 42520  # A4 (59528 HWPUNIT) less 30 mm margins on each side
# charPr ids: 0 body 10pt, 1 bold 10pt, 2 title 16pt bold, 3 chapter 12pt bold, 4 cell 9pt, 5 head cell 9pt bold
CHAR_SIZES = ((1000, False), (1000, True), (1600, True), (1200, True), (900, False), (900, True))
# paraPr ids: 0-3 justified with a left margin of 0-3 levels, 4 centered, 5 table cell
PARA_LEFT = (0, 1400, 2800, 4200)


def _zip_entries(source: Source) -> list[tuple[str, bytes]]:
    meta = source.meta
    section = _section_xml(source)
    return [
        ("mimetype", b"application/hwp+zip"),
        ("version.xml", _version_xml().encode()),
        ("Contents/header.xml", _header_xml().encode()),
        ("Contents/section0.xml", section.encode()),
        ("settings.xml", _settings_xml().encode()),
        ("META-INF/container.xml", _container_xml().encode()),
        ("META-INF/manifest.xml", _manifest_xml().encode()),
        ("Contents/content.hpf", _content_hpf(meta).encode()),
    ]


def build_hwpx(source: Source, out: Path) -> None:
    day = _version_date(source.meta)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in _zip_entries(source):
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            # the mimetype entry comes first and uncompressed, so the type can be sniffed from the bytes
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)


def _version_xml() -> str:
    return (
        f'{XML_DECL}<hv:HCFVersion xmlns:hv="{NS_VERSION}" tagetApplication="WORDPROCESSOR" major="5" minor="1" '
        'micro="0" buildNumber="1" os="1" xmlVersion="1.4" application="Hancom Office Hangul" '
        'appVersion="11, 0, 0, 0 WIN32LEWindows_10"/>'
    )


def _settings_xml() -> str:
    return (
        f'{XML_DECL}<ha:HWPApplicationSetting xmlns:ha="{NS_APP}" '
        'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0">'
        '<ha:CaretPosition listIDRef="0" paraIDRef="0" pos="0"/></ha:HWPApplicationSetting>'
    )


def _container_xml() -> str:
    return (
        f'{XML_DECL}<ocf:container xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:container" '
        f'xmlns:hpf="{NS_HPF}"><ocf:rootfiles>'
        '<ocf:rootfile full-path="Contents/content.hpf" media-type="application/hwpml-package+xml"/>'
        "</ocf:rootfiles></ocf:container>"
    )


def _manifest_xml() -> str:
    return f'{XML_DECL}<odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'


def _content_hpf(meta: dict[str, str]) -> str:
    metas = "".join(
        f"<opf:meta name={quoteattr(key)} content={quoteattr(meta[key])}/>"
        for key in ("program", "doc_type", "version")
    )
    return (
        f'{XML_DECL}<opf:package xmlns:opf="{NS_OPF}" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:hpf="{NS_HPF}" version="" unique-identifier="" id="">'
        f"<opf:metadata><opf:title>{escape(meta['title'])}</opf:title><opf:language>ko</opf:language>"
        f'<opf:meta name="creator" content="text">{escape(AUTHOR)}</opf:meta>'
        f'<opf:meta name="subject" content="text">{escape(meta["program"])} '
        f"{escape(DOC_TYPE_NAMES[meta['doc_type']])} (개발 및 시험용 예시 문서)</opf:meta>"
        f'<opf:meta name="CreatedDate" content="text">{meta["version"]}T00:00:00Z</opf:meta>'
        f"{metas}</opf:metadata><opf:manifest>"
        '<opf:item id="header" href="Contents/header.xml" media-type="application/xml"/>'
        '<opf:item id="section0" href="Contents/section0.xml" media-type="application/xml"/>'
        '<opf:item id="settings" href="settings.xml" media-type="application/xml"/>'
        '</opf:manifest><opf:spine><opf:itemref idref="header" linear="yes"/>'
        '<opf:itemref idref="section0" linear="yes"/></opf:spine></opf:package>'
    )


def _header_xml() -> str:
    langs = ("HANGUL", "LATIN", "HANJA", "JAPANESE", "OTHER", "SYMBOL", "USER")
    fonts = "".join(
        f'<hh:fontface lang="{lang}" fontCnt="2"><hh:font id="0" face="함초롬바탕" type="TTF" isEmbedded="0"/>'
        f'<hh:font id="1" face="함초롬돋움" type="TTF" isEmbedded="0"/></hh:fontface>'
        for lang in langs
    )
    fills = "".join(
        f'<hh:borderFill id="{i}" threeD="0" shadow="0" centerLine="NONE" breakCellSeparateLine="0">'
        + "".join(
            f'<hh:{side} type="{kind}" width="0.12 mm" color="#000000"/>'
            for side in ("leftBorder", "rightBorder", "topBorder", "bottomBorder")
        )
        + f"{fill}</hh:borderFill>"
        for i, kind, fill in (
            (1, "NONE", ""),
            (2, "SOLID", ""),
            (
                3,
                "SOLID",
                '<hc:fillBrush><hc:winBrush faceColor="#E6E6E6" hatchColor="#000000" alpha="0"/></hc:fillBrush>',
            ),
        )
    )
    each = ' hangul="{v}" latin="{v}" hanja="{v}" japanese="{v}" other="{v}" symbol="{v}" user="{v}"'
    chars = "".join(
        f'<hh:charPr id="{i}" height="{height}" textColor="#000000" shadeColor="none" useFontSpace="0" '
        f'useKerning="0" symMark="NONE" borderFillIDRef="1"><hh:fontRef{each.format(v=1 if bold else 0)}/>'
        f"<hh:ratio{each.format(v=100)}/><hh:spacing{each.format(v=0)}/><hh:relSz{each.format(v=100)}/>"
        f"<hh:offset{each.format(v=0)}/>{'<hh:bold/>' if bold else ''}</hh:charPr>"
        for i, (height, bold) in enumerate(CHAR_SIZES)
    )
    paras = (
        "".join(_para_pr(i, "JUSTIFY", left) for i, left in enumerate(PARA_LEFT))
        + _para_pr(4, "CENTER", 0)
        + _para_pr(5, "LEFT", 0)
    )
    return (
        f'{XML_DECL}<hh:head xmlns:hh="{NS_HEAD}" xmlns:hc="{NS_CORE}" xmlns:hp="{NS_PARAGRAPH}" version="1.4" '
        'secCnt="1"><hh:beginNum page="1" footnote="1" endnote="1" pic="1" tbl="1" equation="1"/><hh:refList>'
        f'<hh:fontfaces itemCnt="{len(langs)}">{fonts}</hh:fontfaces>'
        f'<hh:borderFills itemCnt="3">{fills}</hh:borderFills>'
        f'<hh:charProperties itemCnt="{len(CHAR_SIZES)}">{chars}</hh:charProperties>'
        '<hh:tabProperties itemCnt="1"><hh:tabPr id="0" autoTabLeft="0" autoTabRight="0"/></hh:tabProperties>'
        f'<hh:paraProperties itemCnt="{len(PARA_LEFT) + 2}">{paras}</hh:paraProperties>'
        '<hh:styles itemCnt="1"><hh:style id="0" type="PARA" name="바탕글" engName="Normal" paraPrIDRef="0" '
        'charPrIDRef="0" nextStyleIDRef="0" langID="1042" lockForm="0"/></hh:styles></hh:refList>'
        '<hh:compatibleDocument targetProgram="HWP201X"><hh:layoutCompatibility/></hh:compatibleDocument>'
        "</hh:head>"
    )


def _para_pr(i: int, align: str, left: int) -> str:
    return (
        f'<hh:paraPr id="{i}" tabPrIDRef="0" condense="0" fontLineHeight="0" snapToGrid="1" '
        f'suppressLineNumbers="0" checked="0"><hh:align horizontal="{align}" vertical="BASELINE"/>'
        '<hh:heading type="NONE" idRef="0" level="0"/><hh:breakSetting breakLatinWord="KEEP_WORD" '
        'breakNonLatinWord="KEEP_WORD" widowOrphan="0" keepWithNext="0" keepLines="0" pageBreakBefore="0" '
        f'lineWrap="BREAK"/><hh:margin><hc:intent value="0" unit="HWPUNIT"/><hc:left value="{left}" '
        'unit="HWPUNIT"/><hc:right value="0" unit="HWPUNIT"/><hc:prev value="0" unit="HWPUNIT"/>'
        '<hc:next value="300" unit="HWPUNIT"/></hh:margin><hh:lineSpacing type="PERCENT" value="160" '
        'unit="HWPUNIT"/></hh:paraPr>'
    )


_SEC_PR = (
    '<hp:secPr id="" textDirection="HORIZONTAL" spaceColumns="1134" tabStop="8000" tabStopVal="4000" '
    'tabStopUnit="HWPUNIT" outlineShapeIDRef="1" memoShapeIDRef="0" textVerticalWidthHead="0" masterPageCnt="0">'
    '<hp:grid lineGrid="0" charGrid="0" wonggojiFormat="0"/>'
    '<hp:startNum pageStartsOn="BOTH" page="0" pic="0" tbl="0" equation="0"/>'
    '<hp:pagePr landscape="WIDELY" width="59528" height="84188" gutterType="LEFT_ONLY">'
    '<hp:margin header="4252" footer="4252" gutter="0" left="8504" right="8504" top="5668" bottom="4252"/>'
    "</hp:pagePr></hp:secPr>"
    '<hp:ctrl><hp:colPr id="" type="NEWSPAPER" layout="LEFT" colCount="1" sameSz="1" sameGap="0"/></hp:ctrl>'
)


class _Section:
    """Paragraph XML with sequential ids (deterministic)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.next_id = 0

    def paragraph(self, text: str, para: int, char: int, inner: str = "") -> str:
        pid, self.next_id = self.next_id, self.next_id + 1
        body = inner or f"<hp:t>{escape(text)}</hp:t>"
        head = _SEC_PR if pid == 0 else ""
        return (
            f'<hp:p id="{pid}" paraPrIDRef="{para}" styleIDRef="0" pageBreak="0" columnBreak="0" merged="0">'
            f'<hp:run charPrIDRef="{char}">{head}{body}</hp:run></hp:p>'
        )

    def add(self, text: str, para: int, char: int) -> None:
        self.parts.append(self.paragraph(text, para, char))

    def table(self, block: TableBlock, tid: int) -> None:
        natural = [max(_display_width(row[i]) for row in block.rows) + 4 for i in range(len(block.rows[0]))]
        widths = [round(w) for w in _fit([float(n) for n in natural], float(TEXT_WIDTH))]
        widths[-1] += TEXT_WIDTH - sum(widths)
        centered = _centered_columns(block)
        rows = []
        for r, row in enumerate(block.rows):
            cells = []
            for c, cell in enumerate(row):
                lines = max(1, -(-_display_width(cell) * 450 // max(widths[c] - 1020, 1)))
                height = 600 + lines * 1450
                inner = self.paragraph(cell, 4 if r == 0 or centered[c] else 5, 5 if r == 0 else 4)
                cells.append(
                    f'<hp:tc name="" header="{int(r == 0)}" hasMargin="0" protect="0" editable="0" dirty="0" '
                    f'borderFillIDRef="{3 if r == 0 else 2}"><hp:subList id="" textDirection="HORIZONTAL" '
                    'lineWrap="BREAK" vertAlign="CENTER" linkListIDRef="0" linkListNextIDRef="0" textWidth="0" '
                    f'textHeight="0" hasTextRef="0" hasNumRef="0">{inner}</hp:subList>'
                    f'<hp:cellAddr colAddr="{c}" rowAddr="{r}"/><hp:cellSpan colSpan="1" rowSpan="1"/>'
                    f'<hp:cellSz width="{widths[c]}" height="{height}"/>'
                    '<hp:cellMargin left="510" right="510" top="141" bottom="141"/></hp:tc>'
                )
            rows.append(f"<hp:tr>{''.join(cells)}</hp:tr>")
        tbl = (
            f'<hp:tbl id="{1000 + tid}" zOrder="{tid}" numberingType="TABLE" textWrap="TOP_AND_BOTTOM" '
            'textFlow="BOTH_SIDES" lock="0" dropcapstyle="None" pageBreak="CELL" repeatHeader="1" '
            f'rowCnt="{len(block.rows)}" colCnt="{len(block.rows[0])}" cellSpacing="0" borderFillIDRef="2" '
            f'noAdjust="0"><hp:sz width="{TEXT_WIDTH}" widthRelTo="ABSOLUTE" height="0" heightRelTo="ABSOLUTE" '
            'protect="0"/><hp:pos treatAsChar="1" affectLSpacing="0" flowWithText="1" allowOverlap="0" '
            'holdAnchorAndSO="0" vertRelTo="PARA" horzRelTo="COLUMN" vertAlign="TOP" horzAlign="LEFT" '
            'vertOffset="0" horzOffset="0"/><hp:outMargin left="0" right="0" top="283" bottom="283"/>'
            f'<hp:inMargin left="510" right="510" top="141" bottom="141"/>{"".join(rows)}</hp:tbl>'
        )
        self.parts.append(self.paragraph("", 4, 0, inner=f"{tbl}<hp:t/>"))


def _display_width(text: str) -> int:
    """Width in half-em units: Hangul and other wide characters count 2, ASCII 1."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def _section_xml(source: Source) -> str:
    section = _Section()
    tables = 0
    for block in source.blocks:
        if isinstance(block, Heading):
            para, char = (4, 2) if block.level == 1 else (0, 3) if block.level == 2 else (0, 1)
            section.add(block.text, para, char)
        elif isinstance(block, TableBlock):
            section.table(block, tables)
            tables += 1
        else:
            section.add(block.text, min(block.level, len(PARA_LEFT) - 1), 0)
    return (
        f'{XML_DECL}<hs:sec xmlns:hs="{NS_SECTION}" xmlns:hp="{NS_PARAGRAPH}" xmlns:hc="{NS_CORE}" '
        f'xmlns:hh="{NS_HEAD}">{"".join(section.parts)}</hs:sec>'
    )


# ---- checks ---------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _line_texts(source: Source) -> list[str]:
    return [b.text for b in source.blocks if not isinstance(b, TableBlock)]


def check_pdf(source: Source, path: Path) -> list[str]:
    """Problems found when reading the PDF back with pdfplumber and pypdf (empty when it round-trips)."""
    import pdfplumber
    import pypdf

    problems: list[str] = []
    with pdfplumber.open(path) as pdf:
        pages = [page.dedupe_chars() for page in pdf.pages]
        plumber = _squash(" ".join(page.extract_text() or "" for page in pages))
        rows = {
            tuple(_squash(c or "") for c in row) for page in pages for t in page.extract_tables() for row in t
        }
    reader = pypdf.PdfReader(path)
    flat = re.sub(r"\s+", "", " ".join(page.extract_text() or "" for page in reader.pages))
    for text in _line_texts(source):
        if _squash(text) not in plumber:
            problems.append(f"pdfplumber text lacks: {text[:60]}")
        if re.sub(r"\s+", "", text) not in flat:
            problems.append(f"pypdf text lacks: {text[:60]}")
    for block in source.blocks:
        if isinstance(block, TableBlock):
            problems += [
                f"pdfplumber tables lack row: {row}"
                for row in block.rows
                if tuple(map(_squash, row)) not in rows
            ]
    info: dict[str, Any] = dict(reader.metadata or {})
    expected = {
        "/Title": source.meta["title"],
        "/Author": AUTHOR,
        "/Program": source.meta["program"],
        "/DocType": source.meta["doc_type"],
        "/Version": source.meta["version"],
    }
    problems += [
        f"PDF info {key} is {info.get(key)!r}, not {value!r}"
        for key, value in expected.items()
        if info.get(key) != value
    ]
    if len(reader.pages) < 3:
        problems.append(f"only {len(reader.pages)} pages")
    return problems


def check_hwpx(source: Source, path: Path) -> list[str]:
    """Problems found when reading the HWPX back with hwp-hwpx-parser (empty when it round-trips)."""
    from hwp_hwpx_parser import Reader

    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        if first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
            problems.append("mimetype is not the first, stored entry")
    with Reader(path) as reader:
        lines = set(reader.text.splitlines())
        tables = [tuple(tuple(row) for row in table.rows) for table in reader.tables]
    problems += [f"hwpx text lacks line: {text[:60]}" for text in _line_texts(source) if text not in lines]
    expected = [b.rows for b in source.blocks if isinstance(b, TableBlock)]
    if tables != expected:
        problems.append(f"hwpx tables differ: read {len(tables)}, wrote {len(expected)}")
    return problems


# ---- main -----------------------------------------------------------------------------------------

TARGETS: tuple[tuple[str, str, Callable[[Source, Path], None], Callable[[Source, Path], list[str]]], ...] = (
    ("notice.md", "notice.pdf", build_pdf, check_pdf),
    ("guideline.md", "guideline.hwpx", build_hwpx, check_hwpx),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--no-check", action="store_true", help="skip reading the outputs back")
    args = parser.parse_args(argv)
    failed = False
    for src_name, out_name, build, check in TARGETS:
        source = parse((SRC / src_name).read_text(encoding="utf-8"))
        out = HERE / out_name
        build(source, out)
        print(f"wrote {out.relative_to(HERE.parent)} ({out.stat().st_size:,} bytes)")
        if not args.no_check:
            problems = check(source, out)
            for problem in problems:
                print(f"  ! {problem}", file=sys.stderr)
            failed = failed or bool(problems)
            print(f"  read back: {'FAILED' if problems else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
