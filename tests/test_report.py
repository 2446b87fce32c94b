"""The staff eval report on a small hand-built run whose scores are worked out by hand (no model, no index)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant import report, scoring
from assistant.report_html import histogram, nice_step, render
from assistant.report_md import render as render_md
from assistant.scoring import CaseResult, score_case
from tests.test_scoring import answer, case, unanswerable

EVIL = "<script>alert('x')</script> 최대 1억원입니다. 자세한 건 https://evil.example/x 와 http://a.b 참고"
RETRIEVAL = [
    {
        "suite": "corpus",
        "files": 4,
        "questions": 40,
        "chunks": 134,
        "modes": {
            "dense": {"file": {"n": 40.0, "hit@1": 0.85, "hit@5": 1.0, "mrr": 0.899},
                      "page": {"n": 0.0, "hit@1": 0.0, "hit@5": 0.0, "mrr": 0.0}, "latency_ms_p50": 16.5},
            "hybrid": {"file": {"n": 40.0, "hit@1": 0.85, "hit@5": 1.0, "mrr": 0.917},
                       "page": {"n": 30.0, "hit@1": 0.2, "hit@5": 0.9, "mrr": 0.504}, "latency_ms_p50": 17.2},
        },
    }
]


def current() -> list[CaseResult]:
    """elig-01 passes; elig-02 misses "1억" and states 7년, 3억원 unbacked; refuse-01 refuses (right);
    refuse-02 answers (wrong) with markup and web addresses in its text and 1억원 unbacked."""
    return [
        score_case(
            case("elig-01", sources=("notice.pdf",), pages=(2,)),
            answer("창업 7년 이내입니다 [1]", quotes=("창업 7년 이내",), retrieved=(("notice.pdf", 2),)),
        ),
        score_case(
            case("elig-02", must=(("7년",), ("1억",)), sources=("notice.pdf",), pages=(2,)),
            answer("창업 7년 이내, 최대 3억원 [1]", quotes=("창업 5년 이내",), ttft=3000, mode="extractive",
                   retrieved=(("faq.md", None), ("notice.pdf", 5), ("notice.pdf", 2))),
        ),
        score_case(unanswerable("refuse-01"), answer("문서에 없습니다", refused=True, ttft=10)),
        score_case(unanswerable("refuse-02"), answer(EVIL, ttft=20)),
    ]


def previous() -> list[CaseResult]:
    """The run before: elig-01 refused (fail), elig-02 the same, refuse-01 and refuse-02 refused (pass), and a
    date-01 that passed and is no longer in the set."""
    return [
        score_case(case("elig-01"), answer("문서에 없습니다", refused=True, ttft=900)),
        score_case(case("elig-02", must=(("7년",), ("1억",))), answer("창업 7년 [1]", quotes=("창업 7년",), ttft=3100)),
        score_case(unanswerable("refuse-01"), answer("문서에 없습니다", refused=True, ttft=10)),
        score_case(unanswerable("refuse-02"), answer("문서에 없습니다", refused=True, ttft=20)),
        score_case(case("date-01", must=(("3월",),)), answer("3월입니다 [1]", quotes=("3월",))),
    ]


def build(**extra: Any) -> dict[str, Any]:
    return report.build(current(), pipeline="assistant", eval_file="set.jsonl", created="2026-12-06 13:00", **extra)


def saved(results: list[CaseResult], pipeline: str) -> dict[str, Any]:
    """What `eval --json` writes."""
    return {"summary": scoring.summarize(results, pipeline=pipeline), "cases": [r.to_json() for r in results]}


def test_overall_scores_come_from_the_scorer() -> None:
    s = build()["summary"]
    assert (s["answer_accuracy"], s["refusal_accuracy"], s["citation_validity"]) == (0.5, 0.5, 0.5)
    assert (s["unsupported_numbers"], s["cases_with_unsupported"]) == (3, 2)
    assert s["retrieval_page"] == {"n": 2.0, "hit@1": 0.5, "hit@5": 1.0, "mrr": 0.667}
    assert (s["latency"]["first_token_p50_ms"], s["latency"]["total_p95_ms"]) == (510.0, 5400.0)
    run = build()
    assert dict(report.headline(run))["정답률"] == "50.0% (1/2)"
    assert dict(report.headline(run))["근거 없는 숫자 (개)"] == "3개 (2문항)"
    assert run["model"] == "m" and run["pipeline"] == "assistant"


def test_per_category_table() -> None:
    elig, refuse = build()["categories"]
    assert elig == {
        "category": "elig", "n": 2, "passed": 1, "pass_rate": 0.5, "answerable": 2, "unanswerable": 0,
        "answer_accuracy": 0.5, "refusal_accuracy": None, "citation_validity": 0.5, "unsupported_numbers": 2,
        "first_token_p50_ms": 2000.0, "total_p50_ms": 4000.0,
    }
    assert refuse == {
        "category": "refuse", "n": 2, "passed": 1, "pass_rate": 0.5, "answerable": 0, "unanswerable": 2,
        "answer_accuracy": None, "refusal_accuracy": 0.5, "citation_validity": None, "unsupported_numbers": 1,
        "first_token_p50_ms": 15.0, "total_p50_ms": 30.0,
    }
    assert report.category_cells(refuse) == ["refuse", "2", "1", "50.0%", "–", "50.0%", "–", "1", "0.01초", "0.03초"]


def test_failed_cases_are_listed_with_their_reasons() -> None:
    run = build()
    assert [(r["id"], r["reason"]) for r in report.failed(run)] == [
        ("elig-02", "필수 내용 누락: ['1억']"),
        ("refuse-02", "거절해야 하는데 답함"),
    ]
    md = render_md(run)
    assert "## 틀린 문항 (2)" in md and "### elig-02 (elig) — 필수 내용 누락: ['1억']" in md
    assert "- 근거 없는 숫자: 7년, 3억원" in md and "[1] notice.pdf 2쪽: 「창업 5년 이내」" in md
    page = render(run)
    assert page.count('<article class="case"') == 2
    assert "필수 내용 누락: [&#x27;1억&#x27;]" in page and "「창업 5년 이내」" in page
    assert 'id="case-elig-01"' not in page  # a passed case is not in the failure list


def test_html_is_self_contained_and_escapes_answers() -> None:
    page = render(build(retrieval=RETRIEVAL))
    assert "http://" not in page and "https://" not in page  # not even the answer's own addresses, nor xmlns
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert not re.search(r"\b(src|href)=", page)  # nothing loaded, nothing linked
    assert "default-src 'none'" in page and '<html lang="ko">' in page
    assert page.count("<svg") == 3 and page.count("</svg>") == 3  # categories, histogram, sorted bars
    assert "refuse-02: 첫 토큰 0.02초, 전체 0.04초" in page  # a sorted bar's tooltip
    md = render_md(build())
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_compare_lists_a_regression_and_an_improvement() -> None:
    diff = build(previous=saved(previous(), "assistant"))["compare"]
    assert [(f["id"], f["reason_before"]) for f in diff["newly_passed"]] == [("elig-01", "답해야 하는데 거절함")]
    assert [(f["id"], f["reason"]) for f in diff["newly_failed"]] == [("refuse-02", "거절해야 하는데 답함")]
    assert (diff["only_now"], diff["only_before"]) == ([], ["date-01"])
    by_label = {m["label"]: m for m in diff["metrics"]}
    # answerable before: elig-01 ✗, elig-02 ✗, date-01 ✓ = 1/3; now 1/2
    assert (by_label["정답률"]["before"], by_label["정답률"]["after"], by_label["정답률"]["verdict"]) == (
        0.333, 0.5, "better")
    assert (by_label["거절 정확도"]["delta"], by_label["거절 정확도"]["verdict"]) == (-0.5, "worse")
    assert by_label["근거 없는 숫자 (개)"]["verdict"] == "worse"  # 0 before, 3 now
    md = render_md(build(previous=saved(previous(), "assistant")))
    assert "| 거절 정확도 | 100.0% | 50.0% | -50.0%p | 나빠짐 |" in md
    assert "### 새로 틀린 문항 (1)" in md and "**refuse-02**" in md and "### 새로 통과한 문항 (1)" in md


def test_latency_counts_as_changed_only_beyond_noise() -> None:
    ttft = next(m for m in report.METRICS if m.label == "첫 토큰 p50")
    assert report.verdict(ttft, 1000.0, 1080.0) == "same"  # 8 %: noise on a shared machine
    assert report.verdict(ttft, 1000.0, 1300.0) == "worse"
    assert report.verdict(ttft, 1000.0, 600.0) == "better"


def test_baseline_side_by_side_over_the_shared_cases() -> None:
    plain = saved(previous(), "plain")  # five cases, four shared with ours
    b = build(baseline=plain)["baseline"]
    assert (b["ours"], b["baseline"], b["n_common"], b["same_cases"]) == ("assistant", "plain", 4, False)
    rows = {r["label"]: r for r in b["rows"]}
    # over the 4 shared cases the baseline is 0/2 answerable, 2/2 refusals
    assert (rows["정답률"]["ours"], rows["정답률"]["baseline"], rows["정답률"]["verdict"]) == (0.5, 0.0, "better")
    assert (rows["거절 정확도"]["ours"], rows["거절 정확도"]["baseline"]) == (0.5, 1.0)
    assert rows["거절 정확도"]["verdict"] == "worse"
    assert {"인용 타당성", "첫 토큰 p50", "첫 토큰 p95"} <= rows.keys()
    page = render(build(baseline=plain))
    assert "기준선과 비교: assistant 대 plain" in page and "공통 문항 4개로 다시 계산했습니다" in page


def test_report_json_round_trips(tmp_path: Path) -> None:
    run = build(previous=saved(previous(), "assistant"), baseline=saved(previous(), "plain"), retrieval=RETRIEVAL)
    paths = report.write(run, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    assert all(p.stat().st_size > 0 for p in paths)
    loaded = report.load_run(paths[0])
    assert loaded == json.loads(json.dumps(run))
    # the saved cases rebuild into results that summarize to the same numbers
    assert scoring.summarize(report.results_of(loaded), pipeline="assistant") == run["summary"]
    for r in current():
        assert CaseResult.from_json(r.to_json()).to_json() == r.to_json()


def test_retrieval_benchmark_table(tmp_path: Path) -> None:
    path = tmp_path / "retrieval.json"
    path.write_text(json.dumps(RETRIEVAL), encoding="utf-8")
    suites = report.load_retrieval(path)
    assert report.retrieval_rows(suites[0]) == [
        ["dense", "0.850", "1.000", "0.899", "–", "–", "–", "16.5"],
        ["hybrid", "0.850", "1.000", "0.917", "0.200", "0.900", "0.504", "17.2"],
    ]
    md = render_md(build(retrieval=suites))
    assert "## 검색 벤치마크: corpus (질문 40개)" in md
    assert "| hybrid | 0.850 | 1.000 | 0.917 | 0.200 | 0.900 | 0.504 | 17.2 |" in md


def test_bad_inputs_say_what_they_should_be(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"modes": {}}', encoding="utf-8")
    with pytest.raises(report.ReportError, match="평가 결과 파일이 아닙니다"):
        report.load_run(path)
    with pytest.raises(report.ReportError, match="검색 벤치마크 결과가 아닙니다"):
        report.load_retrieval(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(report.ReportError, match="JSON 형식이 아닙니다"):
        report.load_run(path)
    with pytest.raises(report.ReportError, match="읽을 수 없습니다"):
        report.load_run(tmp_path / "없음.json")


def test_chart_helpers() -> None:
    assert [nice_step(x, 10) for x in (3.7, 0.04, 45.0, 0.0)] == [0.5, 0.005, 5.0, 1.0]
    svg = histogram({"첫 토큰": [100.0, 600.0, 700.0], "전체 시간": []})
    assert svg.startswith("<svg") and "첫 토큰 0.6–0.7초: 1문항" in svg
    assert histogram({"첫 토큰": []}).endswith("</svg>")  # an empty run draws an empty chart


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(cwd / "data")}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=cwd)


def test_cli_report_from_saved_runs_and_early_errors(tmp_path: Path) -> None:
    """`assistant report` renders saved runs without the model; `eval` checks the report inputs before loading it."""
    (tmp_path / "now.json").write_text(json.dumps(saved(current(), "assistant")), encoding="utf-8")
    (tmp_path / "before.json").write_text(json.dumps(saved(previous(), "assistant")), encoding="utf-8")
    (tmp_path / "plain.json").write_text(json.dumps(saved(previous(), "plain")), encoding="utf-8")
    (tmp_path / "retrieval.json").write_text(json.dumps(RETRIEVAL), encoding="utf-8")
    done = _cli("report", "now.json", "out", "--compare", "before.json", "--baseline", "plain.json",
                "--retrieval", "retrieval.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "새로 틀린 문항 (1)" in page and "기준선과 비교" in page and "검색 벤치마크: corpus" in page
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["eval_file"] == "now.json"

    (tmp_path / "set.jsonl").write_text('{"id": "a-1", "question": "질문", "answerable": false}\n', encoding="utf-8")
    missing = _cli("eval", "set.jsonl", "--report", "r", "--compare", "없음.json", cwd=tmp_path)
    assert missing.returncode == 2 and "없음.json: 파일을 읽을 수 없습니다" in missing.stderr
    assert "모델을 불러오는 중" not in missing.stderr and not (tmp_path / "data").exists()
    alone = _cli("eval", "set.jsonl", "--baseline", "plain.json", cwd=tmp_path)
    assert alone.returncode == 2 and "--report 폴더와 함께" in alone.stderr
