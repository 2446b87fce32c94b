"""Numbers, dates, times and amounts in Korean text, as comparable facts.

In scope: finding every numeric fact in a text ("최대 1억원", "2025. 2. 26.(수)", "3월 18일", "오후 4시", "30%"),
normalizing the spellings of one fact to one form, and deciding whether a fact of an answer is supported by a
fact of the evidence. Out of scope: Korean number words ("열아홉") and unit conversion ("1억원" is not
"100백만원"): an answer must repeat the number as the source writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest first, so "천만원" wins over "천".
_UNITS = sorted(
    [
        "억원", "천만원", "백만원", "만원", "천원", "원", "억", "천만", "백만", "만", "천",
        "%", "퍼센트", "점", "개사", "개월", "개", "년", "월", "일", "시간", "시", "분", "명", "회", "배", "차", "쪽", "페이지",
        "주", "건", "곳", "종",
    ],
    key=len,
    reverse=True,
)
_UNIT = "|".join(re.escape(u) for u in _UNITS)
_FACT = re.compile(rf"(?<![\d.])(\d+(?:[.,:]\d+)*)\s*({_UNIT})?")
_CITE = re.compile(r"\[\d+\]")
_LIST_MARK = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[①-⑳])\s+")
_Y_M_D = re.compile(r"(?<![\d.])(\d{4}|['‘’]\d{2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{1,2})(?!\d)\.?")
_M_D = re.compile(r"(?<![\d.])(\d{1,2})\s*\.\s*(\d{1,2})\s*\.(?!\d)")
_INLINE_MARK = re.compile(r"(?<![\d.])\d{1,2}\.\s+(?=[가-힣A-Za-z])")
_YMD = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_MD = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_YM = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월")
_PM = re.compile(r"오후\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?")
_AM = re.compile(r"오전\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?")
_HOUR = re.compile(r"(?<![\d.:])(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?(?!간)")


@dataclass(frozen=True)
class Fact:
    value: str  # digits with "." between date parts and ":" in times; no thousands commas
    unit: str  # "" when the number stands alone

    def __str__(self) -> str:
        return self.value + self.unit


def normalize(text: str) -> str:
    """One spelling per fact: dates as Y.M.D / M.D, times as H:MM, no spaces inside numbers."""
    text = _CITE.sub(" ", text)
    text = _Y_M_D.sub(_ymd, text)
    text = _M_D.sub(lambda m: f"{int(m[1])}.{int(m[2])}" if _is_month_day(m[1], m[2]) else m[0], text)
    text = _YMD.sub(lambda m: f"{m[1]}.{int(m[2])}.{int(m[3])}", text)
    text = _YM.sub(lambda m: f"{m[1]}.{int(m[2])}", text)
    text = _MD.sub(lambda m: f"{int(m[1])}.{int(m[2])}", text)
    text = _PM.sub(lambda m: f"{int(m[1]) % 12 + 12}:{int(m[2] or 0):02d}", text)
    text = _AM.sub(lambda m: f"{int(m[1]) % 12}:{int(m[2] or 0):02d}", text)
    text = _HOUR.sub(lambda m: f"{int(m[1])}:{int(m[2] or 0):02d}", text)
    return text


def _is_month_day(month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _ymd(m: re.Match[str]) -> str:
    if not _is_month_day(m[2], m[3]):
        return m[0]
    year = m[1] if m[1].isdigit() else "20" + m[1][1:]
    return f"{year}.{int(m[2])}.{int(m[3])}"


def facts(text: str) -> list[Fact]:
    """Every numeric fact of `text`, in order; list markers ("1. ", "②") and citation marks are not facts."""
    text = normalize(_INLINE_MARK.sub(" ", _LIST_MARK.sub(" ", text)))
    out: list[Fact] = []
    for match in _FACT.finditer(text):
        value = match[1].rstrip(".").replace(",", "")
        if ":" in value:
            hours, _, minutes = value.partition(":")
            value = f"{int(hours)}:{minutes}"
        out.append(Fact(value, match[2] or ""))
    return out


def supports(evidence: Fact, claim: Fact) -> bool:
    """Whether an evidence fact backs a claimed one: the same value (a date may drop its year), compatible units."""
    same = evidence.value == claim.value or (
        "." in claim.value and evidence.value.endswith("." + claim.value) and evidence.value.count(".") == 2
    )
    if not same:
        return False
    if not claim.unit or not evidence.unit:
        return True
    return evidence.unit.startswith(claim.unit) or claim.unit.startswith(evidence.unit)


def supported(claim: Fact, known: list[Fact]) -> bool:
    """Whether some evidence fact backs `claim`. A full date also counts as backed when the evidence gives its
    month and day and names its year in another date ("2025. 2. 26. ~ 3. 18." backs "2025. 3. 18.")."""
    if any(supports(e, claim) for e in known):
        return True
    if claim.value.count(".") == 2:
        year, _, month_day = claim.value.partition(".")
        years = {e.value.split(".")[0] for e in known if e.value.count(".") == 2}
        return year in years and any(e.value == month_day for e in known)
    return False


def unsupported(claim_text: str, evidence_text: str) -> list[Fact]:
    """The facts of `claim_text` that no fact of `evidence_text` supports."""
    known = facts(evidence_text)
    return [f for f in facts(claim_text) if not supported(f, known)]
