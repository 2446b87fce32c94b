"""The staff page `/staff`: the index (documents, versions, chunk counts), document upload (the same checks as
`assistant ingest`), feedback and the questions that were refused or got 👎 (masked when stored).

Protected by `ASSISTANT_STAFF_TOKEN`, sent as the `X-Staff-Token` header, a `token` form field or `?token=`; with
no token configured the page is closed. Plain server-rendered HTML, every value escaped.
"""

from __future__ import annotations

import hmac
import html
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant.logbook import Logbook
from assistant.messages import reject_reason
from assistant.settings import Settings

_SAFE_NAME = re.compile(r"[^\w.\-가-힣() ]")
_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport"
content="width=device-width, initial-scale=1"><title>직원 페이지 · 사업 안내 도우미</title><style>
body{{font-family:sans-serif;max-width:1000px;margin:24px auto;padding:0 12px}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ddd;padding:4px 6px;font-size:14px;vertical-align:top}}h2{{margin-top:28px}}</style></head>
<body><h1>직원 페이지</h1>{body}</body></html>"""


def router(settings: Settings, index: Any, logbook: Logbook) -> APIRouter:
    staff = APIRouter()

    def allowed(request: Request, form_token: str = "") -> bool:
        given = request.headers.get("x-staff-token") or form_token or request.query_params.get("token", "")
        return bool(settings.staff_token) and hmac.compare_digest(given.encode(), settings.staff_token.encode())

    def denied() -> HTMLResponse:
        if not settings.staff_token:
            return _page("<p>직원 페이지가 닫혀 있습니다. 서버에 ASSISTANT_STAFF_TOKEN을 설정하면 열립니다.</p>", 403)
        return _page("<p>접속 토큰이 맞지 않습니다.</p>", 401)

    @staff.get("/staff", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        if not allowed(request):
            return denied()
        return _page(_overview(index, logbook, request.query_params.get("token", "")))

    @staff.post("/staff/upload", response_class=HTMLResponse)
    async def upload(request: Request) -> HTMLResponse:
        form = await request.form()
        if not allowed(request, str(form.get("token") or "")):
            return denied()
        item: Any = form.get("file")
        if item is None or not hasattr(item, "filename") or not item.filename:
            return _page("<p>올릴 파일을 골라 주세요.</p>", 400)
        name = _SAFE_NAME.sub("_", Path(item.filename).name)[:120] or "upload"
        data = await item.read()
        if len(data) > settings.max_file_mb * 1024 * 1024:
            return _page(f"<p>{html.escape(name)}: 파일이 너무 큽니다 ({settings.max_file_mb}MB까지).</p>", 413)
        with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            result = index.ingest(path)
        if result.status == "rejected":
            message = f"{html.escape(name)}: 넣지 않았습니다 — {html.escape(reject_reason(result.reason))}"
            return _page(f"<p>{message}</p>", 422)
        message = f"{html.escape(name)}: {result.status} ({result.chunks}조각)"
        return _page(f"<p>{message}</p>" + _overview(index, logbook, str(form.get("token") or "")))

    return staff


def _overview(index: Any, logbook: Logbook, token: str) -> str:
    rows = "".join(
        f"<tr><td>{_e(d.source)}</td><td>{_e(d.title)}</td><td>{_e(d.version)}</td><td>{_e(d.doc_type)}</td>"
        f"<td>{n}</td><td>{'사용' if active else '이전 판'}</td></tr>"
        for d, n, active in index.documents()
    )
    counts = logbook.counts()
    feedback = "".join(
        f"<tr><td>{_when(r['at'])}</td><td>{'👍' if r['rating'] > 0 else '👎'}</td><td>{_e(r['question'])}</td>"
        f"<td>{_e(r['answer'][:300])}</td><td>{_e(r['comment'])}</td></tr>"
        for r in logbook.recent_feedback()
    )
    attention = "".join(
        f"<tr><td>{_when(r['at'])}</td><td>{_e(r['question'])}</td><td>{_e(r['mode'])}</td>"
        f"<td>{'👎' if (r['rating'] or 0) < 0 else ''}</td></tr>"
        for r in logbook.needs_attention()
    )
    return (
        f"<h2>색인된 문서</h2><table id='documents'><tr><th>파일</th><th>제목</th><th>판</th><th>종류</th><th>조각</th>"
        f"<th>상태</th></tr>{rows}</table>"
        f"<h2>문서 올리기</h2><form method='post' action='/staff/upload' enctype='multipart/form-data'>"
        f"<input type='hidden' name='token' value='{_e(token)}'><input type='file' name='file' id='upload-file'> "
        f"<button type='submit' id='upload-button'>올리고 색인</button></form>"
        f"<h2>피드백 (대화 {counts['turns']}건, 피드백 {counts['feedback']}건)</h2><table id='feedback'><tr><th>때</th>"
        f"<th>평가</th><th>질문</th><th>답변</th><th>의견</th></tr>{feedback}</table>"
        f"<h2>거절했거나 👎를 받은 질문</h2><table id='attention'><tr><th>때</th><th>질문</th><th>방식</th><th>평가</th></tr>"
        f"{attention}</table>"
    )


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status, headers={"Cache-Control": "no-store"})


def _e(value: Any) -> str:
    return html.escape(str(value or ""))


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
