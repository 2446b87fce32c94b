"""Evidence selection: the few sentences and table rows that answer a question, within a small token budget.

In scope: cutting retrieved chunks into quotable units (a line, a sentence of a long line, a table row with its
header, the answer of an FAQ pair), scoring each unit by how much of the question's weighted terms it and its
section heading cover, and choosing the best units that fit the budget. Out of scope: retrieval (index.py) and
what the model does with the evidence (answering.py, verify.py).

Why units and not chunks: prompt tokens are the latency on a CPU (DESIGN.md), and the model mis-picks numbers
when a passage holds several; a table row or a sentence that carries the question's terms is both cheaper and
safer than the chunk around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant import numbers
from assistant.morphs import Morphs
from assistant.types import Chunk, Hit

# subtle: never after a date's "26." ("2025. 2. 26. 사이에 창업한"), so only after a Korean ending or before a bullet.
_SENTENCE_END = re.compile(r"(?<=[다요음함됨임니][.!?])\s+|(?<![0-9][.])(?<=[.!?])\s+(?=[※○□◦▪•-])")
_QA = re.compile(r"^\s*Q\d*[.:)]?\s*(?P<q>.+?)\n\s*A[.:)]?\s*(?P<a>.+)$", re.S)
_MAX_UNIT_CHARS = 120
_MAX_FAQ_CHARS = 240  # an official FAQ answer is quoted whole when it is short: its sentences lean on each other
_OPENER = re.compile(r"^([□○◦●•▪■◆◇※*\-–·<>〈「『(\[]|[①-⑳]|[0-9]{1,2}[.)]|[가-하][.)]|제\s*\d+\s*조|Q\d*|A[.:])")
_ENDED = re.compile(r"([.!?。]|[다요음함됨임]\.?|:)$")
_WHEN = re.compile(r"언제|며칠|몇\s*일|기간|마감|일정|날짜|몇\s*시|시작|까지")
_HOW_MUCH = re.compile(r"얼마|몇|금액|비율|퍼센트|%|한도|최대|최소|비중|배점|점수|규모")
_HEADER_ROW = re.compile(r"^(구분|항목|구 분|유형|평가항목|단계|분야|트랙)\b")


@dataclass(frozen=True)
class Unit:
    """One quotable span: `text` is shown and quoted as is; `context` (section, FAQ question, table header)
    helps scoring and the model's reading but is not part of the quote."""

    text: str
    context: str
    chunk: Chunk
    rank: int  # rank of its chunk in retrieval, 1-based


@dataclass(frozen=True)
class Scored:
    unit: Unit
    coverage: float  # weighted share of the question's terms found in the unit (context counts half)
    score: float


@dataclass(frozen=True)
class Selection:
    units: list[Scored]  # in citation order: [1] is units[0]
    coverage: float  # weighted share of the question's terms found anywhere in the chosen units
    key_terms: list[str]  # the question's terms, heaviest first


def units_of(hits: Sequence[Hit]) -> list[Unit]:
    out: list[Unit] = []
    for rank, hit in enumerate(hits, start=1):
        out.extend(_split(hit.chunk, rank))
    return out


def _split(chunk: Chunk, rank: int) -> list[Unit]:
    qa = _QA.match(chunk.text)
    if qa:
        answer = " ".join(qa["a"].split())
        return [Unit(s, qa["q"].strip(), chunk, rank) for s in _sentences(answer, _MAX_FAQ_CHARS)]
    out: list[Unit] = []
    header = ""
    heading = chunk.section.rsplit(" > ", 1)[-1]
    for line in _lines(chunk.text):
        if " | " in line:
            if _HEADER_ROW.match(line) or not header:
                header = line
                continue
            out.append(Unit(line, f"{heading}\n{header}", chunk, rank))
            continue
        header = ""
        # A bare heading says nothing on its own; a heading line that states a rule ("□ 신청자격 : … 7년 이내") does.
        if line == heading and len(line) < 25 and not numbers.facts(line) and len(chunk.text) > len(line) + 1:
            continue
        for sentence in _sentences(line):
            out.append(Unit(sentence, heading, chunk, rank))
    return out


