"""Which format a file is, decided by its content, never by its name; and safe access to its container.

In scope: PDF, HWP 5 (an OLE2 compound file whose FileHeader stream is signed "HWP Document File"), ZIP packages
told apart by their entries (HWPX, DOCX), XML with an HWPML root, HTML, and text (UTF-8, UTF-16 with BOM or
CP949) split into Markdown and plain text. The extension only breaks ties between text kinds (.md is Markdown,
.html is HTML). Anything else, and binary junk, is rejected here as "unsupported" or "corrupt".
Also here, shared by the parsers: `decode_text` (text decoding), `hwp5_container` (the one place that opens OLE2
files), `open_zip`/`read_entry` (ZIP packages checked for count, total size and compression ratio before anything
is decompressed) and `parse_xml`: defusedxml after the internal DTD subset is checked by hand (HWPML files declare
`<!ENTITY nbsp "&#160;">`, so a blanket ban would reject real files): plain character entities are substituted,
entities built from markup or other entities are a "bomb", external entities are refused; nothing is fetched.
Out of scope: old binary formats (HWP 3, .doc, .xls), images and other office packages; they are rejected.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import olefile
from defusedxml import DefusedXmlException

from assistant.errors import RejectedFile

_SAMPLE = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HWP_SIGNATURE = b"HWP Document File"
_MARKDOWN_EXTS = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_EXTS = {".html", ".htm", ".xhtml"}
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_TOTAL = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200  # XML compresses ~10-40x; runs of zeros ~1000x
MAX_XML_ENTRY = 64 * 1024 * 1024

_XML_PROLOG = re.compile(
    r"(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE(?:[^\[>]|\[.*?\])*>\s*)*<([A-Za-z_][\w.:-]*)", re.S | re.I
)
_DOCTYPE_NAME = re.compile(r"<!DOCTYPE\s+([A-Za-z_][\w.:-]*)", re.I)
_HTML_HINT = re.compile(r"<(?:html|head|body)[\s>]|<!doctype\s+html", re.I)
_MD_HINT = re.compile(r"^(?:#{1,6}[ \t]+\S|\|?[ \t]*:?-{3,}:?[ \t]*\|)", re.M)
_SECTION = re.compile(r"^Contents/section\d+\.xml$", re.I)
# Controls other than \t \n \r \f and ESC-free text: more than 1% of these means binary, not text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f]")


def sniff(path: Path) -> str:
    """Return "pdf", "hwp", "hwpx", "docx", "hwpml", "html", "markdown" or "text"; raise RejectedFile otherwise."""
    with path.open("rb") as f:
        head = f.read(_SAMPLE)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        hwp5_container(path)  # raises unless the FileHeader stream carries the HWP signature
        return "hwp"
    if head.startswith(_ZIP_MAGICS):
        return _zip_kind(path)
    if head.startswith(_HWP_SIGNATURE):
        raise RejectedFile("unsupported", "HWP 3.x binary document")
    text = decode_text(head, final=len(head) < _SAMPLE)
    if text is None:
        raise RejectedFile("unsupported", "binary content, not a known document format")
    return _text_kind(text.lstrip("\ufeff \t\r\n"), path.suffix.lower())


def decode_text(data: bytes, final: bool = True) -> str | None:
    """Decode document text: BOM first, then strict UTF-8, then CP949 if the result reads as Korean text.

    None when the bytes are not text: undecodable, NUL bytes (outside UTF-16) or too many control characters.
    With `final=False` a multibyte sequence cut at the end of a sample is not an error.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", final)
    if b"\x00" in data:
        return None
    text = _decode(data[3:] if data.startswith(codecs.BOM_UTF8) else data, "utf-8", final)
    if text is None:
        text = _decode(data, "cp949", final)
        # CP949 decodes much binary junk without error; real Korean text is mostly Hangul and ASCII.
        if text is not None and _korean_ratio(text) < 0.8:
            return None
    if text is None or len(_CONTROLS.findall(text)) > max(1, len(text) // 100):
        return None
    return text


def hwp5_container(path: Path) -> tuple[bytes, frozenset[str]]:
    """The 256-byte FileHeader and the stream paths ("BodyText/Section0", "ViewText/…") of an HWP 5 file."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = frozenset("/".join(parts) for parts in ole.listdir(streams=True, storages=False))
            if "FileHeader" not in streams:
                raise RejectedFile("unsupported", "OLE2 compound file that is not an HWP document")
            header = ole.openstream("FileHeader").read(256)
    except RejectedFile:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError … on damaged containers
        raise RejectedFile(
            "corrupt", f"unreadable OLE2 container: {type(exc).__name__}: {exc}"[:300]
        ) from exc
    if not header.startswith(_HWP_SIGNATURE):
        raise RejectedFile("unsupported", "OLE2 compound file that is not an HWP document")
    return header, streams


def _decode(data: bytes, encoding: str, final: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=final)
    except UnicodeDecodeError:
        return None


def _korean_ratio(text: str) -> float:
    good = sum(1 for ch in text if ch.isascii() or "\uac00" <= ch <= "\ud7a3" or ch in "\u3000\u00b7")
    return good / max(1, len(text))


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            mimetype = b""
            if "mimetype" in names and zf.getinfo("mimetype").file_size <= 200:
                mimetype = zf.read("mimetype").strip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise RejectedFile("corrupt", f"damaged ZIP package: {exc}"[:300]) from exc
    if mimetype == b"application/hwp+zip" or any(_SECTION.match(n) for n in names):
        return "hwpx"
    if "word/document.xml" in names:
        return "docx"
    raise RejectedFile(
        "unsupported", f"ZIP package that is neither HWPX nor DOCX ({mimetype.decode(errors='replace')})"
    )


def _text_kind(head: str, ext: str) -> str:
    if head.startswith("<"):
        match = _XML_PROLOG.match(head) or _DOCTYPE_NAME.match(head)
        root = match.group(1) if match else ""
        if root.upper() == "HWPML":
            return "hwpml"
        if root.lower() == "html" or _HTML_HINT.search(head[:4096]) or ext in _HTML_EXTS:
            return "html"
        if head.startswith("<?xml"):
            raise RejectedFile("unsupported", f"XML document with root <{root}>")
    if ext in _HTML_EXTS and _HTML_HINT.search(head[:4096]):
        return "html"
    if ext in _MARKDOWN_EXTS or re.match(r"---[ \t]*\r?\n", head) or _MD_HINT.search(head):
        return "markdown"
    return "text"


_DOCTYPE = re.compile(
    r"<!DOCTYPE\s+[\w.:-]+(?:\s+(?:SYSTEM|PUBLIC)(?:\s*(?:\"[^\"]*\"|'[^']*'))+)?\s*(?:\[(.*?)\])?\s*>", re.S
)
_DECL = re.compile(r"<!(ENTITY|ELEMENT|ATTLIST|NOTATION)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)
_ENTITY = re.compile(r"<!ENTITY\s+([\w.:-]+)\s+(\"[^\"]*\"|'[^']*')\s*>", re.S)
_CHAR_REF = re.compile(r"&#(?:\d{1,7}|x[0-9a-fA-F]{1,6});")
_XML_ENCODING = re.compile(rb"^<\?xml[^>]*encoding=[\"']([\w.-]+)[\"']")


def parse_xml(data: bytes) -> Element:
    """Parse untrusted XML: no entity expansion beyond character entities, no external references."""
    match = _XML_ENCODING.match(data.lstrip(b"\xef\xbb\xbf"))
    try:
        text = data.decode(match.group(1).decode()) if match else None
    except (LookupError, UnicodeDecodeError):
        text = None
    text = text if text is not None else decode_text(data)
    if text is None:
        raise RejectedFile("corrupt", "XML that is not decodable text")
    text = text.lstrip("\ufeff")
    root_at = re.search(r"<[A-Za-z_]", text)
    doctype = _DOCTYPE.search(text, 0, root_at.start() if root_at else len(text))
    if doctype is None and "<!DOCTYPE" in text[: root_at.start() if root_at else None]:
        raise RejectedFile("corrupt", "malformed DOCTYPE")
    if doctype is not None:
        entities = _entities(doctype.group(1) or "")
        text = text[: doctype.start()] + text[doctype.end() :]
        if entities:
            text = re.sub(r"&([\w.:-]+);", lambda m: entities.get(m.group(1), m.group(0)), text)
    try:
        root: Element = SafeET.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise RejectedFile("unsupported", f"XML with a forbidden construct: {exc}"[:300]) from exc
    except SafeET.ParseError as exc:
        raise RejectedFile("corrupt", f"malformed XML: {exc}"[:300]) from exc
    return root


def _entities(subset: str) -> dict[str, str]:
    entities: dict[str, str] = {}
    for decl in _DECL.finditer(subset):
        if decl.group(1) != "ENTITY":
            continue
        if re.match(r"<!ENTITY\s+%", decl.group(0)) or re.search(r"\s(SYSTEM|PUBLIC)\s", decl.group(0)):
            raise RejectedFile("unsupported", "XML with an external or parameter entity")
        match = _ENTITY.match(decl.group(0))
        if match is None:
            raise RejectedFile("corrupt", "malformed entity declaration")
        value = match.group(2)[1:-1]
        if "&" in _CHAR_REF.sub("", value) or "<" in value or len(value) > 16:
            raise RejectedFile("bomb", f"XML entity {match.group(1)!r} expands to markup or other entities")
        entities[match.group(1)] = value
    return entities


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a ZIP package after checking its central directory for decompression bombs."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise RejectedFile("corrupt", f"damaged ZIP package: {exc}"[:300]) from exc
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    worst = max(
        (i.file_size / max(1, i.compress_size) for i in infos if i.file_size > 1024 * 1024), default=0.0
    )
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_ZIP_TOTAL or worst > MAX_ZIP_RATIO:
        zf.close()
        raise RejectedFile("bomb", f"ZIP of {len(infos)} entries, {total} bytes unpacked, ratio {worst:.0f}")
    return zf


def read_entry(zf: zipfile.ZipFile, name: str, limit: int = MAX_XML_ENTRY) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise RejectedFile("bomb", f"{name} unpacks to {info.file_size} bytes")
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # zlib.error is an Exception subclass
        raise RejectedFile("corrupt", f"damaged ZIP entry {name}: {exc}"[:300]) from exc
