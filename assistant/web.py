"""The web app: FastAPI with the API, the widget script, security headers and CORS, the staff page, and the Gradio
chat mounted at `/` (full page) and `/embed` (the compact layout the widget's iframe opens).

In scope: wiring and the headers every response carries — CSP with `frame-ancestors` from the allowed origins
('self' always), `X-Content-Type-Options: nosniff`, `Referrer-Policy`; CORS granted only to allowed origins.
Out of scope: answering (answering.py), the API's checks (web_api.py), the chat page itself (web_ui.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, RedirectResponse

from assistant import web_api, web_staff
from assistant.logbook import Logbook
from assistant.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


def content_security_policy(origins: list[str]) -> str:
    ancestors = " ".join(["'self'", *origins])
    # Gradio's page boots from inline scripts and styles; everything else must come from this server.
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
        f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
    )


def create_app(settings: Settings, assistant: Any, index: Any = None, with_ui: bool = True) -> FastAPI:
    """The whole app around one loaded assistant. `with_ui=False` leaves Gradio out (API-only tests)."""
    logbook = Logbook(settings.log_path, settings.log_retention_days)
    service = web_api.Service(assistant, logbook, settings)
    app = FastAPI(title="program-assistant", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    csp = content_security_policy(settings.origins)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response

    app.add_middleware(
        CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"], allow_credentials=False,
    )
    app.include_router(web_api.router(service))
    app.include_router(web_staff.router(settings, index if index is not None else assistant.index, logbook))

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