def _lines(text: str) -> list[str]:
    """Lines with the PDF's wrapped continuations joined back: a line that opens with no bullet, number or
    table cell continues the one before it."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if out and " | " not in line and " | " not in out[-1] and not _OPENER.match(line) and not _ENDED.search(out[-1]):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _sentences(text: str, max_chars: int = _MAX_UNIT_CHARS) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class Selector:
    """Scores units against a question by the share of its weighted key terms they mention (inverse document
    frequency over the index; a term no document has weighs most), plus a lift for the kind of fact asked for."""

    def __init__(self, morphs: Morphs, weights: Callable[[], dict[str, float]]) -> None:
        self._morphs = morphs
        self._weights = weights

    def question_terms(self, question: str) -> dict[str, float]:
        idf = self._weights()
        default = max(idf.values(), default=1.0)
        return {t: idf.get(t, default) for t in self._morphs.key_terms(question)}

    def select(
        self, question: str, hits: Sequence[Hit], budget: int, count_tokens: Callable[[str], int], max_units: int = 4
    ) -> Selection:
        terms = self.question_terms(question)
        units = units_of(hits)
        if not terms or not units:
            return Selection([], 0.0, list(terms))
        total = sum(terms.values())
        wants_date, wants_number = bool(_WHEN.search(question)), bool(_HOW_MUCH.search(question))
        scored: list[tuple[Scored, set[str]]] = []
        for unit in units:
            own, ctx = _compact(unit.text), _compact(unit.context)
            found = {t for t in terms if t in own or t in ctx}
            covered = sum(w if t in own else 0.5 * w for t, w in terms.items() if t in found)
            # A compound the documents spell differently ("지원금" / "정부지원사업비") earns half by its bigrams.
            covered += sum(0.5 * w * _bigram_share(t, own) for t, w in terms.items() if t not in found)
            coverage = covered / total
            lift = 0.0
            kinds = numbers.facts(unit.text)
            if wants_date and kinds:
                lift += 0.25 if any(_is_date(f) for f in kinds) else 0.1 if any(_is_span(f) for f in kinds) else 0.0
            elif wants_number and kinds:
                lift += 0.15
            # Retrieval rank breaks ties and lifts units of the chunks both searches agreed on.
            score = coverage + lift * min(1.0, coverage * 2) + 0.2 / unit.rank
            scored.append((Scored(unit, coverage, score), found))
        scored.sort(key=lambda s: -s[0].score)
        chosen: list[tuple[Scored, set[str]]] = []
        seen: set[str] = set()
        used = 0
        best = scored[0][0].score
        for item, found in scored:
            key = _compact(item.unit.text)
            # A unit that mentions none of the question's terms only lends the model numbers to mis-pick.
            if key in seen or item.score < 0.4 * best or item.coverage <= 0:
                continue
            cost = count_tokens(item.unit.text) + 4
            if chosen and used + cost > budget:
                continue
            seen.add(key)
            chosen.append((item, found))
            used += cost
            if len(chosen) >= max_units:
                break
        union: set[str] = set().union(*(f for _, f in chosen)) if chosen else set()
        coverage = sum(w for t, w in terms.items() if t in union) / total
        key_terms = sorted(terms, key=lambda t: -terms[t])
        return Selection([s for s, _ in chosen], coverage, key_terms)


def kind_rank(question: str, text: str) -> int:
    """How well `text` holds the kind of fact the question asks for: for "언제/마감" 2 for a date or time,
    1 for a span ("30일 이내"); for "얼마/몇" 1 for any number; 0 otherwise. Other questions rank every text 0."""
    found = numbers.facts(text)
    if _HOW_MUCH.search(question):
        return 1 if found else 0
    if _WHEN.search(question):
        return 2 if any(_is_date(f) for f in found) else 1 if any(_is_span(f) for f in found) else 0
    return 0


def _is_date(fact: numbers.Fact) -> bool:
    """A calendar date or a clock time ("3.18", "2025.2.26", "16:00"), after numbers.normalize."""
    return "." in fact.value or ":" in fact.value


def _is_span(fact: numbers.Fact) -> bool:
    return fact.unit in ("일", "개월", "월", "년", "주", "시간")


def _bigram_share(term: str, text: str) -> float:
    if len(term) < 3:
        return 0.0
    grams = [term[i : i + 2] for i in range(len(term) - 1)]
    return sum(1 for g in grams if g in text) / len(grams)


def _compact(text: str) -> str:
    return "".join(text.split()).lower()
