"""The baseline a user would build first, kept to measure what each part of our pipeline adds.

In scope: dense-only retrieval of the top 5 chunks, stuffed whole into one prompt (`prompts/plain.md`), streamed
generation with the same model and no system prompt of ours, no FAQ match, no evidence selection, no verification; a refusal is only what the
model's own wording says. Out of scope: anything that makes it better — that is `answering.py`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence

from assistant.answer import Answer, Citation, Event, Final, Sources, Timings, Token
from assistant.index import Index
from assistant.llm import ChatModel, Message
from assistant.prompts import Prompts, fill
from assistant.types import Hit

Turn = dict[str, str]
# The model's own ways of saying it does not know; the baseline has no other refusal signal.
_REFUSED = re.compile(r"모르|모른|죄송|알 수 없|확인(할 수 없|되지 않|이 어렵)|찾을 수 없|나와 있지 않|정보가 없|언급(이|되어 있지) 않|근거 없음|명시되어 있지 않")


class PlainAssistant:
    """Same interface as `Assistant` (ask/stream/warm), so the eval runs either one."""

    def __init__(
        self, index: Index, llm: ChatModel, prompts: Prompts, k: int = 5, answer_tokens: int = 160,
        search: Callable[[str, int], list[Hit]] | None = None,
    ) -> None:
        """`search` replaces our index's dense search (the LangChain recipe's own chunks: baseline.py)."""
        self.index, self.llm, self.prompts = index, llm, prompts
        self.k, self.answer_tokens = k, answer_tokens
        self.search = search or (lambda q, k: index.search(q, k=k, mode="dense"))

    def warm(self) -> None:
        """Nothing to warm: the recipe sends no system prompt of its own (the chat template's default applies)."""

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        for event in self.stream(question, history):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("stream ended without a final answer")  # pragma: no cover

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[Event]:
        started = time.perf_counter()
        timings = Timings()
        hits = self.search(question, self.k)
        timings.retrieve_ms = _ms(started)
        citations = [Citation(n, h.chunk.source, h.chunk.page, h.chunk.section, h.chunk.text) for n, h in
                     enumerate(hits, start=1)]
        yield Sources(citations)
        texts = [h.chunk.text for h in hits]
        while True:
            # The plain recipe has no budget of its own; drop the last chunk only when the context would overflow.
            context = "\n\n".join(texts)
            messages: list[Message] = [
                {"role": "user", "content": fill(self.prompts.plain, context=context, question=question)},
            ]
            room = self.llm.budget(messages)
            if room >= 32 or not texts:
                break
            texts.pop()
        pieces: list[str] = []
        for piece in self.llm.stream_chat(messages, max_tokens=max(1, min(self.answer_tokens, room))):
            if not timings.first_token_ms:
                timings.first_token_ms = _ms(started)
            pieces.append(piece)
            yield Token(piece)
        stats = self.llm.last_stats
        if stats is not None:
            timings.prompt_tokens = stats.prompt_tokens - stats.cached_tokens
            timings.generated_tokens = stats.generated_tokens
        text = "".join(pieces).strip()
        timings.total_ms = _ms(started)
        timings.first_token_ms = timings.first_token_ms or timings.total_ms
        refused = bool(_REFUSED.search(text)) or not text
        answer = Answer(question, text, refused, citations, timings, self.llm.model_name,
                        "refusal" if refused else "generated", draft=text)
        answer.retrieved = [(h.chunk.source, h.chunk.page) for h in hits]
        yield Final(answer)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
