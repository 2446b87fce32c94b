"""The `assistant` command line: ingest, search, documents, remove (here), ask, chat, eval (cli_answers.py) and
report (cli_report.py). A thin edge over the library.

Domain errors become Korean messages here; nothing below this module prints.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant import __version__
from assistant.cli_answers import add_parsers
from assistant.collect import collect
from assistant.errors import AssistantError
from assistant.messages import reject_reason
from assistant.settings import Settings

_DESCRIPTION = """정부 창업지원사업 안내 도우미 (program-assistant).
공고문·지침·FAQ를 색인하고, 한국어 질문에 근거 문서를 찾아 줍니다. 모든 처리는 이 컴퓨터 안에서만 이루어집니다."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    settings = Settings(**overrides)
    try:
        result: int = args.run(args, settings)
        return result
    except AssistantError as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n중단했습니다.", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=None,
        help="색인과 로그를 두는 폴더 (기본: 환경변수 ASSISTANT_DATA_DIR, 없으면 ./data)",
    )
    parser = argparse.ArgumentParser(prog="assistant", description=_DESCRIPTION, parents=[common])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="문서 파일이나 폴더를 색인합니다 (바뀐 파일만).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="파일 또는 폴더")
    p.add_argument("--prune", action="store_true", help="주어진 폴더에서 사라진 파일을 색인에서도 지웁니다.")
    p.add_argument("--json", action="store_true", help="파일별 결과를 JSON으로 출력합니다.")
    p.set_defaults(run=_ingest)

    p = sub.add_parser("search", parents=[common], help="질문과 관련된 문서 구절을 찾습니다.")
    p.add_argument("query", nargs="?", help="질문 (생략하면 대화형 검색)")
    p.add_argument("-k", type=int, default=None, help="결과 개수 (기본 10)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid", help="검색 방식 (기본 hybrid)")
    p.add_argument("--json", action="store_true", help="결과를 JSON 배열로 출력합니다.")
    p.set_defaults(run=_search)

    p = sub.add_parser("documents", parents=[common], help="색인된 문서와 버전, 조각 수를 보여 줍니다.")
    p.add_argument("--json", action="store_true", help="JSON으로 출력합니다.")
    p.set_defaults(run=_documents)

    p = sub.add_parser("remove", parents=[common], help="문서를 색인에서 지웁니다 (파일 이름으로).")
    p.add_argument("sources", nargs="+", metavar="FILE_NAME", help="색인된 파일 이름, 예: notice.pdf")
    p.set_defaults(run=_remove)

    add_parsers(sub, common)
    return parser


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from assistant.factory import build_index

    files = list(collect(args.paths))
    if not files:
        print("색인할 파일이 없습니다. 경로를 확인해 주세요.", file=sys.stderr)
        return 1
    index = build_index(settings)
    for source in index.repaired:
        print(f"! {source}: 지난 색인이 중간에 끊겨 이 문서를 다시 넣어야 합니다.", file=sys.stderr)
    results = []
    bar = tqdm(files, desc="색인", unit="파일", file=sys.stderr, disable=None, dynamic_ncols=True)
    for path in bar:
        bar.set_postfix_str(path.name[:30], refresh=False)
        result = index.ingest(path) if path.exists() else None
        results.append((path, result))
        bar.write(_report_line(path, result), file=sys.stderr)
    pruned = _prune(index, args.paths, files) if args.prune else []
    ok = [r for _, r in results if r is not None and r.status != "rejected"]
    rejected = len(results) - len(ok)
    summary = f"완료: {len(ok)}개 파일 색인(변경 없음 포함), {rejected}개 건너뜀"
    if pruned:
        summary += f", {len(pruned)}개 삭제({', '.join(pruned)})"
    print(summary, file=sys.stderr)
    if args.json:
        print(json.dumps([_result_json(p, r) for p, r in results], ensure_ascii=False, indent=2))
    return 0 if ok else 1


