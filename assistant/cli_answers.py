"""The answering commands of the CLI: `ask`, `chat` and `eval`. A thin edge over answering.py and scoring.py.

In scope: arguments, printing answers with their citations, streaming to a terminal, the eval loop with its
progress bar and summary. Out of scope: how answers are made or scored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import cli_report
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer import Answer
    from assistant.answering import Assistant
    from assistant.index import Index
    from assistant.plain import PlainAssistant

_MARKS = re.compile(r"\[\d+\]|\s")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    model = argparse.ArgumentParser(add_help=False)
    model.add_argument(
        "--model", default=None, metavar="PATH",
        help="GGUF 모델 파일 (기본: 환경변수 ASSISTANT_MODEL, 없으면 설치된 기본 모델)",
    )

    p = sub.add_parser("ask", parents=[common, model], help="질문 하나에 근거를 인용해 답합니다.")
    p.add_argument("question", help="질문 (한국어)")
    p.add_argument("--json", action="store_true", help="답변을 JSON 객체 하나로 출력합니다 (DESIGN.md의 계약).")
    p.set_defaults(run=_ask)

    p = sub.add_parser("serve", parents=[common, model], help="웹 채팅·위젯·HTTP API·직원 페이지를 엽니다.")
    p.add_argument("--host", default=None, help="듣는 주소 (기본: ASSISTANT_HOST, 없으면 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="듣는 포트 (기본: ASSISTANT_PORT, 없으면 7860)")
    p.set_defaults(run=_serve)

    p = sub.add_parser("chat", parents=[common, model], help="터미널에서 대화합니다 (답변을 바로바로 보여 줍니다).")
    p.set_defaults(run=_chat)

    p = sub.add_parser("eval", parents=[common, model], help="평가 세트(JSONL)로 답변 품질과 속도를 잽니다.")
    p.add_argument("file", type=Path, metavar="FILE.jsonl", help="평가 세트, 예: evals/gold.jsonl")
    p.add_argument("--json", type=Path, default=None, metavar="OUT", help="요약과 문항별 결과를 이 JSON 파일에 씁니다.")
    p.add_argument(
        "--pipeline", choices=["assistant", "plain", "langchain"], default="assistant",
        help=(
            "assistant: 이 제품의 파이프라인 (기본). plain: 비교용 기본형 (우리 조각에서 밀집 검색 상위 5개, 검증 없음). "
            "langchain: LangChain 기본 조리법 (1000자/200자 RecursiveCharacterTextSplitter 조각, 밀집 상위 5개, 검증 없음)"
        ),
    )
    p.add_argument("--only", default=None, metavar="CATEGORIES", help="이 범주만 평가합니다 (쉼표로 구분, 예: elig,date)")
    cli_report.add_options(p)
    p.set_defaults(run=_eval)
    cli_report.add_parser(sub, common)


def _index_ready(settings: Settings) -> Index:
    """The index in the data dir; built from the bundled corpus when it is empty, so a first run just works."""
    from assistant.collect import collect
    from assistant.factory import build_index

    index = build_index(settings)
    if not index.catalog.documents():
        files = list(collect([settings.corpus_dir]))
        if not files:
            from assistant.errors import AssistantError

            raise AssistantError(
                f"색인이 비어 있고 기본 문서 폴더({settings.corpus_dir})에도 문서가 없습니다. "
                "`assistant ingest 폴더`로 문서를 먼저 넣어 주세요."
            )
        print(f"색인이 비어 있어 {settings.corpus_dir}의 문서 {len(files)}개를 먼저 색인합니다…", file=sys.stderr)
        for path in files:
            index.ingest(path)
    return index


def _settings_with_model(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.model_copy(update={"model": args.model}) if args.model else settings


def _assistant(args: argparse.Namespace, settings: Settings) -> Assistant:
    from assistant.factory import build_assistant

    settings = _settings_with_model(args, settings)
    index = _index_ready(settings)
    print("모델을 불러오는 중입니다…", file=sys.stderr)
    assistant = build_assistant(settings, index)
    assistant.warm()
    return assistant


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from assistant.web import create_app

    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=updates)
    assistant = _assistant(args, settings)
    app = create_app(settings, assistant)
    print(f"웹 채팅: http://{settings.host}:{settings.port}/  위젯: /widget.js  API: /api/ask  직원: /staff",
          file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    answer = _assistant(args, settings).ask(args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(answer.answer)
        _print_citations(answer)
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.answer import Final, Sources, Token

    assistant = _assistant(args, settings)
    print("무엇이든 물어보세요. 공고문이 우선하며, 이 답변은 AI가 만든 안내입니다. (끝내려면 빈 줄이나 Ctrl-D)")
    history: list[dict[str, str]] = []
    while True:
        try:
            question = input("\n질문> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        shown: list[str] = []
        for event in assistant.stream(question, history):
            if isinstance(event, Sources):
                print(f"(근거 {len(event.citations)}건을 찾았습니다)", flush=True)
            elif isinstance(event, Token):
                shown.append(event.text)
                print(event.text, end="", flush=True)
            elif isinstance(event, Final):
                answer = event.answer
                if _MARKS.sub("", "".join(shown)) != _MARKS.sub("", answer.answer):
                    # The checked answer differs from what streamed (a sentence failed verification): say so.
                    print("\n\n↳ 확인된 답변:" if shown else "", end="\n" if shown else "")
                    print(answer.answer)
                else:
                    print()
                _print_citations(answer)
                history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]


def _print_citations(answer: Answer) -> None:
    for c in answer.citations:
        where = c.source + (f" {c.page}쪽" if c.page else "") + (f" · {c.section}" if c.section else "")
        print(f"  [{c.n}] {where}\n      「{c.quote}」")
    if answer.basis:
        print(f"  (근거 공고: {answer.basis})")


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from assistant import scoring
    from assistant.evalset import load_cases

    cases = load_cases(args.file)
    if args.only:
        wanted = {c.strip() for c in args.only.split(",") if c.strip()}
        cases = [c for c in cases if c.category in wanted]
    if not cases:
        print("평가할 문항이 없습니다.", file=sys.stderr)
        return 1
    inputs = cli_report.load_inputs(args)  # before the model loads: a wrong path fails in a second, not an hour
    runner: Assistant | PlainAssistant = _assistant(args, settings)
    if args.pipeline in ("plain", "langchain"):
        from assistant.plain import PlainAssistant

        search = None
        if args.pipeline == "langchain":
            from assistant.baseline import LangChainRetriever

            print("LangChain 기준선 색인(1000자/200자 조각)을 준비합니다…", file=sys.stderr)
            search = LangChainRetriever(runner.index, settings.data_dir / "baseline-langchain").search
        runner = PlainAssistant(runner.index, runner.llm, runner.prompts, search=search)
    results = []
    bar = tqdm(cases, desc="평가", unit="문항", file=sys.stderr, disable=None, dynamic_ncols=True)
    for case in bar:
        result = scoring.score_case(case, runner.ask(case.question, case.history))
        results.append(result)
        bar.write(scoring.format_case(result))
    summary = scoring.summarize(results, pipeline=args.pipeline)
    print(scoring.format_summary(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        out = {"summary": summary, "cases": [r.to_json() for r in results]}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"결과를 {args.json}에 썼습니다.", file=sys.stderr)
    if args.report:
        cli_report.write(args.report, inputs, results, pipeline=args.pipeline, eval_file=args.file.name,
                         only=args.only or "")
    return 0
