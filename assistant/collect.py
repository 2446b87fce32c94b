"""Expand the paths given to `assistant ingest` into files: folders recursively, in a stable order.

Skipped: hidden files and folders, and what a folder's `.assistantignore` lists (one glob per line,
relative to that folder; a trailing "/" names a folder) — e.g. the corpus's Markdown sources of its PDF.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from pathlib import Path

IGNORE_FILE = ".assistantignore"


def collect(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to ingest; a path that does not exist is yielded as is, so the caller can report it."""
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(folder: Path) -> Iterator[Path]:
    patterns = _patterns(folder / IGNORE_FILE)
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or _ignored(entry, patterns):
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def _patterns(path: Path) -> list[str]:
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _ignored(entry: Path, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            if entry.is_dir() and fnmatch.fnmatch(entry.name, pattern.rstrip("/")):
                return True
        elif fnmatch.fnmatch(entry.name, pattern):
            return True
    return False
