"""The one place that wires the parts from settings. No module-level singletons elsewhere."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from assistant.catalog import Catalog
from assistant.chunking import Chunker
from assistant.embed import Embedder
from assistant.errors import ModelMissing
from assistant.index import Index
from assistant.morphs import Morphs
from assistant.parsing import parse_file
from assistant.settings import Settings
from assistant.shared_catalog import SharedCatalog
from assistant.store import VectorStore

if TYPE_CHECKING:
    from assistant.answering import Assistant
    from assistant.llm import ChatModel


def build_assistant(settings: Settings, index: Index | None = None) -> Assistant:
    """The answer pipeline over `index` (default: the one in settings.data_dir) with the model loaded once."""
    from assistant.answering import Assistant, Options
    from assistant.prompts import Prompts

    prompts = Prompts.load(settings.prompts_dir)
    llm = build_llm(settings)
    options = Options(evidence_tokens=settings.evidence_tokens, answer_tokens=settings.answer_tokens)
    return Assistant(index or build_index(settings), llm, prompts, options)


def build_llm(settings: Settings) -> ChatModel:
    """The in-process model, or the model servers of ASSISTANT_LLM_URL (tokenizer read from the local GGUF)."""
    from assistant.llm import ChatTokenizer, LocalLLM
    from assistant.model_files import resolve_model

    if not settings.llm_url:
        return LocalLLM(resolve_model(settings.model), n_ctx=settings.n_ctx, n_threads=settings.llm_threads)
    from assistant.llm_remote import RemoteLLM

    try:
        tokenizer: ChatTokenizer | None = ChatTokenizer.of_file(resolve_model(settings.model))
    except ModelMissing:
        tokenizer = None  # counted by a safe estimate instead (llm_remote.py)
    urls = [u.strip() for u in settings.llm_url.split(",") if u.strip()]
    return RemoteLLM(urls, n_ctx=settings.n_ctx, tokenizer=tokenizer, timeout_s=settings.llm_timeout_s)


def build_index(settings: Settings) -> Index:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    parse = partial(
        parse_file,
        timeout_s=settings.parse_timeout_s,
        max_memory_mb=settings.parse_memory_mb,
        max_bytes=settings.max_file_mb * 1024 * 1024,
    )
    if settings.chroma_url:
        store = VectorStore(url=settings.chroma_url, token=settings.chroma_token)
        catalog: Catalog = SharedCatalog(store)
    else:
        # The catalog first: it refuses an index of a newer release, or backs the whole index up before migrating
        # it, before Chroma opens (and perhaps migrates) its own files.
        catalog = Catalog(settings.catalog_path, backup_with=[settings.chroma_dir])
        store = VectorStore(settings.chroma_dir)
    return Index(
        catalog=catalog,
        store=store,
        embedder=Embedder(settings.embed_threads),
        morphs=Morphs(),
        chunker=Chunker(settings.chunk_tokens, settings.chunk_overlap_tokens),
        parse=parse,
        candidate_k=settings.candidate_k,
        rrf_k=settings.rrf_k,
    )
