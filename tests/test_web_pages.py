"""The pages and headers of the web app: the chat pages load nothing from other hosts, the widget script, CSP
`frame-ancestors`, CORS, and the `serve` command's help.

No answer is asked for here, so a stand-in assistant that is never called keeps these tests free of the model;
the answers themselves are tested in test_web_api.py with the real one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from assistant.web import create_app
from tests.conftest import ROOT

SITE = "https://www.k-startup.go.kr"
OTHER = "https://partner.example.org:8443"
LOOPBACK = {"testserver", "127.0.0.1", "localhost", "[::1]"}
_URL = re.compile(r"https?://[^\s\"'<>`\\)]+")


class NoIndex:
    def documents(self) -> list[Any]:
        return []


class NeverAsked:
    """The pages never answer; any call would be a bug in these tests."""

    index = NoIndex()

    def stream(self, question: str, history: Any = ()) -> Iterator[Any]:
        raise AssertionError("no answer expected in page tests")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("pages"), allowed_origins=f"{SITE}, {OTHER}/")
    with TestClient(create_app(settings, NeverAsked())) as c:
        yield c


def external(text: str) -> list[str]:
    return [u for u in _URL.findall(text) if urlparse(u).hostname not in LOOPBACK and urlparse(u).netloc not in LOOPBACK]


def assets_of(page: str, base: str) -> list[str]:
    refs = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']([^\"']+)", page)
    return [urljoin(base, r) for r in refs]


@pytest.mark.parametrize("path", ["/", "/embed/"])
def test_the_chat_pages_and_their_assets_reference_no_other_host(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert external(page) == [], "the HTML names an outside host"
    assert '<html' in page and 'lang="ko"' in page
    assets = assets_of(page, "http://testserver" + path)
    assets += [urljoin("http://testserver" + path, "theme.css"), urljoin("http://testserver" + path, "config")]
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        text = asset.text
        if url.endswith(".css"):
            # a stylesheet that imports fonts or images from a CDN would load them on every visit
            loads = re.findall(r"(?:@import\s+(?:url\()?|url\()\s*[\"']?(https?://[^\"')\s]+)", text)
            assert [u for u in loads if urlparse(u).hostname not in LOOPBACK] == [], url
        elif url.endswith(".js"):
            modules = re.findall(r"(?:\bimport\s*\(|\bfrom\s*)[\"'`](https?://[^\"'`]+)", text)
            assert [u for u in modules if urlparse(u).hostname not in LOOPBACK] == [], url
        elif url.endswith("/config"):  # no outside stylesheet, no web font, analytics off, the Korean texts
            config = asset.json()
            assert config["stylesheets"] == [] and config["analytics_enabled"] is False
            assert "fonts.googleapis" not in text and external(config.get("css") or "") == []
            assert config["run_history"] is False  # it would offer to sync questions to a Hugging Face bucket
            assert "공고문이 우선합니다" in text and "이런 질문을 해 보세요" in text
        else:  # the manifest, icons
            assert external(text) == [], url


def test_the_theme_uses_system_fonts(client: TestClient) -> None:
    css = client.get("/theme.css").text
    assert "@import" not in css and "googleapis" not in css
    assert "system-ui" in css


def test_the_widget_script(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.headers["x-content-type-options"] == "nosniff"
    code = re.sub(r"//.*|/\*[\s\S]*?\*/", "", r.text)  # the usage comment shows an https://HOST example
    assert "/embed/" in code and "script.src" in code and _URL.search(code) is None
    assert "pa-widget-button" in code and "pa-widget-frame" in code


def test_the_sample_page_embeds_the_widget_with_one_script_tag() -> None:
    page = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    tags = re.findall(r"<script\b[^>]*>", page)
    assert len(tags) == 1 and re.search(r'src="https?://[^"]+/widget\.js" defer', tags[0])


@pytest.mark.parametrize("path", ["/", "/embed/", "/healthz", "/widget.js"])
def test_csp_lets_only_the_allowed_origins_frame_the_chat(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    ancestors = re.search(r"frame-ancestors ([^;]+)", csp)
    assert ancestors and ancestors[1].split() == ["'self'", SITE, OTHER]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_without_allowed_origins_only_the_app_itself_may_frame_it(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path), NeverAsked(), with_ui=False)) as c:
        csp = c.get("/healthz").headers["content-security-policy"]
        assert csp.endswith("frame-ancestors 'self'")
        assert "access-control-allow-origin" not in c.get("/healthz", headers={"Origin": SITE}).headers


def test_the_staff_page_is_never_framed_by_other_sites(client: TestClient) -> None:
    csp = client.get("/staff").headers["content-security-policy"]
    assert csp.endswith("frame-ancestors 'self'")


def test_cors_grants_only_the_allowed_origins(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for origin in (SITE, OTHER):
        ok = client.options("/api/ask", headers={"Origin": origin, **preflight})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == origin
    bad = client.options("/api/ask", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in bad.headers
    # an actual request (it is refused for its body, before any answer) carries the grant only for a listed origin
    r = client.post("/api/ask", json={"question": ""}, headers={"Origin": SITE})
    assert r.status_code == 400 and r.headers["access-control-allow-origin"] == SITE
    r = client.post("/api/ask", json={"question": ""}, headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in r.headers


def test_origins_that_are_not_origins_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="origin"):
        Settings(allowed_origins="https://a.go.kr; script-src *")


def test_serve_has_korean_help_with_host_and_port() -> None:
    out = subprocess.run([sys.executable, "-m", "assistant", "serve", "--help"], capture_output=True, text=True,
                         timeout=60).stdout
    assert "--host" in out and "--port" in out and "127.0.0.1" in out and "7860" in out
    assert re.search(r"[가-힣]", out)
