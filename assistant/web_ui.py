"""The applicant chat page (Gradio): Korean UI, streamed answers, citations under each answer, example questions,
the AI-use notice and "공고문이 우선합니다" before first use, 👍/👎 with an optional comment. The only module
importing gradio.

Mounted twice on the FastAPI app: `/` (full page) and `/embed` (compact, for the widget's iframe). Gradio's queue
runs one answer at a time and shows the applicant their place in line; the service's gate answers "busy" beyond
the configured queue size.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TELEMETRY_ENABLED", "False")

import gradio as gr
from fastapi import FastAPI

from assistant.answer import Answer, Sources, Token
from assistant.web_api import Logged, Refused, Service

TITLE = "AI 초격차 챌린지 사업 안내 도우미"
NOTICE = (
    "**안내** · 이 도우미는 AI가 사업 공고문·운영지침·FAQ를 근거로 만든 답변을 보여 줍니다. "
    "답변마다 근거 문서와 쪽을 함께 확인해 주세요. **공고문이 우선합니다.** 문서에 없는 내용은 답하지 않고 "
    "문의처를 안내합니다. 주민등록번호·연락처 같은 개인정보는 입력하지 마세요."
)
EXAMPLES = [
    "접수 마감이 언제예요?",
    "사업화자금은 최대 얼마까지 받을 수 있나요?",
    "창업한 지 5년 된 법인도 신청할 수 있나요?",
    "사업계획서는 몇 쪽까지 쓸 수 있나요?",
]
CSS = """
#ai-notice { font-size: 0.9rem; background: #eff6ff; border-radius: 8px; padding: 8px 12px; }
.pa-sources summary { cursor: pointer; font-weight: 600; }
.pa-sources blockquote { margin: 4px 0 8px; font-size: 0.9rem; }
@media (max-width: 480px) { .gradio-container { padding: 4px !important; } }
"""
# System fonts only: the default theme would fetch web fonts from a CDN.
THEME = gr.themes.Default(font=["system-ui", "Apple SD Gothic Neo", "NanumGothic", "Noto Sans KR", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"])


def citations_html(answer: Answer) -> str:
    if not answer.citations:
        return ""
    items = []
    for c in answer.citations:
        where = c.source + (f" {c.page}쪽" if c.page else "") + (f" · {c.section}" if c.section else "")
        items.append(f"<li><b>[{c.n}] {html.escape(where)}</b><blockquote>{html.escape(c.quote)}</blockquote></li>")
    basis = f"<p>근거 공고: {html.escape(answer.basis)}</p>" if answer.basis else ""
    return (f"\n\n<details class='pa-sources'><summary>근거 {len(answer.citations)}건 보기</summary>"
            f"<ol>{''.join(items)}</ol>{basis}</details>")


def build(service: Service, compact: bool = False) -> gr.Blocks:
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        if not compact:
            gr.Markdown(f"## {TITLE}")
        gr.Markdown(NOTICE, elem_id="ai-notice")
        chatbot = gr.Chatbot(label="대화", elem_id="chat", height=420 if compact else 520,
                             feedback_options=("Like", "Dislike"), sanitize_html=True)
        turns = gr.State([])  # [{"role", "content"}] without the citation markup, for follow-ups
        turn_ids = gr.State({})  # chat message index -> logged turn id
        with gr.Row():
            box = gr.Textbox(placeholder="질문을 입력하세요 (예: 접수 마감은 언제인가요?)", show_label=False,
                             elem_id="question", scale=5, max_lines=4)
            send = gr.Button("보내기", variant="primary", elem_id="send", scale=1, min_width=80)
        gr.Examples(EXAMPLES, inputs=box, label="이런 질문을 해 보세요")
        with gr.Accordion("답변 평가 의견 (선택)", open=False):
            comment = gr.Textbox(label="👍/👎를 누르기 전에 의견을 적으면 함께 전달됩니다.", elem_id="feedback-comment")
        status = gr.Markdown(elem_id="feedback-status")

        def respond(question: str, messages: list[Any], plain: list[dict[str, str]], ids: dict[int, str],
                    request: gr.Request) -> Iterator[tuple[Any, ...]]:
            client = request.client.host if request and request.client else "unknown"
            messages = list(messages or [])
            try:
                question, history = service.check(question, plain)
            except Refused as exc:
                yield messages, plain, ids, exc.message
                return
            messages += [{"role": "user", "content": question}, {"role": "assistant", "content": "근거를 찾는 중…"}]
            yield messages, plain, ids, ""
            shown = ""
            try:
                for event in service.events(client, question, history, "web"):
                    if isinstance(event, Sources):
                        messages[-1] = {"role": "assistant", "content": f"근거 {len(event.citations)}건을 찾았습니다. 답을 쓰는 중…"}
                    elif isinstance(event, Token):
                        shown += event.text
                        messages[-1] = {"role": "assistant", "content": shown}
                    elif isinstance(event, Logged):
                        answer = event.answer
                        messages[-1] = {"role": "assistant", "content": answer.answer + citations_html(answer)}
                        ids = {**ids, len(messages) - 1: event.turn_id}
                        plain = [*plain, {"role": "user", "content": question},
                                 {"role": "assistant", "content": answer.answer}]
                    yield messages, plain, ids, ""
            except Refused as exc:
                messages[-1] = {"role": "assistant", "content": exc.message}
                yield messages, plain, ids, ""

        def feedback(data: gr.LikeData, ids: dict[int, str], note: str) -> tuple[str, str]:
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            turn_id = ids.get(int(index)) if index is not None else None
            if not turn_id:
                return "평가할 답변을 찾지 못했습니다.", note
            service.logbook.feedback(turn_id, 1 if data.liked else -1, note or "")
            return "의견 고맙습니다. 담당자가 확인합니다.", ""

        inputs = [box, chatbot, turns, turn_ids]
        outputs = [chatbot, turns, turn_ids, status]
        for trigger in (box.submit, send.click):
            trigger(respond, inputs, outputs, concurrency_limit=1, concurrency_id="model").then(
                lambda: "", None, box)
        chatbot.like(feedback, [turn_ids, comment], [status, comment])
    queued: gr.Blocks = demo.queue(default_concurrency_limit=1, max_size=max(1, service.settings.queue_size))
    return queued


def mount(app: FastAPI, service: Service) -> FastAPI:
    options: dict[str, Any] = {"theme": THEME, "css": CSS, "footer_links": [], "ssr_mode": False,
                               "mcp_server": False, "pwa": False, "enable_monitoring": False}
    app = gr.mount_gradio_app(app, build(service, compact=True), path="/embed", **options)
    mounted: FastAPI = gr.mount_gradio_app(app, build(service), path="/", **options)
    return mounted
