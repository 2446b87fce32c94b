"""Markup documents: HWPML (the XML form of HWP), DOCX and HTML.

In scope: every XML part is read through `sniff.parse_xml` (no entity expansion, no external references) and
every ZIP package through `sniff.open_zip` (bomb checks before decompression). HWPML: paragraphs (P/TEXT/CHAR), tables (TABLE/ROW/CELL), outline-style headings, title.
DOCX: paragraphs, Heading/제목 styles and outline levels, tables, the core title. HTML: boilerplate (scripts,
navigation, site header and footer, share buttons, "관련기사"/"많이 본 뉴스" lists, copyright lines) dropped,
h1–h6 as headings, tables as rows.
Out of scope: images, footnote placement, tracked-change history, CSS-driven layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString

from assistant.errors import RejectedFile
from assistant.parse_text import clean, clean_inline, table_block, text_blocks
from assistant.sniff import decode_text, open_zip, parse_xml, read_entry
from assistant.types import Block, ParsedDocument

_MAX_HEADING = 120


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# ---- HWPML --------------------------------------------------------------------------------------

_HWPML_SKIP = {"HEADER", "FOOTER", "SECDEF", "COLDEF", "SHAPEOBJECT", "SHAPECOMPONENT", "PICTURE", "AUTONUM"}
_HWPML_SPACE = {"TAB": " ", "LINEBREAK": "\n", "NBSPACE": " ", "FWSPACE": " ", "HYPEN": "-"}


def parse_hwpml(path: Path) -> ParsedDocument:
    root = parse_xml(path.read_bytes())
    if root.tag != "HWPML":
        raise RejectedFile("corrupt", f"root element is <{root.tag}>, not <HWPML>")
    styles = {s.get("Id", ""): s.get("Name", "") for s in root.iter("STYLE")}
    blocks: list[Block] = []
    for body in root.iter("BODY"):
        _hwpml_walk(body, styles, blocks)
    title = clean_inline(root.findtext("HEAD/DOCSUMMARY/TITLE") or "")
    return ParsedDocument(format="hwpml", blocks=blocks, metadata={"title": title} if title else {})


def _hwpml_walk(elem: Element, styles: dict[str, str], out: list[Block]) -> None:
    if elem.tag in _HWPML_SKIP:
        return
    if elem.tag == "TABLE":
        rows = [[_hwpml_cell(c) for c in row.findall("CELL")] for row in elem.findall("ROW")]
        block = table_block(rows)
        if block is not None:
            out.append(block)
        return
    if elem.tag == "P":
        parts: list[str] = []
        tables: list[Element] = []
        _hwpml_text(elem, parts, tables)
        text = clean("".join(parts))
        outline = re.search(r"(?:개요|제목)\s*(\d?)", styles.get(elem.get("Style", ""), ""))
        if outline and text and len(text) <= _MAX_HEADING:
            out.append(
                Block(text.replace("\n", " "), kind="heading", heading_level=int(outline.group(1) or 1))
            )
        elif text:
            out.extend(text_blocks(text))
        for table in tables:
            _hwpml_walk(table, styles, out)
        return
    for child in elem:
        _hwpml_walk(child, styles, out)


def _hwpml_text(elem: Element, parts: list[str], tables: list[Element]) -> None:
    for child in elem:
        if child.tag == "TABLE":
            tables.append(child)
        elif child.tag in _HWPML_SPACE:
            parts.append(_HWPML_SPACE[child.tag])
        elif child.tag == "CHAR":
            parts.append(child.text or "")
            _hwpml_text(child, parts, tables)
        elif child.tag not in _HWPML_SKIP:
            _hwpml_text(child, parts, tables)
        if elem.tag == "CHAR" and child.tail:
            parts.append(child.tail)


def _hwpml_cell(cell: Element) -> str:
    parts: list[str] = []
    for para in cell.iter("P"):
        _hwpml_text(para, parts, [])  # nested tables' own P elements are visited by iter()
        parts.append(" ")
    return "".join(parts)


# ---- DOCX ---------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_SKIP = {"delText", "instrText", "Fallback", "rPr", "pPr"}
_DOCX_SPACE = {"tab": " ", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
_HEADING_STYLE = re.compile(r"(?:heading|제목)\s*(\d)|^(?:title|제목)$", re.I)


def parse_docx(path: Path) -> ParsedDocument:
    with open_zip(path) as zf:
        names = set(zf.namelist())
        document = parse_xml(read_entry(zf, "word/document.xml"))
        styles = parse_xml(read_entry(zf, "word/styles.xml")) if "word/styles.xml" in names else None
        core = parse_xml(read_entry(zf, "docProps/core.xml")) if "docProps/core.xml" in names else None
    levels = _docx_style_levels(styles)
    blocks: list[Block] = []
    body = document.find(f"{_W}body")
    if body is not None:
        _docx_walk(body, levels, blocks)
    title = ""
    if core is not None:
        title = clean_inline(next((e.text or "" for e in core.iter() if _local(e.tag) == "title"), ""))
    return ParsedDocument(format="docx", blocks=blocks, metadata={"title": title} if title else {})


def _docx_style_levels(styles: Element | None) -> dict[str, int]:
    levels: dict[str, int] = {}
    for style in styles.iter(f"{_W}style") if styles is not None else ():
        name = style.find(f"{_W}name")
        match = _HEADING_STYLE.search(name.get(f"{_W}val", "") if name is not None else "")
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if match:
            levels[style.get(f"{_W}styleId", "")] = int(match.group(1) or 1)
        elif (
            outline is not None
            and outline.get(f"{_W}val", "9").isdigit()
            and int(outline.get(f"{_W}val", "9")) < 6
        ):
            levels[style.get(f"{_W}styleId", "")] = int(outline.get(f"{_W}val", "0")) + 1
    return levels


def _docx_walk(elem: Element, levels: dict[str, int], out: list[Block]) -> None:
    for child in elem:
        tag = _local(child.tag)
        if tag == "p":
            text = clean("".join(_docx_text(child)))
            level = _docx_level(child, levels)
            if level and text and len(text) <= _MAX_HEADING:
                out.append(Block(text.replace("\n", " "), kind="heading", heading_level=min(level, 6)))
            elif text:
                out.extend(text_blocks(text))
        elif tag == "tbl":
            rows = [[_docx_cell(tc) for tc in tr.findall(f"{_W}tc")] for tr in child.findall(f"{_W}tr")]
            block = table_block(rows)
            if block is not None:
                out.append(block)
        elif tag in ("sdt", "sdtContent", "customXml"):
            _docx_walk(child, levels, out)


def _docx_level(p: Element, levels: dict[str, int]) -> int | None:
    style = p.find(f"{_W}pPr/{_W}pStyle")
    outline = p.find(f"{_W}pPr/{_W}outlineLvl")
    if (
        outline is not None
        and outline.get(f"{_W}val", "9").isdigit()
        and int(outline.get(f"{_W}val", "9")) < 6
    ):
        return int(outline.get(f"{_W}val", "0")) + 1
    return levels.get(style.get(f"{_W}val", "")) if style is not None else None


def _docx_text(elem: Element) -> Iterator[str]:
    for child in elem:
        tag = _local(child.tag)
        if tag in _DOCX_SKIP:
            continue
        if tag == "t":
            yield child.text or ""
        elif tag in _DOCX_SPACE:
            yield _DOCX_SPACE[tag]
        else:
            yield from _docx_text(child)


def _docx_cell(tc: Element) -> str | None:
    merge = tc.find(f"{_W}tcPr/{_W}vMerge")
    if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
        return None  # continuation of a vertically merged cell: table_block takes the label from above
    return " ".join("".join(_docx_text(p)) for p in tc.iter(f"{_W}p"))


# ---- HTML ---------------------------------------------------------------------------------------

_HTML_DROP = re.compile(
    r"^(?:script|style|noscript|template|nav|aside|form|iframe|svg|button|select|input|textarea|object|embed"
    r"|canvas|menu|dialog)$"
)
_JUNK_ATTR = re.compile(
    r"(?:^|[\s_-])(?:share|sns|social|ticker|breadcrumbs?|banner|ads?|advert\w*|popular|"
    r"most[_-]?view\w*|related|recommend\w*|comments?|reply|gnb|lnb|snb|sidebar|copyright|"
    r"subscribe|newsletter|login|cookie|popup|modal|toolbar|pagination|rank\w*)(?:$|[\s_-])",
    re.I,
)
_JUNK_ROLE = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_JUNK_SECTION = re.compile(
    r"^(?:관련\s*기사|많이\s*본\s*(?:뉴스|기사)|인기\s*기사|추천\s*기사|최신\s*기사|주요\s*뉴스|"
    r"실시간\s*뉴스|포토\s*뉴스|이\s*시각\s*주요뉴스|댓글)"
)
_JUNK_LINE = re.compile(
    r"ⓒ|©|copyright|all rights reserved|무단\s*전재|재배포\s*금지|기사\s*제보|구독\s*신청|"
    r"^(?:공유하기|좋아요|스크랩|인쇄|프린트|글자\s*크기|URL\s*복사|페이스북|트위터|카카오톡|"
    r"카카오스토리|네이버\s*블로그|밴드|이메일|닫기|목록|top|맨\s*위로)$",
    re.I,
)
_BLOCK_TAG = re.compile(
    r"p|div|section|article|main|li|ul|ol|dl|dt|dd|blockquote|pre|tr|td|th|table|figure|figcaption|address|hr"
    r"|body|center|header|footer"
)


def parse_html(path: Path) -> ParsedDocument:
    text = decode_text(path.read_bytes())
    if text is None:
        raise RejectedFile("unsupported", "HTML that is not decodable text")
    soup = BeautifulSoup(text, "html.parser")
    title = clean_inline(soup.title.get_text(" ")) if soup.title else ""
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(["header", "footer"]):
        if tag.find_parent(["article", "main"]) is None:  # the site's bars, not an article's own title block
            tag.decompose()
    for tag in soup.find_all(_is_junk):
        if not tag.decomposed:
            tag.decompose()
    root = soup.find("main") or soup.body or soup
    articles = (
        [a for a in root.find_all("article") if a.find_parent("article") is None]
        if root.name != "main"
        else []
    )
    blocks: list[Block] = []
    for part in articles or [root]:
        _html_walk(part, blocks, [])
    return ParsedDocument(
        format="html", blocks=_drop_junk(blocks), metadata={"title": title} if title else {}
    )


def _is_junk(tag: Tag) -> bool:
    if tag.name in ("html", "body", "main", "article"):
        return False
    attrs: dict[str, Any] = tag.attrs or {}
    classes = attrs.get("class") or []
    names = " ".join([*classes, str(attrs.get("id", ""))]) if isinstance(classes, list) else str(classes)
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    return bool(_JUNK_ATTR.search(names)) or attrs.get("role") in _JUNK_ROLE or "display:none" in style


def _html_walk(node: Tag, out: list[Block], buf: list[str]) -> None:
    def flush() -> None:
        out.extend(text_blocks("".join(buf)))
        buf.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            buf.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if re.fullmatch(r"h[1-6]", name):
            flush()
            heading = clean_inline(child.get_text(" "))
            if heading:
                out.append(Block(heading, kind="heading", heading_level=int(name[1])))
        elif name == "table" and child.find("table") is None:
            flush()
            rows = [[c.get_text(" ") for c in tr.find_all(["th", "td"])] for tr in child.find_all("tr")]
            block = table_block(rows)
            if block is not None:
                out.append(block)
        elif name == "br":
            buf.append("\n")
        else:
            wall = _BLOCK_TAG.fullmatch(name) is not None
            if wall:
                buf.append("\n")
            _html_walk(child, out, buf)
            if wall:
                buf.append("\n")
    if node.parent is None or node.name in ("body", "main", "article", "html"):
        flush()


def _drop_junk(blocks: list[Block]) -> list[Block]:
    """Drop copyright and share-button lines, and a "관련기사"-style label with everything up to the next heading."""
    kept: list[Block] = []
    skip_level: int | None = None  # 7: a bare label in the text, skipped until any heading
    for block in blocks:
        if block.kind == "heading":
            level = block.heading_level or 1
            if skip_level is not None and level <= skip_level:
                skip_level = None
            if _JUNK_SECTION.match(block.text):
                skip_level = level
                continue
        if skip_level is not None:
            continue
        lines: list[str] = []
        for line in block.text.split("\n"):
            if _JUNK_SECTION.match(line) and len(line) <= 20 and block.kind == "text":
                skip_level = 7
                break
            if not (_JUNK_LINE.search(line) and len(line) <= 80):
                lines.append(line)
        if lines:
            kept.append(
                Block("\n".join(lines), kind=block.kind, page=block.page, heading_level=block.heading_level)
            )
    return kept
