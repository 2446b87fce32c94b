from assistant.morphs import Morphs


def test_terms_keep_content_words_and_amounts() -> None:
    terms = Morphs().terms("사업화자금은 최대 3억원까지 지원하며 협약기간은 10개월입니다.")
    for expected in ("사업", "자금", "최대", "3억", "지원", "협약", "기간", "10개월"):
        assert expected in terms
    assert "은" not in terms and "까지" not in terms


def test_question_words_are_dropped() -> None:
    assert "얼마" not in Morphs().terms("지원금은 얼마인가요?")
