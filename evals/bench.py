"""Speed benchmark on this machine: ingestion, retrieval at scale, answer latency, model throughput, memory.

Measured, never asserted (the tests assert content, not time). Sections:
- ingestion: the bundled corpus (and ../shared/fixtures/real with --real) into a fresh index: pages/s, chunks/s.
- retrieval: hybrid search latency p50/p95 over the gold questions at the corpus size and at synthetic scale-ups
  (the corpus chunks copied under new file names with slightly jittered vectors; default 1,000 and 10,000 chunks).
- answers: time to first token and total time p50/p95 through `Assistant.stream` over gold questions.
- model: prompt and decode tokens/s of one prompt through our `LocalLLM` and through llama-cpp-python's own
  `create_chat_completion` on the same model file and prompt; our overhead as a ratio.
- memory: peak resident memory of this process (model, embeddings, index) after all of the above.
- serve: `assistant serve` started as its own process on a copy of the index; the same questions streamed through
  `POST /api/ask/stream` one after another: time to the first token event and to the final event as the HTTP
  client sees it, and the server's peak resident memory (VmHWM) after them.

Usage: python evals/bench.py [--json evals/out/bench.json] [--real] [--scales 1000,10000] [--questions 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from assistant.collect import collect
from assistant.evalset import load_cases
from assistant.factory import build_assistant, build_index
from assistant.index import Index
from assistant.scoring import percentile
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "fixtures" / "real"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="속도 벤치마크: 색인, 검색, 답변 지연, 모델 처리량, 메모리.")
    parser.add_argument("--json", type=Path, help="결과를 JSON으로 쓸 파일")
    parser.add_argument("--real", action="store_true", help="../shared/fixtures/real 색인 속도도 잽니다 (수 분).")
    parser.add_argument("--scales", default="1000,10000", help="검색 지연을 잴 조각 수 (쉼표로 구분)")
    parser.add_argument("--questions", type=int, default=12, help="답변 지연을 잴 질문 수")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    questions = [c.question for c in load_cases(ROOT / "evals" / "gold.jsonl") if c.answerable and not c.history]

    result: dict[str, Any] = {"machine": _machine(), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "corpus")
        index = build_index(settings)
        result["ingestion"] = [_ingest("corpus", index, [ROOT / "corpus"])]
        if args.real and REAL.is_dir():
            real = build_index(Settings(data_dir=Path(tmp) / "real"))
            result["ingestion"].append(_ingest("shared/fixtures/real", real, [REAL]))
        base = sum(n for _, n, _ in index.documents())
        result["retrieval"] = [_search_latency(index, questions, base)]
        for n in scales:
            scaled = _scaled_copy(index, Path(tmp) / f"scaled-{n}", n)
            result["retrieval"].append(_search_latency(scaled, questions, n))
        print("모델을 불러오는 중입니다…", file=sys.stderr)
        assistant = build_assistant(settings, index)
        assistant.warm()
        result["answers"] = _answer_latency(assistant, questions[: args.questions])
        # Before the throughput section loads two more copies of the model for its comparison.
        result["memory"] = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        result["model"] = _model_throughput(assistant, settings)
        del assistant
        shutil.copytree(settings.data_dir, Path(tmp) / "serve")
        result["serve"] = _serve(Path(tmp) / "serve", questions[: args.questions])
    print(format_table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"결과를 {args.json}에 썼습니다.", file=sys.stderr)
    return 0


def _machine() -> dict[str, Any]:
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return {"cpus": len(os.sched_getaffinity(0)), "arch": platform.machine(), "memory_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "gpu": "none"}


def _ingest(name: str, index: Index, folders: list[Path]) -> dict[str, Any]:
    files = list(collect(folders))
    started = time.perf_counter()
    results = [index.ingest(path) for path in files]
    seconds = time.perf_counter() - started
    pages = sum(r.pages or 0 for r in results)
    chunks = sum(r.chunks for r in results)
    print(f"색인 {name}: 파일 {len(files)}개, {pages}쪽, 조각 {chunks}개, {seconds:.1f}초", file=sys.stderr)
    return {"set": name, "files": len(files), "pages": pages, "chunks": chunks, "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 3), "chunks_per_s": round(chunks / seconds, 2)}


def _scaled_copy(base: Index, data_dir: Path, target: int) -> Index:
    """A new index of about `target` chunks: the base documents copied under new names, vectors jittered so
    the copies are near, not equal, neighbours. BM25 sees the same terms as the originals."""
    index = build_index(Settings(data_dir=data_dir))
    rows = base.catalog.chunks()
    ids = [c.id for c, _ in rows]
    vectors = base.store.vectors(ids)
    docs = {d.source: d for d, _, active in base.documents() if active}
    rng = np.random.default_rng(7)
    copies = max(1, round(target / len(rows)))
    started = time.perf_counter()
    for j in range(copies):
        for source, doc in docs.items():
            picked = [i for i, (c, _) in enumerate(rows) if c.source == source]
            new_source = f"copy{j:04d}-{source}"
            info = dataclasses.replace(doc, source=new_source, series=f"{doc.series}#{j}", sha256=f"{doc.sha256}{j}")
            chunks = [dataclasses.replace(rows[i][0], id=f"{j}-{rows[i][0].id}", source=new_source) for i in picked]
            noisy = vectors[picked] + rng.normal(0, 0.02, (len(picked), vectors.shape[1])).astype(np.float32)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            index.store.upsert(chunks, noisy)
            index.catalog.replace(info, chunks, [rows[i][1] for i in picked])
    print(f"검색 규모 {copies * len(rows)}조각 색인 {time.perf_counter() - started:.1f}초", file=sys.stderr)
    return index


def _search_latency(index: Index, questions: list[str], chunks: int) -> dict[str, Any]:
    index.search("워밍업 질문")  # the BM25 index is built on the first search of a new generation
    times = [_timed(functools.partial(index.search, q, k=10)) for q in questions]
    return {"chunks": sum(n for _, n, _ in index.documents()) or chunks, "queries": len(times),
            "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _answer_latency(assistant: Any, questions: list[str]) -> dict[str, Any]:
    first, total, generated_first = [], [], []
    for q in questions:
        answer = assistant.ask(q)
        t = answer.timings
        total.append(t.total_ms)
        if t.first_token_ms:
            first.append(t.first_token_ms)
            if answer.mode in ("generated", "extractive"):
                generated_first.append(t.first_token_ms)
        print(f"  [{answer.mode}] {t.first_token_ms:.0f} ms / {t.total_ms:.0f} ms  {q}", file=sys.stderr)
    return {"questions": len(questions), "first_token_p50_ms": round(percentile(first, 50)),
            "first_token_p95_ms": round(percentile(first, 95)), "total_p50_ms": round(percentile(total, 50)),
            "total_p95_ms": round(percentile(total, 95)),
            "model_first_token_p50_ms": round(percentile(generated_first, 50))}


def _serve(data_dir: Path, questions: list[str]) -> dict[str, Any]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(Path(sys.executable).with_name("assistant")), "serve", "--data-dir", str(data_dir),
                               "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL)
    try:
        started = time.perf_counter()
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"assistant serve가 끝났습니다 (코드 {server.returncode})")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        ready_s = time.perf_counter() - started
        first, total = [], []
        with httpx.Client(timeout=300) as client:
            for q in questions:
                t0 = time.perf_counter()
                t_first = None
                with client.stream("POST", f"{url}/api/ask/stream", json={"question": q}) as response:
                    for line in response.iter_lines():
                        if t_first is None and line in ("event: token", "event: final"):
                            t_first = time.perf_counter() - t0
                t_total = time.perf_counter() - t0
                first.append((t_first or t_total) * 1000)
                total.append(t_total * 1000)
                print(f"  [serve] {first[-1]:.0f} ms / {t_total * 1000:.0f} ms  {q}", file=sys.stderr)
        status = Path(f"/proc/{server.pid}/status").read_text()
        hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"questions": len(questions), "ready_s": round(ready_s, 1),
            "first_token_p50_ms": round(percentile(first, 50)), "first_token_p95_ms": round(percentile(first, 95)),
            "total_p50_ms": round(percentile(total, 50)), "total_p95_ms": round(percentile(total, 95)),
            "peak_rss_mb": round(hwm_kb / 1024)}


def _model_throughput(assistant: Any, settings: Settings) -> dict[str, Any]:
    """One fixed prompt (system + ~400 tokens of evidence + question), cold on both sides: ours, then direct."""
    import llama_cpp

    from assistant.model_files import resolve_model

    evidence = (ROOT / "corpus" / "faq.md").read_text(encoding="utf-8")[:1200]
    messages = [{"role": "system", "content": assistant.prompts.system},
                {"role": "user", "content": f"[근거]\n{evidence}\n\n[질문] 접수 마감은 언제인가요?"}]
    ours = _fresh_llm(settings)
    started = time.perf_counter()
    text = ours.complete_chat(messages, max_tokens=64)
    ours_total = (time.perf_counter() - started) * 1000
    stats = ours.last_stats
    assert stats is not None
    del ours
    threads = settings.llm_threads or len(os.sched_getaffinity(0))
    direct = llama_cpp.Llama(model_path=str(resolve_model(settings.model)), n_ctx=settings.n_ctx,
                             n_threads=threads, n_threads_batch=threads, verbose=False)
    llama_cpp.llama_perf_context_reset(direct.ctx)
    started = time.perf_counter()
    direct.create_chat_completion(messages=messages, max_tokens=64, temperature=0.0)  # type: ignore[arg-type]
    direct_total = (time.perf_counter() - started) * 1000
    perf = llama_cpp.llama_perf_context(direct.ctx)
    direct_prompt = perf.n_p_eval / perf.t_p_eval_ms * 1000 if perf.t_p_eval_ms else 0.0
    direct_decode = perf.n_eval / perf.t_eval_ms * 1000 if perf.t_eval_ms else 0.0
    del direct
    return {"prompt_tokens": stats.prompt_tokens, "generated_tokens": stats.generated_tokens,
            "ours_prompt_tok_s": round(stats.prompt_tok_per_s, 1), "ours_decode_tok_s": round(stats.decode_tok_per_s, 1),
            "ours_total_ms": round(ours_total), "direct_prompt_tok_s": round(direct_prompt, 1),
            "direct_decode_tok_s": round(direct_decode, 1), "direct_total_ms": round(direct_total),
            "overhead_ratio": round(ours_total / direct_total, 3) if direct_total else None, "sample": text[:80]}


def _fresh_llm(settings: Settings) -> Any:
    from assistant.llm import LocalLLM
    from assistant.model_files import resolve_model

    return LocalLLM(resolve_model(settings.model), n_ctx=settings.n_ctx, n_threads=settings.llm_threads)


def format_table(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"기계: {m['cpus']} CPU {m['arch']}, {m['memory_gib']} GiB, GPU 없음 — {r['date']}", "",
             "| 항목 | 값 |", "| --- | --- |"]
    for i in r["ingestion"]:
        lines.append(f"| 색인 {i['set']} | {i['pages']}쪽, {i['chunks']}조각, {i['seconds']} s "
                     f"({i['pages_per_s']} pages/s, {i['chunks_per_s']} chunks/s) |")
    for s in r["retrieval"]:
        lines.append(f"| 검색 (hybrid, {s['chunks']}조각) | p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms |")
    a = r["answers"]
    lines.append(f"| 첫 토큰 ({a['questions']}문항) | p50 {a['first_token_p50_ms']} ms, p95 {a['first_token_p95_ms']} ms |")
    lines.append(f"| 전체 답변 시간 | p50 {a['total_p50_ms']} ms, p95 {a['total_p95_ms']} ms |")
    md = r["model"]
    lines.append(f"| 모델 프롬프트 처리 (우리 / llama-cpp-python 직접) | {md['ours_prompt_tok_s']} / "
                 f"{md['direct_prompt_tok_s']} tok/s ({md['prompt_tokens']} tokens) |")
    lines.append(f"| 모델 생성 (우리 / 직접) | {md['ours_decode_tok_s']} / {md['direct_decode_tok_s']} tok/s |")
    lines.append(f"| 같은 프롬프트 전체 시간 (우리 / 직접) | {md['ours_total_ms']} / {md['direct_total_ms']} ms "
                 f"(비율 {md['overhead_ratio']}) |")
    lines.append(f"| 최대 메모리 (이 프로세스, 답변 후: 모델 1개, 색인 3개) | {r['memory']['peak_rss_mb']:.0f} MB |")
    if sv := r.get("serve"):
        lines.append(f"| serve: /api/ask/stream 첫 토큰 ({sv['questions']}문항, HTTP 클라이언트 기준) | "
                     f"p50 {sv['first_token_p50_ms']} ms, p95 {sv['first_token_p95_ms']} ms |")
        lines.append(f"| serve: 전체 답변 시간 | p50 {sv['total_p50_ms']} ms, p95 {sv['total_p95_ms']} ms |")
        lines.append(f"| serve: 최대 메모리 (VmHWM) · 시작까지 | {sv['peak_rss_mb']} MB · {sv['ready_s']} s |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
