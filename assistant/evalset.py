"""The eval set: gold questions with what a correct answer must contain, loaded from JSONL and checked.

In scope: reading one JSONL file (one case per line, blank lines skipped), checking every field's type, and
reporting the first problem as an `EvalSetError` whose Korean message names the file and line. Out of scope on
purpose: running the cases and scoring answers (scoring.py), and any leniency: a typo in a field name is an
error, not a silently missing value, so a broken gold file never scores as a good run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

_ROLES = frozenset({"user", "assistant"})
_FIELDS = frozenset(
    {
        "id",
        "question",
        "answerable",
        "must_include",
        "sources",
        "pages",
        "history",
        "reference_answer",
        "category",
    }
)


class EvalSetError(AssistantError):
    """The eval-set file is missing, not JSONL, or a case in it is malformed. The message is Korean and says where."""


@dataclass(frozen=True)
class Case:
    """One gold question. `must_include` is a list of groups; a group is met when any one alternative appears."""

    id: str
    question: str
    answerable: bool
    must_include: tuple[tuple[str, ...], ...] = ()
    sources: tuple[str, ...] = ()  # files that hold the answer, for retrieval metrics
    pages: tuple[int, ...] = ()  # pages of the answer in those files; empty: no page-level truth
    history: tuple[dict[str, str], ...] = ()  # earlier turns, for follow-up questions
    reference_answer: str = ""
    category: str = ""  # "" is replaced by the id's prefix ("elig-01" → "elig") in load_cases

    def __post_init__(self) -> None:
        if not self.category:
            # subtle: a frozen dataclass can only set its own field through object.__setattr__.
            object.__setattr__(self, "category", self.id.split("-", 1)[0])


def load_cases(path: Path) -> list[Case]:
    """Every case of the JSONL file at `path`, in file order. Raises EvalSetError on the first problem."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: 평가 파일을 읽을 수 없습니다 ({exc}).") from exc
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} {number}번째 줄"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{where}: JSON 형식이 아닙니다 ({exc.msg}).") from exc
        problem = _problem(row)
        if problem:
            raise EvalSetError(f"{where}: {problem}")
        if row["id"] in seen:
            raise EvalSetError(f"{where}: id '{row['id']}'가 {seen[row['id']]}번째 줄과 겹칩니다.")
        seen[row["id"]] = number
        cases.append(_case(row))
    return cases


def _case(row: dict[str, Any]) -> Case:
    return Case(
        id=row["id"],
        question=row["question"],
        answerable=row["answerable"],
        must_include=tuple(tuple(group) for group in row.get("must_include", [])),
        sources=tuple(row.get("sources", [])),
        pages=tuple(row.get("pages", [])),
        history=tuple(dict(turn) for turn in row.get("history", [])),
        reference_answer=row.get("reference_answer", ""),
        category=row.get("category", ""),
    )


def _problem(row: Any) -> str:
    """What is wrong with one parsed line, in Korean, or "" when it is a valid case."""
    if not isinstance(row, dict):
        return "한 줄은 JSON 객체여야 합니다."
    unknown = sorted(set(row) - _FIELDS)
    if unknown:
        return f"알 수 없는 필드가 있습니다: {unknown}"
    for name in ("id", "question", "answerable"):
        if name not in row:
            return f"'{name}' 필드가 없습니다."
    for name in ("id", "question"):
        if not _text(row[name]):
            return f"'{name}' 필드는 비어 있지 않은 문자열이어야 합니다."
    for name in ("reference_answer", "category"):
        if name in row and not isinstance(row[name], str):
            return f"'{name}' 필드는 문자열이어야 합니다."
    if not isinstance(row["answerable"], bool):
        return "'answerable' 필드는 true 또는 false여야 합니다."
    groups = row.get("must_include", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and g and all(_text(alt) for alt in g) for g in groups
    ):
        return "'must_include' 필드는 비어 있지 않은 문자열 목록들의 목록이어야 합니다."
    if row["answerable"] and not groups:
        return "답할 수 있는 문항(answerable: true)은 'must_include'가 비어 있으면 안 됩니다."
    sources = row.get("sources", [])
    if not isinstance(sources, list) or not all(_text(s) for s in sources):
        return "'sources' 필드는 파일 이름 문자열의 목록이어야 합니다."
    pages = row.get("pages", [])
    # subtle: bool is a subclass of int, so `true` would pass a bare isinstance(p, int) check.
    if not isinstance(pages, list) or not all(
        isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pages
    ):
        return "'pages' 필드는 양의 정수 목록이어야 합니다."
    history = row.get("history", [])
    if not isinstance(history, list) or not all(_turn(t) for t in history):
        return '\'history\' 필드는 {"role": "user"|"assistant", "content": 문자열} 객체의 목록이어야 합니다.'
    return ""


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _turn(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"role", "content"}
        and value["role"] in _ROLES
        and isinstance(value["content"], str)
    )
