"""The staff eval report: one run's results gathered into a plain dict, compared, and written as JSON, Markdown, HTML.

In scope: building the report from scored cases (`scoring.CaseResult`; every number comes from `scoring.summarize`,
nothing is scored twice), reading saved runs back (`eval --json` output or an earlier `report.json`), the diff
against a previous run (metric deltas, cases that newly pass or fail), the side-by-side with a baseline pipeline,
the retrieval benchmark table (JSON from evals/retrieval.py), the Markdown text and writing the three files.
Out of scope: running the eval (cli_answers.py) and the HTML with its charts (report_html.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant import scoring
from assistant.errors import AssistantError
from assistant.scoring import CaseResult

FORMAT = "program-assistant-eval-report"
Kind = Literal["share", "count", "score", "ms"]


class ReportError(AssistantError):
    """A file given to the report (a previous run, a baseline, a retrieval benchmark) is missing or malformed."""


@dataclass(frozen=True)
class Metric:
    path: tuple[str, ...]  # keys into `scoring.summarize`'s dict
    label: str
    kind: Kind
    higher_is_better: bool

    def value(self, summary: dict[str, Any]) -> float | None:
        node: Any = summary
        for key in self.path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return float(node) if isinstance(node, int | float) else None


METRICS = (
    Metric(("answer_accuracy",), "정답률", "share", True),
    Metric(("refusal_accuracy",), "거절 정확도", "share", True),
    Metric(("citation_validity",), "인용 타당성", "share", True),
    Metric(("unsupported_numbers",), "근거 없는 숫자 (개)", "count", False),
    Metric(("retrieval_file", "hit@1"), "검색 hit@1 (파일)", "score", True),
    Metric(("retrieval_file", "hit@5"), "검색 hit@5 (파일)", "score", True),
    Metric(("retrieval_file", "mrr"), "검색 MRR (파일)", "score", True),
    Metric(("retrieval_page", "hit@1"), "검색 hit@1 (쪽)", "score", True),
    Metric(("retrieval_page", "hit@5"), "검색 hit@5 (쪽)", "score", True),
    Metric(("retrieval_page", "mrr"), "검색 MRR (쪽)", "score", True),
    Metric(("latency", "first_token_p50_ms"), "첫 토큰 p50", "ms", False),
    Metric(("latency", "first_token_p95_ms"), "첫 토큰 p95", "ms", False),
    Metric(("latency", "total_p50_ms"), "전체 시간 p50", "ms", False),
    Metric(("latency", "total_p95_ms"), "전체 시간 p95", "ms", False),
)
# What the baseline side-by-side shows: quality first, then speed as the applicant feels it.
BASELINE_METRICS = tuple(m for m in METRICS if m.path[0] not in ("retrieval_file", "retrieval_page"))
PIPELINE_NAMES = {
    "assistant": "assistant (이 제품)",
    "plain": "plain (기준선: 밀집 검색 상위 5개, 검증 없음)",
    "langchain": "langchain (기준선: LangChain 1000/200 조각, 검증 없음)",
}


def fmt(kind: Kind, value: float | None) -> str:
    """A metric value as staff read it: 77.8%, 0.917, 3개, 1.42초; "–" when the run has no such value."""
    if value is None:
        return "–"
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "score":
        return f"{value:.3f}"
    if kind == "ms":
        return f"{value / 1000:.2f}초"
    return f"{value:g}"


def fmt_delta(kind: Kind, delta: float) -> str:
    if abs(delta) < 1e-9:
        return "0"
    if kind == "share":
        return f"{delta * 100:+.1f}%p"
    if kind == "score":
        return f"{delta:+.3f}"
    if kind == "ms":
        return f"{delta / 1000:+.2f}초"
    return f"{delta:+g}"


def verdict(metric: Metric, before: float | None, after: float | None) -> str:
    """"better", "worse" or "same". subtle: latency moves a little between runs on a busy machine, so a change
    counts only beyond 10 % (and 100 ms); a quality score counts any change, since one case is one step."""
    if before is None or after is None:
        return "same"
    delta = after - before
    if metric.kind == "ms" and abs(delta) < max(0.1 * before, 100.0):
        return "same"
    if abs(delta) < 1e-9:
        return "same"
    return "better" if (delta > 0) == metric.higher_is_better else "worse"


def category_rows(results: Sequence[CaseResult]) -> list[dict[str, Any]]:
    """One row per category, each summarized by `scoring.summarize` over that category's cases alone."""
    rows = []
    for name in sorted({r.case.category for r in results}):
        group = [r for r in results if r.case.category == name]
        s = scoring.summarize(group)
        rows.append(
            {
                "category": name,
                "n": s["n"],
                "passed": sum(r.passed for r in group),
                "pass_rate": round(sum(r.passed for r in group) / len(group), 3),
                "answerable": s["answerable"],
                "unanswerable": s["unanswerable"],
                "answer_accuracy": s["answer_accuracy"] if s["answerable"] else None,
                "refusal_accuracy": s["refusal_accuracy"] if s["unanswerable"] else None,
                "citation_validity": s["citation_validity"] if any(r.citation_valid is not None for r in group) else None,
                "unsupported_numbers": s["unsupported_numbers"],
                "first_token_p50_ms": s["latency"]["first_token_p50_ms"],
                "total_p50_ms": s["latency"]["total_p50_ms"],
            }
        )
    return rows


