"""The HTTP API: `POST /api/ask`, `POST /api/ask/stream` (server-sent events), `POST /api/feedback`, `GET /healthz`.

In scope: input checks with Korean error messages (JSON shape, empty, too long, oversize body), a per-client rate
limit, the queue in front of the model (beyond its size a prompt "busy" answer, never a hang), and logging each
turn through the logbook. The answer JSON is `Answer.to_json()` (the `assistant ask --json` contract) plus
`turn_id` for feedback. Out of scope: headers, CORS and the pages (web.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.answer import Answer, Event, Final, Sources, Token
from assistant.logbook import Logbook
from assistant.settings import Settings

MAX_BODY_BYTES = 64 * 1024
BUSY = "지금 질문이 많아 잠시 기다려야 합니다. 30초쯤 뒤에 다시 물어봐 주세요."


class Answering(Protocol):
    def stream(self, question: str, history: Any = ()) -> Iterator[Event]: ...


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Gate:
    """Rate limit per client and the queue in front of the one model."""

    per_minute: int
    queue_size: int
    _hits: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _waiting: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[client]
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise Refused(429, f"질문을 너무 자주 보내셨습니다. 1분에 {self.per_minute}번까지 물어볼 수 있어요. 잠시 후 다시 해 주세요.")
            if self._waiting > self.queue_size:
                raise Refused(503, BUSY)
            hits.append(now)
            self._waiting += 1

    def release(self) -> None:
        with self._lock:
            self._waiting = max(0, self._waiting - 1)

    @property
    def waiting(self) -> int:
        return self._waiting


@dataclass(frozen=True)
class Logged:
    """The final answer, as stored: `turn_id` is what feedback refers to."""

    answer: Answer
    turn_id: str


class Service:
    """What the API and the chat page share: one assistant, one gate, one logbook."""

    def __init__(self, assistant: Answering, logbook: Logbook, settings: Settings) -> None:
        self.assistant, self.logbook, self.settings = assistant, logbook, settings
        self.gate = Gate(settings.rate_limit_per_minute, settings.queue_size)

    def check(self, question: Any, history: Any) -> tuple[str, list[dict[str, str]]]:
        if not isinstance(question, str) or not question.strip():
            raise Refused(400, "질문(question)을 글자로 보내 주세요.")
        if len(question) > self.settings.max_question_chars:
            raise Refused(413, f"질문이 너무 깁니다. {self.settings.max_question_chars}자 이내로 줄여 주세요.")
        turns: list[dict[str, str]] = []
        for turn in history or []:
            if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant")
                    and isinstance(turn.get("content"), str)):
                raise Refused(400, "대화 기록(history)은 {\"role\": \"user\"|\"assistant\", \"content\": \"…\"} 목록이어야 합니다.")
            turns.append({"role": turn["role"], "content": turn["content"][: self.settings.max_question_chars * 2]})
        return question.strip(), turns[-6:]

    def events(
        self, client: str, question: str, history: list[dict[str, str]], channel: str
    ) -> Iterator[Event | Logged]:
        """The answer's events, admitted through the gate; the final answer comes logged, as `Logged`."""
        self.gate.admit(client)
        try:
            for event in self.assistant.stream(question, history):
                if isinstance(event, Final):
                    yield Logged(event.answer, self.logbook.turn(event.answer, channel))
                else:
                    yield event
        finally:
            self.gate.release()


def router(service: Service) -> APIRouter:
    api = APIRouter()

    @api.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "waiting": service.gate.waiting}

    @api.post("/api/ask")
    async def ask(request: Request) -> JSONResponse:
        try:
            question, history = service.check(*_fields(await _body(request), "question", "history"))
            logged = await _run_final(service, _client(request), question, history)
        except Refused as exc:
            return _error(exc)
        return JSONResponse(_answer_json(logged))

    @api.post("/api/ask/stream")
    async def ask_stream(request: Request) -> Any:
        try:
            question, history = service.check(*_fields(await _body(request), "question", "history"))
            service.gate.admit(_client(request))  # refuse now, with a status code, not inside the stream
        except Refused as exc:
            return _error(exc)
        service.gate.release()
        return StreamingResponse(_sse(service, _client(request), question, history),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache",
                                                                          "X-Accel-Buffering": "no"})

    @api.post("/api/feedback")
    async def feedback(request: Request) -> JSONResponse:
        try:
            turn_id, rating, comment = _fields(await _body(request), "turn_id", "rating", "comment")
            if not isinstance(turn_id, str) or rating not in (1, -1) or not isinstance(comment or "", str):
                raise Refused(400, "turn_id(글자), rating(1 또는 -1), comment(선택, 글자)를 보내 주세요.")
            if not service.logbook.feedback(turn_id, rating, comment or ""):
                raise Refused(404, "해당 답변을 찾을 수 없습니다.")
        except Refused as exc:
            return _error(exc)
        return JSONResponse({"ok": True})

    return api


async def _body(request: Request) -> Any:
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BODY_BYTES:
        raise Refused(413, "요청이 너무 큽니다.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(413, "요청이 너무 큽니다.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "요청 본문이 올바른 JSON이 아닙니다.") from None


def _fields(body: Any, *names: str) -> tuple[Any, ...]:
    if not isinstance(body, dict):
        raise Refused(400, "요청 본문은 JSON 객체여야 합니다. 예: {\"question\": \"접수 마감은 언제인가요?\"}")
    return tuple(body.get(n) for n in names)


async def _run_final(service: Service, client: str, question: str, history: list[dict[str, str]]) -> Logged:
    from starlette.concurrency import run_in_threadpool

    def run() -> Logged:
        for event in service.events(client, question, history, "api"):
            if isinstance(event, Logged):
                return event
        raise RuntimeError("no final answer")

    return await run_in_threadpool(run)


def _sse(service: Service, client: str, question: str, history: list[dict[str, str]]) -> Iterator[str]:
    try:
        for event in service.events(client, question, history, "api"):
            if isinstance(event, Sources):
                yield _event("sources", [c.to_json() for c in event.citations])
            elif isinstance(event, Token):
                yield _event("token", {"text": event.text})
            elif isinstance(event, Logged):
                yield _event("final", _answer_json(event))
    except Refused as exc:
        yield _event("error", {"error": exc.message})


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _answer_json(logged: Logged) -> dict[str, Any]:
    return {**logged.answer.to_json(), "turn_id": logged.turn_id}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _error(exc: Refused) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status)
