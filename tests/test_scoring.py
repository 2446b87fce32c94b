"""The eval loader and the scorer on small hand-built cases and answers whose scores are worked out by hand."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from assistant.answer import Answer, AnswerMode, Citation, Timings
from assistant.evalset import Case, EvalSetError, load_cases
from assistant.scoring import format_case, format_summary, match_text, percentile, score_case, summarize

ROOT = Path(__file__).resolve().parents[1]


def answer(
    text: str,
    refused: bool = False,
    quotes: tuple[str, ...] = (),
    ttft: float = 1000.0,
    mode: AnswerMode | None = None,
    retrieved: tuple[tuple[str, int | None], ...] = (),
) -> Answer:
    citations = [Citation(n, "notice.pdf", 2, "", q) for n, q in enumerate(quotes, start=1)]
    timings = Timings(first_token_ms=ttft, total_ms=ttft * 2)
    mode = mode or ("refusal" if refused else "generated")
    return Answer("질문", text, refused, citations, timings, "m", mode, retrieved=list(retrieved))


def case(
    id_: str,
    must: tuple[tuple[str, ...], ...] = (("7년",),),
    sources: tuple[str, ...] = (),
    pages: tuple[int, ...] = (),
) -> Case:
    return Case(id=id_, question="질문", answerable=True, must_include=must, sources=sources, pages=pages)


def unanswerable(id_: str) -> Case:
    return Case(id=id_, question="질문", answerable=False)


def test_match_ignores_spaces_case_and_composition() -> None:
    nfd = unicodedata.normalize("NFD", "신청할 수 없습니다")
    assert nfd != "신청할 수 없습니다"  # the test means something only if the spellings differ
    assert match_text("신청 할수 없", nfd)
    assert match_text(unicodedata.normalize("NFD", "신청할"), "신청할 수 없습니다")
    assert match_text("k-startup", "K-Startup 누리집")
    assert not match_text("신청할 수 있", "신청할 수 없습니다")


def test_answerable_needs_every_group() -> None:
    c = case("elig-03", must=(("7년",), ("2018. 2. 27.", "2018년 2월 27일")))
    good = score_case(
        c, answer("창업 7년 이내, 2018년 2월 27일 이후 창업 [1]", quotes=("창업 7년 이내 2018년 2월 27일",))
    )
    assert (good.passed, good.reason, good.citation_valid, good.unsupported) == (True, "", True, [])
    bad = score_case(c, answer("창업 7년 이내입니다 [1]", quotes=("창업 7년 이내",)))
    assert not bad.passed and bad.reason == "필수 내용 누락: ['2018. 2. 27.']"


def test_refusals_both_ways() -> None:
    right = score_case(unanswerable("refuse-01"), answer("문서에 없습니다", refused=True))
    assert (right.passed, right.reason, right.citation_valid) == (True, "", None)
    wrong = score_case(unanswerable("refuse-02"), answer("최대 1억원입니다"))
    assert (wrong.passed, wrong.reason, wrong.citation_valid) == (False, "거절해야 하는데 답함", None)
    missed = score_case(case("elig-01"), answer("문서에 없습니다", refused=True))
    assert (missed.passed, missed.reason, missed.citation_valid) == (False, "답해야 하는데 거절함", None)


def test_citation_validity_needs_the_fact_in_a_quote() -> None:
    c = case("amount-01", must=(("1억",),))
    assert score_case(c, answer("최대 1억원 [1]", quotes=("최대 1억원 이내",))).citation_valid is True
    assert (
        score_case(c, answer("최대 1억원 [1]", quotes=("정부지원사업비 70% 이내",))).citation_valid is False
    )
    assert score_case(c, answer("최대 1억원")).citation_valid is False  # no citations at all


def test_unsupported_numbers() -> None:
    c = case("amount-02", must=(("억",),))
    invented = score_case(c, answer("최대 3억원까지 받을 수 있습니다 [1]", quotes=("최대 1.5억원",)))
    assert invented.unsupported == ["3억원"]
    backed = score_case(c, answer("최대 1.5억원까지 받을 수 있습니다 [1, 2]", quotes=("최대 1.5억원",)))
    assert backed.unsupported == []  # and the citation marks are not numbers
    refused = score_case(c, answer("3억원은 문서에 없습니다", refused=True))
    assert refused.unsupported == []


def test_percentile_interpolates() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([5.0], 95) == 5.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0) == 1.0 and percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)


def test_summary_on_a_known_set() -> None:
    results = [
        # passes; cited; notice.pdf p.2 retrieved first
        score_case(
            case("elig-01", sources=("notice.pdf",), pages=(2,)),
            answer("창업 7년 이내입니다 [1]", quotes=("창업 7년 이내",), retrieved=(("notice.pdf", 2),)),
        ),
        # misses "1억"; the matched "7년" is not in the quote; 7년 and 3억원 unsupported; file rank 2, page rank 3
        score_case(
            case("elig-02", must=(("7년",), ("1억",)), sources=("notice.pdf",), pages=(2,)),
            answer(
                "창업 7년 이내, 최대 3억원 [1]",
                quotes=("창업 5년 이내",),
                ttft=3000,
                mode="extractive",
                retrieved=(("faq.md", None), ("notice.pdf", 5), ("notice.pdf", 2)),
            ),
        ),
        score_case(unanswerable("refuse-01"), answer("문서에 없습니다", refused=True, ttft=10)),
        # answered where it should refuse, with a number no citation backs
        score_case(unanswerable("refuse-02"), answer("최대 1억원입니다", ttft=20)),
    ]
    assert [r.unsupported for r in results] == [[], ["7년", "3억원"], [], ["1억원"]]
    s = summarize(results, pipeline="plain")
    assert (s["pipeline"], s["n"], s["answerable"], s["unanswerable"]) == ("plain", 4, 2, 2)
    assert (s["answer_accuracy"], s["refusal_accuracy"], s["citation_validity"]) == (0.5, 0.5, 0.5)
    assert (s["unsupported_numbers"], s["cases_with_unsupported"]) == (3, 2)
    assert s["retrieval_file"] == {"n": 2.0, "hit@1": 0.5, "hit@5": 1.0, "mrr": 0.75}
    assert s["retrieval_page"] == {"n": 2.0, "hit@1": 0.5, "hit@5": 1.0, "mrr": 0.667}  # (1 + 1/3) / 2
    # first token over all: 10, 20, 1000, 3000; total is twice that
    assert s["latency"] == {
        "n": 4,
        "first_token_p50_ms": 510.0,
        "first_token_p95_ms": 2700.0,
        "total_p50_ms": 1020.0,
        "total_p95_ms": 5400.0,
    }
    # generated only: 20 and 1000
    assert s["latency_generated"] == {
        "n": 2,
        "first_token_p50_ms": 510.0,
        "first_token_p95_ms": 951.0,
        "total_p50_ms": 1020.0,
        "total_p95_ms": 1902.0,
    }
    assert s["categories"] == {
        "elig": {"n": 2, "passed": 1, "accuracy": 0.5},
        "refuse": {"n": 2, "passed": 1, "accuracy": 0.5},
    }
    assert s["modes"] == {"generated": 2, "extractive": 1, "refusal": 1}
    json.dumps({"summary": s, "cases": [r.to_json() for r in results]}, ensure_ascii=False)

    text = format_summary(s)
    assert "정답률        50.0%" in text and "거절 정확도   50.0%" in text and "인용 타당성   50.0%" in text
    assert "근거 없는 숫자 3개 (2문항)" in text and "hit@1 0.500" in text
    assert format_case(results[0]) == "PASS elig-01 [generated]"
    assert (
        format_case(results[1])
        == "FAIL elig-02 [extractive] — 필수 내용 누락: ['1억'] (근거 없는 숫자: 7년, 3억원)"
    )


def test_empty_retrieval_counts_as_a_miss() -> None:
    results = [score_case(case("elig-01", sources=("notice.pdf",)), answer("7년 [1]", quotes=("7년",)))]
    assert summarize(results)["retrieval_file"]["hit@5"] == 0.0


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = '{"id": "a-1", "question": "질문", "answerable": false}'


def test_loader_reads_a_case_and_defaults_the_category(tmp_path: Path) -> None:
    row = '{"id": "elig-01", "question": "질문", "answerable": true, "must_include": [["7년"]], "pages": [2]}'
    [c] = load_cases(_write(tmp_path, row))
    assert (c.category, c.must_include, c.pages, c.history) == ("elig", (("7년",),), (2,), ())


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "a-2", "answerable": true}', r"set\.jsonl 3번째 줄: 'question' 필드가 없습니다\."),
        ("{not json", r"3번째 줄: JSON 형식이 아닙니다"),
        (
            '{"id": "a-1", "question": "다른 질문", "answerable": false}',
            r"3번째 줄: id 'a-1'가 1번째 줄과 겹칩니다",
        ),
        (
            '{"id": "a-2", "question": "질문", "answerable": true, "must_include": []}',
            r"3번째 줄: .*'must_include'",
        ),
        ('{"id": "a-2", "question": "질문", "answerable": "yes"}', r"3번째 줄: 'answerable'"),
        ('{"id": "a-2", "question": "질문", "answerable": false, "pages": [true]}', r"3번째 줄: 'pages'"),
        (
            '{"id": "a-2", "question": "질문", "answerable": false, "sorces": []}',
            r"3번째 줄: 알 수 없는 필드",
        ),
        (
            '{"id": "a-2", "question": "질문", "answerable": false, "history": [{"role": "bot", "content": "x"}]}',
            r"3번째 줄: 'history'",
        ),
    ],
)
def test_loader_names_the_bad_line(tmp_path: Path, bad: str, message: str) -> None:
    # the blank second line is skipped but still counted, so the bad case is on line 3
    with pytest.raises(EvalSetError, match=message):
        load_cases(_write(tmp_path, GOOD, "", bad))


def test_gold_set_loads() -> None:
    cases = load_cases(ROOT / "evals" / "gold.jsonl")
    assert len(cases) == 103
    assert sum(not c.answerable for c in cases) == 22
    assert all(c.history for c in cases if c.category == "follow")
