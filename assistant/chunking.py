"""Structure-following chunking of Korean program documents.

In scope: section boundaries from parser headings and from the outline marks of Korean notices and rules
(제N장/절/조, □/■, "1." titles, "Ⅰ." roman numerals), FAQ question/answer pairs kept whole, tables kept in
one chunk (split by rows with the header repeated when too long), page boundaries (a chunk never spans two
PDF pages, so citations name one page), sizes counted with tiktoken. The ○ ◦ - ※ * 가. ① marks stay inside
their section's chunk: they are the content, not new topics.
Out of scope: semantic (embedding-based) splitting; it costs an embedding per sentence and the outline is a
better signal in these documents.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant import tokens
from assistant.types import Block, Chunk, DocInfo, ParsedDocument

_ARTICLE = re.compile(r"^제\s*\d+\s*조(?:의\s*\d+)?\s*[(（【]")
_CHAPTER = re.compile(r"^제\s*\d+\s*[장절편관]\s")
_BOX = re.compile(r"^[□■◆◇▣]\s*\S")
_NUMBERED_TITLE = re.compile(r"^(?:\d{1,2}|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]|[IVX]{1,4})\s*[.)]\s*\S")
_QUESTION = re.compile(r"^(?:#+\s*)?(?:Q\s*\d*\s*[.:)．]|Q\d+\b|질문\s*\d*\s*[.:)]|\[?질의\]?\s*\d*[.:)]?\s)")
_ANSWER = re.compile(r"^(?:A\s*[.:)．]|답변\s*[.:)]|\[?답변\]?\s)")

# Heading levels: parser headings keep 1–6; the outline marks of plain text sit below them.
_LEVEL_CHAPTER, _LEVEL_ARTICLE, _LEVEL_BOX = 7, 8, 9
_MAX_TITLE = 60


@dataclass
class _Piece:
    text: str
    page: int | None
    section: str
    whole: bool  # a table or a Q/A pair: never merged with neighbours, split only by rows/sentences


class Chunker:
    """Turns a parsed document into chunks of at most `max_tokens` (a Q/A pair may reach twice that)."""

    def __init__(self, max_tokens: int = 320, overlap_tokens: int = 40) -> None:
        self.max_tokens = max_tokens
        self._splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
            encoding_name=tokens.ENCODING,
            chunk_size=max_tokens,
            chunk_overlap=overlap_tokens,
            separators=["\n\n", "\n", "다. ", ". ", "? ", " ", ""],
            keep_separator="end",
        )

    def chunk(self, doc: ParsedDocument, info: DocInfo) -> list[Chunk]:
        chunks: list[Chunk] = []
        seen: Counter[str] = Counter()
        for piece in self._pack(_pieces(doc.blocks)):
            for text in self._split(piece):
                key = f"{info.source}\x00{piece.section}\x00{text}"
                seen[key] += 1
                digest = hashlib.sha256(f"{key}\x00{seen[key]}".encode()).hexdigest()[:20]
                chunks.append(
                    Chunk(
                        id=f"c{digest}",
                        text=text,
                        source=info.source,
                        page=piece.page,
                        section=piece.section,
                        doc_type=info.doc_type,
                        program=info.program,
                        version=info.version,
                        ordinal=len(chunks),
                        tokens=tokens.count(text),
                    )
                )
        return chunks

    def _pack(self, pieces: Iterator[_Piece]) -> Iterator[_Piece]:
        """Merge consecutive small pieces of one section and page up to the size limit."""
        current: _Piece | None = None
        current_tokens = 0
        for piece in pieces:
            size = tokens.count(piece.text)
            fits = (
                current is not None
                and not current.whole
                and not piece.whole
                and current.section == piece.section
                and current.page == piece.page
                and current_tokens + size <= self.max_tokens
            )
            if fits and current is not None:
                current.text += "\n" + piece.text
                current_tokens += size
                continue
            if current is not None:
                yield current
            current, current_tokens = piece, size
        if current is not None:
            yield current

    def _split(self, piece: _Piece) -> list[str]:
        limit = self.max_tokens * 2 if piece.whole else self.max_tokens
        if tokens.count(piece.text) <= limit:
            return [piece.text]
        lines = piece.text.split("\n")
        if piece.whole and len(lines) > 2:
            return _split_rows(lines, self.max_tokens)
        return [t.strip() for t in self._splitter.split_text(piece.text) if t.strip()]


def _split_rows(lines: list[str], max_tokens: int) -> list[str]:
    """Split a long table or Q/A by lines, repeating the first line (header row or question) in each part."""
    head, rest = lines[0], lines[1:]
    parts: list[str] = []
    current: list[str] = [head]
    size = tokens.count(head)
    for line in rest:
        n = tokens.count(line)
        if len(current) > 1 and size + n > max_tokens:
            parts.append("\n".join(current))
            current, size = [head], tokens.count(head)
        current.append(line)
        size += n
    parts.append("\n".join(current))
    return parts


def _pieces(blocks: list[Block]) -> Iterator[_Piece]:
    """Walk the blocks, tracking the section path; yield section-tagged pieces in reading order."""
    stack: list[tuple[int, str]] = []
    qa: _Piece | None = None

    def path() -> str:
        return " > ".join(title for _, title in stack)

    def push(level: int, title: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, _short(title)))

    for block in blocks:
        if block.kind == "heading":
            if qa is not None:
                yield qa
                qa = None
            title = block.text.strip().lstrip("#").strip()
            if _QUESTION.match(block.text.strip()):
                qa = _Piece(title, block.page, path(), whole=True)
                continue
            push(block.heading_level or 1, title)
            yield _Piece(title, block.page, path(), whole=False)
            continue
        if block.kind in ("table", "qa"):
            if qa is not None and block.kind == "table":
                qa.text += "\n" + block.text
                continue
            if qa is not None:
                yield qa
                qa = None
            yield _Piece(block.text, block.page, path(), whole=True)
            continue
        for line in block.text.split("\n"):
            line = line.strip()
            if not line:
                continue
            if _QUESTION.match(line):
                if qa is not None:
                    yield qa
                qa = _Piece(line, block.page, path(), whole=True)
                continue
            if qa is not None:
                if qa.page != block.page and not _ANSWER.match(line) and _is_boundary(line):
                    yield qa
                    qa = None
                else:
                    qa.text += "\n" + line
                    continue
            level = _boundary_level(line)
            if level is not None:
                push(level, line)
            yield _Piece(line, block.page, path(), whole=False)
    if qa is not None:
        yield qa


def _boundary_level(line: str) -> int | None:
    if _CHAPTER.match(line):
        return _LEVEL_CHAPTER
    if _ARTICLE.match(line):
        return _LEVEL_ARTICLE
    if _BOX.match(line) or (_NUMBERED_TITLE.match(line) and len(line) <= 40):
        return _LEVEL_BOX
    return None


def _is_boundary(line: str) -> bool:
    return _boundary_level(line) is not None


def _short(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip()
    return title if len(title) <= _MAX_TITLE else title[: _MAX_TITLE - 1] + "…"