def build(
    results: Sequence[CaseResult],
    *,
    pipeline: str,
    eval_file: str,
    created: str,
    only: str = "",
    previous: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    retrieval: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The whole report as plain JSON-ready data; `report.json` is exactly this dict."""
    run: dict[str, Any] = {
        "format": FORMAT,
        "version": 1,
        "created": created,
        "eval_file": eval_file,
        "only": only,
        "pipeline": pipeline,
        "model": next((r.answer.model for r in results if r.answer.model), ""),
        "summary": scoring.summarize(results, pipeline=pipeline),
        "categories": category_rows(results),
        "cases": [r.to_json() for r in results],
    }
    run["compare"] = compare(run, previous) if previous is not None else None
    run["baseline"] = side_by_side(run, baseline) if baseline is not None else None
    run["retrieval"] = retrieval
    return run


def results_of(run: dict[str, Any]) -> list[CaseResult]:
    return [CaseResult.from_json(row) for row in run["cases"]]


def failed(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in run["cases"] if not row["passed"]]


def compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """What got better or worse since `previous`: every metric's delta, and the cases whose verdict flipped."""
    now, before = current["summary"], previous["summary"]
    metrics = []
    for m in METRICS:
        a, b = m.value(before), m.value(now)
        metrics.append(
            {"label": m.label, "kind": m.kind, "before": a, "after": b,
             "delta": None if a is None or b is None else round(b - a, 3), "verdict": verdict(m, a, b)}
        )
    old = {row["id"]: row for row in previous["cases"]}
    new = {row["id"]: row for row in current["cases"]}
    both = [i for i in new if i in old]

    def flip(i: str) -> dict[str, Any]:
        row = new[i]
        return {"id": i, "category": row["category"], "question": row["question"],
                "reason": row["reason"], "reason_before": old[i]["reason"]}

    return {
        "previous": {
            "created": previous.get("created", ""),
            "eval_file": previous.get("eval_file", ""),
            "pipeline": before.get("pipeline", ""),
        },
        "metrics": metrics,
        "newly_passed": [flip(i) for i in both if new[i]["passed"] and not old[i]["passed"]],
        "newly_failed": [flip(i) for i in both if old[i]["passed"] and not new[i]["passed"]],
        "only_now": [i for i in new if i not in old],
        "only_before": [i for i in old if i not in new],
    }


def side_by_side(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Our pipeline next to a baseline's run. When the two ran different cases, both are summarized again over the
    cases they share (from the saved verdicts), so the columns always describe the same questions."""
    ours_ids = [row["id"] for row in current["cases"]]
    theirs = {row["id"] for row in baseline["cases"]}
    common = [i for i in ours_ids if i in theirs]
    same_set = len(common) == len(ours_ids) == len(theirs)
    ours, base = current["summary"], baseline["summary"]
    if not same_set:
        keep = set(common)
        ours = scoring.summarize([r for r in results_of(current) if r.case.id in keep])
        base = scoring.summarize([r for r in results_of(baseline) if r.case.id in keep])
    rows = []
    for m in BASELINE_METRICS:
        a, b = m.value(ours), m.value(base)
        rows.append({"label": m.label, "kind": m.kind, "ours": a, "baseline": b, "verdict": verdict(m, b, a)})
    return {
        "ours": current["summary"].get("pipeline", ""),
        "baseline": baseline["summary"].get("pipeline", ""),
        "baseline_created": baseline.get("created", ""),
        "n_common": len(common),
        "same_cases": same_set,
        "rows": rows,
    }


def load_run(path: Path) -> dict[str, Any]:
    """A saved run: `assistant eval --json` output or an earlier report.json (both hold "summary" and "cases")."""
    data = _read_json(path)
    if not (isinstance(data, dict) and isinstance(data.get("summary"), dict) and isinstance(data.get("cases"), list)):
        raise ReportError(f"{path}: 평가 결과 파일이 아닙니다 (report.json 또는 `eval --json`의 출력이어야 합니다).")
    try:
        results_of(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"{path}: 문항 결과의 형식이 맞지 않습니다 ({exc!r}).") from exc
    return data


def load_retrieval(path: Path) -> list[dict[str, Any]]:
    """The JSON that `python evals/retrieval.py --json PATH` writes: a list of suites, each with its modes."""
    data = _read_json(path)
    if not isinstance(data, list) or not all(
        isinstance(s, dict) and isinstance(s.get("suite"), str) and isinstance(s.get("modes"), dict) for s in data
    ):
        raise ReportError(f"{path}: 검색 벤치마크 결과가 아닙니다 (`python evals/retrieval.py --json`의 출력이어야 합니다).")
    return data


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: 파일을 읽을 수 없습니다 ({exc}).") from exc
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: JSON 형식이 아닙니다 ({exc.msg}, {exc.lineno}번째 줄).") from exc


def retrieval_rows(suite: dict[str, Any]) -> list[list[str]]:
    """One row per search mode: file hit@1/5/MRR, page hit@1/5/MRR ("–" where the suite has no page truth), p50."""
    rows = []
    for mode, m in suite["modes"].items():
        cells = [mode]
        for level in ("file", "page"):
            s = m.get(level) or {}
            has = bool(s.get("n"))
            cells += [f"{s[k]:.3f}" if has and k in s else "–" for k in ("hit@1", "hit@5", "mrr")]
        p50 = m.get("latency_ms_p50")
        cells.append(f"{p50:g}" if isinstance(p50, int | float) else "–")
        rows.append(cells)
    return rows


RETRIEVAL_HEAD = ["방식", "파일 hit@1", "파일 hit@5", "파일 MRR", "쪽 hit@1", "쪽 hit@5", "쪽 MRR", "p50 ms"]
CATEGORY_HEAD = ["범주", "문항", "통과", "통과율", "정답률", "거절 정확도", "인용 타당성", "근거 없는 숫자", "첫 토큰 p50", "전체 p50"]


def category_cells(row: dict[str, Any]) -> list[str]:
    return [
        row["category"], str(row["n"]), str(row["passed"]), fmt("share", row["pass_rate"]),
        fmt("share", row["answer_accuracy"]), fmt("share", row["refusal_accuracy"]),
        fmt("share", row["citation_validity"]), str(row["unsupported_numbers"]),
        fmt("ms", row["first_token_p50_ms"]), fmt("ms", row["total_p50_ms"]),
    ]


def headline(run: dict[str, Any]) -> list[tuple[str, str]]:
    """The overall scores as (label, value) pairs, with the counts staff ask about next to the shares."""
    s = run["summary"]
    out = [(m.label, fmt(m.kind, m.value(s))) for m in METRICS]
    out[0] = (out[0][0], f"{out[0][1]} ({sum(r['passed'] for r in run['cases'] if r['answerable'])}/{s['answerable']})")
    out[1] = (out[1][0], f"{out[1][1]} ({sum(r['passed'] for r in run['cases'] if not r['answerable'])}/{s['unanswerable']})")
    out[3] = (out[3][0], f"{s['unsupported_numbers']}개 ({s['cases_with_unsupported']}문항)")
    return out


def write(run: dict[str, Any], out_dir: Path) -> list[Path]:
    """report.json, report.md and report.html in `out_dir` (created if needed); returns the three paths."""
    # subtle: imported here because both renderers import this module for its labels and formats.
    from assistant import report_html, report_md

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    paths[0].write_text(json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8")
    paths[1].write_text(report_md.render(run), encoding="utf-8")
    paths[2].write_text(report_html.render(run), encoding="utf-8")
    return paths
