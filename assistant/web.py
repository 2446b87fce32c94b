"""The web app: FastAPI with the API, the widget script, security headers and CORS, the staff page, and the Gradio
chat mounted at `/` (full page) and `/embed` (the compact layout the widget's iframe opens).

In scope: wiring; Gradio's HTML made local (its social-preview tags name outside hosts) and Korean; the headers
every response carries — CSP with `frame-ancestors` from the allowed origins ('self' always; the staff page
'self' only), `X-Content-Type-Options: nosniff`, `Referrer-Policy`; CORS granted only to allowed origins.
Out of scope: answering (answering.py), the API's checks (web_api.py), the chat page itself (web_ui.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, RedirectResponse

from assistant import web_api, web_staff
from assistant.logbook import Logbook
from assistant.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


def content_security_policy(origins: list[str], framed: bool = True) -> str:
    """The CSP of every response; only the chat pages (`framed`) may be framed by the allowed origins."""
    ancestors = " ".join(["'self'", *origins]) if framed else "'self'"
    # Gradio's page boots from inline scripts and styles; everything else must come from this server.
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
        f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
    )


_SOCIAL_META = re.compile(r"<meta\b[^>]*\b(?:property|name)=\"(?:og|twitter):[^>]*>\s*", re.I)


def localize_html(page: str) -> str:
    """Gradio's page without its social-preview tags (they name gradio.app and GitHub, and an embedded widget
    needs none), marked as Korean for screen readers and the browser's own translation prompt."""
    page = _SOCIAL_META.sub("", page)
    return re.sub(r"<html(\s+)lang=\"en\"", r'<html\1lang="ko"', page, count=1)


def create_app(settings: Settings, assistant: Any, index: Any = None, with_ui: bool = True) -> FastAPI:
    """The whole app around one loaded assistant. `with_ui=False` leaves Gradio out (API-only tests)."""
    logbook = Logbook(settings.log_path, settings.log_retention_days, url=settings.db_url)
    service = web_api.Service(assistant, logbook, settings)
    app = FastAPI(title="program-assistant", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    framed, unframed = content_security_policy(settings.origins), content_security_policy(settings.origins, False)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        staff = request.url.path.startswith("/staff")
        if not staff and response.headers.get("content-type", "").startswith("text/html"):
            response = await _rewritten(response)
        response.headers["Content-Security-Policy"] = unframed if staff else framed
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response

    app.add_middleware(
        CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"], allow_credentials=False,
    )
    app.include_router(web_api.router(service))
    app.include_router(web_staff.router(settings, index if index is not None else assistant.index, logbook, service))

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="application/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=300"})

    @app.get("/embed", include_in_schema=False)
    def embed() -> RedirectResponse:
        return RedirectResponse("/embed/")

    if with_ui:
        from assistant import web_ui

        app = web_ui.mount(app, service)
    return app


async def _rewritten(response: Any) -> Response:
    body = b"".join([part async for part in response.body_iterator])
    page = localize_html(body.decode("utf-8", "replace")).encode("utf-8")
    rewritten = Response(page, status_code=response.status_code)
    # raw headers keep repeated ones (several Set-Cookie); only the length changes
    rewritten.raw_headers = [(k, v) for k, v in response.raw_headers if k.lower() != b"content-length"]
    rewritten.headers["content-length"] = str(len(page))
    return rewritten
