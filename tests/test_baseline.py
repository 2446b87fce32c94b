"""The LangChain recipe's retrieval for the side-by-side baseline, over the real corpus index."""

from __future__ import annotations

import pytest

from assistant.baseline import CHUNK_CHARS, LangChainRetriever
from assistant.index import Index


@pytest.fixture(scope="module")
def retriever(corpus_index: Index, tmp_path_factory: pytest.TempPathFactory) -> LangChainRetriever:
    return LangChainRetriever(corpus_index, tmp_path_factory.mktemp("baseline"))


def test_pages_are_split_into_1000_character_chunks(retriever: LangChainRetriever, corpus_index: Index) -> None:
    hits = retriever.search("접수 마감은 언제인가요?", k=5)
    assert len(hits) == 5
    assert all(len(h.chunk.text) <= CHUNK_CHARS for h in hits)
    ours = sum(1 for _ in corpus_index.catalog.chunks())
    assert 0 < retriever.size < ours  # fewer, longer chunks than ours
    assert any("3. 18" in h.chunk.text for h in hits)


def test_a_second_open_reuses_the_stored_vectors(retriever: LangChainRetriever, corpus_index: Index) -> None:
    folder = retriever.folder
    stamp = (folder / "generation.json").stat().st_mtime_ns
    again = LangChainRetriever(corpus_index, folder)
    assert (folder / "generation.json").stat().st_mtime_ns == stamp
    question = "사업화자금 최대 금액"
    assert again.search(question, k=1)[0].chunk.id == retriever.search(question, k=1)[0].chunk.id
