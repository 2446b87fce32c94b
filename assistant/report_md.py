"""The eval report as Markdown (report.md): the same sections as the HTML, without the charts.

Text from answers and questions is HTML-escaped and kept on one table row, since Markdown viewers render raw HTML
and a "|" or a newline would break a table. Out of scope: building the report's data (report.py).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from assistant.report import (
    CATEGORY_HEAD,
    PIPELINE_NAMES,
    RETRIEVAL_HEAD,
    category_cells,
    failed,
    fmt,
    fmt_delta,
    headline,
    retrieval_rows,
)

VERDICT = {"better": "좋아짐", "worse": "나빠짐", "same": "–"}


def cell(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render(run: dict[str, Any]) -> str:
    s = run["summary"]
    pipeline = PIPELINE_NAMES.get(run["pipeline"], run["pipeline"])
    out = [
        f"# 평가 보고서 — {cell(run['eval_file'])}",
        "",
        f"- 만든 시각: {cell(run['created'])}",
        f"- 파이프라인: {cell(pipeline)}",
        f"- 모델: {cell(run['model'] or '–')}",
        f"- 문항: {s['n']}개 (답할 문항 {s['answerable']}, 거절할 문항 {s['unanswerable']})"
        + (f", 범주 제한: {cell(run['only'])}" if run["only"] else ""),
        "- 방식별: " + (", ".join(f"{k} {v}" for k, v in sorted(s["modes"].items())) or "–"),
        "",
        "## 전체 점수",
        "",
        *_table(["지표", "값"], headline(run)),
    ]
    if run.get("baseline"):
        out += _baseline(run["baseline"])
    if run.get("compare"):
        out += _compare(run["compare"])
    out += ["## 범주별", "", *_table(CATEGORY_HEAD, [category_cells(r) for r in run["categories"]])]
    for suite in run.get("retrieval") or []:
        out += [f"## 검색 벤치마크: {cell(suite['suite'])} (질문 {suite.get('questions', '–')}개)", ""]
        out += _table(RETRIEVAL_HEAD, retrieval_rows(suite))
    lat = s["latency"]
    out += [
        "## 지연 분포",
        "",
        f"첫 토큰 p50 {fmt('ms', lat['first_token_p50_ms'])}, p95 {fmt('ms', lat['first_token_p95_ms'])}; "
        f"전체 시간 p50 {fmt('ms', lat['total_p50_ms'])}, p95 {fmt('ms', lat['total_p95_ms'])}. "
        "분포 그림은 report.html에 있습니다.",
        "",
    ]
    out += _failures(failed(run))
    return "\n".join(out)


def _baseline(b: dict[str, Any]) -> list[str]:
    ours, theirs = b["ours"] or "이번 실행", b["baseline"] or "기준선"
    lead = {"better": f"{ours} 우세", "worse": f"{theirs} 우세", "same": "같음"}
    rows = [[r["label"], fmt(r["kind"], r["ours"]), fmt(r["kind"], r["baseline"]), lead[r["verdict"]]] for r in b["rows"]]
    note = "" if b["same_cases"] else f" 두 실행의 문항이 달라 공통 문항 {b['n_common']}개로 다시 계산했습니다."
    return [f"## 기준선과 비교: {cell(ours)} 대 {cell(theirs)}", "", f"공통 문항 {b['n_common']}개.{note}", "",
            *_table(["지표", ours, theirs, "비교"], rows)]


def _compare(c: dict[str, Any]) -> list[str]:
    prev = c["previous"]
    rows = [
        [m["label"], fmt(m["kind"], m["before"]), fmt(m["kind"], m["after"]),
         "–" if m["delta"] is None else fmt_delta(m["kind"], m["delta"]), VERDICT[m["verdict"]]]
        for m in c["metrics"]
    ]
    out = [f"## 지난 실행과 비교 ({cell(prev['created'] or '시각 미상')}, {cell(prev['pipeline'] or '–')})", "",
           *_table(["지표", "지난번", "이번", "변화", "판정"], rows)]
    for key, title, why, field in (
        ("newly_passed", "새로 통과한 문항", "지난번 실패 사유", "reason_before"),
        ("newly_failed", "새로 틀린 문항", "실패 사유", "reason"),
    ):
        out += [f"### {title} ({len(c[key])})", ""]
        out += [f"- **{cell(f['id'])}** ({cell(f['category'])}) {cell(f['question'])} — {why}: {cell(f[field])}"
                for f in c[key]] or ["- 없음"]
        out.append("")
    if c["only_now"] or c["only_before"]:
        out += [f"이번에만 있는 문항: {', '.join(c['only_now']) or '없음'}; "
                f"지난번에만 있던 문항: {', '.join(c['only_before']) or '없음'}", ""]
    return out


def _failures(rows: list[dict[str, Any]]) -> list[str]:
    out = [f"## 틀린 문항 ({len(rows)})", ""]
    if not rows:
        return [*out, "모든 문항을 통과했습니다.", ""]
    for row in rows:
        a = row["answer"]
        out += [
            f"### {cell(row['id'])} ({cell(row['category'])}) — {cell(row['reason'])}",
            "",
            f"- 질문: {cell(row['question'])}",
            f"- 답변 ({cell(a.get('mode', ''))}): {cell(a['answer'])}",
        ]
        if row["unsupported"]:
            out.append(f"- 근거 없는 숫자: {cell(', '.join(row['unsupported']))}")
        if row.get("note"):
            out.append(f"- 검증 메모: {cell(row['note'])}")
        for c in a["citations"]:
            where = c["source"] + (f" {c['page']}쪽" if c.get("page") else "")
            out.append(f"  - [{c['n']}] {cell(where)}: 「{cell(c['quote'])}」")
        out.append("")
    return out
