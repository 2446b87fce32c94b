"""Beyond one machine, with the real engines: a Chroma server (`chroma run`) and an OpenAI-compatible llama.cpp
server (`python -m llama_cpp.server`, the default GGUF), both started here on free loopback ports and stopped
afterwards. Retrieval over the server equals the embedded store's; answers through the model server carry the
fact and its citation, equal the in-process model's, and refuse the same way; two replicas built by the factory
share the corpus (ingested through one, found by the other, the same BM25 ranking) and the conversation log.

Few answers on purpose: the llama server and the session's own model share two cores.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.answering import Assistant
from assistant.collect import collect
from assistant.errors import ContextTooLong
from assistant.factory import build_assistant, build_index
from assistant.index import Index
from assistant.llm_remote import RemoteLLM
from assistant.logbook import Logbook
from assistant.scoring import match_text
from assistant.settings import Settings
from assistant.web import create_app
from tests.conftest import CORPUS, ROOT
from tests.test_web_api import events_of

BIN = Path(sys.executable).parent
NOTE = """# 2025년 AI 초격차 챌린지 지역 설명회 안내

AI 초격차 챌린지 지역 설명회는 2025. 3. 5.(수) 14:00 대전 창업진흥원 본원 대강당에서 열립니다.
설명회 참석 신청은 필요하지 않으며, 발표자료는 설명회 다음 날 K-Startup 누리집에 게시됩니다.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout_s} s")


