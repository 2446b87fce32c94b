"""Long staff tasks run in the background of the web app: re-indexing the document folders and running an eval set.

In scope: one job at a time in a daemon thread, its progress lines and result for the staff page to read, and the
two jobs themselves. Each step (one file, one eval question) takes its own turn in the model's line, so
applicants keep getting answers between them. Out of scope: the page (web_staff.py), how files are indexed
(index.py) and how answers are scored (scoring.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import report, scoring
from assistant.collect import collect
from assistant.evalset import Case
from assistant.index import IngestResult
from assistant.messages import reject_reason
from assistant.web_queue import ModelQueue


@dataclass
class Job:
    """What the staff page shows of a job: progress lines, and when done the result text (or the error)."""

    kind: str  # "reindex" | "eval"
    title: str
    total: int
    started: float = field(default_factory=time.time)
    done: int = 0
    lines: list[str] = field(default_factory=list)
    finished: float | None = None
    result: str = ""  # the summary, for an eval
    summary: dict[str, Any] | None = None
    error: str = ""
    saved: Path | None = None  # where an eval's JSON went
    report: str = ""  # the eval report's folder name under the reports folder (see `run_eval`)

    @property
    def running(self) -> bool:
        return self.finished is None


class Jobs:
    """The current (or last) staff job. `start` refuses a second one while the first runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Job | None = None

    def start(self, job: Job, work: Callable[[Job], None]) -> bool:
        with self._lock:
            if self.current is not None and self.current.running:
                return False
            self.current = job
        threading.Thread(target=_run, args=(job, work), name=f"staff-{job.kind}", daemon=True).start()
        return True


def _run(job: Job, work: Callable[[Job], None]) -> None:
    try:
        work(job)
    except Exception as exc:  # the page must show the failure instead of a job that never ends
        job.error = f"{type(exc).__name__}: {exc}"
    finally:
        job.finished = time.time()


def reindex_files(index: Any, folders: Iterable[Path]) -> list[Path]:
    """Every file under `folders`, plus every indexed document's own file that still exists elsewhere."""
    files = {p.resolve(): p for p in collect([f for f in folders if f.exists()])}
    for doc, _, _ in index.documents():
        path = Path(doc.path)
        if path.is_file():
            files.setdefault(path.resolve(), path)
    return sorted(files.values(), key=lambda p: p.name)


def reindex(index: Any, queue: ModelQueue, files: list[Path]) -> Callable[[Job], None]:
    """Ingest each file again (unchanged files are skipped by content hash), one turn in line per file."""

    def work(job: Job) -> None:
        for path in files:
            with queue.turn(force=True):
                result = index.ingest(path)
            job.lines.append(report_line(path, result))
            job.done += 1
        job.result = f"{job.done}개 파일을 확인했습니다."

    return work


REPORTS = "reports"  # under the eval results folder: one folder per run with report.html/.json/.md


def run_eval(assistant: Any, queue: ModelQueue, cases: list[Case], out: Path, eval_name: str = "") -> Callable[[Job], None]:
    """Answer every case with the app's own assistant, score it, write the summary and cases as JSON (`out`,
    named STEM-YYYYmmdd-HHMMSS.json) and the eval report into `reports/<out's stem>/` beside it."""

    def work(job: Job) -> None:
        results = []
        for case in cases:
            with queue.turn(force=True):
                answer = assistant.ask(case.question, case.history)
            result = scoring.score_case(case, answer)
            results.append(result)
            job.lines.append(scoring.format_case(result))
            job.done += 1
        job.summary = scoring.summarize(results)
        job.result = scoring.format_summary(job.summary)
        out.parent.mkdir(parents=True, exist_ok=True)
        body = {"summary": job.summary, "cases": [r.to_json() for r in results]}
        out.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
        job.saved = out
        # The HTML report beside it, compared with the last report of the same eval set when there is one.
        reports = out.parent / REPORTS
        stem = out.stem.rsplit("-", 2)[0]
        earlier = sorted(reports.glob(f"{stem}-*/report.json"))
        previous = report.load_run(earlier[-1]) if earlier else None
        run = report.build(results, pipeline="assistant", eval_file=eval_name, created=time.strftime("%Y-%m-%d %H:%M"),
                           previous=previous)
        report.write(run, reports / out.stem)
        job.report = out.stem

    return work


def report_line(path: Path, result: IngestResult) -> str:
    """The `assistant ingest` line for one file: ✓ indexed, = unchanged, ✗ skipped with the Korean reason."""
    if result.status == "rejected":
        return f"✗ {path.name} — 건너뜀: {reject_reason(result.reason)}"
    if result.status == "unchanged":
        return f"= {path.name} — 변경 없음"
    pages = f", {result.pages}쪽" if result.pages else ""
    verb = "다시 색인" if result.status == "replaced" else "색인"
    return f"✓ {path.name} — {verb} {result.chunks}조각{pages} ({result.seconds:.1f}초)"
