"""Personal data is masked before it is stored; the program's public contacts stay readable."""

from __future__ import annotations

import pytest

from assistant.privacy import mask


@pytest.mark.parametrize(
    ("text", "secret", "label"),
    [
        ("제 주민번호는 900101-1234567 입니다", "900101-1234567", "[주민번호]"),
        ("외국인등록번호 851231-5123456", "851231-5123456", "[주민번호]"),
        ("010-1234-5678로 연락 주세요", "010-1234-5678", "[전화]"),
        ("전화 01012345678", "01012345678", "[전화]"),
        ("사무실 02-123-4567", "02-123-4567", "[전화]"),
        ("메일은 hong.gil+ai@naver.com", "hong.gil+ai@naver.com", "[이메일]"),
        ("카드 1234-5678-9012-3456 로 결제", "1234-5678-9012-3456", "[카드번호]"),
        ("계좌 110-123-456789 신한", "110-123-456789", "[계좌번호]"),
    ],
)
def test_personal_data_is_masked(text: str, secret: str, label: str) -> None:
    masked = mask(text)
    assert secret not in masked and label in masked


def test_public_contacts_dates_and_amounts_stay() -> None:
    text = "문의 044-410-1790, aichallenge@kised.or.kr, 1357 · 공고일 2025-02-26 · 최대 1억원, 30% · 2025. 3. 18."
    assert mask(text) == text


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("주민번호 9001011234567", "[주민번호]"),  # without the dash
        ("900101 - 1234567", "[주민번호]"),
        ("+82-10-1234-5678", "[전화]"),
        ("+82 2-123-4567", "[전화]"),
        ("전화 010.1234.5678", "[전화]"),
        ("02)123-4567", "[전화]"),
        ("카드 3782-822463-10005", "[카드번호]"),
        ("1234567890123456", "[계좌번호]"),
    ],
)
def test_other_written_forms_are_masked(text: str, label: str) -> None:
    masked = mask(text)
    assert label in masked and not any(ch.isdigit() for ch in masked.split(label)[-1])


@pytest.mark.parametrize("text", ["10-20명 규모", "15-20쪽", "제10-2조", "1588-1234", "예산 20250226", "3-5개월",
                                  "2025. 3. 18.(화) 16:00", "최대 100,000,000원", "2025년 3월 18일 16시"])
def test_ranges_service_numbers_and_dates_are_not_personal(text: str) -> None:
    assert mask(text) == text
