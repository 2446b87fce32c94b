"""The HTTP API: `POST /api/ask`, `POST /api/ask/stream` (server-sent events), `POST /api/feedback`, `GET /healthz`,
and the `Service` the chat page shares with it.

In scope: input checks with Korean error messages (JSON shape, types, empty, too long, oversize body), the
per-client rate limit, the line in front of the model (web_queue.py: one answer at a time for the API and the
chat alike, a prompt "busy" answer beyond its size, never a hang), and logging each turn through the logbook.
The answer JSON is `Answer.to_json()` (the `assistant ask --json` contract) plus `turn_id` for feedback.
Out of scope: headers, CORS and the pages (web.py, web_ui.py, web_staff.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from assistant.answer import Answer, Event, Final, Sources, Token
from assistant.logbook import Logbook
from assistant.settings import Settings
from assistant.web_queue import ModelQueue, QueueFull, RateLimit

log = logging.getLogger(__name__)
BUSY = "지금 질문이 많아 잠시 기다려야 합니다. 30초쯤 뒤에 다시 물어봐 주세요."
FAILED = "답변을 만드는 중에 문제가 생겼습니다. 잠시 후 다시 물어봐 주세요."
_WAIT_POLL_S = 0.5


class Answering(Protocol):
    def stream(self, question: str, history: Any = ()) -> Iterator[Event]: ...


class Refused(Exception):
    """A request the edge answers with `status` and a Korean `message` instead of an answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Waiting:
    """Event: the request is in line; `ahead` requests will be answered first."""

    ahead: int


@dataclass(frozen=True)
class Logged:
    """Event, last: the final answer as stored; `turn_id` is what feedback refers to."""

    answer: Answer
    turn_id: str


class Service:
    """What the API, the chat page and the staff page share: one assistant, one line in front of it, one logbook."""

    def __init__(self, assistant: Answering, logbook: Logbook, settings: Settings) -> None:
        self.assistant, self.logbook, self.settings = assistant, logbook, settings
        self.queue = ModelQueue(settings.queue_size)
        self.limit = RateLimit(settings.rate_limit_per_minute)

    def check(self, question: Any, history: Any) -> tuple[str, list[dict[str, str]]]:
        """The question stripped and the last turns of a valid history; Refused(400/413) otherwise."""
        if not isinstance(question, str) or not question.strip():
            raise Refused(400, "질문(question)을 글자로 보내 주세요. 예: {\"question\": \"접수 마감은 언제인가요?\"}")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise Refused(413, f"질문이 너무 깁니다. {limit}자 이내로 줄여 주세요.")
        if history is not None and not isinstance(history, list):
            raise Refused(400, _HISTORY)
        turns: list[dict[str, str]] = []
        for turn in history or []:
            if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant")
                    and isinstance(turn.get("content"), str)):
                raise Refused(400, _HISTORY)
            turns.append({"role": turn["role"], "content": turn["content"][: limit * 2]})
        return question.strip(), turns[-6:]

    def admit(self, client: str) -> None:
        """Count the request against the client's rate and refuse at once when the line is full."""
        if not self.limit.hit(client):
            per = self.settings.rate_limit_per_minute
            raise Refused(429, f"질문을 너무 자주 보내셨습니다. 1분에 {per}번까지 물어볼 수 있어요. 잠시 후 다시 해 주세요.")
        if self.queue.full():
            raise Refused(503, BUSY)

    def answer(self, question: str, history: list[dict[str, str]], channel: str) -> Iterator[Event | Waiting | Logged]:
        """The answer's events after its turn in line came (`Waiting` while it has not); the final one `Logged`.

        The ticket is taken on the first `next()`, so a stream that is never started holds no place in line, and
        it is given back when the generator ends or is closed (a client that went away).
        """
        try:
            ticket = self.queue.join()
        except QueueFull:
            raise Refused(503, BUSY) from None
        try:
            while not self.queue.wait(ticket, _WAIT_POLL_S):
                yield Waiting(self.queue.ahead(ticket))
            events = self.assistant.stream(question, history)
            try:
                for event in events:
                    if isinstance(event, Final):
                        yield Logged(event.answer, self.logbook.turn(event.answer, channel))
                    else:
                        yield event
            finally:
                # A stream cut short (the client went away) ends its generation before the next turn starts.
                close = getattr(events, "close", None)
                if close is not None:
                    close()
        finally:
            self.queue.leave(ticket)


