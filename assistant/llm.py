"""The local LLM: one llama.cpp model per process, every call serialized, the system-prompt KV prefix kept warm.

In scope: loading a GGUF (path from model_files.resolve_model), rendering chat messages with the model's own chat
template, counting tokens with the model's own tokenizer, refusing prompts that would not fit (ContextTooLong)
before llama.cpp does, streamed and whole completions, and timing stats of the last call; the tokenizer and chat
template alone (`ChatTokenizer`) for a process that generates on a server. Out of scope: choosing or filling
prompts (prompts/ and the answer pipeline), retrieval, talking to an HTTP llama.cpp server (llm_remote.py).
This is the only module that imports llama_cpp.

Prefix caching: llama-cpp-python keeps the tokens of the previous evaluation and, when a new prompt starts with the
same tokens, evaluates only the rest. We render and tokenize the prompt ourselves and pass token ids, so the ids we
count are exactly the ids evaluated, and a fixed system prompt renders to the same leading ids on every call.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import llama_cpp
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from assistant.errors import ContextTooLong, ModelMissing

Message = dict[str, str]


@dataclass(frozen=True)
class CallStats:
    """Timings of one call into the model, from llama.cpp's own perf counters plus wall clock.

    `cached_tokens` of the prompt came from the KV prefix of the previous call and cost nothing;
    `generated_tokens` counts the tokens decoded one at a time after the prompt.
    """

    prompt_tokens: int
    cached_tokens: int
    prompt_ms: float
    generated_tokens: int
    decode_ms: float
    first_token_ms: float
    total_ms: float

    @property
    def prompt_tok_per_s(self) -> float:
        evaluated = self.prompt_tokens - self.cached_tokens
        return evaluated / self.prompt_ms * 1000 if self.prompt_ms > 0 else 0.0

    @property
    def decode_tok_per_s(self) -> float:
        return self.generated_tokens / self.decode_ms * 1000 if self.decode_ms > 0 else 0.0


class ChatModel(Protocol):
    """What the answer pipeline needs of a model: LocalLLM here, RemoteLLM (llm_remote.py) over HTTP."""

    model_name: str
    n_ctx: int

    @property
    def last_stats(self) -> CallStats | None: ...

    def count_tokens(self, text: str) -> int: ...

    def budget(self, messages: Sequence[Message]) -> int: ...

    def stream_chat(
        self, messages: Sequence[Message], max_tokens: int, temperature: float = 0.0, stop: list[str] | None = None
    ) -> Iterator[str]: ...

    def complete_chat(
        self, messages: Sequence[Message], max_tokens: int, temperature: float = 0.0, stop: list[str] | None = None
    ) -> str: ...

    def warm(self, system_prompt: str) -> None: ...


class ChatTokenizer:
    """The model's own tokenizer and chat template, over a loaded `Llama` (full, or `vocab_only` for a
    process whose generation runs on a server: it reads the GGUF's vocabulary in about 0.4 s and ~90 MB)."""

    def __init__(self, llama: llama_cpp.Llama, model_path: Path) -> None:
        self._llama = llama
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelMissing(f"모델 파일에 대화 템플릿(tokenizer.chat_template)이 없습니다: {model_path}")
        eos, bos = self._token_text(llama.token_eos()), self._token_text(llama.token_bos())
        self._chat = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        # Without the generation prompt, a system-only rendering is the leading part of every full rendering.
        self._prefix = Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos, add_generation_prompt=False
        )

    @classmethod
    def of_file(cls, model_path: Path) -> ChatTokenizer:
        try:
            llama = llama_cpp.Llama(model_path=str(model_path), vocab_only=True, verbose=False)
        except ValueError as exc:
            raise ModelMissing(f"모델 파일을 읽을 수 없습니다: {model_path} ({exc})") from exc
        return cls(llama, model_path)

    def _token_text(self, token: int) -> str:
        return "" if token < 0 else self._llama.detokenize([token], special=True).decode("utf-8", "replace")

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        return self._render(self._chat, messages)

    def prefix_tokens(self, system_prompt: str) -> list[int]:
        return self._render(self._prefix, [{"role": "system", "content": system_prompt}])

    def _render(self, formatter: Jinja2ChatFormatter, messages: Sequence[Message]) -> list[int]:
        rendered = formatter(messages=cast(Any, list(messages))).prompt
        # The template already writes any BOS text, so the tokenizer must not add another.
        return self._llama.tokenize(rendered.encode("utf-8"), add_bos=False, special=True)


