"""Applicants' everyday words for the notices' own terms: "지원금" for 정부지원사업비, "뽑아요" for 선정.

Search and evidence selection look for the question's terms in the documents; a word the documents never use
finds nothing, weighs most in the coverage check and turns an answerable question into a refusal. Each pair
applies only when the documents hold the official term and not the applicant's word, so a corpus that does say
"지원금" is searched for "지원금". The prompt keeps the applicant's own question.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

# (applicant's word as a pattern, the documents' term, the applicant's word as the index knows it or "" for verbs)
PAIRS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), official, word)
    for pattern, official, word in (
        (r"(?:정부)?지원금", "정부지원사업비", "지원금"),
        (r"뽑(?:아요|나요|는|아|혀|힌|히|을까요|습니까)", "선정", ""),
        (r"불이익", "감점", "불이익"),
        (r"월세", "임차료", "월세"),
        (r"설립(?=했|한|일|된|하)", "창업", "설립"),
    )
)


# A particle after the replaced word follows the new word's last syllable: 지원금은 -> 정부지원사업비는.
_PARTICLES = {"은": "는", "이": "가", "을": "를", "과": "와", "는": "은", "가": "이", "를": "을", "와": "과"}
_AFTER_VOWEL = "는가를와"


def in_documents_terms(question: str, known: Callable[[str], bool]) -> str:
    """The question with each everyday word the documents lack replaced by the documents' term."""
    for pattern, official, word in PAIRS:
        if known(official) and not (word and known(word)):
            with_particle = re.compile(pattern.pattern + r"(은|는|이|가|을|를|과|와)?(?![가-힣])|" + pattern.pattern)
            question = with_particle.sub(functools.partial(_replace, official), question)
    return question


def _replace(official: str, match: re.Match[str]) -> str:
    return official + _particle(official, match[1] or "")


def _particle(word: str, particle: str) -> str:
    if not particle:
        return ""
    vowel_ending = (ord(word[-1]) - 0xAC00) % 28 == 0
    fits = (particle in _AFTER_VOWEL) == vowel_ending
    return particle if fits else _PARTICLES[particle]
