"""The eval report at the command line: `eval … --report DIR` options, and `assistant report` for saved runs.

In scope: the options, reading the files they name before the (long) eval starts, and writing the report.
Out of scope: what the report holds (report.py) and how it looks (report_md.py, report_html.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import report
from assistant.scoring import CaseResult
from assistant.settings import Settings

_REPORT_HELP = "이 폴더에 평가 보고서 report.html(그림 포함, 외부 연결 없음), report.json, report.md를 씁니다."
_COMPARE_HELP = (
    "지난 실행의 report.json(또는 eval --json 출력)과 비교합니다: 지표별 변화, 새로 통과한 문항, 새로 틀린 문항."
)
_BASELINE_HELP = (
    "기준선 파이프라인(--pipeline plain 또는 langchain)으로 돌린 report.json(또는 eval --json 출력)을 "
    "이번 실행 옆에 나란히 보여 줍니다: 정답률, 거절 정확도, 인용 타당성, 근거 없는 숫자, 첫 토큰·전체 시간. "
    "문항이 다르면 공통 문항만으로 다시 계산합니다."
)
_RETRIEVAL_HELP = (
    "`python evals/retrieval.py --json PATH`가 쓴 검색 벤치마크 JSON을 보고서에 표로 넣습니다 "
    "(묶음 × 방식별 hit@1/5, MRR)."
)


@dataclass(frozen=True)
class Inputs:
    """The files the report options name, read and checked."""

    previous: dict[str, Any] | None
    baseline: dict[str, Any] | None
    retrieval: list[dict[str, Any]] | None


def add_options(p: argparse.ArgumentParser) -> None:
    """`--report`, `--compare`, `--baseline` and `--retrieval` on the `eval` command."""
    p.add_argument("--report", type=Path, default=None, metavar="DIR", help=_REPORT_HELP)
    _add_inputs(p, " --report와 함께 씁니다.")


def _add_inputs(p: argparse.ArgumentParser, suffix: str = "") -> None:
    p.add_argument("--compare", type=Path, default=None, metavar="PREV_report.json", help=_COMPARE_HELP + suffix)
    p.add_argument(
        "--baseline", type=Path, default=None, metavar="BASELINE_report.json", help=_BASELINE_HELP + suffix
    )
    p.add_argument("--retrieval", type=Path, default=None, metavar="RETRIEVAL.json", help=_RETRIEVAL_HELP + suffix)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[common],
        help="저장된 평가 결과(eval --json 또는 report.json)로 평가를 다시 돌리지 않고 보고서를 만듭니다.",
    )
    p.add_argument("results", type=Path, metavar="RESULTS.json", help="eval --json 출력 또는 report.json")
    p.add_argument("out", type=Path, metavar="DIR", help=_REPORT_HELP)
    _add_inputs(p)
    p.set_defaults(run=_report)


def load_inputs(args: argparse.Namespace) -> Inputs:
    """Read every file the options name; a bad one stops here with a Korean ReportError, before any model loads."""
    wanted = [o for o in ("compare", "baseline", "retrieval") if getattr(args, o) is not None]
    if wanted and getattr(args, "report", True) is None:
        raise report.ReportError(f"--{wanted[0]}는 --report 폴더와 함께 써야 합니다.")
    return Inputs(
        previous=report.load_run(args.compare) if args.compare else None,
        baseline=report.load_run(args.baseline) if args.baseline else None,
        retrieval=report.load_retrieval(args.retrieval) if args.retrieval else None,
    )


def write(
    out: Path,
    inputs: Inputs,
    results: Sequence[CaseResult],
    *,
    pipeline: str,
    eval_file: str,
    only: str = "",
    created: str | None = None,
    summary: dict[str, Any] | None = None,
) -> None:
    run = report.build(
        results, pipeline=pipeline, eval_file=eval_file, only=only,
        created=created or time.strftime("%Y-%m-%d %H:%M"),
        previous=inputs.previous, baseline=inputs.baseline, retrieval=inputs.retrieval,
    )
    if summary is not None:
        run["summary"] = summary
    paths = report.write(run, out)
    print(f"보고서를 썼습니다: {', '.join(str(p) for p in paths)}", file=sys.stderr)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    del settings  # a saved run needs neither the index nor the model
    inputs = load_inputs(args)
    saved = report.load_run(args.results)
    # subtle: the saved summary is kept as it was measured; older `eval --json` rows lack the retrieval truth
    # that summarizing the rebuilt cases again would need.
    write(
        args.out, inputs, report.results_of(saved),
        pipeline=saved["summary"].get("pipeline", "assistant"),
        eval_file=saved.get("eval_file") or args.results.name,
        only=saved.get("only", ""),
        created=saved.get("created") or None,
        summary=saved["summary"],
    )
    return 0
