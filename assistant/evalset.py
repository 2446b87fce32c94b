"""The eval-set file of DESIGN.md: JSONL, one case a line, read into `Case`s with a Korean error naming the line.

In scope: reading and validating cases. Out of scope: running them (cli_answers.py) and scoring (scoring.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError


class EvalSetError(AssistantError):
    """An eval-set file that cannot be read as DESIGN.md describes."""


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    answerable: bool
    must_include: list[list[str]] = field(default_factory=list)  # every group matched by one of its strings
    sources: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    reference_answer: str = ""
    category: str = ""  # default: the id's prefix ("elig-01" -> "elig")

    def __post_init__(self) -> None:
        if not self.category:
            object.__setattr__(self, "category", self.id.split("-")[0])


def load_cases(path: Path) -> list[Case]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"평가 세트를 읽을 수 없습니다: {path} ({exc})") from exc
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} {number}번째 줄"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{where}: JSON으로 읽을 수 없습니다 ({exc.msg}).") from exc
        case = _case(raw, where)
        if case.id in seen:
            raise EvalSetError(f"{where}: id '{case.id}'가 앞에서 이미 쓰였습니다.")
        seen.add(case.id)
        cases.append(case)
    return cases


def _case(raw: Any, where: str) -> Case:
    if not isinstance(raw, dict):
        raise EvalSetError(f"{where}: 한 줄은 JSON 객체여야 합니다.")
    for name, kind in (("id", str), ("question", str), ("answerable", bool)):
        if name not in raw:
            raise EvalSetError(f"{where}: '{name}' 필드가 없습니다.")
        if not isinstance(raw[name], kind) or (kind is str and not raw[name].strip()):
            raise EvalSetError(f"{where}: '{name}' 필드의 형식이 맞지 않습니다.")
    groups = raw.get("must_include", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and g and all(isinstance(s, str) and s for s in g) for g in groups
    ):
        raise EvalSetError(f"{where}: 'must_include'는 문자열 목록의 목록이어야 합니다.")
    if raw["answerable"] and not groups:
        raise EvalSetError(f"{where}: 답할 수 있는 문항에는 'must_include'가 있어야 합니다.")
    sources, pages, history = raw.get("sources", []), raw.get("pages", []), raw.get("history", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise EvalSetError(f"{where}: 'sources'는 파일 이름 목록이어야 합니다.")
    if not isinstance(pages, list) or not all(isinstance(p, int) and not isinstance(p, bool) for p in pages):
        raise EvalSetError(f"{where}: 'pages'는 쪽 번호(정수) 목록이어야 합니다.")
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in history
    ):
        raise EvalSetError(f"{where}: 'history'는 {{role: user|assistant, content}} 목록이어야 합니다.")
    category = raw.get("category") or raw["id"].split("-")[0]
    return Case(
        id=raw["id"], question=raw["question"], answerable=raw["answerable"], must_include=groups,
        sources=sources, pages=pages, history=history, reference_answer=str(raw.get("reference_answer", "")),
        category=str(category),
    )
