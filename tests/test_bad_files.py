"""Bad input is rejected with a stable reason, never crashes or hangs the caller, and never leaks local files."""

from __future__ import annotations

import ctypes
import random
import re
import shutil
import struct
import tempfile
import time
import zipfile
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import RejectedFile, RejectReason
from assistant.parse_text import MAX_BLOCK_CHARS
from assistant.parsing import parse_file, parse_file_inline, run_sandboxed
from assistant.types import Block, ParsedDocument
from tests.conftest import shared_fixture
from tests.test_parsing import (
    DEEPTECH_PDF,
    GUIDELINE_HWP,
    hwpml_para,
    hwpx_para,
    make_docx,
    make_hwpml,
    make_hwpx,
    make_pdf,
)

REASONS = set(get_args(RejectReason))
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BILLION_LAUGHS = (
    '<!DOCTYPE HWPML [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
XXE = '<!DOCTYPE HWPML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_PARAMETER = '<!DOCTYPE HWPML [<!ENTITY % dtd SYSTEM "file:///etc/passwd"> %dtd;]>'


def reason_of(path: Path, **limits: float) -> str:
    with pytest.raises(RejectedFile) as info:
        parse_file(path, **limits)  # type: ignore[arg-type]
    assert info.value.reason in REASONS
    return info.value.reason


def zeros_entry(zf: zipfile.ZipFile, name: str, megabytes: int = 200) -> None:
    """A highly compressible entry: 200 MB of zeros deflate to ~200 KB."""
    chunk = b"\0" * (1 << 20)
    with zf.open(name, "w", force_zip64=True) as f:
        for _ in range(megabytes):
            f.write(chunk)


# ---- size, emptiness, encryption, truncation ----------------------------------------------------


def test_empty_missing_and_oversize_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.touch()
    assert reason_of(empty) == "empty"
    with pytest.raises(RejectedFile, match="empty"):
        parse_file_inline(empty)
    assert reason_of(tmp_path / "missing.hwp") == "unreadable"
    big = tmp_path / "notice.md"
    big.write_text("# 공고\n" + "본문 " * 100, encoding="utf-8")
    assert reason_of(big, max_bytes=10) == "too_large"


def test_truncated_and_garbled_pdfs(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "ok.pdf", [(["잘린 파일"], None)]).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    assert reason_of(truncated) == "truncated"
    garbled = tmp_path / "garbled.pdf"
    garbled.write_bytes(b"%PDF-1.7\n" + random.Random(1).randbytes(5000) + b"\n%%EOF\n")
    assert reason_of(garbled) == "corrupt"


def test_password_protected_pdf(tmp_path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=make_pdf(tmp_path / "plain.pdf", [(["비밀 문서"], None)]))
    writer.encrypt(user_password="secret", algorithm="AES-256")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    assert reason_of(locked) == "encrypted"


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    scan = tmp_path / "scan.pdf"
    with scan.open("wb") as f:
        writer.write(f)
    assert reason_of(scan) == "no_text"


def test_pdf_flate_bomb(tmp_path: Path) -> None:
    import pypdf
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = DecodedStreamObject()
    stream.set_data(b" " * (40 * 1024 * 1024))  # 40 MB of spaces deflate to ~40 KB
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    bomb = tmp_path / "bomb.pdf"
    with bomb.open("wb") as f:
        writer.write(f)
    assert bomb.stat().st_size < 1024 * 1024
    assert reason_of(bomb) == "bomb"


def _xref_update(trailer: bytes, prev: int, startxref: int | None) -> bytes:
    """An incremental-update xref section with no entries whose trailer points back at `prev`."""
    tail = b"" if startxref is None else b"startxref\n%d\n%%%%EOF\n" % startxref
    return b"xref\n0 0\ntrailer\n<< " + trailer + b" /Prev %010d >>\n" % prev + tail


@pytest.mark.parametrize("loop", ["self", "pair"])
def test_pdf_with_a_circular_prev_chain(tmp_path: Path, loop: str) -> None:
    """An xref chain whose /Prev points back at itself (or at a section pointing back) must not loop forever:
    the file parses from the sections it has, or is rejected, within a bounded time."""

    base = make_pdf(tmp_path / "base.pdf", [(["순환 참조 문서 본문"], None)]).read_bytes()
    trailer = b"/Size " + re.findall(rb"/Size (\d+)", base)[-1] + b" /Root " + re.findall(rb"/Root (\d+ \d+ R)", base)[-1]
    first = len(base)
    if loop == "self":
        data = base + _xref_update(trailer, first, first)
    else:
        second = first + len(_xref_update(trailer, 0, None))
        data = base + _xref_update(trailer, second, None) + _xref_update(trailer, first, second)
    path = tmp_path / f"circular-{loop}.pdf"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        doc = parse_file(path, timeout_s=30)
    except RejectedFile as exc:
        assert exc.reason in REASONS and exc.reason != "timeout"
    else:
        assert "순환 참조 문서 본문" in doc.text
    assert time.monotonic() - started < 25  # a hang guard: the sandbox would report "timeout" at 30 s


@pytest.mark.parametrize("unit", ["협약기업은 사업비를 전용계좌로 집행한다. ", "가", "a"])
def test_ten_megabyte_single_line_markdown(tmp_path: Path, unit: str) -> None:
    """10 MB on one line (with spaces, Hangul without spaces, ASCII without spaces) is cut into bounded blocks."""
    raw = unit.encode()
    path = tmp_path / "one-line.md"
    path.write_bytes(raw * (10 * 1024 * 1024 // len(raw) + 1))
    assert path.stat().st_size > 10 * 1024 * 1024 and path.read_bytes().count(b"\n") == 0
    doc = parse_file(path, timeout_s=60)
    assert len(doc.blocks) > 100 and max(len(b.text) for b in doc.blocks) <= MAX_BLOCK_CHARS
    assert unit.strip()[:5] in doc.blocks[-1].text


# ---- HWP ----------------------------------------------------------------------------------------


def test_corrupt_hwp(tmp_path: Path) -> None:
    path = tmp_path / "broken.hwp"
    path.write_bytes(OLE_MAGIC + random.Random(2).randbytes(20_000))
    assert reason_of(path) == "corrupt"


@pytest.mark.parametrize(("bit", "reason"), [(0x04, "distribution_protected"), (0x02, "encrypted")])
def test_hwp_header_flags(tmp_path: Path, bit: int, reason: str) -> None:
    import olefile

    path = tmp_path / "flagged.hwp"
    shutil.copyfile(shared_fixture(GUIDELINE_HWP), path)
    path.chmod(0o644)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        header = bytearray(ole.openstream("FileHeader").read())
        flags = struct.unpack_from("<I", header, 36)[0]
        struct.pack_into("<I", header, 36, flags | bit)
        ole.write_stream("FileHeader", bytes(header))
    assert reason_of(path) == reason


def test_encrypted_hwpx(tmp_path: Path) -> None:
    manifest = b'<?xml version="1.0"?><odf:manifest xmlns:odf="x"><odf:encryption-data/></odf:manifest>'
    path = make_hwpx(tmp_path / "locked.hwpx", hwpx_para("본문"), extra={"META-INF/manifest.xml": manifest})
    assert reason_of(path) == "encrypted"


# ---- ZIP and XML bombs, external entities -------------------------------------------------------


def test_zip_bomb_hwpx_and_docx(tmp_path: Path) -> None:
    hwpx = tmp_path / "bomb.hwpx"
    with zipfile.ZipFile(hwpx, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/hwp+zip")
        zeros_entry(zf, "Contents/section0.xml")
    docx = tmp_path / "bomb.docx"
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        zeros_entry(zf, "word/media/image1.png")
    for path in (hwpx, docx):
        assert path.stat().st_size < 1024 * 1024
        assert reason_of(path) == "bomb"


def test_billion_laughs_is_rejected_quickly(tmp_path: Path) -> None:
    hwpml = make_hwpml(tmp_path / "laughs.hwp", hwpml_para("&lol9;"), BILLION_LAUGHS + "\n")
    docx = tmp_path / "laughs.docx"
    with zipfile.ZipFile(docx, "w") as zf:
        laughs = BILLION_LAUGHS.replace("HWPML", "w:document")
        zf.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?>{laughs}<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>',
        )
    hwpx = make_hwpx(tmp_path / "laughs.hwpx", "")
    with zipfile.ZipFile(hwpx, "a") as zf:
        zf.writestr(
            "Contents/section1.xml",
            f'<?xml version="1.0"?>{BILLION_LAUGHS.replace("HWPML", "hs:sec")}<hs:sec xmlns:hs="x">&lol9;</hs:sec>',
        )
    for path in (hwpml, docx, hwpx):
        started = time.monotonic()
        assert reason_of(path, timeout_s=20) == "bomb"
        assert (
            time.monotonic() - started < 15
        )  # a hang guard, not a speed claim: expansion would take minutes


@pytest.mark.parametrize("doctype", [XXE, XXE_PARAMETER, '<!DOCTYPE HWPML SYSTEM "file:///etc/passwd">'])
def test_external_entities_never_read_local_files(tmp_path: Path, doctype: str) -> None:
    files = [make_hwpml(tmp_path / "xxe.hwp", hwpml_para("규정 &xxe; 끝"), doctype + "\n")]
    files.append(tmp_path / "xxe.docx")
    with zipfile.ZipFile(files[-1], "w") as zf:
        zf.writestr(
            "word/document.xml",
            f'{doctype.replace("HWPML", "w:document")}<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>',
        )
    files.append(make_hwpx(tmp_path / "xxe.hwpx", ""))
    with zipfile.ZipFile(files[-1], "a") as zf:
        zf.writestr(
            "Contents/section1.xml",
            f'{doctype.replace("HWPML", "hs:sec")}<hs:sec xmlns:hs="x"><hs:p><hs:t>&xxe;</hs:t></hs:p></hs:sec>',
        )
    for path in files:
        try:
            doc = parse_file(path)
        except RejectedFile as exc:
            assert exc.reason in REASONS and "root:" not in exc.detail
        else:
            assert "root:" not in doc.text and "/bin/" not in doc.text


# ---- junk and fuzz ------------------------------------------------------------------------------


def test_binary_junk_named_markdown(tmp_path: Path) -> None:
    junk = tmp_path / "notes.md"
    junk.write_bytes(random.Random(3).randbytes(4096))
    assert reason_of(junk) == "unsupported"
    controls = tmp_path / "controls.md"
    controls.write_bytes(bytes(range(1, 32)) * 200)  # no NUL byte, but control characters throughout
    assert reason_of(controls) == "unsupported"


def test_a_parser_exception_becomes_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><unclosed>")
    assert reason_of(path) == "corrupt"


_EXTENSIONS = [".pdf", ".hwp", ".hwpx", ".docx", ".html", ".md", ".txt", ".xml", ""]
_PREFIXES = [
    b"",
    b"%PDF-1.7\n",
    OLE_MAGIC,
    b"PK\x03\x04",
    b'<?xml version="1.0"?><HWPML>',
    b"<html><body>",
    b"---\n",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ext=st.sampled_from(_EXTENSIONS),
    prefix=st.sampled_from(_PREFIXES),
    body=st.binary(min_size=0, max_size=3000),
)
def test_random_bytes_under_every_extension(ext: str, prefix: bytes, body: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"random{ext}"
        path.write_bytes(prefix + body)
        try:
            doc = parse_file(path, timeout_s=20)
        except RejectedFile as exc:
            assert exc.reason in REASONS
        else:
            assert isinstance(doc, ParsedDocument) and doc.text.strip()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    tmp = tmp_path_factory.mktemp("seeds")
    return [
        (".pdf", make_pdf(tmp / "s.pdf", [(["씨앗 문서"], [["가", "나"], ["1", "2"]])]).read_bytes()),
        (".docx", make_docx(tmp / "s.docx", "<w:p><w:r><w:t>씨앗</w:t></w:r></w:p>").read_bytes()),
        (".hwpx", make_hwpx(tmp / "s.hwpx", hwpx_para("씨앗")).read_bytes()),
        (".hwp", make_hwpml(tmp / "s.hwp", hwpml_para("씨앗")).read_bytes()),
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_real_structures(seeds: list[tuple[str, bytes]], data: st.DataObject) -> None:
    ext, seed = data.draw(st.sampled_from(seeds))
    damaged = bytearray(seed[: data.draw(st.integers(len(seed) // 2, len(seed)))])
    for _ in range(data.draw(st.integers(1, 20))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"damaged{ext}"
        path.write_bytes(bytes(damaged))
        try:
            parse_file(path, timeout_s=20)
        except RejectedFile as exc:
            assert exc.reason in REASONS


# ---- the sandbox --------------------------------------------------------------------------------


def spin(path: Path) -> ParsedDocument:
    while True:
        pass


def hog(path: Path) -> ParsedDocument:
    hoard = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GB
    return ParsedDocument("text", [Block(str(len(hoard)))])


def segfault(path: Path) -> ParsedDocument:
    ctypes.string_at(0)
    return ParsedDocument("text", [])


def test_sandbox_kills_an_endless_parser(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("본문", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(RejectedFile) as info:
        run_sandboxed(spin, path, timeout_s=0.5, max_memory_mb=512)
    assert info.value.reason == "timeout"
    assert time.monotonic() - started < 10


def test_sandbox_limits_memory_and_survives_crashes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("본문", encoding="utf-8")
    with pytest.raises(RejectedFile) as info:
        run_sandboxed(hog, path, timeout_s=30, max_memory_mb=512)
    assert info.value.reason == "out_of_memory"
    with pytest.raises(RejectedFile) as info:
        run_sandboxed(segfault, path, timeout_s=30, max_memory_mb=512)
    assert info.value.reason == "corrupt"
    assert parse_file(path).text == "본문"  # the caller and the forkserver are unharmed


def test_slow_real_file_times_out() -> None:
    assert reason_of(shared_fixture(DEEPTECH_PDF), timeout_s=0.5) == "timeout"
