"""Retrieval benchmark: ingest a document set, run `search` for every question, print hit@1/hit@5/MRR.

Suites (each built in its own fresh index under a temporary folder unless --data-dir is given):
- corpus: the bundled corpus/ with evals/corpus_retrieval.jsonl
- real-notices: ../shared/fixtures/real/ (PDF notices plus the HWP files as distractors) with
  ../shared/benchmarks/real-notices/questions.jsonl
- allganize: ../shared/benchmarks/allganize-ko-dev/ (44 PDFs, 238 questions); slower, opt in with --suite

Prints, per suite and per mode (dense, bm25, hybrid), file- and page-level hit@1, hit@5 and MRR@10, plus
ingestion speed (pages/s, chunks/s) and index size; writes everything as JSON with --json.
Usage: python evals/retrieval.py [--suite corpus --suite real-notices] [--json evals/out/retrieval.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.collect import collect
from assistant.factory import build_index
from assistant.index import Mode
from assistant.metrics import Expected, summarize
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SUITES: dict[str, tuple[list[Path], Path]] = {
    "corpus": ([ROOT / "corpus"], ROOT / "evals" / "corpus_retrieval.jsonl"),
    "real-notices": ([SHARED / "fixtures" / "real"], SHARED / "benchmarks" / "real-notices" / "questions.jsonl"),
    "allganize": (
        [SHARED / "benchmarks" / "allganize-ko-dev" / "pdfs"],
        SHARED / "benchmarks" / "allganize-ko-dev" / "questions.jsonl",
    ),
}
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
K = 10


def run_suite(name: str, data_dir: Path) -> dict[str, Any]:
    docs, questions = SUITES[name]
    index = build_index(Settings(data_dir=data_dir))
    files = list(collect(docs))
    started = time.perf_counter()
    results = [index.ingest(path) for path in files]
    ingest_s = time.perf_counter() - started
    done = [r for r in results if r.status in ("indexed", "replaced")]
    pages = sum(r.pages or 0 for r in done)
    chunks = sum(r.chunks for r in done)
    cases = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [c for c in cases if c.get("answerable", True) and c.get("sources")]
    out: dict[str, Any] = {
        "suite": name,
        "files": len(files),
        "rejected": {r.path.name: r.reason for r in results if r.status == "rejected"},
        "questions": len(cases),
        "ingest_seconds": round(ingest_s, 2),
        "pages": pages,
        "chunks": chunks,
        "pages_per_s": round(pages / ingest_s, 2) if ingest_s and done else None,
        "chunks_per_s": round(chunks / ingest_s, 2) if ingest_s and done else None,
        "index_bytes": sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()),
        "modes": {},
    }
    for mode in MODES:
        runs = []
        latencies = []
        for case in cases:
            t = time.perf_counter()
            hits = index.search(case["question"], k=K, mode=mode)
            latencies.append(time.perf_counter() - t)
            ranked = [(h.chunk.source, h.chunk.page) for h in hits]
            runs.append((ranked, Expected(frozenset(case["sources"]), frozenset(case.get("pages") or []))))
        latencies.sort()
        out["modes"][mode] = {
            "file": summarize(runs, by_page=False),
            "page": summarize(runs, by_page=True),
            "latency_ms_p50": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        }
    return out


def table(result: dict[str, Any]) -> Iterator[str]:
    yield (
        f"\n## {result['suite']}: {result['files']} files ({len(result['rejected'])} rejected), "
        f"{result['questions']} questions"
    )
    yield (
        f"ingestion: {result['pages']} pages, {result['chunks']} chunks in {result['ingest_seconds']} s "
        f"({result['pages_per_s']} pages/s, {result['chunks_per_s']} chunks/s); "
        f"index {result['index_bytes'] / 1e6:.1f} MB"
    )
    yield "| mode | file hit@1 | file hit@5 | file MRR | page hit@1 | page hit@5 | page MRR | p50 ms |"
    yield "| --- | --- | --- | --- | --- | --- | --- | --- |"
    for mode, m in result["modes"].items():
        f, p = m["file"], m["page"]
        page = (
            f"{p['hit@1']:.3f} | {p['hit@5']:.3f} | {p['mrr']:.3f}" if p["n"] else "– | – | –"
        )
        yield (
            f"| {mode} | {f['hit@1']:.3f} | {f['hit@5']:.3f} | {f['mrr']:.3f} | {page} | {m['latency_ms_p50']} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", action="append", choices=sorted(SUITES), help="repeatable")
    parser.add_argument("--json", type=Path, help="write all results here")
    args = parser.parse_args()
    suites = args.suite or ["corpus", "real-notices"]
    results = []
    for name in suites:
        docs, questions = SUITES[name]
        if not questions.exists() or not all(d.exists() for d in docs):
            print(f"skip {name}: {questions} or its documents are absent", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory(prefix=f"retrieval-{name}-") as tmp:
            result = run_suite(name, Path(tmp))
        results.append(result)
        for line in table(result):
            print(line, flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
