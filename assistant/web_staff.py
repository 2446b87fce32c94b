"""The staff page `/staff`: the index (documents, versions, chunk counts), upload (the same checks as `assistant
ingest`), re-index, the eval set run in the background with its summary, feedback, and the questions that were
refused or got 👎 (masked when stored).

Protected by `ASSISTANT_STAFF_TOKEN`: the login form sets an HttpOnly, SameSite=Strict cookie holding an HMAC of
the token (never the token itself); scripts may send the token as the `X-Staff-Token` header or a `token` form
field instead. With no token configured the page is closed. Plain server-rendered HTML, every value escaped.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assistant import staff_jobs
from assistant.errors import AssistantError
from assistant.evalset import load_cases
from assistant.logbook import Logbook
from assistant.settings import Settings
from assistant.web_api import Service

COOKIE = "pa_staff"
_SAFE_NAME = re.compile(r"[^\w.\-가-힣() ]")
_REPORT_NAME = re.compile(r"[\w.\-가-힣() ]+-\d{8}-\d{6}")  # a run's folder name (".." is refused too)
_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport"
content="width=device-width, initial-scale=1"><title>직원 페이지 · 사업 안내 도우미</title>{refresh}<style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 12px}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ddd;padding:4px 6px;font-size:14px;
vertical-align:top;text-align:left}}h2{{margin-top:28px}}pre{{background:#f6f6f6;padding:8px;overflow-x:auto}}
.note{{color:#555;font-size:14px}}</style></head><body><h1>직원 페이지</h1>{body}</body></html>"""


def router(settings: Settings, index: Any, logbook: Logbook, service: Service) -> APIRouter:
    staff = APIRouter()
    jobs = staff_jobs.Jobs()
    session = hmac.new(settings.staff_token.encode(), b"program-assistant staff", hashlib.sha256).hexdigest()

    def allowed(request: Request, form_token: str = "") -> bool:
        if not settings.staff_token:
            return False
        given = request.headers.get("x-staff-token") or form_token
        if given:
            return hmac.compare_digest(given.encode(), settings.staff_token.encode())
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), session.encode())

    def denied(request: Request, tried: bool = True) -> HTMLResponse:
        if not settings.staff_token:
            return _page("<p id='staff-closed'>직원 페이지가 닫혀 있습니다. 서버에 ASSISTANT_STAFF_TOKEN을 설정하고 "
                         "다시 시작하면 열립니다.</p>", 403)
        wrong = "<p id='login-error'>접속 토큰이 맞지 않습니다.</p>" if tried else ""
        return _page(f"{wrong}<form method='post' action='/staff/login' id='login'><label>접속 토큰 "
                     "<input type='password' name='token' id='login-token' autocomplete='current-password'></label> "
                     "<button type='submit' id='login-button'>들어가기</button></form>", 401)

    async def form_of(request: Request) -> tuple[Any, bool]:
        form = await request.form()
        return form, allowed(request, str(form.get("token") or ""))

    @staff.get("/staff", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        if not allowed(request):
            return denied(request, tried=bool(request.headers.get("x-staff-token")))
        return _overview(index, logbook, jobs.current, settings)

    @staff.post("/staff/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        token = str(form.get("token") or "")
        if not settings.staff_token or not hmac.compare_digest(token.encode(), settings.staff_token.encode()):
            return denied(request)
        response = RedirectResponse("/staff", status_code=303)
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path="/staff",
                            secure=request.url.scheme == "https")
        return response

    @staff.post("/staff/logout")
    def logout() -> Response:
        response = RedirectResponse("/staff", status_code=303)
        response.delete_cookie(COOKIE, path="/staff")
        return response

    @staff.post("/staff/upload", response_class=HTMLResponse)
    async def upload(request: Request) -> HTMLResponse:
        form, ok = await form_of(request)
        if not ok:
            return denied(request)
        item = form.get("file")
        if not isinstance(item, UploadFile) or not item.filename:
            return _page("<p id='upload-result' data-status='missing'>올릴 파일을 골라 주세요.</p>", 400)
        name = _SAFE_NAME.sub("_", Path(item.filename).name).lstrip(".")[:120] or "upload"
        data = await item.read(settings.max_file_mb * 1024 * 1024 + 1)
        if len(data) > settings.max_file_mb * 1024 * 1024:
            message = f"✗ {name} — 건너뜀: 파일이 너무 큽니다 ({settings.max_file_mb}MB까지)."
            return _page(f"<p id='upload-result' data-status='rejected'>{_e(message)}</p>", 413)
        result = await run_in_threadpool(_ingest_upload, settings.uploads_dir / name, data, index, service)
        line = staff_jobs.report_line(settings.uploads_dir / name, result)
        status = 422 if result.status == "rejected" else 200
        body = f"<p id='upload-result' data-status='{result.status}'>{_e(line)}</p>"
        return _overview(index, logbook, jobs.current, settings, body, status)

    @staff.post("/staff/reindex", response_class=HTMLResponse)
    async def reindex(request: Request) -> Response:
        _, ok = await form_of(request)
        if not ok:
            return denied(request)
        files = staff_jobs.reindex_files(index, [settings.corpus_dir, settings.uploads_dir])
        job = staff_jobs.Job("reindex", "다시 색인", len(files))
        return _started(jobs.start(job, staff_jobs.reindex(index, service.queue, files)))

    @staff.post("/staff/eval", response_class=HTMLResponse)
    async def run_eval(request: Request) -> Response:
        form, ok = await form_of(request)
        if not ok:
            return denied(request)
        item, chosen = form.get("evalfile"), str(form.get("evalset") or "")
        try:
            if isinstance(item, UploadFile) and item.filename:
                path = settings.data_dir / "evals" / ("uploaded-" + _SAFE_NAME.sub("_", Path(item.filename).name))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(await item.read(8 * 1024 * 1024))
            else:
                path = _eval_file(settings, chosen)
            cases = load_cases(path)
        except (AssistantError, OSError) as exc:
            return _page(f"<p id='eval-error'>평가 세트를 읽을 수 없습니다: {_e(exc)}</p>", 400)
        wanted = {c.strip() for c in str(form.get("only") or "").split(",") if c.strip()}
        cases = [c for c in cases if not wanted or c.category in wanted]
        if not cases:
            return _page("<p id='eval-error'>평가할 문항이 없습니다 (범주 이름을 확인해 주세요).</p>", 400)
        out = settings.data_dir / "evals" / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        job = staff_jobs.Job("eval", f"평가: {path.name} ({len(cases)}문항)", len(cases))
        return _started(jobs.start(job, staff_jobs.run_eval(service.assistant, service.queue, cases, out, path.name)))

    @staff.get("/staff/report/{name}", response_class=HTMLResponse)
    def eval_report(request: Request, name: str) -> Response:
        if not allowed(request):
            return denied(request)
        folder = settings.data_dir / "evals" / staff_jobs.REPORTS / name
        if not _REPORT_NAME.fullmatch(name) or ".." in name or not (folder / "report.html").is_file():
            return _page("<p>그런 평가 보고서가 없습니다.</p>", 404)
        return HTMLResponse((folder / "report.html").read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})

    @staff.get("/staff/job")
    def job_status(request: Request) -> JSONResponse:
        if not allowed(request):
            return JSONResponse({"error": "직원 토큰이 필요합니다."}, status_code=401)
        job = jobs.current
        if job is None:
            return JSONResponse({"job": None})
        return JSONResponse({"job": {"kind": job.kind, "title": job.title, "total": job.total, "done": job.done,
                                     "running": job.running, "lines": job.lines, "result": job.result,
                                     "summary": job.summary, "error": job.error}})

    return staff