def _report_line(path: Path, result: Any) -> str:
    if result is None:
        return f"✗ {path.name} — 건너뜀: 파일이 없습니다."
    if result.status == "rejected":
        return f"✗ {path.name} — 건너뜀: {reject_reason(result.reason)}"
    if result.status == "unchanged":
        return f"= {path.name} — 변경 없음"
    pages = f", {result.pages}쪽" if result.pages else ""
    verb = "다시 색인" if result.status == "replaced" else "색인"
    return f"✓ {path.name} — {verb} {result.chunks}조각{pages} ({result.seconds:.1f}초)"


def _result_json(path: Path, result: Any) -> dict[str, Any]:
    if result is None:
        return {"path": str(path), "status": "rejected", "reason": "unreadable", "message": "파일이 없습니다."}
    return {
        "path": str(path),
        "status": result.status,
        "reason": result.reason,
        "message": reject_reason(result.reason),
        "chunks": result.chunks,
        "pages": result.pages,
        "seconds": round(result.seconds, 3),
    }


def _prune(index: Any, roots: list[Path], files: list[Path]) -> list[str]:
    """Remove indexed documents that lived under one of the given folders and are gone now."""
    present = {p.name for p in files}
    folders = [str(r.resolve()) + os.sep for r in roots if r.is_dir()]
    gone = [
        doc.source
        for doc, _, _ in index.documents()
        if doc.source not in present and any(doc.path.startswith(f) for f in folders)
    ]
    for source in gone:
        index.remove(source)
    return gone


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.factory import build_index

    index = build_index(settings)
    k = args.k or settings.top_k
    if not index.catalog.documents():
        print("색인이 비어 있습니다. 먼저 `assistant ingest corpus`로 문서를 넣어 주세요.", file=sys.stderr)
        return 1
    if args.query is not None:
        return _print_hits(index.search(args.query, k=k, mode=args.mode), args.json)
    print("질문을 입력하세요 (끝내려면 빈 줄이나 Ctrl-D).", file=sys.stderr)
    for line in sys.stdin:
        if not line.strip():
            break
        _print_hits(index.search(line.strip(), k=k, mode=args.mode), args.json)
        print("", file=sys.stderr)
    return 0


def _print_hits(hits: list[Any], as_json: bool) -> int:
    if as_json:
        rows = [
            {
                "rank": rank,
                "source": h.chunk.source,
                "page": h.chunk.page,
                "section": h.chunk.section,
                "score": round(h.score, 6),
                "text": h.chunk.text,
                "doc_type": h.chunk.doc_type,
                "program": h.chunk.program,
                "version": h.chunk.version,
                "chunk_id": h.chunk.id,
            }
            for rank, h in enumerate(hits, start=1)
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("관련 구절을 찾지 못했습니다.")
    for rank, h in enumerate(hits, start=1):
        where = f"{h.chunk.source}" + (f" {h.chunk.page}쪽" if h.chunk.page else "")
        section = f" · {h.chunk.section}" if h.chunk.section else ""
        print(f"[{rank}] {where}{section}  (점수 {h.score:.4f})")
        print("    " + h.chunk.text.replace("\n", "\n    ")[:600])
    return 0


def _documents(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.factory import build_index

    rows = build_index(settings).documents()
    if args.json:
        out = [
            {"source": d.source, "title": d.title, "program": d.program, "doc_type": d.doc_type,
             "version": d.version, "format": d.format, "pages": d.page_count, "chunks": n, "active": active}
            for d, n, active in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("색인된 문서가 없습니다.")
    for d, n, active in rows:
        state = "" if active else "  (새 버전으로 대체됨)"
        print(f"{d.source}  [{d.doc_type}, {d.program}, {d.version or '버전 미상'}]  {n}조각{state}")
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.factory import build_index

    index = build_index(settings)
    missing = [s for s in args.sources if not index.remove(s)]
    for source in missing:
        print(f"✗ {source} — 색인에 없는 문서입니다.", file=sys.stderr)
    return 1 if len(missing) == len(args.sources) else 0


if __name__ == "__main__":
    raise SystemExit(main())
