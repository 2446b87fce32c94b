"""PDF documents: the only module that imports pdfplumber and pypdf.

In scope: pypdf opens the file first: page count (at most MAX_PAGES), encryption (a PDF that does not open with the
empty password is "encrypted"), a missing `%%EOF` ("truncated"), declared metadata (/Title, /Author and the
custom /Program /DocType /Version keys), and a decompression-bomb check of every page's content streams
(pypdf's decoders stop at 75 MB per stream; we also cap the decoded size per page and per file, because
pdfminer, under pdfplumber, decodes without any limit). Text comes from pdfplumber's
`page.dedupe_chars().extract_text()`, which rebuilds lines from character positions: overprinted glyphs
("사사업업") are merged and numbers stay with their words ("최대 1.5억원", not pypdf's "최대 억원1.5"). Ruled tables
found by pdfplumber become table blocks ("label: value" or "a | b | c" rows) and their characters are left out of
the text blocks around them; a table that frames other tables, or has a single column, is layout and is read as
text. A page that pdfplumber cannot read falls back to pypdf's text. Page numbers ("- 3 -") and running
headers/footers repeated on most pages are dropped.
Out of scope: OCR of scanned pages (they yield no text), tables drawn without ruling lines, multi-column reading
order beyond what pdfplumber's line grouping gives, words whose spaces the PDF itself lost (kept as extracted).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
from pypdf.errors import LimitReachedError

from assistant.errors import RejectedFile
from assistant.parse_text import clean_inline, table_block, text_blocks
from assistant.types import Block, ParsedDocument

MAX_PAGES = 500
MAX_PAGE_CONTENT = 32 * 1024 * 1024  # decoded content-stream bytes of one page; real notice pages have ~50 KB
MAX_DOC_CONTENT = 256 * 1024 * 1024
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?\d{1,4}(?:\s*[-–—])?$|^\d{1,4}\s*/\s*\d{1,4}$|^(?:page|p\.)\s*\d{1,4}$", re.I
)
_JUNK_VALUE = re.compile(r"^\(?(?:untitled|anonymous|unknown|unspecified|noname|제목\s*없음|무제)?\)?$", re.I)
_META_KEYS = {"/Title": "title", "/Author": "author", "/Program": "program", "/DocType": "doc_type",
              "/Doc_Type": "doc_type", "/Version": "version"}  # fmt: skip
Box = tuple[float, float, float, float]


def parse(path: Path) -> ParsedDocument:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 4096))
        if b"%%EOF" not in f.read():
            raise RejectedFile("truncated", "no %%EOF marker at the end of the PDF")
    reader = _open(path)
    try:
        count = len(reader.pages)
    except Exception as exc:  # a broken page tree surfaces only when the pages are counted
        raise RejectedFile("corrupt", f"unreadable page tree: {exc}"[:300]) from exc
    if count == 0:
        raise RejectedFile("corrupt", "PDF without pages")
    if count > MAX_PAGES:
        raise RejectedFile("too_large", f"{count} pages; at most {MAX_PAGES} are read")
    _check_bombs(reader, count)
    pages = _plumber_pages(path, reader, count)
    return ParsedDocument(
        format="pdf", blocks=_drop_running_lines(pages), metadata=_metadata(reader), page_count=count
    )


def _open(path: Path) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(path)
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError … on broken files
        raise RejectedFile("corrupt", f"{type(exc).__name__}: {exc}"[:300]) from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # unsupported security handler, missing AES support
            raise RejectedFile("encrypted", f"cannot decrypt: {exc}"[:300]) from exc
        if opened == pypdf.PasswordType.NOT_DECRYPTED:
            raise RejectedFile("encrypted", "PDF needs a password")
    return reader


def _check_bombs(reader: pypdf.PdfReader, count: int) -> None:
    total = 0
    for number in range(count):
        try:
            page = reader.pages[number]
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
            xobjects: Any = page.get("/Resources", {}).get("/XObject", {})
            for ref in xobjects.values():
                xobject = ref.get_object()
                if xobject.get("/Subtype") == "/Form":
                    size += len(xobject.get_data())
        except LimitReachedError as exc:
            raise RejectedFile("bomb", f"page {number + 1}: {exc}"[:300]) from exc
        except Exception:
            continue  # damaged streams are pdfplumber's and pypdf's text extraction's problem, not a bomb
        total += size
        if size > MAX_PAGE_CONTENT or total > MAX_DOC_CONTENT:
            raise RejectedFile(
                "bomb", f"page {number + 1} decodes to {size} bytes of content ({total} so far)"
            )


def _plumber_pages(path: Path, reader: pypdf.PdfReader, count: int) -> list[list[Block]]:
    pages: list[list[Block]] = []
    try:
        pdf = pdfplumber.open(path)
    except Exception:  # pdfminer cannot open it, pypdf could: read every page with pypdf
        return [_pypdf_page(reader, n) for n in range(count)]
    with pdf:
        for number in range(count):
            try:
                page = pdf.pages[number]
            except Exception:  # pdfminer saw fewer pages, or a broken page object
                pages.append(_pypdf_page(reader, number))
                continue
            try:
                pages.append(_page_blocks(page, number + 1))
            except Exception:  # pdfminer fails on some damaged or exotic pages that pypdf still reads
                pages.append(_pypdf_page(reader, number))
            finally:
                page.close()  # drop the page's cached layout objects: memory stays flat on long files
    return pages


def _pypdf_page(reader: pypdf.PdfReader, number: int) -> list[Block]:
    try:
        return text_blocks(reader.pages[number].extract_text(), page=number + 1)
    except Exception:  # the page is unreadable by both libraries: it contributes nothing
        return []


def _page_blocks(page: Any, number: int) -> list[Block]:
    page = page.dedupe_chars()
    found = page.find_tables()
    boxes: list[Box] = [t.bbox for t in found]
    tables: list[tuple[Box, Block]] = []
    for table, box in zip(found, boxes, strict=True):
        if any(other != box and _contains(box, other) for other in boxes):
            continue  # a frame around other tables is page layout
        block = table_block(table.extract(), page=number)
        if block is not None and block.kind == "table":
            tables.append((box, block))
    kept = [box for box, _ in tables]
    blocks: list[Block] = []
    top = float("-inf")
    for box, block in sorted(tables, key=lambda t: (t[0][1], t[0][0])):
        blocks.extend(text_blocks(page.filter(_band(top, box[1], kept)).extract_text(), page=number))
        blocks.append(block)
        top = max(top, box[3])
    blocks.extend(text_blocks(page.filter(_band(top, float("inf"), kept)).extract_text(), page=number))
    return blocks


def _band(top: float, bottom: float, tables: list[Box]) -> Callable[[dict[str, Any]], bool]:
    """Keep non-chars, and chars whose centre lies between `top` and `bottom` and outside every kept table."""

    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return top <= y < bottom and not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in tables)

    return keep


def _contains(outer: Box, inner: Box) -> bool:
    return (
        outer[0] <= inner[0] + 1
        and outer[1] <= inner[1] + 1
        and outer[2] >= inner[2] - 1
        and outer[3] >= inner[3] - 1
    )


def _drop_running_lines(pages: list[list[Block]]) -> list[Block]:
    """Remove page numbers and header/footer lines that recur at the top or bottom of most pages."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line)

    edges: Counter[str] = Counter()
    for blocks in pages:
        lines = [ln for b in blocks if b.kind == "text" for ln in b.text.split("\n")]
        edges.update({key(ln) for ln in lines[:2] + lines[-2:]})
    repeated = {k for k, n in edges.items() if len(pages) >= 3 and n >= max(3, len(pages) * 0.5)}
    out: list[Block] = []
    for blocks in pages:
        text_ids = [i for i, b in enumerate(blocks) if b.kind == "text"]
        for i, block in enumerate(blocks):
            if block.kind != "text" or i not in (text_ids[:1] + text_ids[-1:]):
                out.append(block)
                continue
            lines = block.text.split("\n")
            edge = set(range(min(2, len(lines)))) | set(range(max(0, len(lines) - 2), len(lines)))
            kept = [
                ln
                for j, ln in enumerate(lines)
                if not (j in edge and (_PAGE_NUMBER.match(ln) or key(ln) in repeated))
            ]
            if kept:
                out.append(Block("\n".join(kept), page=block.page))
    return out


def _metadata(reader: pypdf.PdfReader) -> dict[str, str]:
    try:
        info: Any = reader.metadata or {}
        items = {k: info.get(k) for k in _META_KEYS if k in info}
    except Exception:  # a broken /Info dictionary only costs the declared metadata
        return {}
    metadata: dict[str, str] = {}
    for raw_key, value in items.items():
        text = _pdf_string(value)
        if raw_key == "/Title":
            text = re.sub(r"^Microsoft (?:Word|PowerPoint|Excel) - ", "", text)
            text = re.sub(r"\.(?:hwpx?|docx?|pptx?|xlsx?|pdf)$", "", text, flags=re.I).strip()
        if not _JUNK_VALUE.match(text):
            metadata.setdefault(_META_KEYS[raw_key], text)
    return metadata


def _pdf_string(value: Any) -> str:
    """A PDF text string; repairs the common UTF-8-bytes-stored-as-PDFDocEncoding titles of Korean producers."""
    raw = getattr(value, "original_bytes", None)
    if isinstance(raw, bytes) and not raw.startswith((b"\xfe\xff", b"\xff\xfe")) and not raw.isascii():
        try:
            return clean_inline(raw.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return clean_inline(str(value)) if value is not None else ""
