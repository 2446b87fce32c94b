"""The prompt files of `prompts/`, read once and filled by name.

In scope: loading the Korean prompt texts, filling their `{slot}`s, and a clear error naming a missing file.
Out of scope: which evidence goes into a prompt (evidence.py) and calling the model (llm.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

_NAMES = ("system", "answer", "rewrite", "refusal", "decline", "other_program", "plain")


class PromptMissing(AssistantError):
    """A prompt file is absent or unreadable."""


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str
    rewrite: str
    refusal: str
    decline: str
    other_program: str
    plain: str  # the baseline's stuffed-context prompt (plain.py), kept only to measure against

    @classmethod
    def load(cls, directory: Path) -> Prompts:
        texts: dict[str, str] = {}
        for name in _NAMES:
            path = directory / f"{name}.md"
            try:
                texts[name] = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise PromptMissing(f"프롬프트 파일을 읽을 수 없습니다: {path} ({exc.strerror})") from exc
        return cls(**texts)


def fill(template: str, **slots: str) -> str:
    """`template` with each `{name}` replaced; braces in the slot values are left alone (no str.format)."""
    out = template
    for name, value in slots.items():
        out = out.replace("{" + name + "}", value)
    return out
