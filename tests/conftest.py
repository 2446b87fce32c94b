"""Shared fixtures: the network guard, paths to ../shared, and models loaded once per session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures" / "real"
CORPUS = ROOT / "corpus"
NETGUARD = Path(__file__).resolve().parent / "netguard"

# The guard goes into this process now and into every Python subprocess through PYTHONPATH.
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD), os.environ.get("PYTHONPATH")) if p)
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(NETGUARD))
import sitecustomize  # noqa: E402,F401  (installs the guard in this process)


def shared_fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"../shared/fixtures/real/{name} is absent (the real-document fixtures live outside the repo)")
    return path


@pytest.fixture(scope="session")
def embedder() -> object:
    from assistant.embed import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def morphs() -> object:
    from assistant.morphs import Morphs

    return Morphs()


@pytest.fixture
def make_index(tmp_path: Path, embedder: object, morphs: object) -> Iterator[object]:
    """Build Index objects over a data dir in tmp_path, sharing the session's models."""
    from assistant.catalog import Catalog
    from assistant.chunking import Chunker
    from assistant.index import Index
    from assistant.parsing import parse_file
    from assistant.store import VectorStore

    def make(data_dir: Path | None = None, catalog: Catalog | None = None) -> Index:
        data = data_dir or tmp_path / "data"
        return Index(
            catalog=catalog or Catalog(data / "catalog.sqlite3"),
            store=VectorStore(data / "chroma"),
            embedder=embedder,  # type: ignore[arg-type]
            morphs=morphs,  # type: ignore[arg-type]
            chunker=Chunker(),
            parse=parse_file,
        )

    yield make
