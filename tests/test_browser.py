"""The widget and the chat in a real browser: Playwright driving the system Chromium against the app served on
loopback (the session's model, no second load), embedded in a page from another origin.

Also keeps the screenshots the README shows (docs/chat.png, docs/widget-phone.png).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from assistant.answering import Assistant
from assistant.settings import Settings
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = ROOT / "docs"
TOKEN = "browser-staff"
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium가 없습니다 (apt: chromium fonts-nanum)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _static_site(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    port = _free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


@pytest.fixture(scope="module")
def site(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import uvicorn

    from assistant.web import create_app

    pages = tmp_path_factory.mktemp("pages")
    program, program_port = _static_site(pages / "program")
    stranger, stranger_port = _static_site(pages / "stranger")
    app_port = _free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    (pages / "program").mkdir()
    (pages / "stranger").mkdir()
    sample = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    (pages / "program" / "index.html").write_text(sample.replace("http://127.0.0.1:7860", app_url), encoding="utf-8")
    (pages / "stranger" / "index.html").write_text(
        f'<!doctype html><html><body><iframe id="f" src="{app_url}/embed/" width="400" height="500"></iframe></body></html>',
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser-data"), staff_token=TOKEN,
                        allowed_origins=f"http://127.0.0.1:{program_port}")
    server = uvicorn.Server(uvicorn.Config(create_app(settings, assistant), host="127.0.0.1", port=app_port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        try:
            if httpx.get(f"{app_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield {"app": app_url, "program": f"http://127.0.0.1:{program_port}/index.html",
           "stranger": f"http://127.0.0.1:{stranger_port}/index.html"}
    server.should_exit = True
    thread.join(timeout=10)
    program.shutdown()
    stranger.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--disable-sync", "--disable-default-apps", "--disable-domain-reliability"])
        yield b
        b.close()


def _loopback_only(page: Any, outside: list[str]) -> None:
    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)


def test_the_widget_on_a_program_page_answers_with_a_citation_and_takes_feedback(site: dict[str, Any],
                                                                                browser: Any) -> None:
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="ko-KR")
    _loopback_only(page, outside)
    page.goto(site["program"])
    page.click("#pa-widget-button")
    chat = page.frame_locator("#pa-widget-frame")
    chat.locator("#ai-notice").wait_for(timeout=30_000)
    assert "공고문이 우선합니다" in chat.locator("#ai-notice").inner_text()
    chat.locator("#question textarea").fill("접수 마감이 정확히 언제예요?")
    chat.locator("#send").click()
    answer = chat.locator("#chat .pa-sources").last
    answer.wait_for(timeout=120_000)
    bubble = chat.locator("#chat .message.bot, #chat [data-testid='bot']").last.inner_text()
    assert "3. 18" in bubble or "3월 18일" in bubble, bubble
    answer.locator("summary").click()
    assert "faq.md" in answer.inner_text() or "notice.pdf" in answer.inner_text()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "widget-phone.png"))
    dislike = chat.locator("#chat button[aria-label='싫어요'], #chat button[aria-label='Dislike']").last
    dislike.wait_for(state="attached", timeout=30_000)
    dislike.dispatch_event("click")  # at phone width the message buttons show on hover only
    chat.locator("#feedback-status").get_by_text("고맙습니다").wait_for(timeout=15_000)
    staff = httpx.get(f"{site['app']}/staff", headers={"X-Staff-Token": TOKEN}, timeout=10).text
    assert "접수 마감이 정확히 언제예요?" in staff and "👎" in staff
    assert outside == []
    page.close()


def test_a_disallowed_origin_cannot_frame_the_chat(site: dict[str, Any], browser: Any) -> None:
    page = browser.new_page()
    page.goto(site["stranger"])
    page.wait_for_timeout(3000)
    frame = next(f for f in page.frames if f != page.main_frame)
    assert frame.url in ("about:blank", "chrome-error://chromewebdata/") or frame.locator("#chat").count() == 0
    page.close()


def test_the_chat_page_screenshot(site: dict[str, Any], browser: Any) -> None:
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="ko-KR")
    _loopback_only(page, outside)
    page.goto(site["app"] + "/")
    page.locator("#ai-notice").wait_for(timeout=30_000)
    assert "이런 질문을 해 보세요" in page.content()
    page.locator("#examples button", has_text="사업화자금은 최대 얼마까지").first.click()  # an example fills the box
    expect(page.locator("#question textarea")).to_have_value(re.compile("사업화자금"), timeout=10_000)
    page.locator("#send").click()
    sources = page.locator("#chat .pa-sources").last
    sources.wait_for(timeout=120_000)
    sources.locator("summary").click()
    assert "억" in page.locator("#chat").inner_text()
    labels = page.locator("#chat button").evaluate_all("els => els.map(e => e.getAttribute('aria-label') || '')")
    assert all(labels), labels  # every button is named (the Hugging Face "share" button had no name and is gone)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "chat.png"))
    assert outside == []
    page.close()
