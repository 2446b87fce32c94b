"""The eval loader and scorer on small hand-built answers whose scores are known."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from assistant.answer import Answer, Citation, Timings
from assistant.evalset import Case, EvalSetError, load_cases
from assistant.scoring import format_summary, match_text, percentile, score_case, summarize

ROOT = Path(__file__).resolve().parents[1]


def answer(text: str, refused: bool = False, quotes: tuple[str, ...] = (), ttft: float = 1000.0,
           retrieved: tuple[tuple[str, int | None], ...] = ()) -> Answer:
    citations = [Citation(n, "notice.pdf", 2, "", q) for n, q in enumerate(quotes, start=1)]
    mode = "refusal" if refused else "generated"
    out = Answer("q", text, refused, citations, Timings(first_token_ms=ttft, total_ms=ttft * 2), "m", mode)
    out.retrieved = list(retrieved)
    return out


def case(id_: str, answerable: bool = True, must: tuple[tuple[str, ...], ...] = (("7년",),), **kw: object) -> Case:
    return Case(id=id_, question="질문", answerable=answerable, must_include=[list(g) for g in must], **kw)  # type: ignore[arg-type]


def test_match_ignores_spaces_case_and_composition() -> None:
    decomposed = unicodedata.normalize("NFD", "신청할 수 없습니다")
    assert match_text("신청 할수 없", decomposed)
    assert match_text("k-startup", "K-Startup 누리집")
    assert not match_text("신청할 수 있", "신청할 수 없습니다")


def test_answerable_passes_only_with_every_group() -> None:
    c = case("elig-02", must=(("7년",), ("2018. 2. 27.", "2018년 2월 27일")))
    good = score_case(c, answer("창업 7년 이내, 2018년 2월 27일 이후 창업 [1]", quotes=("창업 7년 이내 2018년 2월 27일",)))
    assert good.passed and good.reason == "" and good.citation_valid is True
    bad = score_case(c, answer("창업 7년 이내입니다 [1]", quotes=("창업 7년 이내",)))
    assert not bad.passed and "2018. 2. 27." in bad.reason


def test_refusals_both_ways() -> None:
    assert score_case(case("refuse-01", answerable=False, must=()), answer("죄송합니다", refused=True)).passed
    wrong = score_case(case("refuse-02", answerable=False, must=()), answer("최대 1억원입니다"))
    assert not wrong.passed and wrong.reason == "거절해야 하는데 답함"
    missed = score_case(case("elig-01"), answer("죄송합니다", refused=True))
    assert not missed.passed and missed.reason == "답해야 하는데 거절함" and missed.citation_valid is None


def test_citation_validity_needs_the_fact_in_a_quote() -> None:
    c = case("amount-01", must=(("1억",),))
    assert score_case(c, answer("최대 1억원 [1]", quotes=("최대 1억원 이내",))).citation_valid is True
    assert score_case(c, answer("최대 1억원 [1]", quotes=("정부지원사업비 70% 이내",))).citation_valid is False
    assert score_case(c, answer("최대 1억원")).citation_valid is False


def test_unsupported_numbers_are_counted() -> None:
    c = case("amount-01", must=(("억",),))
    invented = score_case(c, answer("최대 3억원까지 받을 수 있습니다 [1]", quotes=("최대 1.5억원",)))
    assert invented.unsupported == ["3억원"]
    backed = score_case(c, answer("최대 1.5억원까지 받을 수 있습니다 [1]", quotes=("최대 1.5억원",)))
    assert backed.unsupported == []


def test_percentile_interpolates() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)


def test_summary_on_a_known_set() -> None:
    results = [
        score_case(case("elig-01", sources=["notice.pdf"], pages=[2]),
                   answer("7년 [1]", quotes=("7년",), ttft=1000, retrieved=(("notice.pdf", 2),))),
        score_case(case("elig-02", sources=["notice.pdf"], pages=[2]),
                   answer("5년 [1]", quotes=("5년",), ttft=3000, retrieved=(("faq.md", None), ("notice.pdf", 2)))),
        score_case(case("refuse-01", answerable=False, must=()), answer("죄송합니다", refused=True, ttft=10)),
        score_case(case("refuse-02", answerable=False, must=()), answer("답", ttft=20)),
    ]
    s = summarize(results)
    assert (s["answer_accuracy"], s["refusal_accuracy"], s["citation_validity"]) == (0.5, 0.5, 1.0)
    assert s["retrieval_page"]["hit@1"] == 0.5 and s["retrieval_page"]["hit@5"] == 1.0
    assert s["retrieval_page"]["mrr"] == 0.75
    assert s["categories"]["elig"] == {"n": 2, "passed": 1, "accuracy": 0.5}
    assert s["latency"]["first_token_p50_ms"] == 510.0
    assert s["modes"] == {"generated": 3, "refusal": 1}
    text = format_summary(s)
    assert "정답률        50.0%" in text and "거절 정확도   50.0%" in text


def test_loader_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "a-1", "question": "질문", "answerable": false}\n\n{"id": "a-2", "answerable": true}\n',
                    encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"3번째 줄: 'question'"):
        load_cases(path)
    path.write_text('{"id": "a-1", "question": "질문", "answerable": true, "must_include": []}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match="must_include"):
        load_cases(path)


def test_gold_set_loads() -> None:
    cases = load_cases(ROOT / "evals" / "gold.jsonl")
    assert len(cases) >= 60
    assert sum(not c.answerable for c in cases) >= 15
    assert {c.category for c in cases} >= {"elig", "excl", "date", "amount", "docs", "eval", "oblig", "follow"}
    assert all(c.history for c in cases if c.category == "follow")
