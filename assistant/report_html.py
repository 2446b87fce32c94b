"""The eval report as one self-contained HTML page (report.html), with its charts drawn here as inline SVG.

In scope: the page (Korean, `lang="ko"`), its CSS, and three small charts: a latency histogram, every case's
latency as sorted bars, and pass rate per category. Self-contained on purpose: no script, no font, no stylesheet
or image from anywhere (the page's own CSP says so), because staff open it from disk or an intranet share.
Every piece of text from a run (answers, questions, quotes — user text) goes through `esc`. Out of scope: the
report's data (report.py) and its Markdown (report_md.py).
"""

from __future__ import annotations

import html
import math
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

TTFT_COLOR, TOTAL_COLOR = "#2b6cb0", "#dd6b20"
VERDICT = {"better": ("좋아짐", "good"), "worse": ("나빠짐", "bad"), "same": ("–", "")}
_CSS = """
body{font-family:system-ui,"Noto Sans KR","Malgun Gothic",sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;
color:#1a202c;line-height:1.5}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #cbd5e0;font-size:1.2rem}
.meta{color:#4a5568;margin:.1rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.5rem}
.card{border:1px solid #cbd5e0;border-radius:6px;padding:.4rem .6rem}.card b{display:block;font-size:1.15rem}
.card span{color:#4a5568;font-size:.85rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #cbd5e0;padding:.2rem .5rem;
text-align:right;vertical-align:top}th{background:#edf2f7}td:first-child,th:first-child{text-align:left}
td.text{text-align:left;white-space:pre-wrap}
.good{color:#276749;font-weight:600}.bad{color:#c53030;font-weight:600}
.case{border:1px solid #cbd5e0;border-left:4px solid #c53030;border-radius:4px;padding:.3rem .8rem;margin:.6rem 0}
.case h3{font-size:1rem;margin:.3rem 0}.case dt{font-weight:600;color:#4a5568}.case dd{margin:0 0 .3rem 0;
white-space:pre-wrap}
.case blockquote{margin:.2rem 0 .2rem 1rem;padding-left:.5rem;border-left:3px solid #a0aec0;color:#2d3748}
svg{max-width:100%;height:auto;font-size:11px}svg text{fill:#2d3748}
"""


def esc(value: object) -> str:
    """HTML-escaped text. subtle: "://" is written as "&#58;//" so an answer quoting a web address renders the
    same but leaves no "http://" in the file: the page refers to no other host, not even in text."""
    return html.escape(str(value)).replace("://", "&#58;//")


def render(run: dict[str, Any]) -> str:
    s = run["summary"]
    title = f"평가 보고서 — {run['eval_file']}"
    parts = [
        "<!doctype html>",
        '<html lang="ko"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">파이프라인: <b>{esc(PIPELINE_NAMES.get(run["pipeline"], run["pipeline"]))}</b>'
        f" · 모델: {esc(run['model'] or '–')} · 만든 시각: {esc(run['created'])}</p>",
        f'<p class="meta">문항 {s["n"]}개 (답할 문항 {s["answerable"]}, 거절할 문항 {s["unanswerable"]})'
        + (f" · 범주 제한: {esc(run['only'])}" if run["only"] else "")
        + " · 방식별: " + esc(", ".join(f"{k} {v}" for k, v in sorted(s["modes"].items())) or "–") + "</p>",
        '<h2 id="scores">전체 점수</h2><div class="cards">',
        *(f'<div class="card"><span>{esc(label)}</span><b>{esc(value)}</b></div>' for label, value in headline(run)),
        "</div>",
    ]
    if run.get("baseline"):
        parts += _baseline(run["baseline"])
    if run.get("compare"):
        parts += _compare(run["compare"])
    parts += [
        '<h2 id="categories">범주별</h2>',
        _table(CATEGORY_HEAD, [[esc(c) for c in category_cells(r)] for r in run["categories"]]),
        category_chart(run["categories"]),
    ]
    for suite in run.get("retrieval") or []:
        parts += [
            f"<h2>검색 벤치마크: {esc(suite['suite'])}</h2>",
            f'<p class="meta">문서 {esc(suite.get("files", "–"))}개, 질문 {esc(suite.get("questions", "–"))}개, '
            f"조각 {esc(suite.get('chunks', '–'))}개. 쪽 단위 값이 –인 방식은 쪽 정답이 있는 질문이 없는 경우입니다.</p>",
            _table(RETRIEVAL_HEAD, [[esc(c) for c in row] for row in retrieval_rows(suite)]),
        ]
    lat = s["latency"]
    timings = [(r["id"], r["answer"]["timings"]["first_token_ms"], r["answer"]["timings"]["total_ms"])
               for r in run["cases"]]
    parts += [
        '<h2 id="latency">지연 분포</h2>',
        f'<p class="meta">첫 토큰 p50 {fmt("ms", lat["first_token_p50_ms"])}, p95 {fmt("ms", lat["first_token_p95_ms"])}'
        f' · 전체 시간 p50 {fmt("ms", lat["total_p50_ms"])}, p95 {fmt("ms", lat["total_p95_ms"])}</p>',
        histogram({"첫 토큰": [t for _, t, _ in timings], "전체 시간": [t for _, _, t in timings]}),
        sorted_bars(timings),
    ]
    parts += _failures(failed(run))
    parts += _all_cases(run["cases"])
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], text_cols: Sequence[int] = ()) -> str:
    """A table from plain-text headings and cells that are already HTML (escaped by the caller)."""
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        cells = (f'<td class="text">{c}</td>' if i in text_cols else f"<td>{c}</td>" for i, c in enumerate(row))
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</tbody></table>"