def _ingest_upload(path: Path, data: bytes, index: Any, service: Service) -> Any:
    """Keep the file under uploads/ (a re-index reads it again); a rejected upload leaves the previous file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = path.with_name(f".{path.name}.previous")
    if path.exists():
        path.replace(backup)
    path.write_bytes(data)
    with service.queue.turn(force=True):
        result = index.ingest(path)
    if result.status == "rejected":
        path.unlink()
        if backup.exists():
            backup.replace(path)
    else:
        backup.unlink(missing_ok=True)
    return result


def _eval_file(settings: Settings, name: str) -> Path:
    """A JSONL file from the evals folder, by name only (no path from the form reaches the file system)."""
    files = {p.name: p for p in _eval_sets(settings)}
    if name not in files:
        raise AssistantError(f"{name or '(선택 없음)'}: 평가 세트 폴더에 없는 파일입니다.")
    return files[name]


def _eval_sets(settings: Settings) -> list[Path]:
    return sorted(settings.evals_dir.glob("*.jsonl")) if settings.evals_dir.is_dir() else []


def _started(started: bool) -> Response:
    if not started:
        return _page("<p id='job-busy'>다른 작업이 아직 진행 중입니다. 끝난 뒤 다시 시작해 주세요.</p>", 409)
    return RedirectResponse("/staff#job", status_code=303)


def _overview(index: Any, logbook: Logbook, job: staff_jobs.Job | None, settings: Settings, head: str = "",
              status: int = 200) -> HTMLResponse:
    docs = "".join(
        f"<tr><td>{_e(d.source)}</td><td>{_e(d.title)}</td><td>{_e(d.program)}</td><td>{_e(d.doc_type)}</td>"
        f"<td>{_e(d.version or '버전 미상')}</td><td>{n}</td><td>{'사용 중' if active else '새 판으로 대체됨'}</td></tr>"
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
        f"<td>{'👎' if (r['rating'] or 0) < 0 else ''}</td><td>{_e(r['answer'][:200])}</td></tr>"
        for r in logbook.needs_attention()
    )
    options = "".join(f"<option value='{_e(p.name)}'{' selected' if p.name == 'gold.jsonl' else ''}>{_e(p.name)}"
                      "</option>" for p in _eval_sets(settings))
    body = (
        f"{head}<form method='post' action='/staff/logout' style='float:right'><button id='logout'>나가기</button></form>"
        f"<h2>색인된 문서</h2><table id='documents'><tr><th>파일</th><th>제목</th><th>사업</th><th>종류</th><th>판(버전)</th>"
        f"<th>조각</th><th>상태</th></tr>{docs}</table>"
        "<h2>문서 올리기</h2><p class='note'>PDF, HWP, HWPX, DOCX, HTML, Markdown, 텍스트. `assistant ingest`와 같은 검사를 "
        "거칩니다. 같은 이름의 파일은 새 내용으로 바뀝니다.</p>"
        "<form method='post' action='/staff/upload' enctype='multipart/form-data' id='upload'>"
        "<input type='file' name='file' id='upload-file'> <button type='submit' id='upload-button'>올리고 색인</button></form>"
        "<h2>다시 색인</h2><p class='note'>기본 문서 폴더와 올린 문서, 색인된 문서의 원본 파일을 다시 읽습니다 (바뀐 파일만 "
        "새로 색인).</p><form method='post' action='/staff/reindex'><button type='submit' id='reindex-button'>다시 색인"
        "</button></form>"
        "<h2>평가 세트 실행</h2><form method='post' action='/staff/eval' enctype='multipart/form-data' id='eval'>"
        f"<label>평가 세트 <select name='evalset' id='eval-set'>{options}</select></label> 또는 "
        "<input type='file' name='evalfile' accept='.jsonl' id='eval-file'> "
        "<label>범주만 (쉼표, 선택) <input name='only' id='eval-only' size='12'></label> "
        "<button type='submit' id='eval-button'>평가 시작</button></form>"
        f"{_job(job)}{_reports(settings)}"
        f"<h2>피드백 (대화 {counts['turns']}건, 피드백 {counts['feedback']}건)</h2><table id='feedback'><tr><th>때</th>"
        f"<th>평가</th><th>질문</th><th>답변</th><th>의견</th></tr>{feedback}</table>"
        "<h2>거절했거나 👎를 받은 질문</h2><table id='attention'><tr><th>때</th><th>질문</th><th>방식</th><th>평가</th>"
        f"<th>답변</th></tr>{attention}</table><p class='note'>개인정보(주민등록번호, 전화, 이메일, 카드·계좌번호)는 저장할 때 "
        f"가려집니다. 기록은 {settings.log_retention_days}일 뒤 지워집니다.</p>"
    )
    return _page(body, status, refresh=job is not None and job.running)


def _reports(settings: Settings, last: int = 10) -> str:
    folder = settings.data_dir / "evals" / staff_jobs.REPORTS
    runs = sorted((p.parent.name for p in folder.glob("*/report.html")), key=lambda n: n[-15:], reverse=True)
    if not runs:
        return ""
    items = "".join(f"<li><a href='/staff/report/{_e(n)}'>{_e(n)}</a></li>" for n in runs[:last])
    return f"<h3>지난 평가 보고서</h3><ul id='reports'>{items}</ul>"


def _job(job: staff_jobs.Job | None) -> str:
    if job is None:
        return ""
    state = "진행 중" if job.running else ("실패" if job.error else "끝남")
    lines = "\n".join(job.lines[-200:])
    parts = [f"<section id='job' data-kind='{_e(job.kind)}' data-running='{str(job.running).lower()}'>",
             f"<h2>작업: {_e(job.title)} — {state} ({job.done}/{job.total})</h2>"]
    if job.error:
        parts.append(f"<p id='job-error'>{_e(job.error)}</p>")
    if job.result:
        parts.append(f"<pre id='job-result'>{_e(job.result)}</pre>")
    if job.saved:
        parts.append(f"<p class='note'>결과 JSON: {_e(job.saved)}</p>")
    if job.report:
        parts.append(f"<p><a id='job-report' href='/staff/report/{_e(job.report)}'>평가 보고서 보기</a> "
                     "(점수, 범주별 표, 틀린 문항과 이유, 지연 시간 그림, 지난 실행과 비교)</p>")
    parts.append(f"<details{' open' if job.running else ''}><summary>진행 기록</summary><pre id='job-lines'>{_e(lines)}"
                 "</pre></details></section>")
    return "".join(parts)


def _page(body: str, status: int = 200, refresh: bool = False) -> HTMLResponse:
    meta = "<meta http-equiv='refresh' content='5'>" if refresh else ""
    return HTMLResponse(_PAGE.format(body=body, refresh=meta), status_code=status, headers={"Cache-Control": "no-store"})


def _e(value: Any) -> str:
    return html.escape(str(value if value is not None else ""))


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
