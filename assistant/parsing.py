"""Parse any supported file into a ParsedDocument: sniff the format, pick the parser, run it in a sandbox.

In scope: size checks before anything is read ("empty", "too_large"); the format from `sniff` (content, not
extension); one parser per format; any unexpected parser exception turned into RejectedFile("corrupt"); an empty
result turned into "no_text". `parse_file` runs all of that in a child process with an address-space limit
(RLIMIT_AS) and a wall-clock timeout, so a decompression bomb, a pathological file or a C-level crash costs one
rejected file, never the ingesting process. `parse_file_inline` runs the same steps in-process, for debugging.
Out of scope: retries, caching of results (the index skips unchanged files by hash), parallel parsing.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import resource
import signal
from collections.abc import Callable
from functools import cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import cast

from assistant.errors import RejectedFile, RejectReason
from assistant.sniff import sniff
from assistant.types import ParsedDocument

Parser = Callable[[Path], ParsedDocument]

MAX_BYTES = 50 * 1024 * 1024
# Parser modules are imported on first use: the CLI and web app never load pdfplumber themselves; the
# forkserver preloads them once so each parse forks a warm process.
_PARSERS: dict[str, tuple[str, str]] = {
    "pdf": ("assistant.parse_pdf", "parse"),
    "hwp": ("assistant.parse_hwp", "parse_hwp"),
    "hwpx": ("assistant.parse_hwp", "parse_hwpx"),
    "hwpml": ("assistant.parse_markup", "parse_hwpml"),
    "docx": ("assistant.parse_markup", "parse_docx"),
    "html": ("assistant.parse_markup", "parse_html"),
    "markdown": ("assistant.parse_text", "parse_markdown"),
    "text": ("assistant.parse_text", "parse_plain"),
}
FORMATS = tuple(_PARSERS)
# Libraries that log a warning per damaged object; in the child their chatter would flood the ingest output.
_NOISY_LOGGERS = ("pypdf", "pdfminer", "pdfplumber", "olefile", "hwp_hwpx_parser", "bs4")


def parse_file(
    path: Path, *, timeout_s: float = 60, max_memory_mb: int = 1536, max_bytes: int = MAX_BYTES
) -> ParsedDocument:
    """Parse `path` in a sandboxed child process; raise RejectedFile with a stable reason on any failure."""
    check_size(path, max_bytes)
    return run_sandboxed(parse_file_inline, path, timeout_s=timeout_s, max_memory_mb=max_memory_mb)


def parse_file_inline(path: Path, *, max_bytes: int = MAX_BYTES) -> ParsedDocument:
    """The same steps as `parse_file`, in this process and without limits: for debugging and tests."""
    check_size(path, max_bytes)
    try:
        fmt = sniff(path)
        module, name = _PARSERS[fmt]
        parser = cast(Parser, getattr(importlib.import_module(module), name))
        doc = parser(path)
    except RejectedFile:
        raise
    except MemoryError as exc:
        raise RejectedFile("out_of_memory", "the parser ran out of memory") from exc
    except OSError as exc:
        raise RejectedFile("unreadable", f"{type(exc).__name__}: {exc}"[:300]) from exc
    except Exception as exc:  # a parser library choking on a malformed file is a corrupt file, not our crash
        raise RejectedFile("corrupt", f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not any(block.text.strip() for block in doc.blocks):
        raise RejectedFile(
            "no_text", f"no extractable text in this {fmt} file (a scan or an empty document?)"
        )
    return doc


def check_size(path: Path, max_bytes: int) -> None:
    try:
        stat = path.stat()
    except OSError as exc:
        raise RejectedFile("unreadable", f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not path.is_file():
        raise RejectedFile("unreadable", "not a regular file")
    if stat.st_size == 0:
        raise RejectedFile("empty", "the file is empty")
    if stat.st_size > max_bytes:
        raise RejectedFile("too_large", f"{stat.st_size} bytes; the limit is {max_bytes}")


def run_sandboxed(parser: Parser, path: Path, *, timeout_s: float, max_memory_mb: int) -> ParsedDocument:
    """Run `parser(path)` in a forkserver child with an address-space limit and a wall-clock timeout.

    `parser` must be a module-level function (it is pickled by name). The result comes back pickled
    through a pipe; the child is killed when the timeout passes.
    """
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(parser, str(path), max_memory_mb, timeout_s, sender),
        name="assistant-parse",
        daemon=True,
    )
    process.start()
    sender.close()  # the child holds the only writer: EOF on the pipe now means the child is gone
    message: object = None
    try:
        ready = receiver.poll(timeout_s)
        if ready:
            message = receiver.recv()
    except EOFError:
        pass  # the child died without a word; its exit code says why
    finally:
        receiver.close()
        if process.is_alive() and message is None:
            process.kill()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if message is None:
        if not ready:
            raise RejectedFile("timeout", f"parsing took longer than {timeout_s:g} s")
        reason, detail = _exit_reason(process.exitcode)
        raise RejectedFile(reason, detail)
    kind, payload = cast(tuple[str, object], message)
    if kind == "ok":
        return cast(ParsedDocument, payload)
    reason, detail = cast(tuple[RejectReason, str], payload)
    raise RejectedFile(reason, detail)


@cache
def _context() -> ForkServerContext:
    # A forkserver, not fork: the parent runs threads (Chroma, ONNX Runtime, the web server) and forking a
    # threaded process can deadlock the child. The forkserver is a fresh single-threaded interpreter, started
    # once per process by multiprocessing itself, which is why this is cached rather than built by the factory.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *sorted({module for module, _ in _PARSERS.values()})])
    return context


def _child(parser: Parser, path: str, max_memory_mb: int, timeout_s: float, conn: Connection) -> None:
    limit = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # A CPU-time limit as well: if the parent dies, the orphan still stops.
    cpu = int(timeout_s) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    message: tuple[str, object]
    try:
        message = ("ok", parser(Path(path)))
    except RejectedFile as exc:
        # Sent as plain values: an exception with a custom __init__ does not survive pickling intact.
        message = ("rejected", (exc.reason, exc.detail))
    except MemoryError:
        message = ("rejected", ("out_of_memory", f"more than {max_memory_mb} MB of memory needed"))
    except Exception as exc:  # same rule as parse_file_inline, for parsers other than it
        message = ("rejected", ("corrupt", f"{type(exc).__name__}: {exc}"[:300]))
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("rejected", ("out_of_memory", "the parsed result is too large to send back")))
    finally:
        conn.close()


def _exit_reason(exitcode: int | None) -> tuple[RejectReason, str]:
    if exitcode is not None and exitcode < 0 and -exitcode in (signal.SIGKILL, signal.SIGABRT):
        # SIGKILL comes from the kernel's OOM killer; SIGABRT from a C library whose allocation failed.
        return "out_of_memory", f"the parser process was killed by signal {-exitcode}"
    if exitcode == -signal.SIGXCPU:
        return "timeout", "the parser process used up its CPU-time limit"
    return "corrupt", f"the parser process crashed (exit code {exitcode})"
