"""What the assistant will not answer from the documents: attempts to change its rules, requests outside the
program's scope, and questions about a program or year that no indexed document covers.

In scope: cheap, explainable checks on the question text alone, made before retrieval so that a declined
question costs no model time. Out of scope: deciding that the documents do not cover an in-scope question (the
evidence coverage and the model's "근거 없음" decide that, in answering.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_INJECTION = re.compile(
    "|".join(
        [
            r"시스템\s*프롬프트", r"프롬프트를?\s*(보여|알려|출력|공개)", r"(지시|지침|명령|규칙|설정)\S*\s*(을|를)?\s*(모두\s*|전부\s*|다\s*)?(무시|잊|해제|끄|꺼)",
            r"(이전|앞의|위의)\s*(지시|지침|명령|대화)", r"개발자\s*모드", r"숨겨진\s*(지침|설정|규칙|명령)", r"내부\s*(설정|지침|규칙)",
            r"제한\s*없는", r"탈옥", r"검증\S*\s*(을|를)?\s*(끄|꺼|하지\s*말)", r"(출처|근거)\S*\s*(없이|무시)",
            r"관리자\s*권한", r"다른\s*(신청자|지원자|기업)\S*\s*(이|가|의|들이)?\s*(낸|제출한|사업계획서|서류|정보|점수)",
            r"무조건\s*(선정|합격|된다)", r"확답", r"라고\s*(답|말|대답)해", r"(너는|넌|당신은)\s*이제", r"역할\s*극",
            r"#{2,}\s*(system|시스템)", r"\bignore\b.{0,40}\b(instruction|rule|prompt)", r"system\s*prompt",
            r"\byou are now\b", r"\bjailbreak\b", r"\bDAN\b", r"developer\s*mode", r"\bact as\b", r"reveal.{0,30}(prompt|instruction)",
            # asking about the assistant's own rules: second person, or words no applicant question needs
            r"(너|네가|니가|당신|너의|네|니|챗봇|도우미|AI)\S{0,3}\s*(처음\s*|초기\s*|받은\s*|따르는\s*|주어진\s*)*(규칙|설정|지시|지침|안내문|명령|정책)",
            r"프롬프트", r"시스템\s*메시지", r"\[\s*근거\s*\]", r"</?\s*근거\s*>", r"근거\s*없음",
            r"(규칙|지시|설정|지침)\S*\s*.{0,6}(번역|거꾸로|시로|낭송)", r"(받은|주어진)\s*(지시|설정|규칙|명령)",
            r"(맨\s*앞|처음|첫\s*번째)\S*\s*(메시지|텍스트|내용|에\s*무엇)", r"위에\s*(있는|쓰인|적힌)\s*(모든\s*)?(텍스트|내용|글)",
            r"(출처|근거|인용)\S*(\s+\S+)?\s*(없이|무시|빼고)", r"답변\S*\s*(마지막|끝|뒤)", r"정답\s*뒤", r"(이?라고)\s*(안내|말)해", r"(으로|로)\s*바꿔서\s*(알려|안내|답)",
            r"그대로\s*(따라|실행|반복)", r"해독", r"(질문|대화)\s*(로그|기록|내역)", r"새\s*(지시|규칙)\s*:",
            r"다른\s*(신청자|지원자|기업|회사|사용자)\S*\s*.{0,8}(점수|서류|계획서|정보|질문)", r"<\s*/?\s*(script|system)",
            r"\b(instructions?|rules?)\b.{0,30}\b(you|were given)\b", r"\bwords above\b", r"\binitial (configuration|prompt)\b",
            r"\bwithout (citations?|sources?)\b", r"\bignore the (documents?|rules?|sources?)\b", r"\bnew rule\b",
            r"\bfrom now on\b", r"\bother users?\b", r"\bend every (reply|answer)\b", r"\binstead of\b.{0,20}k-?startup",
            r"(?:시\W*스\W*템|s\W*y\W*s\W*t\W*e\W*m)\W*(?:프\W*롬\W*프\W*트|p\W*r\W*o\W*m\W*p\W*t)",
        ]
    ),
    re.I,
)
_OUT_OF_SCOPE = re.compile(
    "|".join(
        [
            r"날씨", r"기온", r"미세먼지", r"주가", r"주식", r"코인", r"환율", r"맛집", r"점심\s*메뉴", r"영화", r"노래",
            r"(코드|프로그램|함수|스크립트)\S*\s*(를|을)?\s*(짜|작성해|만들어)", r"퀵\s*소트", r"로또", r"운세",
            r"(합격|선정)할\s*수\s*있을지", r"(점수|등급)\S*\s*(좀\s*)?(매겨|평가해)", r"사업계획서\S*\s*(좀\s*)?(봐|검토|첨삭|고쳐)",
        ]
    )
)
_PROGRAM = re.compile(r"([가-힣A-Za-z0-9·\-]+?)\s*(패키지|챌린지|바우처)")
_DEICTIC = {"이", "이번", "그", "저", "본", "해당", "올해", "금번", "위", "같은", "이런", "어떤", "다른", "분야"}
_PAST = re.compile(r"작년|지난해|예전|이전에|참여했|뽑혀|뽑혔|선정됐|선정되었|수행했|수행한|협약했|했던")
_YEAR = re.compile(r"(20\d\d)\s*년")
_YEAR_TOPIC = re.compile(r"모집|공고|신청|접수|마감|선정|경쟁률|챌린지|패키지|사업|일정|발표")

Verdict = tuple[str, str]  # (kind, detail): kind is "injection", "out_of_scope", "other_program" or ""


@dataclass(frozen=True)
class Scope:
    """The programs (names) and notice years the index holds."""

    programs: tuple[str, ...]
    years: tuple[int, ...]

    @classmethod
    def of(cls, programs: Iterable[str], versions: Iterable[str]) -> Scope:
        years = sorted({int(m[1]) for v in versions for m in [re.match(r"(20\d\d)", v)] if m})
        return cls(tuple(sorted({p for p in programs if p})), tuple(years))

    def check(self, question: str) -> Verdict:
        if _INJECTION.search(question):
            return "injection", ""
        if _OUT_OF_SCOPE.search(question):
            return "out_of_scope", ""
        other = self._other_program(question)
        if other:
            return "other_program", other
        return "", ""

    def _other_program(self, question: str) -> str:
        known = " ".join(self.programs)
        for match in _PROGRAM.finditer(question):
            word = match[1].strip("-·")
            if word and word not in _DEICTIC and word not in known and not _PAST.search(question):
                return match[0]
        if self.years and _YEAR_TOPIC.search(question):
            for match in _YEAR.finditer(question):
                if int(match[1]) > max(self.years):
                    return f"{match[1]}년 공고"
        return ""
