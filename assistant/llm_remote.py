"""The model on OpenAI-compatible llama.cpp servers (`ASSISTANT_LLM_URL`): the same interface as `LocalLLM`.

In scope: streamed and whole chat completions over HTTP (`/v1/chat/completions`, server-sent events), the choice
of the least busy of several servers (ties go to the first listed, so replicas that list the servers in
different orders each start on their own), the prompt budget and ContextTooLong before any call, and the stats
of the last call. Out of scope: running the servers (docs/deploy.md), retrieval, prompts.

Counting tokens: with the GGUF on this machine (the default model always is: its parts are dependencies), the
model's own tokenizer and chat template are read from it (vocabulary only, ~0.4 s) and budgets are exact, the
same as with the local model. llama_cpp.server's `/extras/tokenize` is not used: it takes the model lock, so it
waits behind every running generation (and, with interrupt_requests on, cuts it off). Without the file, a
character counts as one token: on this corpus the Qwen tokenizer never needed more (worst 1.0, mean 0.66).

Sampling is greedy like the local model's; `repeat_penalty` is sent as 1.0 because the server's default (1.1)
differs from llama-cpp-python's own, and would change answers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator, Sequence
from pathlib import PurePath

import httpx

from assistant.errors import ContextTooLong, ModelServerError
from assistant.llm import CallStats, ChatTokenizer, Message

_PER_MESSAGE = 8  # template tokens around one message when counting without the tokenizer (Qwen's: 5)


class RemoteLLM:
    def __init__(
        self, urls: Sequence[str], n_ctx: int = 4096, tokenizer: ChatTokenizer | None = None,
        timeout_s: float = 120.0, api_key: str = "",
    ) -> None:
        if not urls:
            raise ValueError("at least one server URL")
        self.urls = [u.rstrip("/") for u in urls]
        self.n_ctx = n_ctx
        self._tokenizer = tokenizer
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=5.0), headers=headers)
        self._busy = dict.fromkeys(self.urls, 0)
        self._lock = threading.Lock()
        self._local = threading.local()
        self.model_name = self._model_name()

    def _model_name(self) -> str:
        """The first server's model id as a file name (llama_cpp.server names a model by its path)."""
        try:
            response = self._http.get(f"{self.urls[0]}/v1/models")
            response.raise_for_status()
            return PurePath(str(response.json()["data"][0]["id"])).name
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise ModelServerError(f"모델 서버에 연결할 수 없습니다: {self.urls[0]} ({exc})") from exc

    @property
    def last_stats(self) -> CallStats | None:
        """Stats of this thread's last call: unlike the local model, calls here run side by side."""
        return getattr(self._local, "stats", None)

    def count_tokens(self, text: str) -> int:
        return self._tokenizer.count_tokens(text) if self._tokenizer is not None else len(text)

    def prompt_size(self, messages: Sequence[Message]) -> int:
        if self._tokenizer is not None:
            return len(self._tokenizer.prompt_tokens(messages))
        return sum(self.count_tokens(m["content"]) + _PER_MESSAGE for m in messages) + _PER_MESSAGE

    def budget(self, messages: Sequence[Message]) -> int:
        return self.n_ctx - self.prompt_size(messages)

    def fits(self, messages: Sequence[Message], max_tokens: int) -> bool:
        return max_tokens <= self.budget(messages)

    def stream_chat(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> Generator[str, None, None]:
        """Text pieces of the reply. Raises ContextTooLong here, before any request; closing the generator
        closes the connection, which ends the server's work on it."""
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        size = self.prompt_size(messages)
        if size + max_tokens > self.n_ctx:
            raise ContextTooLong(size, max_tokens, self.n_ctx)
        body = {
            "messages": list(messages), "max_tokens": max_tokens, "temperature": temperature, "stop": stop or [],
            "stream": True, "repeat_penalty": 1.0,
        }
        return self._generate(body, size)

    def complete_chat(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> str:
        return "".join(self.stream_chat(messages, max_tokens, temperature, stop))

    def warm(self, system_prompt: str) -> None:
        """Evaluate the system prompt once on every server, so each keeps it as its cached prefix."""
        messages: list[Message] = [{"role": "system", "content": system_prompt}, {"role": "user", "content": "."}]
        for url in self.urls:
            body = {"messages": messages, "max_tokens": 1, "temperature": 0.0, "repeat_penalty": 1.0}
            try:
                self._http.post(f"{url}/v1/chat/completions", json=body).raise_for_status()
            except httpx.HTTPError as exc:
                raise ModelServerError(f"모델 서버가 응답하지 않습니다: {url} ({exc})") from exc

    def _pick(self) -> str:
        with self._lock:
            url = min(self.urls, key=lambda u: self._busy[u])  # min keeps the first of equals
            self._busy[url] += 1
            return url

    def _generate(self, body: dict[str, object], prompt_tokens: int) -> Generator[str, None, None]:
        url = self._pick()
        started = time.perf_counter()
        first_token_ms, pieces = 0.0, 0
        try:
            with self._http.stream("POST", f"{url}/v1/chat/completions", json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise ModelServerError(f"모델 서버 오류 {response.status_code}: {response.text[:200]}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    text = json.loads(data)["choices"][0].get("delta", {}).get("content") or ""
                    if not text:
                        continue
                    pieces += 1
                    if not first_token_ms:
                        first_token_ms = (time.perf_counter() - started) * 1000
                    yield text
        except httpx.HTTPError as exc:
            raise ModelServerError(f"모델 서버와의 연결이 끊겼습니다: {url} ({exc})") from exc
        finally:
            with self._lock:
                self._busy[url] -= 1
            total_ms = (time.perf_counter() - started) * 1000
            # The server reports no per-call counters over this API: each streamed piece is one token, the
            # prompt is counted here, and what its prefix cache saved is not known (0).
            self._local.stats = CallStats(
                prompt_tokens=prompt_tokens, cached_tokens=0, prompt_ms=first_token_ms, generated_tokens=pieces,
                decode_ms=max(0.0, total_ms - first_token_ms), first_token_ms=first_token_ms or total_ms,
                total_ms=total_ms,
            )