def start(args: list[str], ready: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent)
    started = time.perf_counter()
    try:
        wait_ready(ready, proc, log)
        print(f"\n[servers] {Path(args[0]).name} {args[1:3]} ready in {time.perf_counter() - started:.1f} s")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder, port = tmp_path_factory.mktemp("chroma-server"), free_port()
    args = [str(BIN / "chroma"), "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    for _ in start(args, f"{url}/api/v2/heartbeat", folder / "chroma.log"):
        yield url


@pytest.fixture(scope="module")
def llama_url(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[str]:
    folder, port = tmp_path_factory.mktemp("llama-server"), free_port()
    threads = str(len(os.sched_getaffinity(0)))
    # Like ours: the same context, all CPUs; interrupt_requests off, or a second request cuts the first one off.
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", "4096", "--n_threads", threads, "--n_threads_batch", threads,
            "--interrupt_requests", "False"]
    url = f"http://127.0.0.1:{port}"
    for _ in start(args, f"{url}/v1/models", folder / "llama.log"):
        yield url


@pytest.fixture(scope="module")
def server_settings(tmp_path_factory: pytest.TempPathFactory, chroma_url: str, llama_url: str) -> Settings:
    shared = tmp_path_factory.mktemp("replicas")
    return Settings(data_dir=shared / "data", chroma_url=chroma_url, llm_url=llama_url, prompts_dir=ROOT / "prompts",
                    db_url=f"sqlite:///{shared / 'log.sqlite3'}", staff_token="s3cret-staff-token",
                    rate_limit_per_minute=50)


@pytest.fixture(scope="module")
def server_index(server_settings: Settings) -> Index:
    """The bundled corpus, ingested into the Chroma server once (a writer like `assistant ingest`)."""
    index = build_index(server_settings)
    started = time.perf_counter()
    results = [index.ingest(p) for p in collect([CORPUS])]
    print(f"\n[servers] corpus ingested into the Chroma server in {time.perf_counter() - started:.1f} s")
    assert all(r.status in ("indexed", "replaced", "unchanged") for r in results)
    return index


@pytest.fixture(scope="module")
def server_assistant(server_settings: Settings, server_index: Index) -> Assistant:
    """A replica as `assistant serve` builds it: its own index over the servers, generation on the llama server."""
    bot = build_assistant(server_settings)
    assert isinstance(bot.llm, RemoteLLM)
    bot.warm()
    return bot


# ---- retrieval --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["접수 마감", "사업계획서 분량", "GPU 클라우드 이용료 한도", "신청 제외 대상"])
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_over_the_server_equals_the_embedded_store(
    server_index: Index, corpus_index: Index, query: str, mode: Any
) -> None:
    served = [(h.chunk.id, round(h.score, 4)) for h in server_index.search(query, k=8, mode=mode)]
    embedded = [(h.chunk.id, round(h.score, 4)) for h in corpus_index.search(query, k=8, mode=mode)]
    assert served and served == embedded


def test_a_fresh_replica_mirrors_the_servers_corpus(server_settings: Settings, server_index: Index) -> None:
    replica = build_index(server_settings)
    assert replica.repaired == []
    assert [(d.source, n, active) for d, n, active in replica.documents()] == \
        [(d.source, n, active) for d, n, active in server_index.documents()]
    assert replica.term_weights() == server_index.term_weights()


# ---- answers through the model server ---------------------------------------------------------------


def test_the_model_server_answers_with_the_fact_and_its_citation_like_the_local_model(
    server_assistant: Assistant, assistant: Assistant
) -> None:
    question = "GPU 클라우드 빌리는 비용은 한도가 있나요?"
    served = server_assistant.ask(question)
    print(f"\n[{served.mode}] {served.timings.first_token_ms:.0f} ms to first token: {served.answer}")
    assert not served.refused and served.mode == "generated"
    assert match_text("40%", served.answer)
    holding = [c for c in served.citations if match_text("40%", c.quote)]
    assert holding and all(c.source in ("faq.md", "guideline.hwpx") for c in holding)
    assert all(f"[{c.n}]" in served.answer for c in served.citations)
    # Same prompt tokens, greedy decoding, same verification: the same answer as the in-process model.
    local = assistant.ask(question)
    assert (served.answer, served.mode, served.citations) == (local.answer, local.mode, local.citations)


def test_the_model_server_pipeline_refuses_with_the_contact(server_assistant: Assistant) -> None:
    answer = server_assistant.ask("지원금 받으면 법인세 처리는 어떻게 해야 하나요?")
    assert answer.refused
    assert "044-410-1790" in answer.answer and "1357" in answer.answer


def test_remote_budget_refuses_an_overlong_prompt_before_calling_and_estimates_safely(
    server_assistant: Assistant, llama_url: str
) -> None:
    exact = server_assistant.llm
    with pytest.raises(ContextTooLong):
        exact.stream_chat([{"role": "user", "content": "가" * 5000}], max_tokens=16)
    estimate = RemoteLLM([llama_url], tokenizer=None)  # no GGUF on this replica: one token per character
    lines = [line for line in (CORPUS / "faq.md").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(estimate.count_tokens(line) >= exact.count_tokens(line) for line in lines)
    messages = [{"role": "system", "content": server_assistant.prompts.system}, {"role": "user", "content": lines[3]}]
    assert estimate.budget(messages) <= exact.budget(messages)


# ---- two replicas -----------------------------------------------------------------------------------


def test_two_replicas_share_the_corpus_and_the_log(server_settings: Settings, server_assistant: Assistant) -> None:
    other = build_assistant(server_settings)
    app_a = create_app(server_settings, server_assistant, with_ui=False)
    app_b = create_app(server_settings, other, with_ui=False)
    with TestClient(app_a) as a, TestClient(app_b) as b:
        # Ingested through replica A's staff page ...
        r = a.post("/staff/upload", headers={"x-staff-token": server_settings.staff_token},
                   files={"file": ("briefing.md", NOTE.encode(), "text/markdown")})
        assert r.status_code == 200, r.text
        # ... found by replica B at once, by both halves of the hybrid search, ranked as on A.
        for mode in ("hybrid", "dense", "bm25"):
            hits_b = other.index.search("지역 설명회 장소", k=5, mode=mode)  # type: ignore[arg-type]
            hits_a = server_assistant.index.search("지역 설명회 장소", k=5, mode=mode)  # type: ignore[arg-type]
            assert hits_b and hits_b[0].chunk.source == "briefing.md", mode
            assert [h.chunk.id for h in hits_b] == [h.chunk.id for h in hits_a]
        # ... and answered by B, streamed from the model server, with the new document cited.
        with b.stream("POST", "/api/ask/stream", json={"question": "지역 설명회는 어디에서 열려요?"}) as r:
            events = events_of(r.read().decode())
        final = events[-1][1]
        assert events[-1][0] == "final" and not final["refused"], final
        assert "대전" in final["answer"] and any(c["source"] == "briefing.md" for c in final["citations"])
        turn_b = final["turn_id"]
        turn_a = a.post("/api/ask", json={"question": "내일 세종시 날씨 어때요?"}).json()["turn_id"]
        # Feedback on each other's turns: one log for both.
        assert a.post("/api/feedback", json={"turn_id": turn_b, "rating": 1}).status_code == 200
        assert b.post("/api/feedback", json={"turn_id": turn_a, "rating": -1}).status_code == 200
    shared = Logbook(server_settings.log_path, url=server_settings.db_url)
    assert shared.counts() == {"turns": 2, "feedback": 2}
    assert {row["rating"] for row in shared.recent_feedback()} == {1, -1}
    # Removing the document on B hides it from A.
    assert other.index.remove("briefing.md")
    assert all(h.chunk.source != "briefing.md" for h in server_assistant.index.search("지역 설명회 장소", k=5))
