"""Load and throughput of `assistant serve` over HTTP, as clients see it. Measured, never asserted.

Modes:
- load (default): `--users` simulated applicants for `--duration` seconds. Each loops: a question drawn from
  evals/gold.jsonl (follow-ups with their history; `--refuse-share` of them questions the documents do not answer
  or injection attempts, which should be refused), `POST /api/ask/stream` read to the last event, then with
  `--feedback-rate` a 👍/👎 on the turn, then a pause to read (`--think`, seconds); after a "busy" answer a longer
  pause (`--busy-wait`). Each user sends its own X-Forwarded-For address (uvicorn trusts it from loopback, as
  behind nginx), so the per-client rate limit counts every user separately. Counted apart: answered, busy (the
  Korean "busy" answer: 503 at once, or in the stream), 5xx, rate-limited (429), other errors. The servers'
  resident memory is sampled every `--sample-every` seconds (psutil if installed, else /proc). At the end the
  feedback rows in the servers' log database are counted: none may be lost.
- throughput (`--questions N`): the first N answerable gold questions, each asked once by `--users` clients
  without pauses (a work queue): requests per minute and latency percentiles.

Topologies (the servers are started here on free loopback ports and stopped afterwards, under one data dir):
- single: one `assistant serve` with the model in its own process (an empty data dir; it indexes corpus/).
- replicas: a Chroma server (`chroma run`), the corpus ingested into it, two `python -m llama_cpp.server` with
  `--llm-threads` threads each (default: the CPUs split between them), two `assistant serve` replicas sharing the
  Chroma server and one SQLite log, each listing its own model server first. The clients send each request to
  the replica with the fewest of their requests in flight (nginx `least_conn`, docs/deploy.md).
- both: single, then replicas, one after the other.
- `--url URL [--url URL2]`: running servers instead (`--db` names the SQLite log to check feedback; `--pid` the
  processes to sample).

Usage: python evals/load.py [--users 20] [--duration 180] [--topology single|replicas|both] [--json OUT]
       python evals/load.py --questions 12 --users 4 --topology both [--json OUT]
Run it under `flock /tmp/heavy.lock` on a shared machine: it loads the model and the embedder.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from assistant.evalset import Case, load_cases
from assistant.scoring import percentile
from assistant.settings import Settings
from assistant.web_api import BUSY

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOLD = ROOT / "evals" / "gold.jsonl"
COMMENTS = ["", "", "", "도움이 됐어요", "마감일이 헷갈렸는데 정리됐습니다", "출처 쪽수가 있어서 좋네요",
            "원하는 답이 아니에요", "조금 더 자세히 알려 주면 좋겠어요"]
_READY_TIMEOUT_S = 900.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="부하·처리량 측정: 가상 신청자 여럿이 `assistant serve`의 /api/ask/stream에 동시에 질문하고, "
        "응답 시간·바쁨 안내·오류·메모리·피드백 저장을 잽니다. 한 serve와 복제 서버 2개도 비교합니다.")
    parser.add_argument("--users", type=int, default=20, help="동시 사용자 수 (기본 20; 처리량 모드에서는 동시 클라이언트 수)")
    parser.add_argument("--duration", type=float, default=180.0, help="부하 모드의 측정 시간, 초 (기본 180)")
    parser.add_argument("--questions", type=int, default=0,
                        help="처리량 모드: 정답 있는 gold 질문 N개를 한 번씩 --users 클라이언트가 나눠 묻습니다 (0: 부하 모드)")
    parser.add_argument("--topology", choices=["single", "replicas", "both"], default="single",
                        help="single: serve 하나(모델 내장). replicas: Chroma 서버 + llama.cpp 서버 2개 + serve 복제 2개. "
                        "both: 차례로 둘 다 (기본 single)")
    parser.add_argument("--url", action="append", default=[],
                        help="이미 떠 있는 serve 주소 (여러 번 줄 수 있음). 주면 서버를 띄우지 않습니다.")
    parser.add_argument("--db", type=Path, help="--url일 때 피드백 저장을 확인할 기록 DB (SQLite 파일)")
    parser.add_argument("--pid", type=int, action="append", default=[], help="--url일 때 메모리를 잴 서버 프로세스 번호")
    parser.add_argument("--llm-threads", type=int, default=0,
                        help="replicas: llama.cpp 서버 하나의 스레드 수 (기본: CPU 수를 서버 2개가 나눔)")
    parser.add_argument("--feedback-rate", type=float, default=0.3, help="답변 뒤 피드백을 보내는 확률 (기본 0.3)")
    parser.add_argument("--refuse-share", type=float, default=0.15,
                        help="거절해야 하는 질문(문서에 없는 것, 지시 무시 시도)의 비율 (기본 0.15)")
    parser.add_argument("--think", default="2,8", help="답변을 읽는 시간, 초 범위 최소,최대 (기본 2,8)")
    parser.add_argument("--busy-wait", default="5,15", help="'바쁨' 안내 뒤 다시 묻기까지, 초 범위 (기본 5,15)")
    parser.add_argument("--sample-every", type=float, default=5.0, help="서버 메모리를 재는 간격, 초 (기본 5)")
    parser.add_argument("--seed", type=int, default=7, help="질문·대기 시간을 고르는 난수 씨앗 (기본 7)")
    parser.add_argument("--json", type=Path, help="결과를 JSON으로 쓸 파일")
    args = parser.parse_args(argv)

    cases = load_cases(GOLD)
    result: dict[str, Any] = {"machine": _machine(), "date": time.strftime("%Y-%m-%d"),
                              "mode": "throughput" if args.questions else "load", "runs": []}
    topologies = ["url"] if args.url else (["single", "replicas"] if args.topology == "both" else [args.topology])
    for topology in topologies:
        with _deployment(topology, args) as deployment:
            run = _throughput(deployment, cases, args) if args.questions else _load(deployment, cases, args)
            run["servers"] = deployment.server_report()
        result["runs"].append(run)
        print(format_table(result["machine"], result["date"], run), flush=True)
        print(flush=True)
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


def _range(text: str) -> tuple[float, float]:
    low, _, high = text.partition(",")
    return float(low), float(high or low)


# ---- servers ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Server:
    name: str
    pid: int
    log: Path | None = None


@dataclasses.dataclass
class Deployment:
    """The replicas' URLs, the log database to check, and the processes to sample."""

    topology: str
    urls: list[str]
    db: Path | None
    servers: list[Server]
    notes: dict[str, Any] = dataclasses.field(default_factory=dict)
    _inflight: dict[str, int] = dataclasses.field(default_factory=dict)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def pick(self) -> Iterator[str]:
        """The replica with the fewest of our requests in flight (first listed on ties), held for the block."""
        with self._lock:
            url = min(self.urls, key=lambda u: self._inflight.get(u, 0))
            self._inflight[url] = self._inflight.get(url, 0) + 1
        try:
            yield url
        finally:
            with self._lock:
                self._inflight[url] -= 1

    def server_report(self) -> dict[str, Any]:
        """Per started server: tracebacks and errors in its log (their last lines, if any)."""
        report: dict[str, Any] = {"topology": self.topology, "urls": self.urls, **self.notes, "logs": {}}
        for s in self.servers:
            if s.log is None or not s.log.exists():
                continue
            lines = s.log.read_text(encoding="utf-8", errors="replace").splitlines()
            tracebacks = sum(line.startswith("Traceback") for line in lines)
            errors = [line for line in lines if "ERROR" in line or "Exception" in line or "Error:" in line]
            report["logs"][s.name] = {"tracebacks": tracebacks, "error_lines": len(errors),
                                      "tail": lines[-40:] if tracebacks or errors else []}
        return report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < _READY_TIMEOUT_S:
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"{Path(str(proc.args[0])).name}가 끝났습니다 (코드 {proc.returncode}):\n{tail}")  # type: ignore[index]
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url}: {_READY_TIMEOUT_S:.0f}초가 지나도 준비되지 않았습니다")