class LocalLLM:
    """A GGUF chat model in this process. Thread-safe: one lock serializes every call that touches the context."""

    def __init__(self, model_path: Path, n_ctx: int = 4096, n_threads: int | None = None, n_batch: int = 512) -> None:
        threads = n_threads or len(os.sched_getaffinity(0))
        started = time.perf_counter()
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=n_batch,
                logits_all=False,
                verbose=False,
            )
        except ValueError as exc:  # llama_cpp raises ValueError for an unreadable or non-GGUF file
            raise ModelMissing(f"모델 파일을 읽을 수 없습니다: {model_path} ({exc})") from exc
        self.load_ms = (time.perf_counter() - started) * 1000
        self.model_name = model_path.name
        self.n_ctx = self._llama.n_ctx()
        self._tokens = ChatTokenizer(self._llama, model_path)
        self._lock = threading.Lock()
        self.last_stats: CallStats | None = None

    # Tokenizing reads only the vocabulary, not the context, so it runs outside the lock and a budget check
    # never waits for another request's generation.
    def count_tokens(self, text: str) -> int:
        """Tokens of plain text (special-token markup is counted as text) with the model's tokenizer."""
        return self._tokens.count_tokens(text)

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """Token ids of the rendered chat prompt, ending with the assistant turn's opening."""
        return self._tokens.prompt_tokens(messages)

    def budget(self, messages: Sequence[Message]) -> int:
        """Tokens left for the answer after this prompt (negative when the prompt alone overflows)."""
        return self.n_ctx - len(self.prompt_tokens(messages))

    def fits(self, messages: Sequence[Message], max_tokens: int) -> bool:
        return max_tokens <= self.budget(messages)

    def stream_chat(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> Generator[str, None, None]:
        """Text pieces of the assistant's reply. Raises ContextTooLong here, before any model call.

        The model lock is held from the first piece until the generator is exhausted or closed; a consumer that
        stops early should close it (a `for` loop left by `break` does so once the generator is dropped).
        """
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        tokens = self.prompt_tokens(messages)
        if len(tokens) + max_tokens > self.n_ctx:
            raise ContextTooLong(len(tokens), max_tokens, self.n_ctx)
        return self._generate(tokens, max_tokens, temperature, stop or [])

    def complete_chat(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> str:
        return "".join(self.stream_chat(messages, max_tokens, temperature, stop))

    def warm(self, system_prompt: str) -> None:
        """Evaluate the system prompt once, so the next question pays only for its own tokens."""
        tokens = self._tokens.prefix_tokens(system_prompt)
        if len(tokens) >= self.n_ctx:
            raise ContextTooLong(len(tokens), 0, self.n_ctx)
        with self._lock:
            cached = self._llama.n_tokens
            if cached >= len(tokens) and self._llama.input_ids[: len(tokens)].tolist() == tokens:
                return
            started = time.perf_counter()
            llama_cpp.llama_perf_context_reset(self._llama.ctx)
            self._llama.reset()  # type: ignore[no-untyped-call]  # llama_cpp leaves reset() unannotated
            self._llama.eval(tokens)
            # subtle: llama.cpp books a decode in its perf counters only at the next synchronize; without this the
            # warm-up's cost would show up in the following question's stats.
            llama_cpp.llama_synchronize(self._llama.ctx)
            total_ms = (time.perf_counter() - started) * 1000
            self.last_stats = self._read_stats(len(tokens), total_ms, total_ms)

    def _generate(
        self, tokens: list[int], max_tokens: int, temperature: float, stop: list[str]
    ) -> Generator[str, None, None]:
        with self._lock:
            started = time.perf_counter()
            first_token_ms = 0.0
            llama_cpp.llama_perf_context_reset(self._llama.ctx)
            chunks = cast(
                Iterator[dict[str, Any]],
                self._llama.create_completion(
                    prompt=tokens, max_tokens=max_tokens, temperature=temperature, stop=stop, stream=True
                ),
            )
            try:
                for chunk in chunks:
                    text = str(chunk["choices"][0]["text"])
                    if not text:
                        continue
                    if not first_token_ms:
                        first_token_ms = (time.perf_counter() - started) * 1000
                    yield text
            finally:
                # Closing the inner generator now (also on GeneratorExit) ends llama's work before the lock is freed.
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
                total_ms = (time.perf_counter() - started) * 1000
                self.last_stats = self._read_stats(len(tokens), first_token_ms or total_ms, total_ms)

    def _read_stats(self, prompt_tokens: int, first_token_ms: float, total_ms: float) -> CallStats:
        perf = llama_cpp.llama_perf_context(self._llama.ctx)
        # subtle: llama.cpp counts a one-token batch as decode, so a fully cached prompt shows n_p_eval == 0.
        return CallStats(
            prompt_tokens=prompt_tokens,
            cached_tokens=max(0, prompt_tokens - int(perf.n_p_eval)),
            prompt_ms=float(perf.t_p_eval_ms),
            generated_tokens=int(perf.n_eval),
            decode_ms=float(perf.t_eval_ms),
            first_token_ms=first_token_ms,
            total_ms=total_ms,
        )
