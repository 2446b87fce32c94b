"""Masking of personal data before anything is stored or logged.

In scope: 주민등록번호/외국인등록번호, mobile and landline phone numbers (also +82), e-mail addresses, card numbers
and bank account numbers written with digits, in the forms applicants type them. Out of scope: names and
addresses (no reliable pattern; the log keeps questions, not identities). The program's own contact numbers are
public and stay readable, so staff can see which contact an answer gave; so do dates, amounts, ranges ("10-20명")
and short service numbers ("1588-1234"), which are not personal.
"""

from __future__ import annotations

import re

# YYMMDD then the sex/century digit 1–8; the dash may be missing or spaced.
_RRN = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s*[-–]?\s*[1-8]\d{6}(?!\d)")
_CARD = re.compile(r"(?<!\d)(?:\d{4}[- ]){3}\d{4}(?!\d)|(?<!\d)\d{4}[- ]\d{6}[- ]\d{5}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 010-1234-5678, 01012345678, 02-123-4567, 02)123-4567, 031.123.4567, +82 10-1234-5678, +82-2-123-4567
_PHONE = re.compile(r"(?:\+82[- .]?0?|(?<![\d+])0)\d{1,2}[- .)]?\d{3,4}[- .]?\d{4}(?!\d)")
# Runs of digits in 1–4 dash-separated groups; only 10–16 digits in all make an account number.
_DIGIT_GROUPS = re.compile(r"(?<![\d-])\d+(?:-\d+){0,3}(?![\d-])")
_PUBLIC = ("044-410-1790", "044-410-1793", "1357", "aichallenge@kised.or.kr")


def mask(text: str) -> str:
    """`text` with personal data replaced by labelled placeholders ("[주민번호]", "[전화]", …)."""
    out = _RRN.sub("[주민번호]", text)
    out = _CARD.sub("[카드번호]", out)
    out = _EMAIL.sub(lambda m: m[0] if m[0] in _PUBLIC else "[이메일]", out)
    out = _PHONE.sub(lambda m: m[0] if m[0] in _PUBLIC else "[전화]", out)
    return _DIGIT_GROUPS.sub(_account, out)


def _account(match: re.Match[str]) -> str:
    value = match[0]
    digits = value.replace("-", "")
    if value in _PUBLIC or not 10 <= len(digits) <= 16 or _is_date(value):
        return value
    return "[계좌번호]"


def _is_date(value: str) -> bool:
    """"2025-02-26" is a date, not an account (a bare "20250226" is too short to be one anyway)."""
    return bool(re.fullmatch(r"(19|20)\d{2}-\d{1,2}-\d{1,2}", value))
