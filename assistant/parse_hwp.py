"""HWP 5 (binary) and HWPX (zipped XML) documents, read with hwp-hwpx-parser (Apache-2.0; never the AGPL pyhwp).

In scope: the FileHeader flags checked first (password, DRM and certificate encryption → "encrypted"; 배포용
distribution documents, whose body lives in the scrambled ViewText storage and whose BodyText is a placeholder →
"distribution_protected"); HWPX packages checked for ZIP bombs and DTD tricks before the library opens them;
body text and footnotes as text blocks; tables, which the library renders as Markdown rows, turned back into
rows and rendered as table blocks; HWPX `content.hpf` title and `<opf:meta>` program/doc_type/version.
Out of scope: headings (the library returns text without paragraph styles; the chunker finds 제N장/제N조 and
the other outline marks in the text itself), images, memos, decrypting anything.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from hwp_hwpx_parser import (
    ExtractOptions,
    ExtractResult,
    HWP5Reader,
    HWPXReader,
    ImageMarkerStyle,
    TableStyle,
)

from assistant.errors import RejectedFile
from assistant.parse_text import table_block, text_blocks
from assistant.sniff import hwp5_container, open_zip, parse_xml, read_entry
from assistant.types import Block, ParsedDocument

# FileHeader properties (HWP 5.0 spec, table 3): bit 1 password, 2 distribution, 4 DRM, 8 certificate
# encryption, 10 certificate DRM.
_ENCRYPTED_BITS = 0x02 | 0x10 | 0x100 | 0x400
_DISTRIBUTION_BIT = 0x04
_OPTIONS = ExtractOptions(table_style=TableStyle.MARKDOWN, image_marker=ImageMarkerStyle.NONE)
_MARKERS = re.compile(r"\[MEMO:\d+\]|\[IMAGE[^\]]*\]")
_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")
_HPF_META = {
    "title": "title",
    "program": "program",
    "doc_type": "doc_type",
    "doctype": "doc_type",
    "version": "version",
}


def parse_hwp(path: Path) -> ParsedDocument:
    header, streams = hwp5_container(path)
    if len(header) < 40:
        raise RejectedFile("corrupt", "HWP FileHeader shorter than 40 bytes")
    flags = struct.unpack_from("<I", header, 36)[0]
    if flags & _ENCRYPTED_BITS:
        raise RejectedFile("encrypted", f"HWP FileHeader flags {flags:#x}")
    if flags & _DISTRIBUTION_BIT or any(s.startswith("ViewText/") for s in streams):
        raise RejectedFile(
            "distribution_protected", "배포용 문서: the body is only in the scrambled ViewText storage"
        )
    if not any(s.startswith("BodyText/Section") for s in streams):
        raise RejectedFile("corrupt", "HWP file without BodyText sections")
    with HWP5Reader(str(path)) as reader:
        result = reader.extract_text_with_notes(_OPTIONS)
    return ParsedDocument(format="hwp", blocks=_blocks(result))


def parse_hwpx(path: Path) -> ParsedDocument:
    metadata: dict[str, str] = {}
    with open_zip(path) as zf:
        names = zf.namelist()
        if (
            "META-INF/manifest.xml" in names
            and b"encryption-data" in read_entry(zf, "META-INF/manifest.xml").lower()
        ):
            raise RejectedFile("encrypted", "HWPX manifest declares encryption")
        for name in names:
            if name.lower().endswith((".xml", ".hpf")):
                data = read_entry(zf, name)
                if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                    parse_xml(data)  # rejects entity bombs and external entities before the library's parser
                if name == "Contents/content.hpf":
                    metadata = _hpf_metadata(data)
    with HWPXReader(str(path)) as reader:
        result = reader.extract_text_with_notes(_OPTIONS)
    return ParsedDocument(format="hwpx", blocks=_blocks(result), metadata=metadata)


def _hpf_metadata(data: bytes) -> dict[str, str]:
    """`<opf:title>` and `<opf:meta name="program|doc_type|version" content="…">` of Contents/content.hpf."""
    metadata: dict[str, str] = {}
    for elem in parse_xml(data).iter():
        tag = elem.tag.rsplit("}", 1)[-1] if isinstance(elem.tag, str) else ""
        key = (
            "title"
            if tag == "title"
            else _HPF_META.get(elem.get("name", "").lower())
            if tag == "meta"
            else None
        )
        value = (elem.get("content") or elem.text or "").strip() if key else ""
        if key and value:
            metadata.setdefault(key, value)
    return metadata


def _blocks(result: ExtractResult) -> list[Block]:
    """Split the library's text into text blocks and table blocks (its Markdown rows) in reading order."""
    blocks: list[Block] = []
    lines: list[str] = []
    rows: list[list[str]] = []

    def flush_text() -> None:
        blocks.extend(text_blocks("\n".join(lines)))
        lines.clear()

    def flush_table() -> None:
        block = table_block(rows)
        if block is not None:
            blocks.append(block)
        rows.clear()

    for raw in _MARKERS.sub("", result.text).split("\n"):
        line = raw.strip()
        if len(line) >= 2 and line.startswith("|") and line.endswith("|"):
            flush_text()
            if not _SEPARATOR.match(line):
                rows.append([c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line[1:-1])])
            continue
        if rows:
            flush_table()
        if line:
            lines.append(line)
        else:
            flush_text()
    flush_table()
    flush_text()
    for note in result.notes:
        mark = f"[^{note.number}]" if note.note_type == "footnote" else f"[^e{note.number}]"
        blocks.extend(text_blocks(f"{mark} {note.text}"))
    return blocks
