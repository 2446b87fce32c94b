"""Domain errors. Core code raises these; only the edges (CLI, UI, API) turn them into Korean messages."""

from __future__ import annotations

from typing import Literal

RejectReason = Literal[
    "empty",
    "corrupt",
    "truncated",
    "encrypted",
    "too_large",
    "distribution_protected",
    "unsupported",
    "timeout",
    "out_of_memory",
    "no_text",
    "bomb",
    "unreadable",
]


class AssistantError(Exception):
    """Base of every error this package raises on purpose."""


class RejectedFile(AssistantError):
    """A file that cannot be indexed. `reason` is a stable code; `detail` is for logs, never shown raw."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RejectReason = reason
        self.detail = detail


class StoreError(AssistantError):
    """The index on disk cannot be opened or is inconsistent beyond repair."""


class ModelMissing(AssistantError):
    """No usable model file: the explicit path does not exist, or the default model's parts are absent/damaged."""


class ContextTooLong(AssistantError):
    """A prompt plus its answer budget would not fit in the model's context window."""

    def __init__(self, prompt_tokens: int, max_tokens: int, n_ctx: int) -> None:
        super().__init__(
            f"프롬프트가 너무 깁니다: 프롬프트 {prompt_tokens}토큰 + 답변 {max_tokens}토큰 > 문맥 창 {n_ctx}토큰."
        )
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.n_ctx = n_ctx


class ModelServerError(AssistantError):
    """The OpenAI-compatible model server (ASSISTANT_LLM_URL) is unreachable or answered with an error."""