def _verdict(v: str) -> str:
    text, cls = VERDICT[v]
    return f'<span class="{cls}">{text}</span>' if cls else text


def _baseline(b: dict[str, Any]) -> list[str]:
    ours, theirs = b["ours"] or "이번 실행", b["baseline"] or "기준선"
    lead = {"better": f'<span class="good">{esc(ours)} 우세</span>', "worse": f'<span class="bad">{esc(theirs)} 우세</span>',
            "same": "같음"}
    rows = [[esc(r["label"]), esc(fmt(r["kind"], r["ours"])), esc(fmt(r["kind"], r["baseline"])), lead[r["verdict"]]]
            for r in b["rows"]]
    note = "" if b["same_cases"] else f" 두 실행의 문항이 달라 공통 문항 {b['n_common']}개로 다시 계산했습니다."
    return [f'<h2 id="baseline">기준선과 비교: {esc(ours)} 대 {esc(theirs)}</h2>',
            f'<p class="meta">공통 문항 {b["n_common"]}개.{esc(note)}</p>',
            _table(["지표", ours, theirs, "비교"], rows)]


def _compare(c: dict[str, Any]) -> list[str]:
    prev = c["previous"]
    rows = [[esc(m["label"]), esc(fmt(m["kind"], m["before"])), esc(fmt(m["kind"], m["after"])),
             "–" if m["delta"] is None else esc(fmt_delta(m["kind"], m["delta"])), _verdict(m["verdict"])]
            for m in c["metrics"]]
    out = [f'<h2 id="compare">지난 실행과 비교</h2><p class="meta">지난 실행: {esc(prev["created"] or "시각 미상")}'
           f" · {esc(prev['pipeline'] or '–')} · {esc(prev['eval_file'] or '–')}</p>",
           _table(["지표", "지난번", "이번", "변화", "판정"], rows)]
    for key, title, cls, why, field in (
        ("newly_passed", "새로 통과한 문항", "good", "지난번 실패 사유", "reason_before"),
        ("newly_failed", "새로 틀린 문항", "bad", "실패 사유", "reason"),
    ):
        out.append(f'<h3 class="{cls}">{title} ({len(c[key])})</h3>')
        rows = [[esc(f["id"]), esc(f["category"]), esc(f["question"]), esc(f[field])] for f in c[key]]
        out.append(_table(["문항", "범주", "질문", why], rows, text_cols=(2, 3)) if rows else "<p>없음</p>")
    if c["only_now"] or c["only_before"]:
        out.append(f'<p class="meta">이번에만 있는 문항: {esc(", ".join(c["only_now"]) or "없음")} · '
                   f'지난번에만 있던 문항: {esc(", ".join(c["only_before"]) or "없음")}</p>')
    return out


