"""Document metadata: what the file declares, else inferred from its title, first page and file name.

Inferred: program (known program names, else the title), document type (공고/지침·기준·규정/FAQ/보도자료),
version (the first date in the opening text, else a year in the file name), and the series that versions of
one document share (title with dates and 변경/수정/정정 marks removed), used to let a newer version
supersede an older one. Out of scope: reading dates from the body of the text beyond its opening.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from assistant.types import DocInfo, ParsedDocument

KNOWN_PROGRAMS = (
    "AI 초격차 챌린지",
    "초격차 스타트업 1000+",
    "예비창업패키지",
    "초기창업패키지",
    "창업도약패키지",
    "창업중심대학",
    "TIPS",
    "팁스",
    "글로벌 기업 협업 프로그램",
)
_DOC_TYPES = (
    ("faq", re.compile(r"FAQ|자주\s*묻는|질의\s*응답|Q\s*&\s*A|문답", re.I)),
    ("press", re.compile(r"보도\s*자료|보도\s*참고")),
    ("notice", re.compile(r"공고")),
    ("guideline", re.compile(r"지침|기준|규정|규칙|매뉴얼|안내서|가이드")),
)
_DATE = re.compile(r"(20\d{2})\s*[.\-년/]\s*(\d{1,2})\s*[.\-월/]\s*(\d{1,2})\s*일?")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_VERSION_MARKS = re.compile(r"\(?(변경|수정|정정|개정|최종|재|추가)\s*(공고|안)?\)?|v\d+(\.\d+)*|\bver\.?\s*\d+", re.I)


def describe(path: Path, sha256: str, parsed: ParsedDocument) -> DocInfo:
    """Build the DocInfo of a parsed file; declared metadata wins over inference."""
    meta = {k: v.strip() for k, v in parsed.metadata.items() if v and v.strip()}
    opening = "\n".join(b.text for b in parsed.blocks[:40])[:3000]
    title = meta.get("title") or _first_title(parsed) or path.stem
    program = meta.get("program") or _program(f"{title}\n{path.stem}\n{opening}") or title
    doc_type = meta.get("doc_type") or _doc_type(f"{title} {path.stem}")
    version = _normalize_version(meta.get("version") or meta.get("date") or "") or _version(opening, path)
    series = meta.get("series") or f"{doc_type}:{_clean_title(title)}"
    return DocInfo(
        source=path.name,
        path=str(path.resolve()),
        sha256=sha256,
        format=parsed.format,
        program=program,
        doc_type=doc_type,
        version=version,
        title=title,
        series=series,
        page_count=parsed.page_count,
    )


def _first_title(parsed: ParsedDocument) -> str:
    for block in parsed.blocks[:15]:
        text = block.text.strip().split("\n")[0].strip()
        if block.kind == "heading" and 2 <= len(text) <= 100:
            return text
    for block in parsed.blocks[:15]:
        for line in block.text.split("\n"):
            line = line.strip()
            if 4 <= len(line) <= 80 and re.search(r"[가-힣]", line) and not line.startswith("※"):
                return line
    return ""


def _program(text: str) -> str:
    squashed = re.sub(r"\s+", "", text)
    for name in KNOWN_PROGRAMS:
        if re.sub(r"\s+", "", name) in squashed:
            return name
    return ""


def _doc_type(text: str) -> str:
    for name, pattern in _DOC_TYPES:
        if pattern.search(text):
            return name
    return "other"


def _iso_date(text: str) -> str | None:
    match = _DATE.search(text)
    if match is None:
        return None
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _normalize_version(value: str) -> str:
    return _iso_date(value) or value


def _version(opening: str, path: Path) -> str:
    date = _iso_date(opening)
    if date is not None:
        return date
    match = _YEAR.search(path.stem) or _YEAR.search(opening)
    return match.group(1) if match else ""


def _clean_title(title: str) -> str:
    """The series key of a title: without years, dates, version marks, spaces and punctuation."""
    text = unicodedata.normalize("NFC", title)
    text = _DATE.sub("", text)
    text = _YEAR.sub("", text)
    text = re.sub(r"(?<!\d)\d{2}년", "", text)
    text = _VERSION_MARKS.sub("", text)
    text = re.sub(r"^L\d+_", "", text)
    return re.sub(r"[\W_]+", "", text) or title
