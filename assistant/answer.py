"""The one result every edge shares: an `Answer` (text, citations, refused flag, timings), and the stream events.

Only data lives here. The CLI's `ask --json`, the HTTP API and the eval scorer all serialize `Answer.to_json()`,
so the contract in DESIGN.md is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# How the answer was made: the official FAQ text, the model's verified sentences, quoted evidence (the model's
# draft failed verification or was not needed), a refusal for missing evidence, or a polite decline (out of
# scope, prompt injection, over-long input).
AnswerMode = Literal["faq", "generated", "extractive", "refusal", "declined"]


@dataclass(frozen=True)
class Citation:
    """Source `n` as numbered in the answer text ("[1]"); `quote` is the exact span the answer rests on."""

    n: int
    source: str
    page: int | None
    section: str
    quote: str

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "page": self.page, "section": self.section, "quote": self.quote}


@dataclass
class Timings:
    """Milliseconds from the moment the question arrived. `first_token_ms` is when the first character of the
    answer text was ready (a model token, or the whole text for FAQ, extractive and refusal answers)."""

    retrieve_ms: float = 0.0
    first_token_ms: float = 0.0
    total_ms: float = 0.0
    rewrite_ms: float = 0.0
    prompt_tokens: int = 0  # tokens the model had to evaluate for this answer (beyond the cached prefix)
    generated_tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "retrieve_ms": round(self.retrieve_ms, 1),
            "first_token_ms": round(self.first_token_ms, 1),
            "total_ms": round(self.total_ms, 1),
            "rewrite_ms": round(self.rewrite_ms, 1),
            "prompt_tokens": self.prompt_tokens,
            "generated_tokens": self.generated_tokens,
        }


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    timings: Timings
    model: str
    mode: AnswerMode
    standalone_question: str = ""  # the follow-up rewritten with the conversation; "" when not a follow-up
    basis: str = ""  # the notice the answer rests on, e.g. "AI 초격차 챌린지 · 2025-02-26"
    note: str = ""  # why verification replaced the draft, or why the question was declined (for staff, evals)
    draft: str = ""  # the model's text before verification, kept for evals and staff review
    retrieved: list[tuple[str, int | None]] = field(default_factory=list)  # (source, page) ranked, for metrics
    coverage: float = 0.0  # share of the question's weighted key terms the chosen evidence mentions

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's `ask --json` object, plus `mode`, `basis` and `standalone_question`."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "timings": self.timings.to_json(),
            "model": self.model,
            "mode": self.mode,
            "basis": self.basis,
            "standalone_question": self.standalone_question,
        }


@dataclass(frozen=True)
class Sources:
    """Stream event: the evidence is chosen (ready well before the first model token); show it at once."""

    citations: list[Citation]


@dataclass(frozen=True)
class Token:
    """Stream event: the next verified-safe piece of the model's answer text."""

    text: str


@dataclass(frozen=True)
class Final:
    """Stream event, always last: the verified answer. Its text replaces whatever tokens were shown."""

    answer: Answer


Event = Sources | Token | Final
