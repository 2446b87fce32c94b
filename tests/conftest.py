"""Shared fixtures: the network guard, paths to ../shared, and models loaded once per session."""

from __future__ import annotations

import os
import sys
import time
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


@pytest.fixture(scope="session")
def model_path() -> Path:
    from assistant import model_files

    started = time.perf_counter()
    path = model_files.resolve_model(None)
    print(f"\n[model] resolve_model: {time.perf_counter() - started:.2f} s -> {path}")
    return path


@pytest.fixture(scope="session")
def llm(model_path: Path) -> object:
    """The one model of the test session (DESIGN.md: one Llama per process)."""
    from assistant.llm import LocalLLM

    model = LocalLLM(model_path)
    print(f"\n[model] load: {model.load_ms:.0f} ms, n_ctx {model.n_ctx}")
    return model


def build_session_index(data: Path, embedder: object, morphs: object, sources: list[Path]) -> object:
    from assistant.catalog import Catalog
    from assistant.chunking import Chunker
    from assistant.index import Index
    from assistant.parsing import parse_file
    from assistant.store import VectorStore

    index = Index(
        catalog=Catalog(data / "catalog.sqlite3"),
        store=VectorStore(data / "chroma"),
        embedder=embedder,  # type: ignore[arg-type]
        morphs=morphs,  # type: ignore[arg-type]
        chunker=Chunker(),
        parse=parse_file,
    )
    for path in sources:
        index.ingest(path)
    return index


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, embedder: object, morphs: object) -> object:
    """The bundled corpus, indexed once per session (read-only for the tests that share it)."""
    from assistant.collect import collect

    return build_session_index(tmp_path_factory.mktemp("corpus-index"), embedder, morphs, list(collect([CORPUS])))


@pytest.fixture(scope="session")
def assistant(corpus_index: object, llm: object) -> object:
    from assistant.answering import Assistant
    from assistant.prompts import Prompts

    bot = Assistant(corpus_index, llm, Prompts.load(ROOT / "prompts"))  # type: ignore[arg-type]
    bot.warm()
    return bot