def _start(stack: contextlib.ExitStack, name: str, args: list[str], env: dict[str, str], ready: str,
           folder: Path) -> Server:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **env})
    stack.callback(_stop, proc)
    seconds = _wait_ready(ready, proc, log)
    print(f"[load] {name} 준비됨 ({seconds:.1f} s)", file=sys.stderr, flush=True)
    return Server(name, proc.pid, log)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _serve_args(port: int) -> list[str]:
    return [str(BIN / "assistant"), "serve", "--host", "127.0.0.1", "--port", str(port)]


@contextlib.contextmanager
def _deployment(topology: str, args: argparse.Namespace) -> Iterator[Deployment]:
    if topology == "url":
        servers = [Server(f"pid-{p}", p) for p in args.pid]
        yield Deployment("url", [u.rstrip("/") for u in args.url], args.db, servers)
        return
    with tempfile.TemporaryDirectory(prefix="load-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        base = {"ASSISTANT_CORPUS_DIR": str(ROOT / "corpus"), "ASSISTANT_PROMPTS_DIR": str(ROOT / "prompts")}
        if topology == "single":
            port = free_port()
            env = {**base, "ASSISTANT_DATA_DIR": str(folder / "data")}
            server = _start(stack, "serve", _serve_args(port), env, f"http://127.0.0.1:{port}/healthz", folder)
            deployment = Deployment("single", [f"http://127.0.0.1:{port}"], folder / "data" / "conversations.sqlite3",
                                    [server], {"llm_threads": Settings().llm_threads or _machine()["cpus"]})
        else:
            deployment = _replicas(stack, folder, base, args)
        _warm_up(deployment)
        yield deployment


def _replicas(stack: contextlib.ExitStack, folder: Path, base: dict[str, str], args: argparse.Namespace) -> Deployment:
    from assistant.model_files import resolve_model

    settings = Settings()
    servers: list[Server] = []
    port = free_port()
    chroma = f"http://127.0.0.1:{port}"
    servers.append(_start(stack, "chroma", [str(BIN / "chroma"), "run", "--path", str(folder / "chroma"), "--host",
                                            "127.0.0.1", "--port", str(port)], {}, f"{chroma}/api/v2/heartbeat", folder))
    started = time.monotonic()
    with (folder / "ingest.log").open("wb") as out:
        subprocess.run([str(BIN / "assistant"), "ingest", str(ROOT / "corpus")], stdout=out, stderr=subprocess.STDOUT,
                       cwd=ROOT, check=True, env={**os.environ, **base, "ASSISTANT_CHROMA_URL": chroma,
                                                  "ASSISTANT_DATA_DIR": str(folder / "ingest")})
    print(f"[load] 문서를 Chroma 서버에 색인함 ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)
    threads = str(args.llm_threads or max(1, _machine()["cpus"] // 2))
    model = str(resolve_model(settings.model))
    llms = []
    for n in (1, 2):
        port = free_port()
        llms.append(f"http://127.0.0.1:{port}")
        # interrupt_requests off, or a second request cuts the running stream off (docs/deploy.md).
        servers.append(_start(stack, f"llama-{n}", [
            sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", str(settings.n_ctx), "--n_threads", threads, "--n_threads_batch", threads,
            "--interrupt_requests", "False"], {}, f"{llms[-1]}/v1/models", folder))
    db = folder / "log.sqlite3"
    urls = []
    for n, order in ((1, llms), (2, llms[::-1])):
        port = free_port()
        urls.append(f"http://127.0.0.1:{port}")
        env = {**base, "ASSISTANT_DATA_DIR": str(folder / f"replica-{n}"), "ASSISTANT_CHROMA_URL": chroma,
               "ASSISTANT_LLM_URL": ",".join(order), "ASSISTANT_DB_URL": f"sqlite:///{db}"}
        servers.append(_start(stack, f"serve-{n}", _serve_args(port), env, f"{urls[-1]}/healthz", folder))
    return Deployment("replicas", urls, db, servers, {"llm_threads": int(threads), "llm_servers": llms})


def _warm_up(deployment: Deployment) -> None:
    """Two questions on every replica, not counted: the first answers page in the model and the caches."""
    with httpx.Client(timeout=300) as client:
        for url in deployment.urls:
            for question in ("신청 자격이 어떻게 되나요?", "접수 마감은 언제인가요?"):
                ask(client, url, {"question": question})


# ---- one request ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Turn:
    """One request as the client saw it. Times in seconds from sending; None when that event never came."""

    kind: str  # answered | busy | rate_limited | http_5xx | http_4xx | stream_error | incomplete | transport
    status: int
    started: float  # time.monotonic()
    total_s: float
    first_event_s: float | None = None
    first_token_s: float | None = None
    mode: str = ""
    refused: bool | None = None
    should_refuse: bool = False
    turn_id: str = ""
    waited_ahead: int = 0
    url: str = ""
    error: str = ""


def ask(client: httpx.Client, url: str, body: dict[str, Any], should_refuse: bool = False) -> Turn:
    """`POST /api/ask/stream` read to its last event."""
    started = time.monotonic()
    t0 = time.perf_counter()
    turn = Turn("incomplete", 0, started, 0.0, should_refuse=should_refuse, url=url)
    try:
        with client.stream("POST", f"{url}/api/ask/stream", json=body) as response:
            turn.status = response.status_code
            if response.status_code != 200:
                text = response.read().decode("utf-8", "replace")
                turn.error = _error_of(text)
                turn.kind = ("busy" if response.status_code == 503 and turn.error == BUSY else
                             "rate_limited" if response.status_code == 429 else
                             "http_5xx" if response.status_code >= 500 else "http_4xx")
            else:
                for name, data in _events(response.iter_lines()):
                    now = time.perf_counter() - t0
                    if turn.first_event_s is None:
                        turn.first_event_s = now
                    if name in ("token", "final") and turn.first_token_s is None:
                        turn.first_token_s = now
                    if name == "queue":
                        turn.waited_ahead = max(turn.waited_ahead, int(data.get("ahead", 0)))
                    elif name == "final":
                        turn.kind, turn.mode = "answered", str(data.get("mode", ""))
                        turn.refused, turn.turn_id = bool(data.get("refused")), str(data.get("turn_id", ""))
                    elif name == "error":
                        turn.error = str(data.get("error", ""))
                        turn.kind = "busy" if turn.error == BUSY else "stream_error"
    except httpx.HTTPError as exc:
        turn.kind, turn.error = "transport", f"{exc.__class__.__name__}: {exc}"
    turn.total_s = time.perf_counter() - t0
    return turn


def _events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """Server-sent events as (name, JSON data); a block ends at a blank line."""
    name, data = "message", ""
    for line in lines:
        if not line:
            if data:
                yield name, json.loads(data)
            name, data = "message", ""
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
    if data:
        yield name, json.loads(data)


def _error_of(text: str) -> str:
    try:
        return str(json.loads(text).get("error", text[:200]))
    except (ValueError, AttributeError):
        return text[:200]


def _client(user: int) -> httpx.Client:
    # Distinct users as nginx would forward them; uvicorn takes X-Forwarded-For from loopback peers.
    address = f"10.77.{user // 250}.{user % 250 + 1}"
    return httpx.Client(timeout=httpx.Timeout(600, connect=10), headers={"X-Forwarded-For": address})


# ---- memory -----------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        import psutil

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except ImportError:
        pass
    except Exception:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return kb / 1024 if kb is not None else None


class Sampler(threading.Thread):
    """Resident memory of every server process every `every` seconds, until stopped."""

    def __init__(self, servers: list[Server], every: float) -> None:
        super().__init__(daemon=True)
        self.servers, self.every = servers, every
        self.samples: list[dict[str, Any]] = []
        self._stop_event = threading.Event()
        self._t0 = time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        sizes = {s.name: rss_mb(s.pid) for s in self.servers}
        return {"t_s": round(time.monotonic() - self._t0, 1),
                "rss_mb": {k: round(v) for k, v in sizes.items() if v is not None}}

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            self.samples.append(self.snapshot())

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _total_mb(sample: dict[str, Any]) -> int:
    return int(sum(sample["rss_mb"].values()))


def _memory(warm: dict[str, Any], end: dict[str, Any], samples: list[dict[str, Any]]) -> dict[str, Any]:
    peak = max([warm, *samples, end], key=_total_mb)
    return {"warm_mb": warm["rss_mb"], "end_mb": end["rss_mb"], "warm_total_mb": _total_mb(warm),
            "end_total_mb": _total_mb(end), "peak_total_mb": _total_mb(peak), "samples": samples}


# ---- load -------------------------------------------------------------------------------------------


def _load(deployment: Deployment, cases: list[Case], args: argparse.Namespace) -> dict[str, Any]:
    answerable = [c for c in cases if c.answerable]
    refuse = [c for c in cases if not c.answerable]
    think, busy_wait = _range(args.think), _range(args.busy_wait)
    turns: list[Turn] = []
    feedback: list[dict[str, Any]] = []
    lock = threading.Lock()
    sampler = Sampler(deployment.servers, args.sample_every)
    warm = sampler.snapshot()
    started = time.monotonic()
    deadline = started + args.duration

    def user(n: int) -> None:
        rng = random.Random(args.seed * 1000 + n)
        with _client(n) as client:
            time.sleep(rng.uniform(0, min(5.0, args.duration / 10)))  # arrivals spread over the first seconds
            while time.monotonic() < deadline:
                should_refuse = rng.random() < args.refuse_share
                case = rng.choice(refuse if should_refuse else answerable)
                body: dict[str, Any] = {"question": case.question}
                if case.history:
                    body["history"] = list(case.history)
                with deployment.pick() as url:
                    turn = ask(client, url, body, should_refuse)
                with lock:
                    turns.append(turn)
                if turn.kind == "answered" and turn.turn_id and rng.random() < args.feedback_rate:
                    fb = {"turn_id": turn.turn_id, "rating": rng.choice([1, 1, -1]), "comment": rng.choice(COMMENTS)}
                    with deployment.pick() as url:  # any replica: they share the log
                        try:
                            status = client.post(f"{url}/api/feedback", json=fb).status_code
                        except httpx.HTTPError:
                            status = 0
                    with lock:
                        feedback.append({"turn_id": turn.turn_id, "status": status})
                pause = rng.uniform(*(busy_wait if turn.kind in ("busy", "rate_limited") else think))
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))

    sampler.start()
    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(args.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    end = sampler.snapshot()
    sampler.stop()
    run = _summary(turns, wall)
    run.update({"users": args.users, "duration_s": args.duration, "topology": deployment.topology,
                "memory": _memory(warm, end, sampler.samples), "feedback": _feedback_check(deployment, feedback, turns)})
    return run


def _ms(seconds: list[float], q: float) -> int:
    return round(percentile([x * 1000 for x in seconds], q))


def _summary(turns: list[Turn], wall_s: float) -> dict[str, Any]:
    kinds = Counter(t.kind for t in turns)
    answered = [t for t in turns if t.kind == "answered"]
    busy = [t for t in turns if t.kind == "busy"]
    first = [t.first_event_s for t in answered if t.first_event_s is not None]
    token = [t.first_token_s for t in answered if t.first_token_s is not None]
    total = [t.total_s for t in answered]
    expected_refusals = [t for t in answered if t.should_refuse]
    errors = [{"kind": t.kind, "status": t.status, "error": t.error[:300]} for t in turns
              if t.kind not in ("answered", "busy")]
    return {
        "wall_s": round(wall_s, 1), "requests": len(turns), "answered": len(answered), "busy": len(busy),
        "http_5xx": kinds["http_5xx"], "rate_limited": kinds["rate_limited"],
        "other_errors": sum(n for k, n in kinds.items() if k not in ("answered", "busy", "http_5xx", "rate_limited")),
        "kinds": dict(kinds), "modes": dict(Counter(t.mode for t in answered)),
        "refused": sum(bool(t.refused) for t in answered),
        "should_refuse_answered": len(expected_refusals),
        "should_refuse_refused": sum(bool(t.refused) for t in expected_refusals),
        "answered_per_min": round(len(answered) / wall_s * 60, 1) if wall_s else 0.0,
        "first_event_p50_ms": _ms(first, 50), "first_event_p95_ms": _ms(first, 95),
        "first_token_p50_ms": _ms(token, 50), "first_token_p95_ms": _ms(token, 95),
        "total_p50_ms": _ms(total, 50), "total_p95_ms": _ms(total, 95),
        "busy_p95_ms": _ms([t.total_s for t in busy], 95),
        "max_ahead": max((t.waited_ahead for t in turns), default=0),
        "per_replica": dict(Counter(t.url for t in answered)),
        "errors": errors[:50],
    }


def _feedback_check(deployment: Deployment, posted: list[dict[str, Any]], turns: list[Turn]) -> dict[str, Any]:
    """Feedback acknowledged with 2xx against the rows stored for those turns; turns answered against stored."""
    acked = [f["turn_id"] for f in posted if 200 <= f["status"] < 300]
    answered = [t.turn_id for t in turns if t.kind == "answered" and t.turn_id]
    result: dict[str, Any] = {"posted": len(posted), "acked": len(acked),
                              "statuses": dict(Counter(str(f["status"]) for f in posted)), "db": None}
    if deployment.db is None or not deployment.db.exists():
        return result
    db = sqlite3.connect(f"file:{deployment.db}?mode=ro", uri=True, timeout=30)
    try:
        result["db"] = str(deployment.db) if deployment.topology == "url" else deployment.db.name
        result["stored"] = _count(db, "SELECT COUNT(*) FROM feedback WHERE turn_id IN ({})", acked)
        result["turns_answered"] = len(answered)
        result["turns_stored"] = _count(db, "SELECT COUNT(*) FROM turns WHERE id IN ({})", answered)
    finally:
        db.close()
    result["lost"] = result["acked"] - result["stored"]
    return result


def _count(db: sqlite3.Connection, sql: str, ids: list[str]) -> int:
    total = 0
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        total += int(db.execute(sql.format(",".join("?" * len(part))), part).fetchone()[0])
    return total


# ---- throughput -------------------------------------------------------------------------------------


def _throughput(deployment: Deployment, cases: list[Case], args: argparse.Namespace) -> dict[str, Any]:
    questions = [c.question for c in cases if c.answerable and not c.history][: args.questions]
    work = list(enumerate(questions))
    turns: list[Turn | None] = [None] * len(questions)
    lock = threading.Lock()
    sampler = Sampler(deployment.servers, args.sample_every)
    warm = sampler.snapshot()

    def client_loop(n: int) -> None:
        with _client(n) as client:
            while True:
                with lock:
                    if not work:
                        return
                    i, question = work.pop(0)
                with deployment.pick() as url:
                    turns[i] = ask(client, url, {"question": question})
                print(f"  [{deployment.topology}] {turns[i].kind} {turns[i].total_s * 1000:.0f} ms  {question}",  # type: ignore[union-attr]
                      file=sys.stderr, flush=True)

    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(args.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    end = sampler.snapshot()
    sampler.stop()
    done = [t for t in turns if t is not None]
    run = _summary(done, wall)
    run.update({"clients": args.users, "questions": len(questions), "topology": deployment.topology,
                "requests_per_min": round(len(done) / wall * 60, 1), "memory": _memory(warm, end, sampler.samples)})
    return run


# ---- table ------------------------------------------------------------------------------------------


def format_table(machine: dict[str, Any], date: str, r: dict[str, Any]) -> str:
    m = machine
    head = f"기계: {m['cpus']} CPU {m['arch']}, {m['memory_gib']} GiB, GPU 없음 — {date} — 구성: {r['topology']}"
    if "clients" in r:
        head += f", 질문 {r['questions']}개 × 동시 클라이언트 {r['clients']}"
    else:
        head += f", 사용자 {r['users']}명 × {r['duration_s']:.0f} s"
    mem = r["memory"]
    lines = [head, "", "| 항목 | 값 |", "| --- | --- |",
             f"| 요청 (측정 {r['wall_s']} s) | {r['requests']} |",
             f"| 답변 (그중 거절) | {r['answered']} ({r['refused']}), {r['answered_per_min']}/분 |",
             f"| 바쁨 안내 (p95 {r['busy_p95_ms']} ms 만에) | {r['busy']} |",
             f"| 5xx (바쁨 제외) | {r['http_5xx']} |",
             f"| 요청 한도 초과 (429) | {r['rate_limited']} |",
             f"| 그 밖의 오류 | {r['other_errors']} |",
             f"| 첫 이벤트 (queue 포함) p50 / p95 | {r['first_event_p50_ms']} / {r['first_event_p95_ms']} ms |",
             f"| 첫 토큰 (token 또는 final) p50 / p95 | {r['first_token_p50_ms']} / {r['first_token_p95_ms']} ms |",
             f"| 전체 답변 시간 p50 / p95 | {r['total_p50_ms']} / {r['total_p95_ms']} ms |",
             f"| 서버 메모리 RSS 워밍업 끝 → 끝 (최대) | {mem['warm_total_mb']} → {mem['end_total_mb']} MB "
             f"({mem['peak_total_mb']} MB) |"]
    if "requests_per_min" in r:
        lines.insert(5, f"| 처리량 | {r['requests_per_min']} 요청/분 |")
    if fb := r.get("feedback"):
        stored = fb.get("stored", "확인 안 함")
        lines.append(f"| 피드백 보냄 / 2xx 확인 / DB에 저장 | {fb['posted']} / {fb['acked']} / {stored} |")
        if "turns_stored" in fb:
            lines.append(f"| 답변한 턴 / DB에 저장된 턴 | {fb['turns_answered']} / {fb['turns_stored']} |")
    logs = r.get("servers", {}).get("logs", {})
    if bad := {name: log["tracebacks"] for name, log in logs.items() if log["tracebacks"]}:
        lines.append(f"| 서버 로그의 Traceback | {bad} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
