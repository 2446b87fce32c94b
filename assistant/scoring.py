"""Scoring answers against an eval set: pure functions over `Case` and `Answer`, shared by the CLI and tests.

In scope: whether each answer passes (must_include facts present, refusal when the case is unanswerable),
whether the cited quotes really contain the facts, numbers the answer states that no quote backs, retrieval
hit@k/MRR from the ranked (source, page) list, latency percentiles, and a plain-text summary. Out of scope:
running the assistant (cli_answers.py) and reading the file (evalset.py).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from assistant import metrics, numbers
from assistant.answer import Answer, Citation, Timings
from assistant.evalset import Case

_TIMINGS = frozenset(f.name for f in fields(Timings))
_CITE = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")  # "[1]", "[1, 2]"


def match_text(needle: str, haystack: str) -> bool:
    """Substring match ignoring whitespace, case and Unicode composition ("신청 할 수 없" ~ "신청할 수 없")."""
    return _plain(needle) in _plain(haystack)


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass
class CaseResult:
    """The verdict on one case; `to_json` is what `eval --json` writes per case."""

    case: Case
    answer: Answer
    passed: bool
    reason: str  # why it failed, in Korean; "" when it passed
    citation_valid: bool | None  # None: not applicable (a refusal, or an unanswerable case)
    unsupported: list[str] = field(default_factory=list)  # numbers in the answer that no cited quote has

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "category": self.case.category,
            "question": self.case.question,
            "answerable": self.case.answerable,
            "sources": list(self.case.sources),
            "pages": list(self.case.pages),
            "passed": self.passed,
            "reason": self.reason,
            "citation_valid": self.citation_valid,
            "unsupported": self.unsupported,
            "answer": self.answer.to_json(),
            "note": self.answer.note,
            "coverage": round(self.answer.coverage, 3),
            "draft": self.answer.draft,
            "retrieved": [list(hit) for hit in self.answer.retrieved],
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> CaseResult:
        """The inverse of `to_json`, as far as it goes: enough to summarize and compare saved runs again.

        `must_include` and `history` are not saved, so the rebuilt case cannot be scored again; its verdict is kept.
        Rows written before `sources`/`pages` were saved rebuild without them (no retrieval truth).
        """
        a = row["answer"]
        t = a.get("timings", {})
        answer = Answer(
            question=a.get("question", row["question"]),
            answer=a.get("answer", ""),
            refused=bool(a.get("refused", False)),
            citations=[
                Citation(c["n"], c["source"], c.get("page"), c.get("section", ""), c.get("quote", ""))
                for c in a.get("citations", [])
            ],
            timings=Timings(**{k: t[k] for k in _TIMINGS if k in t}),
            model=a.get("model", ""),
            mode=a.get("mode", "generated"),
            standalone_question=a.get("standalone_question", ""),
            basis=a.get("basis", ""),
            note=row.get("note", ""),
            draft=row.get("draft", ""),
            retrieved=[(hit[0], hit[1]) for hit in row.get("retrieved", [])],
            coverage=float(row.get("coverage", 0.0)),
        )
        case = Case(
            id=row["id"],
            question=row["question"],
            answerable=bool(row["answerable"]),
            sources=tuple(row.get("sources", ())),
            pages=tuple(row.get("pages", ())),
            category=row.get("category", ""),
        )
        return cls(case, answer, bool(row["passed"]), row.get("reason", ""), row.get("citation_valid"),
                   list(row.get("unsupported", [])))


def score_case(case: Case, answer: Answer) -> CaseResult:
    """Pass/fail with a Korean reason, citation validity and unsupported numbers of one answer to one case."""
    quotes = "\n".join(c.quote for c in answer.citations)
    # An answer given where a refusal was due can still invent numbers, so count them for every non-refusal.
    unsupported = [] if answer.refused else _unsupported(answer.answer, quotes)
    if not case.answerable:
        passed = answer.refused
        return CaseResult(case, answer, passed, "" if passed else "거절해야 하는데 답함", None, unsupported)
    if answer.refused:
        return CaseResult(case, answer, False, "답해야 하는데 거절함", None)
    missing = [g for g in case.must_include if not any(match_text(s, answer.answer) for s in g)]
    matched = [g for g in case.must_include if g not in missing]
    valid = bool(answer.citations) and all(any(match_text(s, quotes) for s in g) for g in matched)
    reason = f"필수 내용 누락: {[g[0] for g in missing]}" if missing else ""
    return CaseResult(case, answer, not missing, reason, valid, unsupported)


def _unsupported(text: str, quotes: str) -> list[str]:
    # Citation marks are digits too; strip them so "[1]" is never reported as an unsupported number.
    bare = _CITE.sub(" ", text)
    # dict.fromkeys: one invented number repeated in the answer is still one unsupported fact.
    return list(dict.fromkeys(str(f) for f in numbers.unsupported(bare, quotes)))


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _latency(results: Sequence[CaseResult]) -> dict[str, float]:
    first = [r.answer.timings.first_token_ms for r in results]
    total = [r.answer.timings.total_ms for r in results]
    return {
        "n": len(results),
        "first_token_p50_ms": round(percentile(first, 50), 1),
        "first_token_p95_ms": round(percentile(first, 95), 1),
        "total_p50_ms": round(percentile(total, 50), 1),
        "total_p95_ms": round(percentile(total, 95), 1),
    }


def summarize(results: Sequence[CaseResult], pipeline: str = "assistant") -> dict[str, Any]:
    """Accuracy, citation validity, unsupported numbers, retrieval, latency, per-category and per-mode counts."""
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    judged = [r.citation_valid for r in results if r.citation_valid is not None]
    runs = [
        (r.answer.retrieved, metrics.Expected(frozenset(r.case.sources), frozenset(r.case.pages)))
        for r in answerable
        # subtle: an empty `retrieved` still counts, as a miss; skipping it would flatter the hit rate.
        if r.case.sources
    ]
    categories: dict[str, dict[str, float]] = {}
    for name in sorted({r.case.category for r in results}):
        group = [r for r in results if r.case.category == name]
        passed = sum(r.passed for r in group)
        categories[name] = {"n": len(group), "passed": passed, "accuracy": round(passed / len(group), 3)}
    return {
        "pipeline": pipeline,
        "n": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answer_accuracy": _share(sum(r.passed for r in answerable), len(answerable)),
        "refusal_accuracy": _share(sum(r.passed for r in unanswerable), len(unanswerable)),
        "citation_validity": _share(sum(judged), len(judged)),
        "unsupported_numbers": sum(len(r.unsupported) for r in results),
        "cases_with_unsupported": sum(1 for r in results if r.unsupported),
        "retrieval_file": {k: round(v, 3) for k, v in metrics.summarize(runs, by_page=False).items()},
        "retrieval_page": {k: round(v, 3) for k, v in metrics.summarize(runs, by_page=True).items()},
        "latency": _latency(results),
        "latency_generated": _latency([r for r in results if r.answer.mode == "generated"]),
        "categories": categories,
        "modes": dict(Counter(r.answer.mode for r in results)),
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def format_case(result: CaseResult) -> str:
    """One progress line: "PASS elig-01 [generated]" or "FAIL elig-02 [extractive] — 필수 내용 누락: ['7년']"."""
    head = f"{'PASS' if result.passed else 'FAIL'} {result.case.id} [{result.answer.mode}]"
    extra = f" — {result.reason}" if result.reason else ""
    if result.unsupported:
        extra += f" (근거 없는 숫자: {', '.join(result.unsupported)})"
    return head + extra


def format_summary(s: dict[str, Any]) -> str:
    """The `summarize` dict as a short Korean plain-text table for the terminal."""

    def pct(x: float) -> str:
        return f"{x * 100:.1f}%"

    lat, gen = s["latency"], s["latency_generated"]
    rf, rp = s["retrieval_file"], s["retrieval_page"]
    lines = [
        f"파이프라인: {s['pipeline']}  (문항 {s['n']}: 답할 문항 {s['answerable']}, 거절할 문항 {s['unanswerable']})",
        f"정답률        {pct(s['answer_accuracy'])}",
        f"거절 정확도   {pct(s['refusal_accuracy'])}",
        f"인용 타당성   {pct(s['citation_validity'])}",
        f"근거 없는 숫자 {s['unsupported_numbers']}개 ({s['cases_with_unsupported']}문항)",
        f"검색(파일)    hit@1 {rf['hit@1']:.3f}  hit@5 {rf['hit@5']:.3f}  MRR {rf['mrr']:.3f}  (n={int(rf['n'])})",
        f"검색(쪽)      hit@1 {rp['hit@1']:.3f}  hit@5 {rp['hit@5']:.3f}  MRR {rp['mrr']:.3f}  (n={int(rp['n'])})",
        f"첫 토큰       p50 {lat['first_token_p50_ms'] / 1000:.2f}초  p95 {lat['first_token_p95_ms'] / 1000:.2f}초"
        f"  (생성 답변만: p50 {gen['first_token_p50_ms'] / 1000:.2f}초  p95 {gen['first_token_p95_ms'] / 1000:.2f}초)",
        f"전체 시간     p50 {lat['total_p50_ms'] / 1000:.2f}초  p95 {lat['total_p95_ms'] / 1000:.2f}초"
        f"  (생성 답변만: p50 {gen['total_p50_ms'] / 1000:.2f}초  p95 {gen['total_p95_ms'] / 1000:.2f}초)",
        "방식별        " + ", ".join(f"{k} {v}" for k, v in sorted(s["modes"].items())),
        "범주별",
    ]
    lines += [
        f"  {name:<8} {c['passed']}/{c['n']}  {pct(c['accuracy'])}" for name, c in s["categories"].items()
    ]
    return "\n".join(lines)