def _failures(rows: list[dict[str, Any]]) -> list[str]:
    out = [f'<h2 id="failed">틀린 문항 ({len(rows)})</h2>']
    if not rows:
        return [*out, "<p>모든 문항을 통과했습니다.</p>"]
    for row in rows:
        a = row["answer"]
        quotes = "".join(
            f"<blockquote>[{esc(c['n'])}] {esc(_where(c))}<br>「{esc(c['quote'])}」</blockquote>"
            for c in a["citations"]
        ) or "없음"
        extra = ""
        if row["unsupported"]:
            extra += f"<dt>근거 없는 숫자</dt><dd>{esc(', '.join(row['unsupported']))}</dd>"
        if row.get("note"):
            extra += f"<dt>검증 메모</dt><dd>{esc(row['note'])}</dd>"
        if row.get("draft") and row["draft"] != a["answer"]:
            extra += f"<dt>모델 초안 (검증 전)</dt><dd>{esc(row['draft'])}</dd>"
        out.append(
            f'<article class="case" id="case-{esc(row["id"])}"><h3>{esc(row["id"])} ({esc(row["category"])})'
            f' — <span class="bad">{esc(row["reason"])}</span></h3><dl>'
            f"<dt>질문</dt><dd>{esc(row['question'])}</dd>"
            f"<dt>답변 ({esc(a.get('mode', ''))})</dt><dd>{esc(a['answer'])}</dd>"
            f"<dt>인용</dt><dd>{quotes}</dd>{extra}</dl></article>"
        )
    return out


def _where(c: dict[str, Any]) -> str:
    page = f" {c['page']}쪽" if c.get("page") else ""
    section = f" · {c['section']}" if c.get("section") else ""
    return f"{c['source']}{page}{section}"


def _all_cases(rows: list[dict[str, Any]]) -> list[str]:
    body = [[esc(r["id"]), esc(r["category"]), '<span class="good">통과</span>' if r["passed"] else
             '<span class="bad">실패</span>', esc(r["answer"].get("mode", "")),
             esc(fmt("ms", r["answer"]["timings"]["first_token_ms"])), esc(fmt("ms", r["answer"]["timings"]["total_ms"])),
             esc(r["question"])] for r in rows]
    return ['<h2 id="cases">전체 문항</h2>',
            _table(["문항", "범주", "결과", "방식", "첫 토큰", "전체 시간", "질문"], body, text_cols=(6,))]


def nice_step(span: float, target: int = 6) -> float:
    """A round axis step (1, 2 or 5 × 10ⁿ) that cuts `span` into about `target` parts."""
    if span <= 0:
        return 1.0
    raw = span / target
    power = 10.0 ** math.floor(math.log10(raw))
    return next(float(m * power) for m in (1, 2, 5, 10) if m * power >= raw)


def _frame(width: int, height: int, label: str) -> str:
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{esc(label)}"><title>{esc(label)}</title>')


def _y_axis(left: int, top: int, plot_w: float, plot_h: float, ymax: float, step: float, unit: str) -> list[str]:
    out = []
    tick = 0.0
    while tick <= ymax + 1e-9:
        y = top + plot_h - tick / ymax * plot_h
        out.append(f'<line x1="{left}" x2="{left + plot_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:g}{unit}</text>')
        tick += step
    return out


def _legend(x: int, y: int, items: Sequence[tuple[str, str]]) -> str:
    return "".join(f'<rect x="{x + i * 110}" y="{y - 9}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{x + i * 110 + 14}" y="{y}">{esc(name)}</text>' for i, (name, color) in enumerate(items))


