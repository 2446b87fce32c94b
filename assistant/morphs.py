"""Korean keyword terms for BM25: Kiwi morphemes, content words only. The only module importing kiwipiepy.

In scope: nouns (plus the syllable bigrams of long Hangul nouns), verb/adjective stems, roots, foreign
words and numbers, plus number+unit pairs ("3" + "억" -> "3억") so that amounts and periods match as written. Out of scope: spelling correction and
synonym expansion (dense retrieval covers paraphrase).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence

from kiwipiepy import Kiwi

_KEEP = {"NNG", "NNP", "NNB", "NR", "XR", "SL", "SH", "SN", "VV", "VA", "MAG", "W_SERIAL", "W_HASHTAG"}
_UNITS = {"년", "월", "일", "개월", "억", "만", "천", "원", "억원", "만원", "%", "개", "명", "점", "시", "차", "회", "배"}
# subtle: question words and light verbs dominate applicant questions ("얼마인가요", "어떻게 하나요") but
# carry no topic; keeping them lets any chunk with "하다" outrank the right one.
_HANGUL = re.compile(r"[가-힣]+")
_STOP = {"얼마", "무엇", "어떻", "어떻게", "어디", "언제", "누구", "하", "되", "있", "이", "것", "수", "등", "및", "좀", "꼭"}

_KEY = {"NNG", "NNP", "XR", "SL", "SH", "SN"}
# Nouns of the asking, not of the topic: an answer need not contain them.
_QUESTION_NOUNS = {
    "이번", "저희", "우리", "정도", "경우", "관련", "문의", "질문", "답", "내용", "부분", "거", "뭐", "때", "쪽", "분",
    "정확히", "혹시", "가능", "여부", "방법", "기준", "자세히", "조건", "건", "중", "안", "전", "후", "지금",
}

# How applicants say it -> how the notices write it. Only for scoring evidence (key_terms), never for BM25.
_SPOKEN = {"퍼센트": "%", "프로": "%", "월급": "인건비", "지방": "비수도권", "연봉": "인건비", "사장": "대표자"}


class Morphs:
    """A thread-safe Kiwi wrapper turning text into BM25 terms."""

    def __init__(self) -> None:
        self._kiwi = Kiwi(num_workers=-1)
        self._lock = threading.Lock()

    def terms(self, text: str) -> list[str]:
        return self.terms_many([text])[0]

    def key_terms(self, text: str) -> list[str]:
        """The content nouns, foreign words and numbers of a question, without bigrams or question words:
        what an answer's evidence has to mention."""
        with self._lock:
            tokens = list(self._kiwi.tokenize(text))
        out: list[str] = []
        for tok in tokens:
            tag = tok.tag.split("-")[0]
            word = tok.form.lower()
            word = _SPOKEN.get(word, word)
            # A lone letter or digit ("R&D" -> "r", "d"; "3월" -> "3") matches everywhere and means nothing.
            if len(word) < 2 and tag in ("SL", "SN", "XR"):
                continue
            if tag in _KEY and word not in _STOP and word not in _QUESTION_NOUNS and word not in out:
                out.append(word)
        return out

    def terms_many(self, texts: Sequence[str]) -> list[list[str]]:
        with self._lock:
            analysed = [list(self._kiwi.tokenize(t)) for t in texts]
        return [_terms([(tok.form, tok.tag) for tok in toks]) for toks in analysed]


def _terms(tokens: Iterable[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    prev_number: str | None = None
    for form, tag in tokens:
        tag = tag.split("-")[0]  # "VV-R" / "VA-I" -> base tag
        if prev_number is not None and form in _UNITS:
            out.append(prev_number + form)
        prev_number = form.replace(",", "") if tag == "SN" else None
        if tag not in _KEEP:
            continue
        word = form.lower()
        if word in _STOP:
            continue
        out.append(word)
        if tag in ("NNG", "NNP") and len(word) >= 3 and _HANGUL.fullmatch(word):
            # subtle: Kiwi keeps dictionary compounds whole ("지원금", "사업비"), so a question saying
            # "지원금" would never meet a notice saying "지원 ... 자금"; the bigrams bridge the two.
            out.extend(word[i : i + 2] for i in range(len(word) - 1))
    return out
