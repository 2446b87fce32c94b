"""Masking of personal data before anything is stored or logged.

In scope: 주민등록번호/외국인등록번호, mobile and landline phone numbers, e-mail addresses, card numbers and bank
account numbers written with digits, in the forms applicants type them. Out of scope: names and addresses (no
reliable pattern; the log keeps questions, not identities). The program's own contact numbers are public and
stay readable, so staff can see which contact an answer gave.
"""

from __future__ import annotations

import re

_RRN = re.compile(r"(?<!\d)\d{6}\s*[-–]\s*[1-8]\d{6}(?!\d)")
_CARD = re.compile(r"(?<!\d)\d{4}[- ]\d{4}[- ]\d{4}[- ]\d{4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+82[- ]?)?0\d{1,2}[- .)]?\d{3,4}[- .]?\d{4}(?!\d)")
# Account numbers: 10–14 digits in 2–4 dash-separated groups, or a bare run of 10–16 digits.
_ACCOUNT = re.compile(r"(?<!\d)(?:\d{2,6}-){1,3}\d{2,7}(?!\d)|(?<!\d)\d{10,16}(?!\d)")
_PUBLIC = ("044-410-1790", "044-410-1793", "1357", "aichallenge@kised.or.kr")


def mask(text: str) -> str:
    """`text` with personal data replaced by labelled placeholders ("[주민번호]", "[전화]", …)."""
    out = _RRN.sub("[주민번호]", text)
    out = _CARD.sub("[카드번호]", out)
    out = _EMAIL.sub(lambda m: m[0] if m[0] in _PUBLIC else "[이메일]", out)
    out = _PHONE.sub(lambda m: m[0] if m[0] in _PUBLIC else "[전화]", out)
    return _ACCOUNT.sub(lambda m: m[0] if m[0] in _PUBLIC or _is_date_like(m[0]) else "[계좌번호]", out)


def _is_date_like(digits: str) -> bool:
    """"2025-02-26" is a date, not an account."""
    return bool(re.fullmatch(r"(19|20)\d{2}-\d{1,2}-\d{1,2}", digits))
