"""Verification of the model's draft against the evidence it was given.

In scope: splitting a draft into sentences, reading their citation marks ("[2]"), and checking that every
sentence cites evidence that exists (or, when the mark is missing, clearly restates one evidence unit), that
every number, date and amount it states occurs in the evidence it cites, and that it carries no link the
evidence lacks and nothing of the system prompt. Also the streaming guard that holds a number back until it is
complete and known to the evidence. Out of scope: what happens on failure (answering.py builds the extractive
answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant import numbers

NO_EVIDENCE = "근거 없음"
# A sentence ends after Korean text, a closing bracket or a citation mark; "2025. 3. 18." never ends one.
# subtle: "…입니다. [1]" keeps its mark; split there and the sentence would lose the source it names.
_SPLIT = re.compile(r"(?<=[가-힣)\]」』'\"][.!?。])\s+(?!\[\d)|(?<=[.!?。]\[\d\])\s+|(?<=[.!?。]\s\[\d\])\s+|(?<=[가-힣)]\s\[\d\])\s+(?=[가-힣A-Za-z])|\n+")
_LEADING_CITE = re.compile(r"^((?:\[\d{1,2}\]\s*)+)(.+)$")
_CITE = re.compile(r"\[(\d{1,2})\]")
_LINK = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:kr|com|net|org|go\.kr|or\.kr)\b", re.I)
_HANGUL = re.compile(r"[가-힣]")
_YES = re.compile(r"가능|수\s*있|됩니다|돼요|됩니다|인정됩니다|해당됩니다")
_NO = re.compile(r"불가|수\s*없|않|못|제외|금지|아닙|아니")
# "되나요?", "해도 돼요?": a yes to such a question must rest on evidence that itself allows something.
_PERMISSION = re.compile(r"되나요|돼요|될까요|되요|가능한가요|가능해요|할\s*수\s*있|해도|써도|받아도|넣어도")
_LISTED = re.compile(r"(?m)^\s*\[\d{1,2}\]")
# "…은 [1]에서 설명한 내용을 참고하세요": points at a source instead of saying what it says.
_DEFLECTS = re.compile(r"(참고|참조)\s*(하|해)\s*(세요|주세요|십시오|시기|시면)|설명한\s*내용|에\s*나와\s*있습니다")
_NUMERIC_TAIL = re.compile(r"[\d.,:~\-]*\d[\d.,:]*\s*[가-힣%]{0,3}$")


DEFLECTS = "근거를 가리키기만 하고 내용을 말하지 않음"


@dataclass
class Checked:
    ok: bool
    reason: str = ""
    text: str = ""  # the draft with whitespace tidied
    cited: list[int] = field(default_factory=list)  # evidence numbers the answer rests on, first use first

    @property
    def deflects(self) -> bool:
        """Failed because the draft only points at a source: the model did not find the answer there."""
        return self.reason == DEFLECTS

    @property
    def unsourced(self) -> bool:
        """Failed on a claim that restates no source at all (not on a number or a citation slip)."""
        return self.reason.startswith("출처 없는 문장")


def says_no_evidence(draft: str) -> bool:
    compact = "".join(draft.split())
    return compact.startswith("".join(NO_EVIDENCE.split())) or (len(compact) < 40 and "근거없" in compact)


def check(draft: str, evidence: Sequence[str], system_prompt: str, question: str = "") -> Checked:
    """`evidence[i]` is the text of source number i + 1 (quote plus its context). Sentences that only repeat
    the question (a small model often echoes it first) are dropped, not failed."""
    text = " ".join(draft.split())
    if not text:
        return Checked(False, "빈 답변", text)
    if _leaks(text, system_prompt):
        return Checked(False, "시스템 프롬프트 노출", text)
    known_links = {m.lower() for e in evidence for m in _LINK.findall(e)}
    for link in _LINK.findall(text):
        if link.lower() not in known_links:
            return Checked(False, f"근거에 없는 링크: {link}", text)
    if len(_LISTED.findall(draft)) >= 3:
        # subtle: the small model sometimes says the numbered sources back, line by line, instead of answering.
        return Checked(False, "근거 목록을 되풀이함", text)
    cited: list[int] = []
    sentences = [_cite_at_end(s.strip()) for s in _SPLIT.split(text) if s.strip()]
    sentences = [s for s in sentences if not _echoes(s, question)]
    text = " ".join(sentences)
    if sentences and all(_DEFLECTS.search(_CITE.sub("", s)) for s in sentences):
        return Checked(False, DEFLECTS, text)
    for i, sentence in enumerate(sentences):
        if not sentence or not _HANGUL.search(_CITE.sub("", sentence)):
            if sentence and not _CITE.fullmatch(sentence):
                return Checked(False, f"한국어가 아닌 문장: {sentence[:40]}", text)
            continue
        marks = [int(n) for n in _CITE.findall(sentence)]
        if any(not 1 <= n <= len(evidence) for n in marks):
            return Checked(False, f"없는 출처 번호: {marks}", text)
        if not marks:
            best = _closest(sentence, evidence)
            if best is None:
                return Checked(False, f"출처 없는 문장: {sentence[:40]}", text)
            marks = [best]
        backing = "\n".join(evidence[n - 1] for n in marks)
        missing = numbers.unsupported(sentence, backing)
        closest = _closest(sentence, evidence, holding=True) if missing else None
        if closest is not None:
            # subtle: the model often numbers the source wrong; the source it restates most among those holding
            # every one of its numbers is the source it used ("발표평가 시간은 10분" restates the 평가절차 line
            # more, but only the 발표평가 line holds 10분). Still one unit: numbers are never mixed across units.
            marks, missing = [closest], []
            sentence = sentences[i] = _CITE.sub("", sentence).strip() + f" [{closest}]"
        if missing:
            return Checked(False, f"근거에 없는 수치: {', '.join(map(str, missing))}", text)
        if _flips(sentence, backing):
            return Checked(False, f"근거와 반대되는 답: {sentence[:40]}", text)
        if _PERMISSION.search(question) and _says_yes(sentence) and not _YES.search(backing):
            return Checked(False, f"근거에 없는 허용: {sentence[:40]}", text)
        cited.extend(n for n in marks if n not in cited)
    if not cited:
        return Checked(False, "근거를 인용하지 않음", text)
    return Checked(True, "", " ".join(sentences), cited)


def _echoes(sentence: str, question: str) -> bool:
    """A question, or the applicant's question said back: no content of its own."""
    bare = _CITE.sub("", sentence).strip()
    if bare.endswith("?"):
        return True
    grams = bigrams(bare)
    return bool(question and grams) and len(grams & bigrams(question)) / len(grams) >= 0.7