_HISTORY = "대화 기록(history)은 [{\"role\": \"user\" 또는 \"assistant\", \"content\": \"…\"}] 모양의 목록이어야 합니다."


def router(service: Service) -> APIRouter:
    api = APIRouter()

    @api.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "waiting": service.queue.waiting, "queue_size": service.queue.size}

    @api.post("/api/ask")
    async def ask(request: Request) -> JSONResponse:
        try:
            question, history = service.check(*_fields(await _body(request, service), "question", "history"))
            service.admit(_client(request))
            logged = await run_in_threadpool(_final, service, question, history)
        except Refused as exc:
            return _error(exc)
        except Exception:
            log.exception("answer failed")
            return JSONResponse({"error": FAILED}, status_code=500)
        return JSONResponse(_answer_json(logged))

    @api.post("/api/ask/stream")
    async def ask_stream(request: Request) -> Any:
        try:
            question, history = service.check(*_fields(await _body(request, service), "question", "history"))
            service.admit(_client(request))  # refuse now, with a status code, not inside the stream
        except Refused as exc:
            return _error(exc)
        return StreamingResponse(_sse(service, question, history), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @api.post("/api/feedback")
    async def feedback(request: Request) -> JSONResponse:
        try:
            turn_id, rating, comment = _fields(await _body(request, service), "turn_id", "rating", "comment")
            if (not isinstance(turn_id, str) or isinstance(rating, bool) or rating not in (1, -1)
                    or not isinstance(comment if comment is not None else "", str)):
                raise Refused(400, "turn_id(글자), rating(1 또는 -1), comment(선택, 글자)를 보내 주세요.")
            if not service.logbook.feedback(turn_id, rating, comment or ""):
                raise Refused(404, "해당 답변을 찾을 수 없습니다. 보관 기간이 지났거나 잘못된 turn_id입니다.")
        except Refused as exc:
            return _error(exc)
        return JSONResponse({"ok": True})

    return api


async def _body(request: Request, service: Service) -> Any:
    """The JSON body, read at most to the size limit (a body without Content-Length is cut off there too)."""
    limit = service.settings.max_request_kb * 1024
    too_big = Refused(413, f"요청이 너무 큽니다. 요청 본문은 {service.settings.max_request_kb}KB까지 받습니다.")
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > limit:
        raise too_big
    raw = bytearray()
    async for part in request.stream():
        raw += part
        if len(raw) > limit:
            raise too_big
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "요청 본문이 올바른 JSON이 아닙니다. Content-Type: application/json으로 보내 주세요.") from None


def _fields(body: Any, *names: str) -> tuple[Any, ...]:
    if not isinstance(body, dict):
        raise Refused(400, "요청 본문은 JSON 객체여야 합니다. 예: {\"question\": \"접수 마감은 언제인가요?\"}")
    return tuple(body.get(n) for n in names)


def _final(service: Service, question: str, history: list[dict[str, str]]) -> Logged:
    for event in service.answer(question, history, "api"):
        if isinstance(event, Logged):
            return event
    raise RuntimeError("the answer stream ended without a final answer")


def _sse(service: Service, question: str, history: list[dict[str, str]]) -> Iterator[str]:
    """`queue` events while waiting, then `sources`, `token`s and `final`; `error` instead when it fails.

    Answers that need no model (FAQ, decline, refusal) stream no tokens; their `sources` come just before `final`.
    """
    sourced = False
    try:
        for event in service.answer(question, history, "api"):
            if isinstance(event, Waiting):
                yield _event("queue", {"ahead": event.ahead})
            elif isinstance(event, Sources):
                sourced = True
                yield _event("sources", [c.to_json() for c in event.citations])
            elif isinstance(event, Token):
                yield _event("token", {"text": event.text})
            elif isinstance(event, Logged):
                if not sourced:
                    yield _event("sources", [c.to_json() for c in event.answer.citations])
                yield _event("final", _answer_json(event))
    except Refused as exc:
        yield _event("error", {"error": exc.message})
    except Exception:
        log.exception("answer stream failed")
        yield _event("error", {"error": FAILED})


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _answer_json(logged: Logged) -> dict[str, Any]:
    return {**logged.answer.to_json(), "turn_id": logged.turn_id}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _error(exc: Refused) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status)
