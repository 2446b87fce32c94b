"""The web app in-process: the API with the real model and index, the widget, headers, CORS, the staff page and
the conversation log. Real-model calls are few: one answer, one stream, one decline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.answering import Assistant
from assistant.logbook import Logbook
from assistant.settings import Settings
from assistant.web import create_app

SITE = "https://www.k-startup.go.kr"
TOKEN = "staff-secret-7"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("web"), allowed_origins=SITE, staff_token=TOKEN,
                    max_question_chars=200, rate_limit_per_minute=50)


@pytest.fixture(scope="module")
def client(settings: Settings, assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(settings, assistant)) as c:
        yield c


def test_ask_answers_with_the_fact_a_citation_and_a_turn_to_rate(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "접수 마감이 언제예요?"})
    assert r.status_code == 200
    body = r.json()
    assert not body["refused"] and ("3. 18" in body["answer"] or "3월 18일" in body["answer"])
    assert body["citations"] and {"n", "source", "page", "section", "quote"} <= set(body["citations"][0])
    assert body["timings"]["first_token_ms"] > 0 and body["turn_id"]


def test_the_stream_sends_sources_then_tokens_then_the_final_answer(client: TestClient) -> None:
    with client.stream("POST", "/api/ask/stream", json={"question": "사업계획서 분량은 몇 쪽까지예요?"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [(m[1], json.loads(m[2])) for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", r.read().decode())]
    names = [n for n, _ in events]
    assert names[0] == "sources" and names[-1] == "final" and names.count("final") == 1
    assert "15쪽" in events[-1][1]["answer"]


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        (b"not json", 400, "JSON"),
        (b'["a list"]', 400, "JSON 객체"),
        (json.dumps({"question": ""}).encode(), 400, "질문"),
        (json.dumps({"question": 42}).encode(), 400, "질문"),
        (json.dumps({"question": "마감은?", "history": ["x"]}).encode(), 400, "대화 기록"),
        (json.dumps({"question": "가" * 201}).encode(), 413, "200자"),
        (json.dumps({"question": "가" * 70000}).encode(), 413, "너무 큽니다"),
    ],
)
def test_bad_input_gets_a_korean_error(client: TestClient, payload: bytes, status: int, words: str) -> None:
    r = client.post("/api/ask", content=payload, headers={"Content-Type": "application/json"})
    assert r.status_code == status
    assert words in r.json()["error"]


def test_the_rate_limit_answers_429_in_korean(settings: Settings, assistant: Assistant) -> None:
    tight = settings.model_copy(update={"rate_limit_per_minute": 2})
    with TestClient(create_app(tight, assistant, with_ui=False)) as c:
        codes = [c.post("/api/ask", json={"question": "내일 세종시 날씨 어때요?"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert "1분에 2번" in c.post("/api/ask", json={"question": "날씨는요?"}).json()["error"]


def test_health_and_the_widget(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    r = client.get("/widget.js")
    assert r.headers["content-type"].startswith("application/javascript")
    assert "/embed/" in r.text and "http" not in re.sub(r"//.*|/\*[\s\S]*?\*/", "", r.text)


def test_headers_allow_framing_and_cors_only_for_listed_origins(client: TestClient) -> None:
    r = client.get("/embed/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert re.search(r"frame-ancestors 'self' https://www\.k-startup\.go\.kr$", csp)
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"]
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/api/ask", headers={"Origin": SITE, **preflight})
    assert ok.headers.get("access-control-allow-origin") == SITE
    bad = client.options("/api/ask", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in bad.headers


def test_the_chat_pages_load_nothing_from_other_hosts(client: TestClient) -> None:
    for path in ("/", "/embed/"):
        page = client.get(path).text
        assert "공고문이 우선합니다" in client.get(path.rstrip("/") + "/config").text
        external = [u for u in re.findall(r"(?:src|href)=[\"'](https?://[^\"']+)", page)
                    if not u.startswith("http://testserver")]
        assert external == []


def test_feedback_is_stored_masked_and_shown_to_staff(client: TestClient, settings: Settings) -> None:
    turn = client.post("/api/ask", json={"question": "지원금 받으면 법인세 처리는 어떻게 해야 하나요? 제 번호 010-2345-6789"}).json()
    assert turn["refused"]
    r = client.post("/api/feedback", json={"turn_id": turn["turn_id"], "rating": -1,
                                           "comment": "답이 없어요. hong@example.com 으로 연락 주세요"})
    assert r.json() == {"ok": True}
    assert client.post("/api/feedback", json={"turn_id": "nope", "rating": 1}).status_code == 404
    assert client.get("/staff").status_code == 401
    page = client.get("/staff", headers={"X-Staff-Token": TOKEN}).text
    assert "법인세" in page and "[전화]" in page and "[이메일]" in page
    assert "010-2345-6789" not in page and "hong@example.com" not in page
    log = Path(settings.log_path)
    stored = b"".join(f.read_bytes() for f in log.parent.glob(log.name + "*"))  # the WAL too
    assert b"010-2345-6789" not in stored and b"hong@example.com" not in stored


def test_staff_upload_uses_the_ingest_checks(client: TestClient, tmp_path: Path) -> None:
    note = "# 추가 안내\n\n설명회는 2025. 3. 5.(수) 14:00 온라인으로 엽니다.\n".encode()
    r = client.post("/staff/upload", data={"token": TOKEN}, files={"file": ("briefing.md", note, "text/markdown")})
    assert r.status_code == 200 and "briefing.md" in r.text and "indexed" in r.text
    bad = client.post("/staff/upload", data={"token": TOKEN}, files={"file": ("broken.pdf", b"%PDF-1.7 garbage", "application/pdf")})
    assert bad.status_code == 422 and "넣지 않았습니다" in bad.text
    assert client.post("/staff/upload", data={"token": "wrong"}, files={"file": ("x.md", note, "text/markdown")}).status_code == 401
    r = client.post("/staff/upload", data={"token": TOKEN}, files={"file": ("briefing.md", note, "text/markdown")})
    assert "unchanged" in r.text
    client.app.state.service.assistant.index.remove("briefing.md")  # type: ignore[attr-defined]


def test_retention_deletes_old_rows(tmp_path: Path) -> None:
    from assistant.answer import Answer, Timings

    log = Logbook(tmp_path / "log.sqlite3", retention_days=30)
    answer = Answer("접수 마감은?", "2025. 3. 18.입니다.", False, [], Timings(), "m", "generated")
    turn = log.turn(answer)
    assert log.feedback(turn, 1)
    assert log.purge(now=__import__("time").time() + 31 * 86400) == 1
    assert log.counts() == {"turns": 0, "feedback": 0}
