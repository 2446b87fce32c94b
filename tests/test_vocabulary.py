"""Applicants' everyday words become the documents' terms, but only where the documents lack the everyday word."""

from __future__ import annotations

from assistant.vocabulary import in_documents_terms


def test_everyday_words_become_the_notices_terms() -> None:
    notices = {"정부지원사업비", "선정", "감점", "창업"}.__contains__
    assert in_documents_terms("지원금은 한 번에 다 주나요?", notices) == "정부지원사업비는 한 번에 다 주나요?"
    assert in_documents_terms("정부지원금은 몇 퍼센트까지 돼요?", notices) == "정부지원사업비는 몇 퍼센트까지 돼요?"
    assert in_documents_terms("스타트업 총 몇 개 뽑아요?", notices) == "스타트업 총 몇 개 선정?"
    assert in_documents_terms("중도포기하면 불이익 있나요?", notices) == "중도포기하면 감점 있나요?"
    assert in_documents_terms("2018년에 설립했는데 되나요?", notices) == "2018년에 창업했는데 되나요?"
    assert in_documents_terms("지원금이 얼마예요? 지원금을 나눠 주나요?", notices) == (
        "정부지원사업비가 얼마예요? 정부지원사업비를 나눠 주나요?")
    assert in_documents_terms("설립 자본금은요?", notices) == "설립 자본금은요?"  # only "설립했/한/된…"


def test_a_corpus_that_uses_the_everyday_word_is_searched_for_it() -> None:
    says_both = {"정부지원사업비", "지원금"}.__contains__
    assert in_documents_terms("지원금은 얼마예요?", says_both) == "지원금은 얼마예요?"
    lacks_official = {"지원금"}.__contains__
    assert in_documents_terms("월세도 되나요?", lacks_official) == "월세도 되나요?"
