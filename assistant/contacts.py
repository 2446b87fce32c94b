"""The contact point (문의처) an answer refers applicants to, found in the indexed documents themselves.

In scope: finding the lines that give a phone number or e-mail address for enquiries, preferring the newest
notice of a program, and rendering a short "기관(전화, 메일)" text with the chunk it came from (so a refusal can
cite it). Out of scope: personal contacts (only lines about 문의/연락처/담당 are read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.types import Chunk

_PHONE = re.compile(r"(?<!\d)(0\d{1,2}-\d{3,4}-\d{4}|1\d{3}(?:-\d{4})?)(?!\d)")
_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOPIC = re.compile(r"문의|연락처|담당|콜센터|상담")
_DOC_PREFERENCE = {"notice": 0, "guideline": 1, "faq": 2}
FALLBACK = "사업 공고문에 적힌 문의처"


@dataclass(frozen=True)
class Contact:
    text: str  # e.g. "창업진흥원 개방혁신실(044-410-1790, aichallenge@kised.or.kr), 중소기업 통합콜센터(1357)"
    chunk: Chunk | None
    quote: str


def find_contact(chunks: Iterable[Chunk], program: str | None = None) -> Contact:
    candidates: list[tuple[tuple[int, str], Chunk]] = []
    for chunk in chunks:
        if program and chunk.program and chunk.program != program:
            continue
        if not (_TOPIC.search(chunk.section) or _TOPIC.search(chunk.text)):
            continue
        if not (_PHONE.search(chunk.text) or _MAIL.search(chunk.text)):
            continue
        # Newest first, then notices before guidelines before FAQs.
        rank = _DOC_PREFERENCE.get(chunk.doc_type, 3)
        candidates.append(((rank, _invert(chunk.version)), chunk))
    if not candidates:
        return Contact(FALLBACK, None, "")
    candidates.sort(key=lambda c: c[0])
    chunk = candidates[0][1]
    entries, quote_lines = _entries(chunk.text)
    return Contact(", ".join(entries[:3]) or FALLBACK, chunk, "\n".join(quote_lines[:3]))


def _entries(text: str) -> tuple[list[str], list[str]]:
    """Group phone numbers and e-mail addresses by the organisation named on their line."""
    by_org: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in text.splitlines():
        found = _PHONE.findall(line) + _MAIL.findall(line)
        if not found:
            continue
        cells = [c.strip() for c in line.split("|")]
        org = cells[-2] if len(cells) >= 3 else _org_of(line)
        bucket = by_org.setdefault(org, [])
        # One phone number and one e-mail address per organisation is enough to reach it.
        new = [f for f in found if not any(("@" in f) == ("@" in b) for b in bucket)]
        if new:
            bucket.extend(new[:1])
            lines.append(line.strip())
    return [f"{org}({', '.join(v[:2])})" if org else ", ".join(v[:2]) for org, v in by_org.items()], lines


def _org_of(line: str) -> str:
    match = re.search(r"([가-힣A-Za-z]+(?:원|부|청|센터|실|팀|과|재단|공단|협회)(?:\s+[가-힣]+(?:실|팀|과|센터))?)", line)
    return match[1] if match else ""


def _invert(version: str) -> str:
    # Sorting ascending on the inverted text puts the newest ISO date first.
    return "".join(chr(0x10FFFF - ord(ch)) for ch in version)
