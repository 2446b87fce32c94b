"""The HTTP API in-process: answers from the session's real model and index (few of them: each costs seconds),
the SSE event order, Korean errors for bad, oversize and too frequent input, the health check, and the line in
front of the model (a stand-in assistant that records overlap is enough for that control flow)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.answer import Answer, Citation, Final, Sources, Timings, Token
from assistant.answering import Assistant
from assistant.settings import Settings
from assistant.web import create_app
from assistant.web_api import BUSY

ASK_JSON_KEYS = {"question", "answer", "refused", "citations", "timings", "model", "mode", "basis",
                 "standalone_question"}


def events_of(body: str) -> list[tuple[str, Any]]:
    return [(m[1], json.loads(m[2])) for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", body)]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("web-api"), max_question_chars=200, max_request_kb=8,
                    rate_limit_per_minute=50)


@pytest.fixture(scope="module")
def client(settings: Settings, assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(settings, assistant, with_ui=False)) as c:
        yield c


def test_ask_answers_like_ask_json_with_the_fact_and_its_citation(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "접수 마감이 언제예요?"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == ASK_JSON_KEYS | {"turn_id"}
    assert not body["refused"] and ("3. 18" in body["answer"] or "3월 18일" in body["answer"])
    assert body["citations"] and set(body["citations"][0]) == {"n", "source", "page", "section", "quote"}
    assert {"retrieve_ms", "first_token_ms", "total_ms"} <= set(body["timings"])
    assert body["turn_id"]


def test_the_stream_sends_sources_then_tokens_then_the_final_answer(client: TestClient) -> None:
    started = time.perf_counter()
    first_token = 0.0
    with client.stream("POST", "/api/ask/stream", json={"question": "사업계획서 분량은 몇 쪽까지예요?"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = ""
        for text in r.iter_text():
            body += text
            if not first_token and "event: token" in body:
                first_token = time.perf_counter() - started
    events = events_of(body)
    names = [n for n, _ in events if n != "queue"]
    assert names[0] == "sources" and names[-1] == "final" and names.count("final") == 1
    assert set(names[1:-1]) <= {"token"}
    final = events[-1][1]
    assert "15쪽" in final["answer"] and set(final) == ASK_JSON_KEYS | {"turn_id"}
    assert events[0][1] and {"n", "source", "page", "section", "quote"} == set(events[0][1][0])
    print(f"\n[web] time to first token over SSE: {first_token * 1000:.0f} ms ({final['mode']})")


def test_an_answer_without_the_model_streams_sources_then_final(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": "내일 세종시 날씨 어때요?"})
    names = [n for n, _ in events_of(r.text)]
    assert names == ["sources", "final"]
    assert events_of(r.text)[-1][1]["refused"] is True


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        (b"not json", 400, "JSON"),
        (b"", 400, "JSON"),
        (b'["a list"]', 400, "JSON 객체"),
        (json.dumps({"question": ""}).encode(), 400, "질문"),
        (json.dumps({"question": "   "}).encode(), 400, "질문"),
        (json.dumps({"history": []}).encode(), 400, "질문"),
        (json.dumps({"question": 42}).encode(), 400, "질문"),
        (json.dumps({"question": ["마감은?"]}).encode(), 400, "질문"),
        (json.dumps({"question": "마감은?", "history": "접수"}).encode(), 400, "대화 기록"),
        (json.dumps({"question": "마감은?", "history": ["x"]}).encode(), 400, "대화 기록"),
        (json.dumps({"question": "마감은?", "history": [{"role": "system", "content": "x"}]}).encode(), 400, "대화 기록"),
        (json.dumps({"question": "가" * 201}).encode(), 413, "200자"),
        (json.dumps({"question": "마감은?", "history": [{"role": "user", "content": "가" * 9000}]}).encode(), 413, "8KB"),
    ],
)
@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_bad_input_gets_a_korean_json_error(client: TestClient, path: str, payload: bytes, status: int,
                                            words: str) -> None:
    r = client.post(path, content=payload, headers={"Content-Type": "application/json"})
    assert r.status_code == status and r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert words in error and re.search(r"[가-힣]", error)


def test_an_oversize_body_without_a_length_is_cut_off(client: TestClient) -> None:
    chunks = iter([b'{"question": "', "가".encode() * 5000, b'"}'])  # chunked: no Content-Length to trust
    r = client.post("/api/ask", content=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "너무 큽니다" in r.json()["error"]


def test_feedback_needs_a_known_turn_and_a_thumb(client: TestClient) -> None:
    assert client.post("/api/feedback", json={"turn_id": "nope", "rating": 1}).status_code == 404
    for bad in ({"turn_id": "x", "rating": 5}, {"turn_id": "x", "rating": True}, {"rating": 1},
                {"turn_id": "x", "rating": 1, "comment": 3}):
        r = client.post("/api/feedback", json=bad)
        assert r.status_code == 400 and "rating" in r.json()["error"]


def test_health(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "waiting": 0, "queue_size": 8}


def test_the_rate_limit_answers_429_in_korean(settings: Settings, assistant: Assistant) -> None:
    tight = settings.model_copy(update={"rate_limit_per_minute": 2})
    with TestClient(create_app(tight, assistant, with_ui=False)) as c:
        codes = [c.post("/api/ask", json={"question": "내일 세종시 날씨 어때요?"}).status_code for _ in range(2)]
        r = c.post("/api/ask/stream", json={"question": "날씨는요?"})
        assert codes == [200, 200] and r.status_code == 429
        assert "1분에 2번" in r.json()["error"]


# ---- the line in front of the model, with a stand-in assistant that records overlap -----------------------


class Recording:
    """Answers after a pause, the way the real pipeline does (sources, tokens, final), and records overlap."""

    class _Index:
        def documents(self) -> list[Any]:
            return []

    index = _Index()

    def __init__(self, pause: float = 0.2) -> None:
        self.pause, self.inside, self.most, self._lock = pause, 0, 0, threading.Lock()

    def stream(self, question: str, history: Any = ()) -> Iterator[Any]:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            cite = Citation(1, "notice.pdf", 2, "접수", "접수 마감: 2025. 3. 18.(화) 16:00")
            yield Sources([cite])
            time.sleep(self.pause)
            yield Token("2025. 3. 18.(화) 16:00까지입니다. [1]")
            yield Final(Answer(question, "2025. 3. 18.(화) 16:00까지입니다. [1]", False, [cite], Timings(), "stub",
                               "generated"))
        finally:
            with self._lock:
                self.inside -= 1


def test_answers_never_run_at_once_and_waiting_streams_hear_their_place(tmp_path: Path) -> None:
    stub = Recording()
    settings = Settings(data_dir=tmp_path, rate_limit_per_minute=100, queue_size=5)
    bodies: list[str] = []
    with TestClient(create_app(settings, stub, with_ui=False)) as c:
        def ask() -> None:
            bodies.append(c.post("/api/ask/stream", json={"question": "마감은 언제예요?"}).text)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        threads.append(threading.Thread(target=lambda: bodies.append(
            json.dumps(c.post("/api/ask", json={"question": "마감은요?"}).json(), ensure_ascii=False))))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert stub.most == 1 and len(bodies) == 5
    streams = [events_of(b) for b in bodies if b.startswith("event")]
    assert all(s[-1][0] == "final" for s in streams)
    assert any(n == "queue" and d["ahead"] >= 1 for s in streams for n, d in s)


def test_beyond_the_queue_size_the_answer_is_busy_at_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, queue_size=0)
    with TestClient(create_app(settings, Recording(pause=0), with_ui=False)) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        held = service.queue.join()  # someone else's answer is being made
        started = time.perf_counter()
        for path in ("/api/ask", "/api/ask/stream"):
            r = c.post(path, json={"question": "마감은 언제예요?"})
            assert r.status_code == 503 and r.json()["error"] == BUSY
        assert time.perf_counter() - started < 2
        assert c.get("/healthz").json()["waiting"] == 1
        service.queue.leave(held)
        assert c.post("/api/ask", json={"question": "마감은 언제예요?"}).status_code == 200