def _flips(sentence: str, backing: str) -> bool:
    """Whether a yes-answer rests on evidence that only says no ("휴업 중이면 신청 가능해요" over "신청할 수
    없습니다"): the one mistake numbers cannot catch and the worst one for an applicant."""
    return _says_yes(sentence) and bool(_NO.search(backing)) and not _YES.search(backing)


def _says_yes(sentence: str) -> bool:
    bare = _CITE.sub("", sentence)
    return bool(_YES.search(bare)) and not _NO.search(bare)


def _cite_at_end(sentence: str) -> str:
    """ "[1] 문장입니다." -> "문장입니다. [1]" (the model often opens with the mark)."""
    match = _LEADING_CITE.match(sentence)
    if not match:
        return sentence
    marks = "".join(match[1].split())
    return f"{match[2].strip()} {marks}"


def _closest(sentence: str, evidence: Sequence[str], holding: bool = False) -> int | None:
    """Source number whose text shares the most character bigrams with the sentence, if it shares enough;
    with `holding`, only among the sources that hold every number of the sentence."""
    grams = bigrams(sentence)
    if not grams:
        return None
    scores = [len(grams & bigrams(e)) / len(grams) for e in evidence]
    if holding:
        scores = [0.0 if numbers.unsupported(sentence, e) else v for v, e in zip(scores, evidence, strict=True)]
    best = max(range(len(scores)), key=scores.__getitem__, default=None)
    # A source that holds the sentence's very numbers needs less wording in common (endings like "입니다" count).
    return best + 1 if best is not None and scores[best] >= (0.3 if holding else 0.45) else None


def bigrams(text: str) -> set[str]:
    compact = "".join(_CITE.sub("", text).split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def _leaks(text: str, system_prompt: str) -> bool:
    """Whether the answer repeats a run of the system prompt (any 20 characters of one of its lines)."""
    compact = "".join(text.split())
    for line in system_prompt.splitlines():
        line = "".join(line.split())
        for start in range(0, max(0, len(line) - 20) + 1, 5):
            piece = line[start : start + 20]
            if len(piece) == 20 and piece in compact:
                return True
    return False


class StreamGuard:
    """Lets streamed text through, but holds back a number until it is complete and occurs in the evidence,
    and holds the opening until it is clear the model is not saying "근거 없음". After a failed number it
    lets nothing more through (the final answer will replace the text)."""

    def __init__(self, evidence: Sequence[str]) -> None:
        self._known = numbers.facts("\n".join(evidence))
        self._buffer = ""
        self._sent = 0
        self.failed = False

    def feed(self, piece: str) -> str:
        self._buffer += piece
        if self.failed:
            return ""
        text = self._buffer
        compact = "".join(text.split()).strip("\"'[「")
        target = "".join(NO_EVIDENCE.split())
        if target.startswith(compact):
            return ""  # may still become "근거 없음"
        if compact.startswith(target):
            self.failed = True
            return ""
        tail = _NUMERIC_TAIL.search(text)
        safe_end = tail.start() if tail else len(text)
        return self._release(safe_end)

    def flush(self) -> str:
        return "" if self.failed or says_no_evidence(self._buffer) else self._release(len(self._buffer))

    def _release(self, end: int) -> str:
        if end <= self._sent:
            return ""
        candidate = self._buffer[: end]
        known = self._known
        for fact in numbers.facts(_CITE.sub(" ", candidate)):
            if not numbers.supported(fact, known):
                self.failed = True
                return ""
        out = self._buffer[self._sent : end]
        self._sent = end
        return out
