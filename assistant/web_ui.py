"""The applicant chat page (Gradio): Korean UI, streamed answers, citations under each answer, example questions,
the AI-use notice and "공고문이 우선합니다" before first use, 👍/👎 with an optional comment. The only module
importing gradio.

Mounted twice on the FastAPI app: `/` (full page) and `/embed` (compact, for the widget's iframe). Answers go
through the service's line in front of the model (shared with the API): one at a time, the applicant sees how many
are ahead ("내 앞에 2명"), and beyond the configured queue size gets the Korean "busy" message at once.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

# Before gradio is imported: no usage analytics, no version check, no Hugging Face calls, no browser-side run
# history (it offers to sync questions to a Hugging Face bucket). Forced, not defaulted: offline is a promise.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["GRADIO_RUN_HISTORY"] = "False"
os.environ["GRADIO_SSR_MODE"] = "False"
os.environ["GRADIO_MCP_SERVER"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import gradio as gr
from fastapi import FastAPI

from assistant.answer import Answer, Sources, Token
from assistant.web_api import FAILED, Logged, Refused, Service, Waiting

log = logging.getLogger(__name__)

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


_LINE_MARK = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([#>+*-])", re.M)
_INLINE_MARK = re.compile(r"([\\`*_~<])")


def plain_markdown(text: str) -> str:
    """Answer text shown as written: the chat renders Markdown, and an answer that begins "2025. 3. 18." would
    otherwise become a numbered list starting at 2025 (and "*" or "_" would turn into emphasis)."""
    text = _INLINE_MARK.sub(r"\\\1", text)
    return _LINE_MARK.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}{m[4]}" if m[2] else f"{m[5]}\\{m[6]}", text)


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
                             feedback_options=("Like", "Dislike"), sanitize_html=True,
                             buttons=["copy", "copy_all"])  # no "share": it posts to Hugging Face
        turns = gr.State([])  # [{"role", "content"}] without the citation markup, for follow-ups
        turn_ids = gr.State({})  # chat message index -> logged turn id
        with gr.Row():
            box = gr.Textbox(placeholder="질문을 입력하세요 (예: 접수 마감은 언제인가요?)", show_label=False,
                             elem_id="question", scale=5, max_lines=4)
            send = gr.Button("보내기", variant="primary", elem_id="send", scale=1, min_width=80)
        gr.Examples(EXAMPLES, inputs=box, label="이런 질문을 해 보세요", elem_id="examples")
        with gr.Accordion("답변 평가 의견 (선택)", open=False):
            comment = gr.Textbox(label="👍/👎를 누르기 전에 의견을 적으면 함께 전달됩니다.", elem_id="feedback-comment")
        status = gr.Markdown(elem_id="feedback-status")

        def respond(question: str, messages: list[Any], plain: list[dict[str, str]], ids: dict[int, str],
                    request: gr.Request) -> Iterator[tuple[Any, ...]]:
            client = request.client.host if request and request.client else "unknown"
            messages = list(messages or [])
            try:
                question, history = service.check(question, plain)
                service.admit(client)
            except Refused as exc:
                if question and isinstance(question, str) and question.strip():
                    messages += [{"role": "user", "content": plain_markdown(question.strip()[:200])},
                                 {"role": "assistant", "content": exc.message}]
                yield messages, plain, ids, exc.message
                return
            messages += [{"role": "user", "content": plain_markdown(question)},
                         {"role": "assistant", "content": "근거를 찾는 중…"}]
            yield messages, plain, ids, ""
            shown = ""
            try:
                for event in service.answer(question, history, "web"):
                    if isinstance(event, Waiting):
                        text = f"다른 질문에 먼저 답하고 있어요. 내 앞에 {event.ahead}명 — 차례가 되면 바로 답합니다…"
                        messages[-1] = {"role": "assistant", "content": text}
                    elif isinstance(event, Sources):
                        text = f"근거 {len(event.citations)}건을 찾았습니다. 답을 쓰는 중…"
                        messages[-1] = {"role": "assistant", "content": text}
                    elif isinstance(event, Token):
                        shown += event.text
                        messages[-1] = {"role": "assistant", "content": plain_markdown(shown)}
                    elif isinstance(event, Logged):
                        answer = event.answer
                        content = plain_markdown(answer.answer) + citations_html(answer)
                        messages[-1] = {"role": "assistant", "content": content}
                        ids = {**ids, len(messages) - 1: event.turn_id}
                        plain = [*plain, {"role": "user", "content": question},
                                 {"role": "assistant", "content": answer.answer}]
                    yield messages, plain, ids, ""
            except Refused as exc:
                messages[-1] = {"role": "assistant", "content": exc.message}
                yield messages, plain, ids, ""
            except Exception:
                log.exception("chat answer failed")
                messages[-1] = {"role": "assistant", "content": FAILED}
                yield messages, plain, ids, ""

        def feedback(data: gr.LikeData, ids: dict[int, str], note: str) -> tuple[str, str]:
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            turn_id = ids.get(int(index)) if index is not None else None
            if not turn_id:
                return "평가할 답변을 찾지 못했습니다.", note
            service.logbook.feedback(turn_id, 1 if data.liked else -1, note or "")
            return "의견 고맙습니다. 담당자가 확인합니다.", ""

        asked = gr.State("")
        inputs = [asked, chatbot, turns, turn_ids]
        outputs = [chatbot, turns, turn_ids, status]
        # The box empties at once (no queue); the answer then waits its turn in the service's line, which also
        # serves the API and says how many are ahead. subtle: no Gradio concurrency limit here — a request held
        # in Gradio's own queue would never reach the line's "busy" check; the line itself bounds the waiting.
        for trigger in (box.submit, send.click):
            trigger(lambda q: ("", q), box, [box, asked], queue=False).then(
                respond, inputs, outputs, concurrency_limit=None)
        chatbot.like(feedback, [turn_ids, comment], [status, comment])
    size = service.settings.queue_size + 1
    queued: gr.Blocks = demo.queue(default_concurrency_limit=1, max_size=4 * size)
    return queued


def mount(app: FastAPI, service: Service) -> FastAPI:
    options: dict[str, Any] = {"theme": THEME, "css": CSS, "footer_links": [], "ssr_mode": False, "run_history": False,
                               "mcp_server": False, "pwa": False, "enable_monitoring": False, "max_file_size": "1kb"}
    app = gr.mount_gradio_app(app, build(service, compact=True), path="/embed", **options)
    mounted: FastAPI = gr.mount_gradio_app(app, build(service), path="/", **options)
    return mounted
