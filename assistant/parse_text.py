"""Markdown and plain-text files, and the text clean-up every parser shares.

In scope: decoding (UTF-8 with or without BOM, UTF-16 with BOM, CP949/EUC-KR fallback); Unicode NFC, control and
invisible characters removed, whitespace runs collapsed (`clean`); table rows rendered as lines (`table_block`);
over-long paragraphs cut into bounded blocks. Markdown: YAML-like front matter (flat `key: value` lines) into
metadata, ATX and `===` headings with their level, pipe tables as table blocks, fenced code kept as text, inline
emphasis marks and link syntax removed.
Out of scope: a full CommonMark parser (nested lists, reference links, HTML blocks are read as plain text), YAML
lists and nesting in the front matter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.errors import RejectedFile
from assistant.sniff import decode_text
from assistant.types import Block, ParsedDocument

# One block never exceeds this: a 10 MB single-line file becomes many bounded blocks, not one giant string.
MAX_BLOCK_CHARS = 4000

_NEWLINES = str.maketrans(
    {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
)
# C0/C1 controls (but \t and \n), zero-width and bidi marks, BOM, soft hyphen, replacement and non-characters,
# surrogates and private-use code points: HWP control payloads and PDF symbol fonts surface as these.
_DROP = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufffd\ufffe\uffff"
    "\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def clean(text: str) -> str:
    """NFC, controls dropped, spaces collapsed, lines stripped, empty lines removed."""
    text = _DROP.sub("", text.replace("\r\n", "\n").translate(_NEWLINES))
    text = unicodedata.normalize("NFC", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def clean_inline(text: str) -> str:
    """`clean` on one line: a table cell or a heading."""
    return clean(text).replace("\n", " ")


def split_long(text: str, limit: int = MAX_BLOCK_CHARS) -> Iterator[str]:
    """Cut text into pieces of at most `limit` chars, at a line break or a space when there is one."""
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = text.rfind("\n", start, end)
        if cut < start + limit // 2:
            cut = text.rfind(" ", start, end)
        if cut < start + limit // 2:
            cut = end
        piece = text[start:cut].strip()
        if piece:
            yield piece
        start = cut
    piece = text[start:].strip()
    if piece:
        yield piece


def text_blocks(text: str, page: int | None = None) -> list[Block]:
    return [Block(piece, page=page) for piece in split_long(clean(text))]


def table_block(rows: Sequence[Sequence[str | None]], page: int | None = None) -> Block | None:
    """Render a table as one line per row: "label: value" for a two-column table, else "a | b | c".

    A `None` cell in the first column is a cell merged with the one above (pdfplumber's convention): it takes
    that label, so a continuation row keeps its meaning. Empty cells are dropped from a row. A table that
    never has two filled cells in a row is a framed box of text and comes back as a text block.
    """
    lines: list[str] = []
    widths: list[int] = []
    label = ""
    for raw in rows:
        cells = [clean_inline(c) if c else "" for c in raw]
        if not cells:
            continue
        if raw[0] is None and any(cells[1:]):
            cells[0] = label
        label = cells[0]
        filled = [c for c in cells if c]
        if filled:
            lines.append(" | ".join(filled))
            widths.append(len(filled))
    if not lines:
        return None
    if max(widths) < 2:
        text = "\n".join(lines)
        return Block(text, page=page) if text else None
    if max(widths) == 2 and all(len(line.split(" | ")[0]) <= 40 for line in lines):
        lines = [line.replace(" | ", ": ", 1) for line in lines]
    return Block("\n".join(lines), kind="table", page=page)


# ---- Markdown and plain text ------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^=+[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_LINK = re.compile(r"!?\[([^\]\n]{0,500})\]\(([^)\s]{0,2000})[^)\n]{0,200}\)")
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`")
_RULE = re.compile(r"^(?:-[ \t]*){3,}$|^(?:\*[ \t]*){3,}$|^(?:_[ \t]*){3,}$")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]{0,40})[ \t]*:[ \t]*(.*)$")
_MAX_FRONT_MATTER_LINES = 200
_MAX_HEADING = 500  # longer '#' lines are text; also keeps the heading regex linear


def parse_markdown(path: Path) -> ParsedDocument:
    text = _read(path)
    metadata, body = _front_matter(text)
    body = _HTML_COMMENT.sub("", body)
    return ParsedDocument(
        format="markdown", blocks=list(_markdown_blocks(body.split("\n"))), metadata=metadata
    )


def parse_plain(path: Path) -> ParsedDocument:
    blocks = [b for para in re.split(r"\n[ \t\u3000]*\n", _read(path)) for b in text_blocks(para)]
    return ParsedDocument(format="text", blocks=blocks)


def _read(path: Path) -> str:
    text = decode_text(path.read_bytes())
    if text is None:
        raise RejectedFile("unsupported", "not decodable as UTF-8, UTF-16 or CP949 text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """`---` … `---` at the very top: flat `key: value` pairs; `# comments` and nested or list lines skipped."""
    lines = text.split("\n", _MAX_FRONT_MATTER_LINES + 2)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES + 1)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    metadata: dict[str, str] = {}
    for line in lines[1:end]:
        match = _FRONT_KEY.match(line)
        if not match:
            continue
        value = re.sub(r"(^|[ \t])#.*$", "", match.group(2)).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        value = clean_inline(value)
        if value and not value.startswith(("[", "{", "|", ">")):
            metadata[match.group(1).lower().replace("-", "_")] = value
    return metadata, "\n".join(lines[end + 1 :])


def _inline(text: str) -> str:
    text = _LINK.sub(
        lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2).startswith("http") else m.group(1), text
    )
    return _EMPHASIS.sub("", text)


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def _markdown_blocks(lines: list[str]) -> Iterator[Block]:
    para: list[str] = []
    table: list[list[str]] = []
    fence: str | None = None

    def flush() -> Iterator[Block]:
        if para:
            yield from text_blocks(_inline("\n".join(para)))
            para.clear()
        if table:
            block = table_block(table)
            if block is not None:
                yield block
            table.clear()

    for i, line in enumerate(lines):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
                yield from flush()
            else:
                para.append(line)
            continue
        if match := _FENCE.match(line):
            yield from flush()
            fence = match.group(1)
            continue
        stripped = line.strip()
        starts_table = "|" in stripped and i + 1 < len(lines) and "|" in lines[i + 1]
        starts_table = starts_table and _TABLE_SEP.match(lines[i + 1].strip()) is not None
        if stripped.startswith("|") or starts_table or (table and "|" in stripped):
            if para:
                yield from flush()
            if not _TABLE_SEP.match(stripped):
                table.append([_inline(c) for c in _cells(stripped)])
            continue
        if table:
            yield from flush()
        if len(stripped) <= _MAX_HEADING and (match := _HEADING.match(stripped)):
            yield from flush()
            title = clean_inline(_inline(match.group(2)))
            if title:
                yield Block(title, kind="heading", heading_level=len(match.group(1)))
            continue
        if _SETEXT_H1.match(stripped) and len(para) == 1 and i > 0:
            title = clean_inline(_inline(para.pop()))
            if title:
                yield Block(title, kind="heading", heading_level=1)
            continue
        if not stripped or _RULE.match(stripped):
            yield from flush()
            continue
        para.append(re.sub(r"^[ \t]{0,3}>[ \t]?", "", line))
    yield from flush()
