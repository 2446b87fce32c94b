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
