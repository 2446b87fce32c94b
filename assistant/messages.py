"""Korean user-facing messages for domain error codes. Used only at the edges (CLI, UI, API)."""

from __future__ import annotations

from assistant.errors import RejectReason

REJECT_REASONS: dict[RejectReason, str] = {
    "empty": "빈 파일입니다.",
    "corrupt": "파일이 손상되었거나 형식이 올바르지 않아 읽을 수 없습니다.",
    "truncated": "파일이 중간에 잘려 있어 읽을 수 없습니다. 원본을 다시 받아 주세요.",
    "encrypted": "암호가 걸린 문서입니다. 암호를 해제한 파일을 올려 주세요.",
    "too_large": "파일이 너무 큽니다. 크기 한도(ASSISTANT_MAX_FILE_MB)를 확인해 주세요.",
    "distribution_protected": "배포용(보호) 한글 문서라 본문을 읽을 수 없습니다. 일반 HWP/HWPX나 PDF로 저장해 주세요.",
    "unsupported": "지원하지 않는 파일 형식입니다 (PDF, HWP, HWPX, DOCX, HTML, Markdown, 텍스트만 가능).",
    "timeout": "해석 시간이 한도를 넘어 중단했습니다. 파일이 지나치게 복잡하거나 손상되었을 수 있습니다.",
    "out_of_memory": "해석에 필요한 메모리가 한도를 넘어 중단했습니다.",
    "no_text": "문서에서 텍스트를 찾지 못했습니다 (스캔 이미지 문서일 수 있습니다).",
    "bomb": "압축 폭탄 또는 위험한 XML 구조가 있어 거부했습니다.",
    "unreadable": "파일을 열 수 없습니다 (경로나 권한을 확인해 주세요).",
}


def reject_reason(code: RejectReason | None) -> str:
    return REJECT_REASONS.get(code, "알 수 없는 이유로 건너뛰었습니다.") if code else ""