def histogram(series: dict[str, Sequence[float]], width: int = 720, height: int = 260) -> str:
    """Grouped bars: how many cases fall in each time bin (seconds), one colour per series (values in ms)."""
    values = [v / 1000 for vs in series.values() for v in vs]
    top_value = max(values, default=0.0)
    bin_w = nice_step(top_value, 10)
    bins = max(1, math.ceil(top_value / bin_w + 1e-9)) if top_value else 1
    counts = {name: [0] * bins for name in series}
    for name, vs in series.items():
        for v in vs:
            counts[name][min(int(v / 1000 / bin_w), bins - 1)] += 1
    left, top, bottom = 40, 24, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    ymax_count = max((c for cs in counts.values() for c in cs), default=0) or 1
    step = max(1.0, nice_step(ymax_count, 5))
    ymax = math.ceil(ymax_count / step) * step
    colors = dict(zip(series, (TTFT_COLOR, TOTAL_COLOR), strict=False))
    out = [_frame(width, height, "지연 히스토그램: 시간 구간별 문항 수"),
           *_y_axis(left, top, plot_w, plot_h, ymax, step, "")]
    group = plot_w / bins
    bar = group * 0.8 / max(1, len(series))
    for b in range(bins):
        x0 = left + b * group + group * 0.1
        for i, name in enumerate(series):
            n = counts[name][b]
            h = n / ymax * plot_h
            out.append(f'<rect x="{x0 + i * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                       f'fill="{colors[name]}"><title>{esc(name)} {b * bin_w:g}–{(b + 1) * bin_w:g}초: {n}문항'
                       "</title></rect>")
        out.append(f'<text x="{left + b * group:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{b * bin_w:g}</text>')
    out.append(f'<text x="{left + plot_w:.1f}" y="{top + plot_h + 14}" text-anchor="end">{bins * bin_w:g}초</text>')
    out.append(f'<text x="{left}" y="{height - 6}">문항 수 (세로) · 시간 구간 (가로, 초)</text>')
    out.append(_legend(left + 260, height - 6, list(colors.items())))
    return "".join(out) + "</svg>"


def sorted_bars(timings: Sequence[tuple[str, float, float]], width: int = 720, height: int = 260) -> str:
    """One bar per case, sorted by total time: total (orange) with the first-token time (blue) drawn over it."""
    rows = sorted(timings, key=lambda t: t[2])
    top_value = max((t[2] / 1000 for t in rows), default=0.0) or 1.0
    step = nice_step(top_value, 5)
    ymax = math.ceil(top_value / step) * step
    left, top, bottom = 40, 24, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    out = [_frame(width, height, "문항별 지연: 전체 시간 순으로 정렬"), *_y_axis(left, top, plot_w, plot_h, ymax, step, "초")]
    slot = plot_w / max(1, len(rows))
    for i, (case_id, ttft, total) in enumerate(rows):
        x = left + i * slot + slot * 0.1
        for value, color in ((total, TOTAL_COLOR), (min(ttft, total), TTFT_COLOR)):
            h = value / 1000 / ymax * plot_h
            out.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                       f'fill="{color}"><title>{esc(case_id)}: 첫 토큰 {ttft / 1000:.2f}초, 전체 {total / 1000:.2f}초'
                       "</title></rect>")
    out.append(f'<text x="{left}" y="{height - 6}">문항 {len(rows)}개 (가로, 전체 시간 순) · 초 (세로)</text>')
    out.append(_legend(left + 300, height - 6, [("첫 토큰", TTFT_COLOR), ("전체 시간", TOTAL_COLOR)]))
    return "".join(out) + "</svg>"


def category_chart(rows: Sequence[dict[str, Any]], width: int = 720) -> str:
    """Pass rate per category as horizontal bars, with passed/total at the end of each bar."""
    left, row_h = 90, 22
    height = row_h * len(rows) + 30
    plot_w = width - left - 90
    out = [_frame(width, height, "범주별 통과율")]
    for i, r in enumerate(rows):
        y = 10 + i * row_h
        w = r["pass_rate"] * plot_w
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{esc(r["category"])}</text>'
                   f'<rect x="{left}" y="{y + 2}" width="{plot_w}" height="{row_h - 6}" fill="#edf2f7"/>'
                   f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{TTFT_COLOR}"/>'
                   f'<text x="{left + plot_w + 6}" y="{y + 14}">{r["passed"]}/{r["n"]} '
                   f'({r["pass_rate"] * 100:.0f}%)</text>')
    return "".join(out) + "</svg>"
