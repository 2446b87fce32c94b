"""The staff page in-process: closed without a configured token, refused without the right one; upload through
the ingest checks into a fresh real index (the session's corpus index stays untouched), re-index, an eval set run
in the background (cases the assistant declines before any model call, so it costs no generation), and the
feedback and refused questions shown masked."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.answering import Assistant
from assistant.settings import Settings
from assistant.web import create_app
from tests.conftest import build_session_index

TOKEN = "staff-secret-7"
AUTH = {"X-Staff-Token": TOKEN}
NOTE = "# 사업설명회 안내\n\n사업설명회는 2025. 3. 5.(수) 14:00 온라인으로 엽니다.\n".encode()
DECLINED = [
    {"id": "refuse-01", "question": "내일 세종시 날씨 어때요?", "answerable": False},
    {"id": "refuse-02", "question": "초기창업패키지 사업화자금은 최대 얼마인가요?", "answerable": False},
]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("staff")
    corpus, evals = root / "corpus", root / "evals"
    corpus.mkdir()
    evals.mkdir()
    (evals / "declines.jsonl").write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in DECLINED),
                                          encoding="utf-8")
    return {"data": root / "data", "corpus": corpus, "evals": evals}


@pytest.fixture(scope="module")
def client(folders: dict[str, Path], assistant: Assistant, embedder: object, morphs: object) -> Iterator[TestClient]:
    settings = Settings(data_dir=folders["data"], corpus_dir=folders["corpus"], evals_dir=folders["evals"],
                        staff_token=TOKEN)
    index = build_session_index(folders["data"], embedder, morphs, [])
    with TestClient(create_app(settings, assistant, index=index, with_ui=False)) as c:
        yield c


def wait_for_job(client: TestClient) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = client.get("/staff/job", headers=AUTH).json()["job"]
        if not job["running"]:
            return job
        time.sleep(0.2)
    raise AssertionError("the staff job did not finish")


def documents(page: str) -> str:
    found = re.search(r"<table id='documents'>.*?</table>", page, re.S)
    assert found
    return found[0]


def test_without_a_configured_token_the_staff_page_is_closed(tmp_path: Path, assistant: Assistant) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path), assistant, with_ui=False)) as c:
        for r in (c.get("/staff"), c.get("/staff", headers={"X-Staff-Token": ""}),
                  c.post("/staff/upload", files={"file": ("x.md", NOTE)}), c.post("/staff/reindex"),
                  c.post("/staff/login", data={"token": ""})):
            assert r.status_code == 403 and "닫혀 있습니다" in r.text
        assert c.get("/staff/job").status_code == 401


def test_without_the_right_token_nothing_is_shown_or_done(client: TestClient) -> None:
    r = client.get("/staff")
    assert r.status_code == 401 and "id='login'" in r.text and "documents" not in r.text
    assert client.get("/staff", headers={"X-Staff-Token": "wrong"}).status_code == 401
    assert client.post("/staff/login", data={"token": "wrong"}).status_code == 401
    r = client.post("/staff/upload", data={"token": "wrong"}, files={"file": ("x.md", NOTE, "text/markdown")})
    assert r.status_code == 401 and "x.md" not in documents(client.get("/staff", headers=AUTH).text)
    assert client.post("/staff/reindex", headers={"X-Staff-Token": "wrong"}).status_code == 401
    assert client.get("/staff/job").status_code == 401


def test_logging_in_sets_a_cookie_that_is_not_the_token(client: TestClient) -> None:
    r = client.post("/staff/login", data={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and TOKEN not in cookie
    page = client.get("/staff")  # the test client keeps the cookie
    assert page.status_code == 200 and "<table id='documents'>" in page.text
    client.post("/staff/logout")
    assert client.get("/staff").status_code == 401


def test_upload_goes_through_the_ingest_checks_and_is_listed(client: TestClient, folders: dict[str, Path]) -> None:
    r = client.post("/staff/upload", headers=AUTH, files={"file": ("briefing.md", NOTE, "text/markdown")})
    assert r.status_code == 200 and "data-status='indexed'" in r.text and "✓ briefing.md — 색인" in r.text
    assert "briefing.md" in documents(r.text)
    assert (folders["data"] / "uploads" / "briefing.md").read_bytes() == NOTE  # kept, so a re-index can read it
    again = client.post("/staff/upload", data={"token": TOKEN}, files={"file": ("briefing.md", NOTE)})
    assert "data-status='unchanged'" in again.text and "변경 없음" in again.text
    bad = client.post("/staff/upload", headers=AUTH, files={"file": ("broken.pdf", b"%PDF-1.7 garbage")})
    assert bad.status_code == 422 and "✗ broken.pdf — 건너뜀:" in bad.text
    assert "broken.pdf" not in documents(bad.text) and not (folders["data"] / "uploads" / "broken.pdf").exists()
    sneaky = client.post("/staff/upload", headers=AUTH, files={"file": ("../../etc/passwd.md", NOTE)})
    assert sneaky.status_code == 200 and (folders["data"] / "uploads" / "passwd.md").exists()
    assert client.post("/staff/upload", headers=AUTH).status_code == 400


def test_reindex_reads_the_folders_again(client: TestClient, folders: dict[str, Path]) -> None:
    (folders["corpus"] / "rules.md").write_text("# 운영 규칙\n\n협약 기간은 10개월 이내입니다.\n", encoding="utf-8")
    r = client.post("/staff/reindex", headers=AUTH, follow_redirects=False)
    assert r.status_code == 303
    job = wait_for_job(client)
    assert job["kind"] == "reindex" and not job["error"] and job["done"] == job["total"]
    assert any(line.startswith("✓ rules.md") for line in job["lines"])
    assert any(line.startswith("= briefing.md") for line in job["lines"])
    page = client.get("/staff", headers=AUTH).text
    assert "rules.md" in documents(page) and "id='job'" in page


def test_an_eval_set_runs_in_the_background_and_shows_its_summary(client: TestClient) -> None:
    assert client.post("/staff/eval", headers=AUTH, data={"evalset": "../gold.jsonl"}).status_code == 400
    r = client.post("/staff/eval", headers=AUTH, data={"evalset": "declines.jsonl"}, follow_redirects=False)
    assert r.status_code == 303
    job = wait_for_job(client)
    assert job["kind"] == "eval" and not job["error"] and job["done"] == 2
    assert job["summary"]["refusal_accuracy"] == 1.0 and "거절 정확도" in job["result"]
    assert all(line.startswith("PASS refuse-") for line in job["lines"])
    page = client.get("/staff", headers=AUTH).text
    assert "id='job-result'" in page and "거절 정확도" in page
    # the run's HTML report, behind the same credential, and compared with the previous run of the same set
    name = re.search(r"href='/staff/report/([^']+)'", page)
    assert name, page
    report = client.get(f"/staff/report/{name[1]}", headers=AUTH)
    assert report.status_code == 200 and "전체 점수" in report.text and "refuse-" in report.text
    assert "id=\"compare\"" not in report.text
    assert client.get(f"/staff/report/{name[1]}").status_code == 401
    for bad_name in ("..%2F..%2Fetc", "x", "gold-20260101-000000"):
        assert client.get(f"/staff/report/{bad_name}", headers=AUTH).status_code == 404
    time.sleep(1.1)  # run folders are named to the second
    client.post("/staff/eval", headers=AUTH, data={"evalset": "declines.jsonl"}, follow_redirects=False)
    wait_for_job(client)
    page = client.get("/staff", headers=AUTH).text
    latest = re.search(r"id='job-report' href='/staff/report/([^']+)'", page)
    assert latest and latest[1] != name[1] and page.count("/staff/report/") >= 3  # link + two in the list
    assert "지난 실행과 비교" in client.get(f"/staff/report/{latest[1]}", headers=AUTH).text

    one = json.dumps(DECLINED[0], ensure_ascii=False).encode()
    r = client.post("/staff/eval", headers=AUTH, files={"evalfile": ("mine.jsonl", one)}, follow_redirects=False)
    assert r.status_code == 303 and wait_for_job(client)["done"] == 1
    bad = client.post("/staff/eval", headers=AUTH, files={"evalfile": ("bad.jsonl", b'{"id": 1}')})
    assert bad.status_code == 400 and "평가 세트를 읽을 수 없습니다" in bad.text


def test_feedback_and_refused_questions_are_shown_masked(client: TestClient) -> None:
    turn = client.post("/api/ask", json={"question": "내일 세종시 날씨 어때요? 제 번호 010-2345-6789"}).json()
    assert turn["refused"]
    r = client.post("/api/feedback", json={"turn_id": turn["turn_id"], "rating": -1,
                                           "comment": "답이 없어요. hong@example.com 으로 연락 주세요"})
    assert r.json() == {"ok": True}
    page = client.get("/staff", headers=AUTH).text
    attention = re.search(r"<table id='attention'>.*?</table>", page, re.S)
    feedback = re.search(r"<table id='feedback'>.*?</table>", page, re.S)
    assert attention and "내일 세종시 날씨" in attention[0] and "[전화]" in attention[0]
    assert feedback and "👎" in feedback[0] and "[이메일]" in feedback[0]
    assert "010-2345-6789" not in page and "hong@example.com" not in page
